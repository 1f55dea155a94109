// List order on a PostgreSQL database created with a locale collation (ICU en-US here, as many
// installations are): the same as SQLite's, by bytes, for a new store and for one made before
// the store's text columns were declared COLLATE "C".
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import pg from 'pg';
import { emptyLine } from '../../core/index.js';
import type { WorkflowStore } from '../../ports/index.js';
import { needPostgres, POSTGRES_URL } from '../../../test/support/services.js';
import { SqliteStore } from '../sqlite/sqlite-store.js';
import { PostgresStore } from './postgres-store.js';

const PO_NUMBERS = ['po-9', 'PO_1', 'PO-9', 'PO-10', 'PO-2'];

async function admin<T>(work: (client: pg.Client) => Promise<T>, database?: string): Promise<T> {
  const url = new URL(POSTGRES_URL);
  if (database !== undefined) url.pathname = `/${database}`;
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** A new database whose default collation is ICU's en-US; dropped when the test ends. */
async function localeDatabase(t: TestContext): Promise<string | undefined> {
  if (!(await needPostgres(t))) return undefined;
  const name = `mr_coll_${process.pid}_${Math.floor(Math.random() * 1e9).toString(36)}`;
  await admin((c) => c.query(`CREATE DATABASE ${name} TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C.UTF-8'`));
  t.after(() => admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)));
  return name;
}

function storeUrl(database: string): string {
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${database}`;
  url.searchParams.set('schema', 'millrace');
  return url.toString();
}

async function writeLines(store: WorkflowStore): Promise<void> {
  const lines = PO_NUMBERS.flatMap((po) => [1, 2].map((n) => emptyLine(po, n)));
  await store.commitWorkflowStep({ upTo: 0, derived: [], receivedTime: '2026-03-02T13:20:00.000Z', lines, exceptionEvents: [], links: [] });
}

/** Every line's key, page by page (two to a page: the cursors' `key > after` too). */
async function listedKeys(store: WorkflowStore): Promise<string[]> {
  const keys: string[] = [];
  let after: string | undefined;
  do {
    const page = await store.listLines({}, 2, after);
    keys.push(...page.items.map((line) => line.key));
    after = page.next;
  } while (after !== undefined);
  return keys;
}

async function sqliteOrder(): Promise<string[]> {
  const store = new SqliteStore(':memory:');
  try {
    await writeLines(store);
    return await listedKeys(store);
  } finally {
    await store.close();
  }
}

describe('PostgreSQL store on a database with a locale collation', () => {
  it('lists lines in the same order as SQLite, by bytes, across pages', async (t) => {
    const database = await localeDatabase(t);
    if (database === undefined) return;
    const expected = await sqliteOrder();
    assert.deepEqual(expected, ['PO-10/1', 'PO-10/2', 'PO-2/1', 'PO-2/2', 'PO-9/1', 'PO-9/2', 'PO_1/1', 'PO_1/2', 'po-9/1', 'po-9/2']);
    const store = await PostgresStore.open({ url: storeUrl(database) });
    try {
      await writeLines(store);
      assert.deepEqual(await listedKeys(store), expected);
    } finally {
      await store.close();
    }
  });

  it('orders a store made before (its text columns in the database collation) by bytes once opened again', async (t) => {
    const database = await localeDatabase(t);
    if (database === undefined) return;
    const expected = await sqliteOrder();
    let store = await PostgresStore.open({ url: storeUrl(database) });
    await writeLines(store);
    await store.close();
    // As an older version made it: every text column in the database's default collation.
    await admin(async (c) => {
      const columns = await c.query<{ table_name: string; column_name: string }>(
        "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'millrace' AND data_type = 'text'",
      );
      for (const { table_name, column_name } of columns.rows) {
        await c.query(`ALTER TABLE millrace.${table_name} ALTER COLUMN ${column_name} TYPE text COLLATE "default"`);
      }
    }, database);
    const before = await admin(async (c) => (await c.query<{ key: string }>('SELECT key FROM millrace.p2p_lines ORDER BY key')).rows.map((r) => r.key), database);
    assert.notDeepEqual(before, expected, 'the locale order differs (else this test shows nothing)');
    store = await PostgresStore.open({ url: storeUrl(database) });
    try {
      assert.deepEqual(await listedKeys(store), expected);
      const left = await admin(
        async (c) =>
          (
            await c.query<{ n: string }>(
              "SELECT count(*) AS n FROM information_schema.columns WHERE table_schema = 'millrace' AND data_type = 'text' AND collation_name IS DISTINCT FROM 'C'",
            )
          ).rows[0]!.n,
        database,
      );
      assert.equal(left, '0', 'every text column of the store is in collation "C"');
    } finally {
      await store.close();
    }
  });
});
