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

    withStore('takes a resend of a held entry as one more attempt on it, and anything else as a new entry', async (store) => {
      const fold = { foldResends: true };
      const [held] = await store.quarantine([entry(1)]);
      assert.ok(held);
      const resent = { ...entry(1), receivedTime: '2026-03-02T10:00:00.000Z', name: 'export-1 (2).csv' };
      const [again] = await store.quarantine([resent], fold);
      assert.equal(again?.id, held.id);
      assert.deepEqual(again?.attempts, [{ at: '2026-03-02T10:00:00.000Z', by: '/systems/wms-p02', action: 'resend', outcome: 'still_failing' }]);
      assert.deepEqual([again?.status, again?.name, again?.receivedTime, again?.updatedTime], ['held', 'export-1.csv', held.receivedTime, '2026-03-02T10:00:00.000Z']);
      // The same bytes failing for another reason now (the manifest changed): the attempt says why.
      const otherReason = { code: 'contract_violation', message: 'lines/0/quantity', problems: [] };
      const [third] = await store.quarantine([{ ...resent, reason: otherReason }], fold);
      assert.deepEqual(third?.attempts.map((a) => a.reason), [undefined, otherReason]);
      assert.deepEqual(third?.reason, held.reason);
      // Other bytes, another context (another file's digest), source, channel or ref: a message of its own.
      const others = await store.quarantine(
        [
          { ...entry(1), raw: Uint8Array.of(1, 2, 3) },
          { ...entry(1), context: { fileDigest: 'cd'.repeat(32), lineMap: [1, 1] } },
          { ...entry(1), source: '/systems/wms-p01' },
          { ...entry(1), channel: 'x12' },
          { ...entry(1), ref: 'wms-p02-movements' },
        ],
        fold,
      );
      assert.equal(new Set([held.id, ...others.map((e) => e.id)]).size, 6);
      // Without the option every entry is kept as given; once closed, the same message is held anew.
      const [unfolded] = await store.quarantine([entry(1)]);
      assert.notEqual(unfolded?.id, held.id);
      await store.recordQuarantineAttempt(held.id, { ...retry('discarded'), action: 'discard', note: 'fixed at the source' }, 'discarded', '2026-03-02T11:00:00.000Z');
      const [afterClose] = await store.quarantine([entry(1)], fold);
      assert.equal(afterClose?.id, unfolded?.id, 'the held one of the two');
      assert.equal((await store.getQuarantined(held.id))?.attempts.length, 3);
    });

    withStore('keeps one entry when the same message arrives twice at once', async (store) => {
      const [first, second] = await Promise.all([store.quarantine([entry(2)], { foldResends: true }), store.quarantine([entry(2)], { foldResends: true })]);
      assert.equal(first?.[0]?.id, second?.[0]?.id);
      assert.equal((await store.listQuarantine({}, 10)).items.length, 1);
      assert.equal((await store.listQuarantine({}, 10)).items[0]?.attempts.length, 1);
    });

    withStore('records a retry that comes while a resend is noted: a resend closes nothing', async (store) => {
      const [stored] = await store.quarantine([entry(3)]);
      assert.ok(stored);
      const [retried] = await Promise.all([
        store.recordQuarantineAttempt(stored.id, retry('still_failing'), 'held', '2026-03-02T09:00:00.000Z'),
        store.quarantine([entry(3)], { foldResends: true }),
      ]);
      assert.equal(retried?.status, 'held');
      assert.deepEqual((await store.getQuarantined(stored.id))?.attempts.map((a) => a.action).sort(), ['resend', 'retry']);
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
