import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { windows1252Bytes, windows1252Text } from '../../../src/core/text/windows-1252.js';

describe('windows-1252, the text of a partner file that is not UTF-8 (CSV and X12 alike)', () => {
  it('reads 0x80-0x9F as the printable characters a Windows program wrote, not as C1 control characters', () => {
    const bytes = Uint8Array.from([0x80, 0x20, 0x93, 0x61, 0x94, 0x20, 0x91, 0x92, 0x96, 0x97, 0x99, 0x85, 0x20, 0xe9, 0xfc]);
    assert.equal(windows1252Text(bytes), '€ “a” ‘’–—™… éü');
  });

  it('keeps the five bytes windows-1252 leaves undefined as the C1 characters of the same code, as the WHATWG decoder does', () => {
    const text = windows1252Text(Uint8Array.from([0x81, 0x8d, 0x8f, 0x90, 0x9d]));
    assert.deepEqual([...text].map((char) => char.codePointAt(0)), [0x81, 0x8d, 0x8f, 0x90, 0x9d]);
  });

  it('gives one character for each of the 256 bytes, which encode back to the very bytes', () => {
    const every = Uint8Array.from({ length: 256 }, (_, byte) => byte);
    const text = windows1252Text(every);
    assert.equal(text.length, 256);
    assert.deepEqual(windows1252Bytes(text), every);
  });

  it('reads a file of any length', () => {
    const euros = new Uint8Array(100_000).fill(0x80);
    assert.equal(windows1252Text(euros), '€'.repeat(100_000));
  });

  it('refuses to encode a character windows-1252 has no byte for', () => {
    assert.throws(() => windows1252Bytes('Łódź'), /"Ł" \(U\+0141\) has no byte in windows-1252/);
    // U+0093 is no windows-1252 character: 0x93 is “.
    assert.throws(() => windows1252Bytes('\u0093'), /U\+0093/);
  });
});
