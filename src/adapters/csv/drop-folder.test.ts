// Drop folders: complete files are taken through CSV intake and moved with a report beside them.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import type { CsvFileReport, QuarantineView } from '../../app/index.js';
import { CsvDropFolders } from './drop-folder.js';
import type { TestHub } from '../../../test/support/hub.js';
import { callHub, startTestHub } from '../../../test/support/hub.js';

const FIXTURES = new URL('../../../test/fixtures/csv/', import.meta.url);

describe('CSV drop folders', () => {
  let dir: string;
  let folder: string;
  let t: TestHub;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'millrace-drop-'));
    copyFileSync(new URL('millrace.yaml', FIXTURES), join(dir, 'millrace.yaml'));
    folder = join(dir, 'drop', 'wms-p02-receipts');
    mkdirSync(folder, { recursive: true });
    t = await startTestHub({ manifestPath: join(dir, 'millrace.yaml') });
  });
  after(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Writes under a temporary name, renames when complete (the convention), and ages the file. */
  function drop(name: string, fixture: string): void {
    const partial = join(folder, `${name}.part`);
    writeFileSync(partial, readFileSync(new URL(fixture, FIXTURES)));
    const path = join(folder, name);
    copyFileSync(partial, path);
    rmSync(partial);
    const old = new Date(Date.now() - 60_000);
    utimesSync(path, old, old);
  }

  it('moves a file whose rows all went in to processed/, with its report next to it', async () => {
    drop('receipts-0302.csv', 'wms-p02-receipts.csv');
    const [outcome, ...others] = await t.hub.dropFolders.scanOnce();
    assert.deepEqual(others, []);
    assert.equal(outcome?.outcome, 'processed');
    assert.equal(outcome?.movedTo, join(folder, 'processed', 'receipts-0302.csv'));
    const report = JSON.parse(readFileSync(join(folder, 'processed', 'receipts-0302.csv.report.json'), 'utf8'));
    assert.deepEqual(report.accepted.map((e: { id: string }) => e.id), ['wms-p02-receipts/WE-1001', 'wms-p02-receipts/WE-1002']);
    assert.ok(await t.store.find('/systems/wms-p02', 'wms-p02-receipts/WE-1001'));
    assert.equal(existsSync(join(folder, 'receipts-0302.csv')), false);
  });

  it('takes a resent file of the same name as duplicates and keeps both copies', async () => {
    drop('receipts-0302.csv', 'wms-p02-receipts.csv');
    const [outcome] = await t.hub.dropFolders.scanOnce();
    assert.equal(outcome?.movedTo, join(folder, 'processed', '1-receipts-0302.csv'));
    assert.equal((outcome?.report as CsvFileReport).duplicates.length, 2);
  });

  it('moves files with quarantined rows, or that cannot be read, to failed/ with the reasons', async () => {
    drop('receipts-0303.csv', 'wms-p02-receipts-bad.csv');
    drop('receipts-0304.csv', 'wms-p02-receipts-invalid-utf8.csv');
    const outcomes = await t.hub.dropFolders.scanOnce();
    assert.deepEqual(outcomes.map((o) => [o.file, o.outcome]), [['receipts-0303.csv', 'failed'], ['receipts-0304.csv', 'failed']]);
    assert.equal((outcomes[0]?.report as CsvFileReport).quarantined.length, 4);
    const unreadable = JSON.parse(readFileSync(join(folder, 'failed', 'receipts-0304.csv.report.json'), 'utf8'));
    assert.equal(unreadable.code, 'csv_unreadable');
    assert.equal(unreadable.line, 3);
    assert.ok((await t.store.quarantines.getQuarantined(unreadable.quarantineId))?.raw.length);
  });

  it('goes on with the rest of the folder when a file is gone before it is read (another hub on a shared folder took it)', async () => {
    // A folder of its own, read by a drop folder reader on the hub's real CSV intake; its clock
    // removes the first file the moment it was listed and looked at, as a second hub polling the
    // same share would have taken it.
    const shared = join(dir, 'drop', 'shared');
    mkdirSync(shared, { recursive: true });
    for (const name of ['receipts-0401.csv', 'receipts-0402.csv']) {
      writeFileSync(join(shared, name), readFileSync(new URL('wms-p02-receipts.csv', FIXTURES)));
    }
    let taken = false;
    const errors: string[] = [];
    const reader = new CsvDropFolders(t.hub.csv, [{ mapping: 'wms-p02-receipts', path: shared }], {
      now: () => {
        if (!taken) rmSync(join(shared, 'receipts-0401.csv'));
        taken = true;
        return Date.now() + 60_000;
      },
      onError: (error, file) => errors.push(`${file}: ${String(error)}`),
    });
    const outcomes = await reader.scanOnce();
    assert.deepEqual(outcomes.map((o) => [o.file, o.outcome]), [['receipts-0402.csv', 'processed']]);
    assert.deepEqual(errors, [], 'a file another reader took is not a fault of this one');
    assert.deepEqual(readdirSync(join(shared, 'processed')).sort(), ['receipts-0402.csv', 'receipts-0402.csv.report.json']);
  });

  it('reports a file it cannot move and goes on with the next folder, taking the file again at the next scan', async () => {
    // The first folder's processed/ is a link to a device, so its file cannot be moved there;
    // before, that ended the scan and the second folder waited behind it for good.
    const stuck = join(dir, 'drop', 'stuck');
    const next = join(dir, 'drop', 'next');
    mkdirSync(stuck, { recursive: true });
    mkdirSync(next, { recursive: true });
    symlinkSync('/dev/null', join(stuck, 'processed'));
    writeFileSync(join(stuck, 'receipts-0501.csv'), readFileSync(new URL('wms-p02-receipts.csv', FIXTURES)));
    writeFileSync(join(next, 'receipts-0502.csv'), readFileSync(new URL('wms-p02-receipts.csv', FIXTURES)));
    const errors: string[] = [];
    const reader = new CsvDropFolders(
      t.hub.csv,
      [
        { mapping: 'wms-p02-receipts', path: stuck },
        { mapping: 'wms-p02-receipts', path: next },
      ],
      { now: () => Date.now() + 60_000, onError: (_error, file) => errors.push(file) },
    );
    const outcomes = await reader.scanOnce();
    assert.deepEqual(outcomes.map((o) => [o.file, o.movedTo]), [['receipts-0502.csv', join(next, 'processed', 'receipts-0502.csv')]]);
    assert.deepEqual(errors, [join(stuck, 'receipts-0501.csv')]);
    assert.ok(existsSync(join(stuck, 'receipts-0501.csv')), 'the file stays where it was, to be taken again');
    rmSync(join(stuck, 'processed'));
    const [again] = await reader.scanOnce();
    assert.equal(again?.movedTo, join(stuck, 'processed', 'receipts-0501.csv'));
    assert.equal((again?.report as CsvFileReport).duplicates.length, 2, 'its rows went in at the first scan: duplicates now');
  });

  it('leaves files still being written alone: temporary names, and files changed moments ago', async () => {
    writeFileSync(join(folder, 'receipts-0305.csv.part'), 'Beleg;Datum');
    writeFileSync(join(folder, '.receipts-0306.csv'), 'Beleg;Datum');
    writeFileSync(join(folder, 'receipts-0307.csv'), readFileSync(new URL('wms-p02-receipts.csv', FIXTURES)));
    assert.deepEqual(await t.hub.dropFolders.scanOnce(), []);
    assert.deepEqual(readdirSync(folder).sort(), ['.receipts-0306.csv', 'failed', 'processed', 'receipts-0305.csv.part', 'receipts-0307.csv']);
  });
});

describe('CSV drop folders, traced', () => {
  it('opens an intake span per file and stores its events with it, the parent of their processing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'millrace-drop-traced-'));
    copyFileSync(new URL('millrace.yaml', FIXTURES), join(dir, 'millrace.yaml'));
    const folder = join(dir, 'drop', 'wms-p02-receipts');
    mkdirSync(folder, { recursive: true });
    const exporter = new InMemorySpanExporter();
    const t = await startTestHub({ manifestPath: join(dir, 'millrace.yaml'), hubOptions: { spanExporter: exporter } });
    try {
      const path = join(folder, 'receipts.csv');
      writeFileSync(path, readFileSync(new URL('wms-p02-receipts.csv', FIXTURES)));
      const old = new Date(Date.now() - 60_000);
      utimesSync(path, old, old);
      await t.hub.dropFolders.scanOnce();
      await t.hub.settle();
      const intake = exporter.getFinishedSpans().find((s) => s.name === 'millrace.intake csv wms-p02-receipts');
      assert.ok(intake !== undefined);
      assert.equal(intake.attributes['millrace.events.accepted'], 2);
      const stored = await t.store.find('/systems/wms-p02', 'wms-p02-receipts/WE-1001');
      assert.equal(stored?.event.traceparent, `00-${intake.spanContext().traceId}-${intake.spanContext().spanId}-01`);
      const processing = exporter.getFinishedSpans().filter((s) => s.name === 'millrace.process goods.received');
      assert.equal(processing.length, 2);
      assert.ok(processing.every((s) => s.parentSpanContext?.spanId === intake.spanContext().spanId));
    } finally {
      await t.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('CSV drop folders, a file over the limit', () => {
  it('keeps a file over the drop folder limit (by default the body limit) in quarantine as payload_too_large, unread, and whole in failed/', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'millrace-drop-large-'));
    copyFileSync(new URL('millrace.yaml', FIXTURES), join(dir, 'millrace.yaml'));
    const folder = join(dir, 'drop', 'wms-p02-receipts');
    mkdirSync(folder, { recursive: true });
    // The HTTP body limit, lowered: the drop folder's follows it unless set itself.
    const t = await startTestHub({ manifestPath: join(dir, 'millrace.yaml'), env: { MILLRACE_BODY_LIMIT: '16KB' } });
    try {
      // A nightly export of 1,000 good receipts, about 58 KB.
      const rows = ['Beleg;Datum;Bestellung;Pos;Material;Menge;ME;Abgelehnt;Bemerkung'];
      for (let n = 1; n <= 1000; n += 1) rows.push(`WE-${900000 + n};02.03.2026 08:15;PO-7001;10;MX-10023;1.200,000;ST;;`);
      const big = Buffer.from(`${rows.join('\r\n')}\r\n`);
      const place = (name: string, bytes: Buffer) => {
        const path = join(folder, name);
        writeFileSync(path, bytes);
        const old = new Date(Date.now() - 60_000);
        utimesSync(path, old, old);
      };
      place('receipts-night.csv', big);
      place('receipts-small.csv', readFileSync(new URL('wms-p02-receipts.csv', FIXTURES)));
      const outcomes = await t.hub.dropFolders.scanOnce();
      // Before: the file was read whole and its 1,000 receipts went into the log.
      assert.deepEqual(outcomes.map((o) => [o.file, o.outcome]), [['receipts-night.csv', 'failed'], ['receipts-small.csv', 'processed']]);
      assert.equal(await t.store.find('/systems/wms-p02', 'wms-p02-receipts/WE-900001'), undefined, 'not read');
      assert.ok(await t.store.find('/systems/wms-p02', 'wms-p02-receipts/WE-1001'), 'the next file is taken');
      // Not lost: the whole file in failed/, the report beside it.
      assert.deepEqual(readFileSync(join(folder, 'failed', 'receipts-night.csv')), big);
      const report = JSON.parse(readFileSync(join(folder, 'failed', 'receipts-night.csv.report.json'), 'utf8'));
      assert.deepEqual([report.code, report.bytes, report.limitBytes], ['payload_too_large', big.length, 16 * 1024]);

      // In quarantine as an MQTT or NATS message over the limit is: its first 4096 bytes, its size, the digest of the whole.
      const entry = await t.store.quarantines.getQuarantined(report.quarantineId);
      assert.deepEqual([entry?.channel, entry?.ref, entry?.name, entry?.reason.code], ['csv', 'wms-p02-receipts', 'receipts-night.csv', 'payload_too_large']);
      assert.deepEqual(Buffer.from(entry?.raw ?? new Uint8Array()), big.subarray(0, 4096));
      assert.deepEqual([entry?.context.payloadBytes, entry?.context.sha256], [big.length, createHash('sha256').update(big).digest('hex')]);
      assert.match(entry?.reason.message ?? '', new RegExp(`receipts-night.csv is ${big.length} bytes, over the drop folder limit of 16384 bytes`));

      // Dropped again: one more resend on its entry; counted each time with the edge's.
      place('receipts-night.csv', big);
      const [again] = await t.hub.dropFolders.scanOnce();
      assert.equal((again?.report as { quarantineId?: string }).quarantineId, report.quarantineId);
      const folded = await callHub(t, 'GET', `/v1/quarantine/${String(report.quarantineId)}`, t.keys.get('operator:ap-lead') ?? '');
      assert.equal((folded.body as unknown as QuarantineView).resends, 1);
      const metrics = (await t.hub.http.inject({ method: 'GET', url: '/metrics' })).body;
      assert.match(metrics, /^millrace_edge_payloads_too_large_total\{channel="csv"\} 2$/m);

      // A retry cannot take the cut bytes, whatever the mapping: it says so.
      const retry = await callHub(t, 'POST', `/v1/quarantine/${String(report.quarantineId)}/retry`, t.keys.get('operator:ap-lead') ?? '');
      const attempt = (retry.body as unknown as QuarantineView).attempts.at(-1);
      assert.deepEqual([attempt?.outcome, attempt?.reason?.code], ['still_failing', 'payload_too_large']);
    } finally {
      await t.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
