import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { describe, it } from 'node:test';
import { describeEventStore, receipt } from '../../../test/conformance/event-store.conformance.js';
import { describePublisherSequenceStore } from '../../../test/conformance/publisher-sequence-store.conformance.js';
import { dropSchema, needPostgres, POSTGRES_URL, uniqueSchema } from '../../../test/support/services.js';
import { PostgresStore } from './postgres-store.js';

function urlFor(schema: string): string {
  const url = new URL(POSTGRES_URL);
  url.searchParams.set('schema', schema);
  return url.toString();
}

/** A store in a fresh schema, which can be closed and opened again (a restart). */
async function reopenableStore(t: TestContext): Promise<{ store: PostgresStore; reopen: () => Promise<PostgresStore>; cleanup: () => Promise<void> } | undefined> {
  if (!(await needPostgres(t))) return undefined;
  const schema = uniqueSchema('mr_conf');
  let current = await PostgresStore.open({ url: urlFor(schema) });
  return {
    store: current,
    reopen: async () => {
      await current.close();
      current = await PostgresStore.open({ url: urlFor(schema) });
      return current;
    },
    cleanup: async () => {
      await current.close();
      await dropSchema(schema);
    },
  };
}

describeEventStore('PostgreSQL', reopenableStore, { durable: true });
describePublisherSequenceStore('PostgreSQL', reopenableStore);

describe('PostgreSQL store shared by several hub processes', () => {
  it('gives concurrent writers on separate connections gap-free sequences in commit order, with each event stored once', async (t) => {
    if (!(await needPostgres(t))) return;
    const schema = uniqueSchema('mr_multi');
    const hubs = await Promise.all([1, 2, 3].map(() => PostgresStore.open({ url: urlFor(schema), poolSize: 2 })));
    try {
      // Each hub sends its own events and, as a client retry would, some of another hub's.
      await Promise.all(
        hubs.map((hub, h) =>
          Promise.all(
            Array.from({ length: 20 }, (_, i) =>
              hub.appendBatches([[receipt(`h${h}-${i}`), receipt(`h${(h + 1) % 3}-${i}`)]], '2026-03-02T13:20:00.000Z'),
            ),
          ),
        ),
      );
      const all = await hubs[0]!.readFrom(0, 1000);
      assert.equal(all.length, 60, 'each of the 60 distinct events once');
      assert.deepEqual(all.map((s) => s.sequence), Array.from({ length: 60 }, (_, i) => i + 1));
      assert.equal(new Set(all.map((s) => s.event.id)).size, 60);
    } finally {
      await Promise.all(hubs.map((hub) => hub.close()));
      await dropSchema(schema);
    }
  });
});

describe('PostgreSQL store when the database goes away', () => {
  it('refuses an append whose connection is cut as store_unavailable (a 503 a client retries), not as an unnamed error', async (t) => {
    if (!(await needPostgres(t))) return;
    const { default: pg } = await import('pg');
    const { hashKey } = await import('../shared/hash-key.js');
    const schema = uniqueSchema('mr_cut');
    const store = await PostgresStore.open({ url: urlFor(schema), poolSize: 2 });
    const locker = new pg.Client({ connectionString: POSTGRES_URL });
    const admin = new pg.Client({ connectionString: POSTGRES_URL });
    await Promise.all([locker.connect(), admin.connect()]);
    try {
      // The append waits for the log's lock (held here, as another hub's commit would), on a
      // connection the store has taken from its pool; then the database ends the store's sessions.
      await locker.query('BEGIN');
      await locker.query('SELECT pg_advisory_xact_lock($1::bigint)', [hashKey(`millrace-append:${schema}`).toString()]);
      const append = store.appendBatches([[receipt('cut-1')]], '2026-03-02T13:20:00.000Z').then(
        () => undefined,
        (error: unknown) => error,
      );
      for (let waited = 0; waited < 30_000; waited += 50) {
        const waiting = await admin.query("SELECT 1 FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'", [`millrace store ${schema}`]);
        if (waiting.rowCount !== 0) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [`millrace store ${schema}`]);
      await locker.query('ROLLBACK');
      const error = (await append) as { code?: string; message?: string } | undefined;
      assert.ok(error !== undefined, 'the append was cut');
      assert.equal(error.code, 'store_unavailable', String(error.message));
      assert.match(String(error.message), /send them again/);
      // Nothing half-stored, and the store takes the same events once the pool reconnects.
      const [again] = await store.appendBatches([[receipt('cut-1')]], '2026-03-02T13:20:01.000Z');
      assert.equal(again?.kind, 'appended');
    } finally {
      await locker.end().catch(() => undefined);
      await admin.end().catch(() => undefined);
      await store.close();
      await dropSchema(schema);
    }
  });
});
