// `millrace rehearse` on the committed sample: what an integration team sees before a change.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { CloudEvent } from '../../src/core/index.js';
import { runCli } from '../support/cli.js';

const SAMPLE = 'examples/p2p-rehearsal.jsonl';

interface Report {
  accepted: number;
  duplicates: number;
  rejected: { id?: string; line: number; reason: string }[];
  workflows: { poNumber: string; line: number; stage: string; ordered: string; received: string; invoiced: string; stopped?: string }[];
  exceptions: { id: string; code: string; owner: string; status: string; poNumber?: string; line?: number; invoiceNumber?: string }[];
  derived: CloudEvent[];
}

function rehearse(args: string[]): Report {
  const result = runCli(['rehearse', '--events', SAMPLE, '--json', ...args]);
  assert.equal(result.status, 0, result.stderr);
  return JSON.parse(result.stdout) as Report;
}

describe('millrace rehearse', () => {
  it('runs the sample in file order and reports workflows, exceptions and derived events', () => {
    const report = rehearse(['--until', '2026-03-12T00:00:00Z']);
    const lines = readFileSync(SAMPLE, 'utf8').trim().split('\n');
    assert.equal(report.accepted + report.duplicates + report.rejected.length, lines.length);
    assert.equal(report.duplicates, 1, 'the warehouse resent GR-5000201');
    assert.deepEqual(report.rejected.map((r) => [r.id, r.line]), [['sup-0311-conf-bad', 6]]);
    assert.match(report.rejected[0]!.reason, /\/data\/lines\/0\/quantity/);
    assert.deepEqual(
      report.workflows.map((w) => [`${w.poNumber}/${w.line}`, w.stage, w.received, w.invoiced, w.stopped ?? '0']),
      [
        ['4500088001/10', 'posted', '500', '500', '0'],
        ['4500088001/20', 'invoiced', '190', '200', '0'],
        // INV-E-2207 is stopped by its price variance: billed, but not counted as invoiced (ADR 0006, 2026-11-30).
        ['4500088002/10', 'invoiced', '900', '0', '900'],
        ['4500088003/10', 'posted', '100', '100', '0'],
      ],
    );
    assert.deepEqual(
      report.exceptions.map((e) => [e.code, e.owner, e.status, `${e.poNumber}/${e.line}`]),
      [
        ['late_confirmation', 'procurement', 'resolved', '4500088002/10'],
        ['confirmation_mismatch', 'procurement', 'open', '4500088002/10'],
        ['duplicate_invoice', 'accounts-payable', 'open', '4500088001/10'],
        ['duplicate_invoice', 'accounts-payable', 'open', '4500088001/20'],
        ['price_variance', 'accounts-payable', 'open', '4500088002/10'],
        ['receipt_missing', 'accounts-payable', 'open', '4500088001/20'],
      ],
    );
    assert.ok(report.derived.every((e) => e.source === '/millrace' && e.correlationid !== undefined));
    assert.equal(report.derived.filter((e) => e.type === 'invoice.matched').length, 2);
  });

  it('without --until stops at the last event: the 5-day hold has not run out yet', () => {
    const report = rehearse([]);
    assert.ok(!report.exceptions.some((e) => e.code === 'receipt_missing'));
  });

  it('shows what a manifest change would do: a 5% price tolerance lets the EUR invoice match', () => {
    const dir = mkdtempSync(join(tmpdir(), 'millrace-rehearse-'));
    try {
      const manifest = join(dir, 'millrace.yaml');
      writeFileSync(manifest, readFileSync('examples/millrace.yaml', 'utf8').replace('pricePercent: "2"', 'pricePercent: "5"'));
      const report = rehearse(['--manifest', manifest, '--until', '2026-03-12T00:00:00Z']);
      assert.ok(!report.exceptions.some((e) => e.code === 'price_variance'));
      assert.equal(report.workflows.find((w) => w.poNumber === '4500088002')?.stage, 'matched');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('applies the manifest publishing rules when one is given', () => {
    const dir = mkdtempSync(join(tmpdir(), 'millrace-rehearse-'));
    try {
      const events = join(dir, 'events.jsonl');
      const wrong = { specversion: '1.0', id: 'x-1', source: '/systems/wms-p01', type: 'po.released', time: '2026-03-02T08:00:00Z', data: {} };
      writeFileSync(events, `${JSON.stringify(wrong)}\nnot json\n`);
      const result = runCli(['rehearse', '--events', events, '--json', '--manifest', 'examples/millrace.yaml']);
      const report = JSON.parse(result.stdout) as Report;
      assert.deepEqual(report.rejected.map((r) => r.line), [1, 2]);
      assert.match(report.rejected[0]!.reason, /forbidden_event_type/);
      assert.match(report.rejected[1]!.reason, /line 2 is not JSON/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects a line that is JSON but no object (null, a string, an array) by its line, and runs the rest', () => {
    const dir = mkdtempSync(join(tmpdir(), 'millrace-rehearse-'));
    try {
      const file = join(dir, 'odd.jsonl');
      const first = readFileSync(SAMPLE, 'utf8').split('\n')[0] ?? '';
      writeFileSync(file, ['null', '"po.released"', '[1, 2]', '42', first].join('\n') + '\n');
      const result = runCli(['rehearse', '--events', file, '--json']);
      assert.equal(result.status, 0, result.stderr);
      const report = JSON.parse(result.stdout) as Report;
      assert.equal(report.accepted, 1);
      assert.deepEqual(
        report.rejected.map((r) => [r.line, r.reason]),
        [
          [1, 'line 1 is not a CloudEvent: a JSON object is expected, not null'],
          [2, 'line 2 is not a CloudEvent: a JSON object is expected, not a string'],
          [3, 'line 3 is not a CloudEvent: a JSON object is expected, not an array'],
          [4, 'line 4 is not a CloudEvent: a JSON object is expected, not a number'],
        ],
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('fails with a readable message on a missing file or a bad --until', () => {
    const missing = runCli(['rehearse', '--events', 'no-such.jsonl']);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /cannot read no-such.jsonl/);
    const until = runCli(['rehearse', '--events', SAMPLE, '--until', 'next tuesday']);
    assert.equal(until.status, 2);
    assert.match(until.stderr, /--until must be an RFC 3339 instant/);
    // A local time (no offset) and a day February does not have are no instants either.
    for (const text of ['2026-03-12T00:00:00', '2026-02-30T00:00:00Z']) {
      const bad = runCli(['rehearse', '--events', SAMPLE, '--until', text]);
      assert.equal(bad.status, 2, text);
      assert.match(bad.stderr, new RegExp(`--until must be an RFC 3339 instant with an offset, e\\.g\\. 2026-03-20T00:00:00Z \\(got "${text}"\\)`));
    }
  });
});
