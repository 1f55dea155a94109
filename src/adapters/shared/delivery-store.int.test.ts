// The outbox on both databases: a SQLite file and PostgreSQL (a fresh schema).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeDeliveryStore } from '../../../test/conformance/delivery-store.conformance.js';
import { dropSchema, needPostgres, POSTGRES_URL, uniqueSchema } from '../../../test/support/services.js';
import { PostgresStore } from '../postgres/postgres-store.js';
import { SqliteStore } from '../sqlite/sqlite-store.js';

describeDeliveryStore('SQLite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'millrace-dlv-'));
  const store = new SqliteStore(join(dir, 'millrace.db'));
  return Promise.resolve({
    store: store.deliveries,
    cleanup: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  });
});

describeDeliveryStore('PostgreSQL', async (t) => {
  if (!(await needPostgres(t))) return undefined;
  const schema = uniqueSchema('mr_dlv');
  const url = new URL(POSTGRES_URL);
  url.searchParams.set('schema', schema);
  const store = await PostgresStore.open({ url: url.toString() });
  return {
    store: store.deliveries,
    cleanup: async () => {
      await store.close();
      await dropSchema(schema);
    },
  };
});
