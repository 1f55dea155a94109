// The QuarantineStore contract, run against every adapter (SQLite, PostgreSQL).
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { describe } from 'node:test';
import type { NewQuarantineEntry, QuarantineAttempt, QuarantineStore } from '../../src/ports/index.js';
import { fixtureCase } from './fixture-case.js';

export interface QuarantineFixture {
  readonly store: QuarantineStore;
  cleanup(): Promise<void>;
}

function entry(n: number, overrides: Partial<NewQuarantineEntry> = {}): NewQuarantineEntry {
  return {
    channel: 'csv',
    source: '/systems/wms-p02',
    ref: 'wms-p02-receipts',
    receivedTime: `2026-03-02T08:${String(n).padStart(2, '0')}:00.000Z`,
    // Every byte value, so nothing is lost to an encoding on the way to the database and back.
    raw: Uint8Array.from({ length: 256 + n }, (_, i) => i % 256),
    name: `export-${n}.csv`,
    reason: { code: 'not_decimal', message: `line ${n}, column "Menge": "1.2.3" is not a decimal`, problems: [{ code: 'not_decimal', message: 'x', line: n, column: 'Menge', value: '1.2.3' }] },
    context: { fileDigest: 'ab'.repeat(32), lineMap: [1, n] },
    ...overrides,
  };
}

const retry = (outcome: QuarantineAttempt['outcome']): QuarantineAttempt => ({ at: '2026-03-02T09:00:00.000Z', by: 'operator:ap-lead', action: 'retry', outcome });

export function describeQuarantineStore(name: string, open: (t: TestContext) => Promise<QuarantineFixture | undefined>): void {
  describe(`${name} quarantine store`, () => {
    const withFixture = fixtureCase(open);
    const withStore = (title: string, body: (store: QuarantineStore) => Promise<void>): void => withFixture(title, (fixture) => body(fixture.store));

    withStore('keeps each entry with its raw bytes byte for byte, its reason, source and context, held and without attempts', async (store) => {
      const [stored] = await store.quarantine([entry(7)]);
      assert.ok(stored);
      const read = await store.getQuarantined(stored.id);
      assert.deepEqual(read, stored);
      assert.deepEqual(read?.raw, entry(7).raw);
      assert.equal(read?.status, 'held');
      assert.deepEqual(read?.attempts, []);
      assert.deepEqual(read?.context, { fileDigest: 'ab'.repeat(32), lineMap: [1, 7] });
      assert.equal(await store.getQuarantined('q-999999'), undefined);
      assert.equal(await store.getQuarantined('not-an-id'), undefined);
    });

    withStore('lists newest first, filtered by status, channel and source, in pages', async (store) => {
      await store.quarantine([entry(1), entry(2, { channel: 'x12', source: '/partners/sup-0107' }), entry(3), entry(4)]);
      const first = await store.listQuarantine({ channel: 'csv' }, 2);
      assert.deepEqual(first.items.map((e) => e.name), ['export-4.csv', 'export-3.csv']);
      assert.ok(first.next !== undefined);
      const second = await store.listQuarantine({ channel: 'csv' }, 2, first.next);
      assert.deepEqual(second.items.map((e) => e.name), ['export-1.csv']);
      assert.equal(second.next, undefined);
      assert.deepEqual((await store.listQuarantine({ source: '/partners/sup-0107' }, 10)).items.map((e) => e.channel), ['x12']);
      assert.deepEqual((await store.listQuarantine({ status: 'discarded' }, 10)).items, []);
    });

    withStore('records attempts while held and closes an entry once: a second close loses', async (store) => {
      const [stored] = await store.quarantine([entry(1)]);
      assert.ok(stored);
      const failing = await store.recordQuarantineAttempt(stored.id, retry('still_failing'), 'held', '2026-03-02T09:00:00.000Z');
      assert.equal(failing?.status, 'held');
      assert.equal(failing?.attempts.length, 1);
      const accepted = await store.recordQuarantineAttempt(stored.id, retry('accepted'), 'accepted', '2026-03-02T09:05:00.000Z');
      assert.equal(accepted?.status, 'accepted');
      assert.deepEqual(accepted?.attempts.map((a) => a.outcome), ['still_failing', 'accepted']);
      assert.equal(accepted?.updatedTime, '2026-03-02T09:05:00.000Z');
      assert.equal(await store.recordQuarantineAttempt(stored.id, { ...retry('discarded'), action: 'discard', note: 'late' }, 'discarded', '2026-03-02T09:06:00.000Z'), undefined);
      assert.equal((await store.getQuarantined(stored.id))?.status, 'accepted');
    });

    withStore('counts entries per channel and status', async (store) => {
      assert.deepEqual(await store.quarantineCounts(), []);
      const [first] = await store.quarantine([entry(1), entry(2), entry(3, { channel: 'x12', source: '/partners/sup-0107' })]);
      assert.ok(first);
      await store.recordQuarantineAttempt(first.id, { ...retry('discarded'), action: 'discard', note: 'sent twice' }, 'discarded', '2026-03-02T09:06:00.000Z');
      assert.deepEqual(await store.quarantineCounts(), [
        { channel: 'csv', status: 'discarded', count: 1 },
        { channel: 'csv', status: 'held', count: 1 },
        { channel: 'x12', status: 'held', count: 1 },
      ]);
    });

    withStore('lets only one of two concurrent closes win', async (store) => {
      const [stored] = await store.quarantine([entry(1)]);
      assert.ok(stored);
      const results = await Promise.all([
        store.recordQuarantineAttempt(stored.id, retry('accepted'), 'accepted', '2026-03-02T09:05:00.000Z'),
        store.recordQuarantineAttempt(stored.id, { ...retry('discarded'), action: 'discard', note: 'dup' }, 'discarded', '2026-03-02T09:05:00.000Z'),
      ]);
      assert.equal(results.filter((r) => r !== undefined).length, 1);
      assert.equal((await store.getQuarantined(stored.id))?.attempts.length, 1);
    });
  });
}
