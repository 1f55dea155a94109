// Drop folders: complete files are taken through CSV intake and moved with a report beside them.
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import type { CsvFileReport } from '../../app/index.js';
import type { TestHub } from '../../../test/support/hub.js';
import { startTestHub } from '../../../test/support/hub.js';

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
