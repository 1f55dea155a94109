// `millrace csv check`: the built CLI on the fixtures of test/fixtures/csv.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { assertBuilt, runCli } from '../support/cli.js';

const MANIFEST = 'test/fixtures/csv/millrace.yaml';

describe('millrace csv check', () => {
  before(assertBuilt);

  it('exits 0 and lists the events a clean export would give', () => {
    const result = runCli(['csv', 'check', 'test/fixtures/csv/wms-p02-receipts.csv', '--mapping', 'wms-p02-receipts', '--manifest', MANIFEST]);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /accept {6}wms-p02-receipts\/WE-1001 {2}\(line 2, 3\)/);
    assert.match(result.stdout, /3 row\(s\), 2 event\(s\) accepted, 0 group\(s\) quarantined/);
  });

  it('exits 1 and says which rows would be quarantined and why, by line and column', () => {
    const result = runCli(['csv', 'check', 'test/fixtures/csv/wms-p02-receipts-bad.csv', '--mapping', 'wms-p02-receipts', '--manifest', MANIFEST, '--json']);
    assert.equal(result.status, 1, result.stderr);
    const report = JSON.parse(result.stdout) as { accepted: { id: string }[]; quarantined: { lines: number[]; problems: { code: string; column?: string }[] }[] };
    assert.deepEqual(report.accepted.map((e) => e.id), ['wms-p02-receipts/WE-2001', 'wms-p02-receipts/WE-2006']);
    assert.deepEqual(report.quarantined.map((q) => [q.lines, q.problems[0]?.code, q.problems[0]?.column]), [
      [[3], 'not_date', 'Datum'],
      [[4], 'not_decimal', 'Menge'],
      [[5], 'field_count', undefined],
      [[6], 'contract_violation', 'Abgelehnt'],
    ]);
  });

  it('names the blank rows it skips (delimiters only, or nothing) by line, as intake reports them', () => {
    const text = runCli(['csv', 'check', 'test/fixtures/csv/wms-p02-receipts-blank-rows.csv', '--mapping', 'wms-p02-receipts', '--manifest', MANIFEST]);
    assert.equal(text.status, 0, text.stderr);
    assert.match(text.stdout, /3 row\(s\), 2 event\(s\) accepted, 0 group\(s\) quarantined; 4 blank row\(s\) skipped \(line 4, 6, 7, 8\)/);
    const json = runCli(['csv', 'check', 'test/fixtures/csv/wms-p02-receipts-blank-rows.csv', '--mapping', 'wms-p02-receipts', '--manifest', MANIFEST, '--json']);
    assert.deepEqual((JSON.parse(json.stdout) as { rows: number; blankRows: number[] }).blankRows, [4, 6, 7, 8]);
  });

  it('exits 2 on a file it cannot read and on an unknown mapping', () => {
    const unreadable = runCli(['csv', 'check', 'test/fixtures/csv/wms-p02-receipts-invalid-utf8.csv', '--mapping', 'wms-p02-receipts', '--manifest', MANIFEST]);
    assert.equal(unreadable.status, 2);
    assert.match(unreadable.stderr, /millrace: csv_unreadable: line 3: byte 0xFC at offset 172 is not valid UTF-8/);
    const unknown = runCli(['csv', 'check', 'test/fixtures/csv/wms-p02-receipts.csv', '--mapping', 'nope', '--manifest', MANIFEST]);
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /millrace: not_found: no CSV mapping nope/);
  });
});
