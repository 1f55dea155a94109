// The MQTT session's recorded filters on SQLite and PostgreSQL: none until recorded, replaced by
// the next record, per client id, kept across a restart (ADR 0063).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { describe, it } from 'node:test';
import { dropSchema, needPostgres, POSTGRES_URL, uniqueSchema } from '../../../test/support/services.js';
import type { MqttSessionStore } from '../../ports/index.js';
import { PostgresStore } from '../postgres/postgres-store.js';
import { SqliteStore } from '../sqlite/sqlite-store.js';

type Store = MqttSessionStore & { close(): Promise<void> };
interface Backend {
  open(): Promise<Store>;
  cleanup(): Promise<void>;
}

function describeSessions(name: string, make: (t: TestContext) => Promise<Backend | undefined>): void {
  describe(`MQTT session filters on ${name}`, () => {
    it('reads back the last filters recorded for a client id, none before, after a restart too', async (t) => {
      const backend = await make(t);
      if (backend === undefined) return;
      try {
        let store = await backend.open();
        assert.equal(await store.sessionFilters('hub-na'), undefined, 'a session subscribed before the hub kept its filters');
        await store.recordSessionFilters('hub-na', ['plants/P01/mes/+/completed', 'plants/P01/mes/+/scrap']);
        await store.recordSessionFilters('hub-eu', ['plants/P07/#']);
        await store.recordSessionFilters('hub-na', ['plants/P01/mes/+/completed']);
        await store.close();
        store = await backend.open();
        assert.deepEqual(await store.sessionFilters('hub-na'), ['plants/P01/mes/+/completed']);
        assert.deepEqual(await store.sessionFilters('hub-eu'), ['plants/P07/#']);
        await store.recordSessionFilters('hub-eu', []);
        assert.deepEqual(await store.sessionFilters('hub-eu'), []);
        await store.close();
      } finally {
        await backend.cleanup();
      }
    });
  });
}

describeSessions('SQLite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'millrace-mqtt-session-'));
  return Promise.resolve({
    open: () => Promise.resolve(new SqliteStore(join(dir, 'hub.db'))),
    cleanup: () => Promise.resolve(rmSync(dir, { recursive: true, force: true })),
  });
});

describeSessions('PostgreSQL', async (t) => {
  if (!(await needPostgres(t))) return undefined;
  const schema = uniqueSchema('mr_mqttsession');
  const url = new URL(POSTGRES_URL);
  url.searchParams.set('schema', schema);
  return { open: () => PostgresStore.open({ url: url.toString() }), cleanup: () => dropSchema(schema) };
});
