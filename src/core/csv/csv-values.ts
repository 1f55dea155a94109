// Cell values of legacy plant exports turned into canonical values: decimals written with a
// decimal comma and thousands separators, dates in local formats and time zones, and the bytes
// of a file turned into text in the encoding its mapping declares. Pure: no I/O, no clock.
import { windows1252Text } from '../text/windows-1252.js';
import { readInstant, utcOffsetMinutes } from '../time.js';

/** How a mapping writes decimal numbers: `1.234,5` is separator "," and thousands ".". */
export interface DecimalFormat {
  readonly separator: '.' | ',';
  /** Grouping character, or absent when numbers are not grouped. */
  readonly thousands?: '.' | ',' | ' ' | "'";
}

export type ValueResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly message: string };

/** A value through a field's `values` table (a source's code to the canonical one); only listed values pass. */
export function listedValue(values: Readonly<Record<string, string>>, text: string): ValueResult<string> {
  const mapped = Object.hasOwn(values, text) ? values[text] : undefined;
  if (mapped !== undefined) return { ok: true, value: mapped };
  return { ok: false, message: `${JSON.stringify(text)} is not one of ${Object.keys(values).map((v) => JSON.stringify(v)).join(', ')}` };
}

/**
 * A decimal cell as a canonical decimal string (no exponent, no `+`, no leading zeros), keeping
 * the scale it was written with (`12,50` is `"12.50"`). A trailing minus (`5,00-`, as SAP
 * exports write credits) is a negative number. Never goes through a float.
 */
export function parseDecimal(raw: string, format: DecimalFormat): ValueResult<string> {
  let text = raw.trim();
  const fail = { ok: false as const, message: `${JSON.stringify(raw)} is not a decimal${describeFormat(format)}` };
  if (text === '') return fail;
  let negative = false;
  if (text.startsWith('-')) {
    negative = true;
    text = text.slice(1);
  } else if (text.endsWith('-')) {
    negative = true;
    text = text.slice(0, -1);
  }
  const parts = text.split(format.separator);
  if (parts.length > 2) return fail;
  const fraction = parts[1];
  let whole = parts[0] ?? '';
  if (format.thousands !== undefined && whole.includes(format.thousands)) {
    const groups = whole.split(format.thousands);
    // 1.234.567: a first group of one to three digits, then groups of exactly three.
    if (!/^\d{1,3}$/.test(groups[0] ?? '') || groups.slice(1).some((group) => !/^\d{3}$/.test(group))) return fail;
    whole = groups.join('');
  }
  if (!/^\d+$/.test(whole) || (fraction !== undefined && !/^\d+$/.test(fraction))) return fail;
  whole = whole.replace(/^0+(?=\d)/, '');
  const body = fraction === undefined ? whole : `${whole}.${fraction}`;
  const zero = /^0(\.0+)?$/.test(body);
  return { ok: true, value: negative && !zero ? `-${body}` : body };
}

function describeFormat(format: DecimalFormat): string {
  const thousands = format.thousands === undefined ? '' : `, thousands separator ${JSON.stringify(format.thousands)}`;
  return ` (decimal separator ${JSON.stringify(format.separator)}${thousands})`;
}

const TOKENS: Readonly<Record<string, { readonly pattern: string; readonly part: keyof DateParts }>> = {
  YYYY: { pattern: '(\\d{4})', part: 'year' },
  YY: { pattern: '(\\d{2})', part: 'year' },
  MM: { pattern: '(\\d{2})', part: 'month' },
  M: { pattern: '(\\d{1,2})', part: 'month' },
  DD: { pattern: '(\\d{2})', part: 'day' },
  D: { pattern: '(\\d{1,2})', part: 'day' },
  HH: { pattern: '(\\d{2})', part: 'hour' },
  H: { pattern: '(\\d{1,2})', part: 'hour' },
  mm: { pattern: '(\\d{2})', part: 'minute' },
  ss: { pattern: '(\\d{2})', part: 'second' },
};
const TOKEN_ORDER = ['YYYY', 'YY', 'MM', 'M', 'DD', 'D', 'HH', 'H', 'mm', 'ss'];

interface DateParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/** A compiled date format: `DD.MM.YYYY HH:mm` and the like. */
export interface DatePattern {
  readonly format: string;
  readonly regex: RegExp;
  readonly parts: readonly (keyof DateParts)[];
  readonly hasTime: boolean;
}

/** Compiles a date format; an error message when it has no year, month or day, or an unknown letter. */
export function compileDateFormat(format: string): DatePattern | string {
  if (format === 'RFC3339') return { format, regex: /^$/, parts: [], hasTime: true };
  let regex = '';
  const parts: (keyof DateParts)[] = [];
  for (let i = 0; i < format.length; ) {
    const token = TOKEN_ORDER.find((candidate) => format.startsWith(candidate, i));
    if (token !== undefined) {
      const spec = TOKENS[token];
      if (spec === undefined) return `unknown token ${token}`;
      regex += spec.pattern;
      parts.push(spec.part);
      i += token.length;
      continue;
    }
    const char = format[i] ?? '';
    if (/[A-Za-z]/.test(char)) return `date format ${JSON.stringify(format)}: unknown letter "${char}" (use YYYY, YY, MM, M, DD, D, HH, H, mm, ss)`;
    regex += char.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    i += 1;
  }
  for (const needed of ['year', 'month', 'day'] as const) {
    if (!parts.includes(needed)) return `date format ${JSON.stringify(format)} has no ${needed}`;
  }
  if (new Set(parts).size !== parts.length) return `date format ${JSON.stringify(format)} names a part twice`;
  return { format, regex: new RegExp(`^${regex}$`), parts, hasTime: parts.includes('hour') };
}

/**
 * A date cell as `YYYY-MM-DD` (`kind: date`) or as RFC 3339 with the offset the time zone has
 * at that local time (`kind: datetime`; a format without a time means local midnight).
 */
export function parseDate(raw: string, pattern: DatePattern, kind: 'date' | 'datetime', timeZone: string): ValueResult<string> {
  const text = raw.trim();
  if (pattern.format === 'RFC3339') {
    if (readInstant(text) === undefined) return { ok: false, message: `${JSON.stringify(raw)} is not an RFC 3339 date-time with offset` };
    return { ok: true, value: kind === 'date' ? text.slice(0, 10) : text };
  }
  const fail = { ok: false as const, message: `${JSON.stringify(raw)} is not a date in the format ${pattern.format}` };
  const match = pattern.regex.exec(text);
  if (match === null) return fail;
  const parts: DateParts = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };
  pattern.parts.forEach((part, index) => {
    parts[part] = Number(match[index + 1]);
  });
  // Two-digit years are 20YY: these are exports of running plants, not archives.
  if (parts.year < 100) parts.year += 2000;
  const ms = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second);
  const check = new Date(ms);
  if (
    parts.month < 1 ||
    check.getUTCFullYear() !== parts.year ||
    check.getUTCMonth() !== parts.month - 1 ||
    check.getUTCDate() !== parts.day ||
    parts.hour > 23 ||
    parts.minute > 59 ||
    parts.second > 59
  ) {
    return { ok: false, message: `${JSON.stringify(raw)} is not a valid date (${pattern.format})` };
  }
  const date = `${pad(parts.year, 4)}-${pad(parts.month)}-${pad(parts.day)}`;
  if (kind === 'date') return { ok: true, value: date };
  const offset = zoneOffsetAtLocal(timeZone, ms);
  if (offset === undefined) {
    // The zone was checked when the mapping was loaded, so it is known: the wall time is before
    // the zone kept standard time (Detroit until 1905), whose offset has seconds RFC 3339 cannot
    // write. Saying the zone is unknown sent operators to the manifest for a bad cell.
    if (isTimeZone(timeZone)) return { ok: false, message: `${JSON.stringify(raw)} is before ${timeZone} kept standard time (local mean time, an offset not in whole minutes): no RFC 3339 offset can be given` };
    return { ok: false, message: `time zone ${JSON.stringify(timeZone)} is not an IANA time zone` };
  }
  return { ok: true, value: `${date}T${pad(parts.hour)}:${pad(parts.minute)}:${pad(parts.second)}${formatOffset(offset)}` };
}

function pad(value: number, width = 2): string {
  return String(value).padStart(width, '0');
}

function formatOffset(minutes: number): string {
  if (minutes === 0) return 'Z';
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** Whether a name is an IANA time zone Intl knows. */
export function isTimeZone(timeZone: string): boolean {
  return utcOffsetMinutes(timeZone, 0) !== undefined;
}

/**
 * The zone's UTC offset in minutes for a local wall time (given as if it were UTC). In the hour
 * a clock skips (spring forward) the offset before the change applies; in the hour it repeats,
 * the earlier (summer) offset.
 */
function zoneOffsetAtLocal(timeZone: string, localMs: number): number | undefined {
  // The offsets a day either side bracket any change near this wall time (no zone changes twice
  // in two days). Probing with the wall time read as UTC instead picked the later offset of a
  // repeated hour east of UTC (Berlin, 25.10.2026 02:30 as +01:00) and the later one of a
  // skipped hour west of it (Detroit, 08.03.2026 02:30 as -04:00).
  const before = utcOffsetMinutes(timeZone, localMs - 86_400_000);
  const after = utcOffsetMinutes(timeZone, localMs + 86_400_000);
  if (before === undefined || after === undefined) return undefined;
  const holds = (offset: number): boolean => utcOffsetMinutes(timeZone, localMs - offset * 60_000) === offset;
  // The first occurrence of a repeated hour is under the offset before the change; a skipped
  // hour (neither holds) is read with it too.
  if (holds(before) || !holds(after)) return before;
  return after;
}


/** Encodings a CSV mapping may declare. latin1 is read as windows-1252 (windows1252Text, as X12 reads a file that is not UTF-8), as browsers and Excel do. */
export const CSV_ENCODINGS = ['utf-8', 'windows-1252', 'latin1'] as const;
export type CsvEncoding = (typeof CSV_ENCODINGS)[number];

export type DecodeResult =
  | { readonly ok: true; readonly text: string; readonly encoding: string; readonly bom: boolean }
  | { readonly ok: false; readonly message: string; readonly line?: number; readonly offset?: number };

/**
 * The text of a file in its mapping's encoding. A UTF-8 byte order mark wins over the declared
 * encoding (the producer said what it wrote); UTF-16 is refused; invalid UTF-8 in a UTF-8
 * mapping is an error naming the byte offset and line, never a replacement character.
 */
export function decodeCsv(bytes: Uint8Array, encoding: CsvEncoding): DecodeResult {
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    return { ok: false, message: 'the file is UTF-16 (it starts with a UTF-16 byte order mark); export it as UTF-8 or as the encoding the mapping declares', line: 1, offset: 0 };
  }
  const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  if (bom || encoding === 'utf-8') {
    const invalid = firstInvalidUtf8(bytes);
    if (invalid !== undefined) {
      const line = lineAt(bytes, invalid);
      const hint = encoding === 'utf-8' ? '; if the plant exports windows-1252 (ANSI), declare encoding: windows-1252 in the mapping' : '; the file starts with a UTF-8 byte order mark but is not UTF-8';
      return {
        ok: false,
        message: `line ${line}: byte 0x${(bytes[invalid] ?? 0).toString(16).toUpperCase().padStart(2, '0')} at offset ${invalid} is not valid UTF-8${hint}`,
        line,
        offset: invalid,
      };
    }
    // TextDecoder drops a leading BOM.
    return { ok: true, text: new TextDecoder('utf-8').decode(bytes), encoding: 'utf-8', bom };
  }
  return { ok: true, text: windows1252Text(bytes), encoding: 'windows-1252', bom: false };
}

/** The 1-based line of a byte offset (lines end with LF; CR LF counts once). */
export function lineAt(bytes: Uint8Array, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < bytes.length; i += 1) if (bytes[i] === 0x0a) line += 1;
  return line;
}

/** Offset of the first byte that is not part of a well-formed UTF-8 sequence (RFC 3629), if any. */
export function firstInvalidUtf8(bytes: Uint8Array): number | undefined {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i] ?? 0;
    if (b < 0x80) {
      i += 1;
      continue;
    }
    let need: number;
    let min: number;
    let max = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) {
      need = 1;
      min = 0x80;
    } else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      min = b === 0xe0 ? 0xa0 : 0x80;
      if (b === 0xed) max = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      min = b === 0xf0 ? 0x90 : 0x80;
      if (b === 0xf4) max = 0x8f;
    } else {
      return i;
    }
    for (let k = 1; k <= need; k += 1) {
      const c = bytes[i + k];
      const lo = k === 1 ? min : 0x80;
      const hi = k === 1 ? max : 0xbf;
      if (c === undefined || c < lo || c > hi) return i;
    }
    i += need + 1;
  }
  return undefined;
}
