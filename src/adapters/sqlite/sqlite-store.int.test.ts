import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import type { CloudEvent } from '../../core/index.js';
import type { BatchOutcome } from '../../ports/index.js';
import { describeEventStore, receipt } from '../../../test/conformance/event-store.conformance.js';
import { describePublisherSequenceStore } from '../../../test/conformance/publisher-sequence-store.conformance.js';
import type { AppendWriter } from './append-writer.js';
import { hash64 } from './key-index.js';
import { LogRowWriter, pushLogRow } from './log-rows.js';
import { SqliteStore, type SqliteStoreOptions } from './sqlite-store.js';

const require = createRequire(import.meta.url);

function tempDb(): { path: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'millrace-sqlite-'));
  return { path: join(dir, 'nested', 'millrace.db'), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A store on a fresh file, which can be closed and opened again (a restart). */
function reopenableStore(options: SqliteStoreOptions = {}): Promise<{ store: SqliteStore; reopen: () => Promise<SqliteStore>; cleanup: () => Promise<void> }> {
  const db = tempDb();
  let current = new SqliteStore(db.path, options);
  return Promise.resolve({
    store: current,
    reopen: async () => {
      await current.close();
      current = new SqliteStore(db.path, options);
      return current;
    },
    cleanup: async () => {
      await current.close();
      db.remove();
    },
  });
}

describeEventStore('SQLite', () => reopenableStore(), { durable: true });
// As `millrace serve` runs it: appends committed on their own thread (docs/adr/0021).
describeEventStore('SQLite (append thread)', () => reopenableStore({ appendThread: true }), { durable: true });
describePublisherSequenceStore('SQLite', () => reopenableStore());

describe('SQLite append thread', () => {
  /**
   * Another connection (a CLI on the same file) takes the write lock, appends `event` and
   * commits only after the hub has planned its group and handed it to the append thread.
   */
  async function raceWith(event: CloudEvent, hubEvents: CloudEvent[]) {
    const db = tempDb();
    const store = new SqliteStore(db.path, { appendThread: true });
    try {
      await store.appendBatches([[receipt('first')]], '2026-03-02T12:00:00Z');
      const other = new Database(db.path);
      other.pragma('busy_timeout = 5000');
      other.exec('BEGIN IMMEDIATE');
      const body = JSON.stringify(event);
      const seq = Number(other.prepare('INSERT INTO events (type, received_time, body) VALUES (?, ?, ?)').run(event.type, '2026-03-02T12:00:01Z', body).lastInsertRowid);
      const [dkHi, dkLo] = hash64(`${event.source}\u0000${event.id}`);
      const [ckHi, ckLo] = hash64(event.correlationid ?? '');
      other.prepare('INSERT INTO event_keys (seq, dk_hi, dk_lo, ck_hi, ck_lo) VALUES (?, ?, ?, ?, ?)').run(seq, dkHi, dkLo, ckHi, ckLo);
      // The hub plans against what it can see (sequence 2 is free), and its thread waits for the lock.
      const appending = store.appendBatches([hubEvents], '2026-03-02T12:00:02Z');
      await new Promise((resolve) => setTimeout(resolve, 50));
      other.exec('COMMIT');
      other.close();
      const [outcome] = await appending;
      return { outcome, otherSeq: seq, log: await store.readFrom(0, 10) };
    } finally {
      await store.close();
      db.remove();
    }
  }

  it('plans again when another connection appended after the plan: no sequence is taken twice, nothing is lost', async () => {
    const { outcome, otherSeq, log } = await raceWith(receipt('from-cli'), [receipt('from-hub')]);
    assert.equal(otherSeq, 2);
    assert.deepEqual(outcome, { kind: 'appended', events: [{ id: 'from-hub', source: '/systems/wms-p01', sequence: 3, status: 'accepted' }] });
    assert.deepEqual(log.map((e) => [e.sequence, e.event.id]), [[1, 'first'], [2, 'from-cli'], [3, 'from-hub']]);
  });

  it('knows what another connection committed before the plan: a resend is a duplicate, a changed body a conflict, a new event comes after', async () => {
    const db = tempDb();
    const hub = new SqliteStore(db.path, { appendThread: true });
    const cli = new SqliteStore(db.path);
    try {
      await hub.appendBatches([[receipt('first')]], '2026-03-02T12:00:00Z');
      await cli.appendBatches([[receipt('from-cli')]], '2026-03-02T12:00:01Z');
      const [resend, changed] = await hub.appendBatches(
        [[receipt('from-cli'), receipt('new')], [receipt('from-cli', { subject: 'changed' })]],
        '2026-03-02T12:00:02Z',
      );
      assert.deepEqual(resend, {
        kind: 'appended',
        events: [
          { id: 'from-cli', source: '/systems/wms-p01', sequence: 2, status: 'duplicate' },
          { id: 'new', source: '/systems/wms-p01', sequence: 3, status: 'accepted' },
        ],
      });
      assert.equal(changed?.kind, 'conflict');
      assert.deepEqual((await hub.readFrom(0, 10)).map((e) => [e.sequence, e.event.id]), [[1, 'first'], [2, 'from-cli'], [3, 'new']]);
    } finally {
      await cli.close();
      await hub.close();
      db.remove();
    }
  });

  it('finds, on the second plan, that the other connection stored the same event: a duplicate, not a second row', async () => {
    const { outcome, log } = await raceWith(receipt('same'), [receipt('same')]);
    assert.deepEqual(outcome, { kind: 'appended', events: [{ id: 'same', source: '/systems/wms-p01', sequence: 2, status: 'duplicate' }] });
    assert.deepEqual(log.map((e) => [e.sequence, e.event.id]), [[1, 'first'], [2, 'same']]);
  });
});

describe('SQLite append thread, when it is gone', () => {
  it('appends in the hub connection instead, and nothing of the log is lost or doubled', async () => {
    const db = tempDb();
    const store = new SqliteStore(db.path, { appendThread: true });
    try {
      await store.appendBatches([[receipt('before')]], '2026-03-02T12:00:00Z');
      // Failure injection: the thread ends as if it had crashed (white box: it is private).
      const thread = (store as unknown as { appendThread: Promise<AppendWriter> }).appendThread;
      const writer = await thread;
      await writer.stop();
      assert.equal(writer.broken, true);
      await assert.rejects(writer.append('2026-03-02T12:00:01Z', []), /append thread exited/);
      const [after] = await store.appendBatches([[receipt('after'), receipt('before')]], '2026-03-02T12:00:02Z');
      assert.deepEqual(after, {
        kind: 'appended',
        events: [
          { id: 'after', source: '/systems/wms-p01', sequence: 2, status: 'accepted' },
          { id: 'before', source: '/systems/wms-p01', sequence: 1, status: 'duplicate' },
        ],
      });
      assert.deepEqual((await store.readFrom(0, 10)).map((e) => [e.sequence, e.event.id]), [[1, 'before'], [2, 'after']]);
    } finally {
      await store.close();
      db.remove();
    }
  });
});

describe('SQLite store on disk', () => {
  it('runs in WAL mode with synchronous=FULL so a commit is on disk before append resolves', async () => {
    const db = tempDb();
    const store = new SqliteStore(db.path);
    try {
      await store.appendBatches([[receipt('a')]], '2026-03-02T13:20:00.000Z');
      const probe = new Database(db.path, { readonly: true });
      assert.equal(probe.pragma('journal_mode', { simple: true }), 'wal');
      probe.close();
      // synchronous is per connection: read it through the store's own settings.
      const inner = (store as unknown as { db: Database.Database }).db;
      assert.equal(inner.pragma('synchronous', { simple: true }), 2, 'FULL is 2');
    } finally {
      await store.close();
      db.remove();
    }
  });

  it('keeps the dedupe keys compact on disk: an append-only table of under 40 bytes per event and no random-key index', async () => {
    const db = tempDb();
    const store = new SqliteStore(db.path);
    try {
      const longSource = `/partners/${'supplier-with-a-long-name-'.repeat(3)}`;
      for (let batch = 0; batch < 20; batch += 1) {
        const events = Array.from({ length: 500 }, (_, i) => receipt(`${'x'.repeat(60)}-${batch}-${i}`, { source: longSource }));
        await store.appendBatches([events], '2026-03-02T13:20:00.000Z');
      }
      const inner = (store as unknown as { db: Database.Database }).db;
      const row = inner.prepare("SELECT SUM(pgsize) AS bytes FROM dbstat WHERE name = 'event_keys'").get() as { bytes: number };
      const perEvent = row.bytes / 10_000;
      assert.ok(perEvent > 0 && perEvent < 40, `event_keys uses ${perEvent.toFixed(1)} bytes per event`);
      const indexes = inner.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('events', 'event_keys')").all();
      assert.deepEqual(indexes, [], 'appends touch sequential pages only');
    } finally {
      await store.close();
      db.remove();
    }
  });

  it('checkpoints in its own connection past checkpointPages: the WAL starts over instead of growing to the default 10,000 pages', async () => {
    const walPages = async (options: SqliteStoreOptions) => {
      const db = tempDb();
      const store = new SqliteStore(db.path, options);
      try {
        // About 1,600 WAL pages: 32 commits of 50 events of about 3 KB each.
        for (let batch = 0; batch < 32; batch += 1) {
          const events = Array.from({ length: 50 }, (_, i) => receipt(`big-${batch}-${i}`, { subject: 'S'.repeat(3_000) }));
          await store.appendBatches([events], '2026-03-02T13:20:00.000Z');
        }
        const inner = (store as unknown as { db: Database.Database }).db;
        return { setting: inner.pragma('wal_autocheckpoint', { simple: true }), pages: statSync(`${db.path}-wal`).size / (4_096 + 24) };
      } finally {
        await store.close();
        db.remove();
      }
    };
    const small = await walPages({ checkpointPages: 1_000 });
    const usual = await walPages({});
    assert.equal(small.setting, 1_000);
    assert.equal(usual.setting, 10_000);
    assert.ok(small.pages < 1_200, `with checkpointPages 1,000 the WAL reached ${Math.round(small.pages)} pages`);
    assert.ok(usual.pages > 1_400, `by default the WAL grows past 1,000 pages (${Math.round(usual.pages)})`);
  });

  it('numbers its rows after what another connection appended, across multi-row statements and groups', async () => {
    const db = tempDb();
    const first = new SqliteStore(db.path);
    const second = new SqliteStore(db.path);
    try {
      const ids = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => receipt(`${prefix}-${i}`, { correlationid: `PO-${i % 3}/10` }));
      // 40 events in two batches of one group: 32 rows in one statement, 8 in another.
      const [a, b] = await first.appendBatches([ids('a', 25), ids('b', 15)], '2026-03-02T13:20:00.000Z');
      await second.appendBatches([ids('c', 3)], '2026-03-02T13:21:00.000Z');
      const [d] = await first.appendBatches([[...ids('d', 5), receipt('a-0', { correlationid: 'PO-0/10' })]], '2026-03-02T13:22:00.000Z');
      const sequences = (outcome: BatchOutcome | undefined) => (outcome?.kind === 'appended' ? outcome.events.map((e) => e.sequence) : []);
      assert.deepEqual([...sequences(a), ...sequences(b)], Array.from({ length: 40 }, (_, i) => i + 1));
      assert.deepEqual(sequences(d), [44, 45, 46, 47, 48, 1], 'after the other connection\'s 41-43; the resend is a duplicate');
      const log = await second.readFrom(0, 100);
      assert.deepEqual(log.map((e) => e.sequence), Array.from({ length: 48 }, (_, i) => i + 1));
      assert.deepEqual(log.slice(40, 43).map((e) => e.event.id), ['c-0', 'c-1', 'c-2']);
      assert.equal(log[43]?.receivedTime, '2026-03-02T13:22:00.000Z');
      // The key rows match the event rows: a reopened store finds every event by key and correlation.
      const reopened = new SqliteStore(db.path);
      try {
        assert.equal((await reopened.find('/systems/wms-p01', 'b-14'))?.sequence, 40);
        assert.equal((await reopened.readByCorrelation('PO-1/10')).length, 8 + 5 + 1 + 2);
      } finally {
        await reopened.close();
      }
    } finally {
      await first.close();
      await second.close();
      db.remove();
    }
  });

  it('sees events another connection appended to the same file (a CLI, a second handle)', async () => {
    const db = tempDb();
    const first = new SqliteStore(db.path);
    const second = new SqliteStore(db.path);
    try {
      await second.appendBatches([[receipt('from-second', { correlationid: 'PO-7/10' })]], '2026-03-02T13:20:00.000Z');
      const [again] = await first.appendBatches([[receipt('from-second', { correlationid: 'PO-7/10' })]], '2026-03-02T13:21:00.000Z');
      assert.deepEqual(again, { kind: 'appended', events: [{ source: '/systems/wms-p01', id: 'from-second', status: 'duplicate', sequence: 1 }] });
      assert.equal((await first.find('/systems/wms-p01', 'from-second'))?.sequence, 1);
      assert.deepEqual((await first.readByCorrelation('PO-7/10')).map((s) => s.event.id), ['from-second']);
    } finally {
      await first.close();
      await second.close();
      db.remove();
    }
  });
});

describe('SqliteStore opening beside another connection', () => {
  it('waits for the write lock another process holds while it sets the file up, instead of failing (replay threads recreating the line indexes)', async () => {
    const db = tempDb();
    try {
      await new SqliteStore(db.path).close();
      // A rebuild drops the line indexes; the next store opened on the file creates them again,
      // which needs the write lock, held here by another process for a moment.
      const raw = new Database(db.path);
      raw.exec('DROP INDEX p2p_lines_po');
      raw.close();
      const holder = spawn(
        process.execPath,
        ['-e', `const D = require(${JSON.stringify(require.resolve('better-sqlite3'))}); const d = new D(${JSON.stringify(db.path)}); d.exec('BEGIN IMMEDIATE'); process.stdout.write('held\\n'); Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300); d.exec('COMMIT'); d.close();`],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      const exited = new Promise<number | null>((resolve) => holder.once('exit', resolve));
      await new Promise<void>((resolve) => holder.stdout.once('data', () => resolve()));
      const store = new SqliteStore(db.path);
      const indexes = new Database(db.path, { readonly: true }).prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'index' AND name = 'p2p_lines_po'").all();
      assert.deepEqual(indexes, [{ name: 'p2p_lines_po' }]);
      await store.close();
      assert.equal(await exited, 0);
    } finally {
      db.remove();
    }
  });
});

describe('SQLite key rows written together (docs/adr/0080)', () => {
  const RECEIVED_AT = '2026-03-02T13:20:00.000Z';
  /** What the file holds, read by a connection of its own: key rows, and up to where every event has one. */
  function onDisk(path: string): { events: number; keyRows: number[]; through: number } {
    const raw = new Database(path, { readonly: true });
    try {
      return {
        events: raw.prepare<[], number>('SELECT COUNT(*) FROM events').pluck().get() ?? 0,
        keyRows: raw.prepare<[], number>('SELECT seq FROM event_keys ORDER BY seq').pluck().all(),
        through: raw.prepare<[], number>('SELECT seq FROM event_keys_through').pluck().get() ?? -1,
      };
    } finally {
      raw.close();
    }
  }
  /** A new file with the store's tables and nothing in them. */
  async function schemaOnly(): Promise<{ path: string; remove: () => void }> {
    const db = tempDb();
    await new SqliteStore(db.path).close();
    return db;
  }
  const upTo = (n: number) => Array.from({ length: n }, (_, i) => i + 1);
  /** Flat log rows (log-rows.ts) of receipts with these ids, numbered from `first`. */
  function logRowsOf(first: number, ids: readonly string[]): (string | number | null)[] {
    const flat: (string | number | null)[] = [];
    ids.forEach((id, i) => pushLogRow(flat, first + i, 'goods.received', JSON.stringify(receipt(id)), hash64(`/systems/wms-p01\u0000${id}`), hash64('PO-4500012345/10')));
    return flat;
  }

  it('writes the key rows of keyRowsEvery events with the commit that reaches that many, and the rest when it closes', async () => {
    const db = tempDb();
    const store = new SqliteStore(db.path, { keyRowsEvery: 4 });
    try {
      await store.appendBatches([[receipt('a'), receipt('b')]], RECEIVED_AT);
      await store.appendBatches([[receipt('c')]], RECEIVED_AT);
      assert.deepEqual(onDisk(db.path), { events: 3, keyRows: [], through: 0 });
      await store.appendBatches([[receipt('d'), receipt('e')]], RECEIVED_AT);
      assert.deepEqual(onDisk(db.path), { events: 5, keyRows: upTo(5), through: 5 });
      await store.appendBatches([[receipt('f')], [receipt('a')]], RECEIVED_AT);
      assert.deepEqual(onDisk(db.path), { events: 6, keyRows: upTo(5), through: 5 }, 'the resend of a is a duplicate, not a row');
    } finally {
      await store.close();
    }
    assert.deepEqual(onDisk(db.path), { events: 6, keyRows: upTo(6), through: 6 });
    db.remove();
  });

  it('after a SIGKILL, knows the events whose key rows were held back: a resend is a duplicate, a changed body a conflict, the correlation reads them', async () => {
    const db = tempDb();
    try {
      // A hub process appends three events (fewer than its key rows are written for) and is killed.
      const storeModule = new URL('./sqlite-store.ts', import.meta.url).href;
      const eventsModule = new URL('../../../test/conformance/event-store.conformance.ts', import.meta.url).href;
      const script = `
        const { SqliteStore } = await import(${JSON.stringify(storeModule)});
        const { receipt } = await import(${JSON.stringify(eventsModule)});
        const store = new SqliteStore(${JSON.stringify(db.path)});
        await store.appendBatches([['k1', 'k2', 'k3'].map((id) => receipt(id))], ${JSON.stringify(RECEIVED_AT)});
        process.stdout.write('appended\\n');
        process.kill(process.pid, 'SIGKILL');`;
      const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      const signal = await new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, sig) => resolve(sig)));
      assert.equal(signal, 'SIGKILL');
      assert.equal(out, 'appended\n');
      assert.deepEqual(onDisk(db.path), { events: 3, keyRows: [], through: 0 }, 'the key rows died with the process');

      const store = new SqliteStore(db.path);
      try {
        assert.equal((await store.find('/systems/wms-p01', 'k2'))?.sequence, 2);
        const [resend, changed, fresh] = await store.appendBatches([[receipt('k1')], [receipt('k3', { subject: 'changed' })], [receipt('k4')]], RECEIVED_AT);
        assert.deepEqual(resend, { kind: 'appended', events: [{ id: 'k1', source: '/systems/wms-p01', sequence: 1, status: 'duplicate' }] });
        assert.equal(changed?.kind, 'conflict');
        assert.deepEqual(fresh, { kind: 'appended', events: [{ id: 'k4', source: '/systems/wms-p01', sequence: 4, status: 'accepted' }] });
        assert.deepEqual((await store.readByCorrelation('PO-4500012345/10')).map((e) => e.event.id), ['k1', 'k2', 'k3', 'k4']);
      } finally {
        await store.close();
      }
      // The opening rebuilt the lost rows from the bodies and wrote them with its own.
      assert.deepEqual(onDisk(db.path), { events: 4, keyRows: upTo(4), through: 4 });
    } finally {
      db.remove();
    }
  });

  it('moves event_keys_through only as far as every event has its key row: not past another connection\'s rows held back', async () => {
    const db = await schemaOnly();
    const first = new Database(db.path);
    const second = new Database(db.path);
    try {
      const holding = new LogRowWriter(first, 100);
      const writing = new LogRowWriter(second, 2);
      first.transaction(() => holding.insert(RECEIVED_AT, logRowsOf(1, ['e1', 'e2']))).immediate();
      holding.committed();
      // The second connection reaches its count: its rows are written, and event 1 still has none.
      second.transaction(() => writing.insert(RECEIVED_AT, logRowsOf(3, ['e3', 'e4']))).immediate();
      writing.committed();
      assert.deepEqual(onDisk(db.path), { events: 4, keyRows: [3, 4], through: 0 });
      first.transaction(() => holding.writeKeyRows()).immediate();
      holding.committed();
      assert.deepEqual(onDisk(db.path), { events: 4, keyRows: upTo(4), through: 4 });
    } finally {
      first.close();
      second.close();
      db.remove();
    }
  });

  it('leaves no key row of a transaction that rolled back, and holds again the rows it had written for earlier events', async () => {
    const db = await schemaOnly();
    const conn = new Database(db.path);
    try {
      const writer = new LogRowWriter(conn, 2);
      const commit = (work: () => void) => {
        conn.transaction(work).immediate();
        writer.committed();
      };
      const failing = (work: () => void) => {
        assert.throws(() =>
          conn.transaction(() => {
            work();
            throw new Error('the group failed');
          }).immediate(),
        );
        writer.rolledBack();
      };
      commit(() => writer.insert(RECEIVED_AT, logRowsOf(1, ['held'])));
      // Reaches the count: writes the key rows of 1 and 2, and then rolls back.
      failing(() => writer.insert(RECEIVED_AT, logRowsOf(2, ['rolled-back'])));
      const keyRows = () => conn.prepare<[], [number, number, number]>('SELECT seq, dk_hi, dk_lo FROM event_keys ORDER BY seq').raw(true).all();
      assert.deepEqual(keyRows(), []);
      assert.equal(writer.heldBack, 1, 'the row of event 1 is held again');
      commit(() => writer.insert(RECEIVED_AT, logRowsOf(2, ['kept'])));
      assert.deepEqual(keyRows(), [
        [1, ...hash64('/systems/wms-p01\u0000held')],
        [2, ...hash64('/systems/wms-p01\u0000kept')],
      ]);
      assert.deepEqual(onDisk(db.path), { events: 2, keyRows: upTo(2), through: 2 });
    } finally {
      conn.close();
      db.remove();
    }
  });

  it('opens a file written before key rows were held back (no event_keys_through): every event there has its key row, so it starts from them', async () => {
    const db = await schemaOnly();
    const conn = new Database(db.path);
    conn.exec('DROP TABLE event_keys_through');
    for (let seq = 1; seq <= 3; seq += 1) {
      const event = receipt(`old-${seq}`);
      conn.prepare('INSERT INTO events (seq, type, received_time, body) VALUES (?, ?, ?, ?)').run(seq, event.type, RECEIVED_AT, JSON.stringify(event));
      conn.prepare('INSERT INTO event_keys (seq, dk_hi, dk_lo, ck_hi, ck_lo) VALUES (?, ?, ?, ?, ?)').run(seq, ...hash64(`/systems/wms-p01\u0000old-${seq}`), ...hash64('PO-4500012345/10'));
    }
    conn.close();
    const store = new SqliteStore(db.path);
    try {
      assert.deepEqual(onDisk(db.path), { events: 3, keyRows: upTo(3), through: 3 });
      assert.equal((await store.find('/systems/wms-p01', 'old-3'))?.sequence, 3);
      const [resend] = await store.appendBatches([[receipt('old-1')]], RECEIVED_AT);
      assert.deepEqual(resend, { kind: 'appended', events: [{ id: 'old-1', source: '/systems/wms-p01', sequence: 1, status: 'duplicate' }] });
    } finally {
      await store.close();
      db.remove();
    }
  });
});
