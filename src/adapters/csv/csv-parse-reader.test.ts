// The lines a CSV record spans, as a plant's export has them, whatever its line ends.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { CsvParseReader } from './csv-parse-reader.js';

const receipts = readFileSync(new URL('../../../test/fixtures/csv/wms-p02-receipts.csv', import.meta.url), 'utf8');
const options = { delimiter: ';', quote: '"' } as const;
const reader = new CsvParseReader();

function spans(text: string): [number, number][] {
  const read = reader.read(text, options);
  assert.ok(read.ok, JSON.stringify(read));
  return read.records.map((record) => [record.line, record.endLine]);
}

describe('CsvParseReader', () => {
  it('numbers the lines of LF, CR LF and CR CR LF exports alike', () => {
    const lf = receipts.replaceAll('\r\n', '\n');
    const expected = [[1, 1], [2, 2], [3, 3], [4, 4]];
    assert.deepEqual(spans(lf), expected);
    assert.deepEqual(spans(lf.replaceAll('\n', '\r\n')), expected);
    // A CR LF file sent once more through a text-mode transfer: each line ends CR CR LF.
    assert.deepEqual(spans(lf.replaceAll('\n', '\r\r\n')), expected);
  });

  it('counts the lines of a quoted value, and a CR inside one as no line', () => {
    const lf = receipts.replaceAll('\r\n', '\n');
    const text = lf.replace('Karton eingedrückt', '"Karton\neingedrückt,\rBeleg folgt"');
    assert.deepEqual(spans(text), [[1, 1], [2, 2], [3, 4], [5, 5]]);
  });

  it('skips blank lines and rows of delimiters only, and keeps counting them', () => {
    const lf = receipts.replaceAll('\r\n', '\n');
    const text = lf.replace('\nWE-1002', '\n\n;;;;;;;;\n   \nWE-1002');
    assert.deepEqual(spans(text), [[1, 1], [2, 2], [3, 3], [7, 7]]);
  });

  it('names the line where the row with an unclosed quoted value starts, not the end of the file', () => {
    const lf = receipts.replaceAll('\r\n', '\n').replace('Karton eingedrückt', '"Karton eingedrückt');
    assert.deepEqual(reader.read(`${lf}WE-1003;02.03.2026 10:00;PO-7003;10;MX-10023;5;ST;;\n`, options), {
      ok: false,
      line: 3,
      message: 'line 3: the row starting on this line opens a quoted value that is never closed (the file ends inside it)',
    });
  });

  it('refuses a file whose lines end with CR alone instead of reading it as a header and no rows', () => {
    const read = reader.read(receipts.replaceAll('\r\n', '\r'), options);
    assert.deepEqual(read, { ok: false, line: 1, message: 'line 1: the lines end with CR alone (classic Mac line ends); export the file with LF or CR LF line ends' });
  });
});
