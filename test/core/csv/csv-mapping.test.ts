import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CsvMappingDeclaration, CsvRecord } from '../../../src/core/csv/csv-mapping.js';
import { compileCsvMapping, mapCsvRecords } from '../../../src/core/csv/csv-mapping.js';

const receipts: CsvMappingDeclaration = {
  id: 'receipts',
  source: 'wms-p02',
  eventType: 'goods.received',
  encoding: 'utf-8',
  delimiter: ';',
  quote: '"',
  decimal: { separator: ',', thousands: '.' },
  dates: { format: 'DD.MM.YYYY', timezone: 'Europe/Berlin' },
  groupBy: ['Doc'],
  time: { column: 'Date' },
  fields: {
    receiptId: { column: 'Doc' },
    plant: { value: 'P02' },
    'lines[].poNumber': { column: 'PO' },
    'lines[].line': { column: 'Pos', type: 'integer' },
    'lines[].quantity': { column: 'Qty', type: 'decimal' },
    'lines[].uom': { column: 'Unit', codes: 'unit' },
  },
  units: { ST: 'EA' },
};

function records(...rows: string[][]): CsvRecord[] {
  return rows.map((values, i) => ({ line: i + 1, endLine: i + 1, values }));
}

function map(rows: CsvRecord[], declaration = receipts) {
  const compiled = compileCsvMapping(declaration);
  assert.ok(compiled.ok);
  const [header, ...data] = rows;
  assert.ok(header);
  return mapCsvRecords({ mapping: compiled.mapping, source: '/systems/wms-p02', header, records: data, masterData: {}, fileDigest: '00'.repeat(32) });
}

describe('CSV mapping', () => {
  const header = ['Doc', 'Date', 'PO', 'Pos', 'Qty', 'Unit'];

  it('gathers the rows of one receipt, wherever they are in the file, into one event with a line each', () => {
    const result = map(records(header, ['R1', '01.03.2026', 'PO-1', '10', '1.000', 'ST'], ['R2', '01.03.2026', 'PO-2', '10', '5', 'EA'], ['R1', '01.03.2026', 'PO-1', '20', '2,5', 'st']));
    assert.ok(result.ok);
    assert.deepEqual(result.events.map((e) => [e.event.id, e.records.map((r) => r.line)]), [['receipts/R1', [2, 4]], ['receipts/R2', [3]]]);
    assert.deepEqual(result.events[0]?.event.data.lines, [
      { poNumber: 'PO-1', line: 10, quantity: '1000', uom: 'EA' },
      { poNumber: 'PO-1', line: 20, quantity: '2.5', uom: 'ST' },
    ]);
    assert.equal(result.events[0]?.event.time, '2026-03-01T00:00:00+01:00');
  });

  it('rejects a receipt whole when its rows disagree on what is said once per receipt', () => {
    const result = map(records(header, ['R1', '01.03.2026', 'PO-1', '10', '1', 'EA'], ['R1', '02.03.2026', 'PO-1', '20', '1', 'EA']));
    assert.ok(result.ok);
    assert.deepEqual(result.events, []);
    assert.deepEqual(result.rejected[0]?.problems.map((p) => p.message), ['line 3, column "Date": "02.03.2026" differs from line 2 ("01.03.2026") of the same goods.received']);
  });

  it('maps listed values to canonical ones and rejects a receipt with a value the list does not have', () => {
    const listed = { ...receipts, fields: { ...receipts.fields, 'lines[].poNumber': { column: 'PO', values: { A1: 'PO-1', B2: 'PO-2' } } } };
    const result = map(records(header, ['R1', '01.03.2026', 'A1', '10', '1', 'EA'], ['R2', '01.03.2026', 'Z9', '10', '1', 'EA']), listed);
    assert.ok(result.ok);
    assert.deepEqual(result.events.map((e) => [e.event.id, (e.event.data.lines as { poNumber: string }[])[0]?.poNumber]), [['receipts/R1', 'PO-1']]);
    const problems = result.rejected[0]?.problems ?? [];
    assert.deepEqual(problems.map((p) => p.code), ['unknown_value']);
    assert.match(problems[0]?.message ?? '', /line 3, column "PO": "Z9" is not one of "A1", "B2"/);
  });

  it('rejects a whole number that is not one, or too large to keep without losing digits', () => {
    const result = map(records(header, ['R1', '01.03.2026', 'PO-1', '1.5', '1', 'EA'], ['R2', '01.03.2026', 'PO-1', '99999999999999999999', '1', 'EA'], ['R3', '01.03.2026', 'PO-1', '9007199254740991', '1', 'EA']));
    assert.ok(result.ok);
    assert.deepEqual(result.events.map((e) => (e.event.data.lines as { line: number }[])[0]?.line), [9007199254740991]);
    assert.deepEqual(
      result.rejected.map((r) => r.problems.map((p) => [p.code, p.message])),
      [
        [['not_integer', 'line 2, column "Pos": "1.5" is not a whole number']],
        [['not_integer', 'line 3, column "Pos": "99999999999999999999" is too large a whole number to keep exactly (at most 9007199254740991)']],
      ],
    );
  });

  it('locates a contract pointer of a line at its row and column', () => {
    const result = map(records(header, ['R1', '01.03.2026', 'PO-1', '10', '1', 'EA'], ['R1', '01.03.2026', 'PO-1', '20', '1', 'EA']));
    assert.ok(result.ok);
    assert.deepEqual(result.events[0]?.locate('/data/lines/1/quantity'), { line: 3, column: 'Qty', value: '1' });
    assert.deepEqual(result.events[0]?.locate('/data/plant'), { line: 2 });
  });

  it('locates a problem with the event id at the key column it is built from', () => {
    // A tab in the receipt number makes an id the envelope refuses: the plant must see which cell.
    const result = map(records(header, ['R\t1', '01.03.2026', 'PO-1', '10', '1', 'EA']));
    assert.ok(result.ok);
    assert.deepEqual(result.events[0]?.locate('/id'), { line: 2, column: 'Doc', value: 'R\t1' });
    const twoKeys = map(records(header, ['R1', '01.03.2026', 'PO-\u00001', '10', '1', 'EA']), { ...receipts, key: ['Doc', 'PO'] });
    assert.ok(twoKeys.ok);
    assert.deepEqual(twoKeys.events[0]?.locate('/id'), { line: 2, column: 'PO', value: 'PO-\u00001' });
  });

  it('refuses a header that names a column it reads twice, instead of reading the first', () => {
    // A WMS export with the ordered and the received quantity both headed "Qty".
    const twice = ['Doc', 'Date', 'PO', 'Pos', 'Qty', 'Unit', 'Qty'];
    const result = map(records(twice, ['R1', '01.03.2026', 'PO-1', '10', '100', 'EA', '96']));
    assert.deepEqual(result, {
      ok: false,
      line: 1,
      message: 'line 1: the header names "Qty" (columns 5, 7) more than once; mapping receipts reads it and cannot tell which is meant: rename the export\'s columns',
    });
    // A repeated column the mapping does not read is no problem.
    const unread = map(records([...header, 'Note', 'Note'], ['R1', '01.03.2026', 'PO-1', '10', '100', 'EA', 'a', 'b']));
    assert.ok(unread.ok);
    assert.equal(unread.events.length, 1);
  });

  it('says what is wrong with a mapping that cannot be used', () => {
    const broken = compileCsvMapping({ ...receipts, groupBy: undefined as never, dates: { format: 'DD.MM.', timezone: 'Mars/Olympus' }, fields: { ...receipts.fields, 'lines.x': { column: 'X' }, plant: {} } });
    assert.ok(!broken.ok);
    assert.deepEqual(broken.problems.map((p) => p.path.join('/')), ['fields/plant', 'fields/lines.x', 'dates/format', 'groupBy', 'dates/timezone']);
  });
});
