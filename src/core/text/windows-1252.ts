// The one reading of a partner file that is not UTF-8, for every intake (CSV, X12): windows-1252,
// as browsers and Excel read "latin1" and "ANSI" files, and the way back to the bytes, so that a
// part of such a file can be kept as it was sent. Pure: no I/O.

/**
 * What 0x80-0x9F are in windows-1252 (the WHATWG index): the characters Windows programs write
 * there (€ ‚ ƒ „ … † ‡ ˆ ‰ Š ‹ Œ Ž ‘ ’ “ ” • – — ˜ ™ š › œ ž Ÿ), where ISO-8859-1 has C1 control
 * characters no partner means. Every other byte is the character of the same code.
 *
 * A table, not TextDecoder('windows-1252'): Node 20.18.3 and later (22.13.0 and later too) decode
 * that label as ISO-8859-1, 0x80 as U+0080 (nodejs/node#60888), so it would quietly give the C1
 * characters this reading is for avoiding.
 *
 * The five bytes windows-1252 leaves undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D) are the C1
 * character of the same code, as the WHATWG decoder makes them: kept, not refused, so that one
 * stray byte in a free text does not cost the whole file; a field that takes no control
 * character (an id: the contracts' identifier) refuses it there, as it would any other.
 */
const HIGH = [
  0x20ac, 0x0081, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008d, 0x017d, 0x008f,
  0x0090, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0x009d, 0x017e, 0x0178,
];

/** The UTF-16 code unit of each byte (every windows-1252 character is one). */
const CHARACTER_OF = Uint16Array.from({ length: 256 }, (_, byte) => (byte >= 0x80 && byte < 0xa0 ? (HIGH[byte - 0x80] ?? byte) : byte));

/** The byte of each character of 0x80-0x9F that is not its own code. */
const BYTE_OF = new Map(HIGH.map((code, i) => [code, 0x80 + i]));

/** The text of bytes read as windows-1252: one character per byte, so text positions are byte offsets. Never fails. */
export function windows1252Text(bytes: Uint8Array): string {
  let text = '';
  // In slices: a spread of a whole file would overflow the call stack.
  for (let at = 0; at < bytes.length; at += 8192) {
    const slice = bytes.subarray(at, at + 8192);
    const codes = new Uint16Array(slice.length);
    for (let i = 0; i < slice.length; i += 1) codes[i] = CHARACTER_OF[slice[i] ?? 0] ?? 0;
    text += String.fromCharCode(...codes);
  }
  return text;
}

/**
 * The bytes of text windows1252Text gave, exactly as they were. Throws on a character it has no
 * byte for: such text did not come from a windows-1252 file.
 */
export function windows1252Bytes(text: string): Uint8Array {
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    const byte = code < 0x80 || (code >= 0xa0 && code <= 0xff) ? code : BYTE_OF.get(code);
    if (byte === undefined) throw new RangeError(`${JSON.stringify(text[i])} (U+${code.toString(16).toUpperCase().padStart(4, '0')}) has no byte in windows-1252`);
    bytes[i] = byte;
  }
  return bytes;
}
