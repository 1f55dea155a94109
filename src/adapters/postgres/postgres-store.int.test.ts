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
