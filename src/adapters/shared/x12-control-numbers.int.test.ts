// The X12 control-number allocator on SQLite and PostgreSQL: never a repeat per partner,
// consecutive blocks, survives a restart, and several hubs on one database never collide.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { describe, it } from 'node:test';
import { dropSchema, needPostgres, POSTGRES_URL, uniqueSchema } from '../../../test/support/services.js';
import type { X12ControlNumbers } from '../../ports/index.js';
import { PostgresStore } from '../postgres/postgres-store.js';
import { SqliteStore } from '../sqlite/sqlite-store.js';

type Allocator = X12ControlNumbers & { close(): Promise<void> };
interface Backend {
  open(): Promise<Allocator>;
  cleanup(): Promise<void>;
}

function describeAllocator(name: string, make: (t: TestContext) => Promise<Backend | undefined>): void {
  describe(`X12 control numbers on ${name}`, () => {
    it('hands out 1, 2, 3... per partner, blocks consecutively, and never repeats after a restart', async (t) => {
      const backend = await make(t);
      if (backend === undefined) return;
      try {
        let store = await backend.open();
        assert.equal(await store.allocateControlNumbers('partner:sup-0107'), 1);
        assert.equal(await store.allocateControlNumbers('partner:sup-0107', 3), 2);
        assert.equal(await store.allocateControlNumbers('partner:sup-0042'), 1, 'each partner has its own sequence');
        await store.close();
        store = await backend.open();
        assert.equal(await store.allocateControlNumbers('partner:sup-0107'), 5, 'after a restart the sequence goes on');
        const parallel = await Promise.all(Array.from({ length: 20 }, () => store.allocateControlNumbers('partner:sup-0107', 2)));
        const numbers = parallel.flatMap((first) => [first, first + 1]);
        assert.equal(new Set(numbers).size, 40, 'no number is handed out twice');
        await assert.rejects(store.allocateControlNumbers('partner:sup-0107', 0), /cannot be allocated/);
        await store.close();
      } finally {
        await backend.cleanup();
      }
    });
  });
}

describeAllocator('SQLite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'millrace-x12-ctl-'));
  return Promise.resolve({
    open: () => Promise.resolve(new SqliteStore(join(dir, 'hub.db'))),
    cleanup: () => Promise.resolve(rmSync(dir, { recursive: true, force: true })),
  });
});

describeAllocator('PostgreSQL', async (t) => {
  if (!(await needPostgres(t))) return undefined;
  const schema = uniqueSchema('mr_x12ctl');
  const url = new URL(POSTGRES_URL);
  url.searchParams.set('schema', schema);
  return { open: () => PostgresStore.open({ url: url.toString() }), cleanup: () => dropSchema(schema) };
});

describe('X12 control numbers shared by several hubs on one PostgreSQL database', () => {
  it('never gives two hubs the same number for a partner', async (t) => {
    if (!(await needPostgres(t))) return;
    const schema = uniqueSchema('mr_x12multi');
    const url = new URL(POSTGRES_URL);
    url.searchParams.set('schema', schema);
    const hubs = [await PostgresStore.open({ url: url.toString(), poolSize: 3 }), await PostgresStore.open({ url: url.toString(), poolSize: 3 })];
    try {
      const firsts = await Promise.all(Array.from({ length: 30 }, (_, i) => hubs[i % 2]!.allocateControlNumbers('partner:sup-0107')));
      assert.deepEqual([...firsts].sort((a, b) => a - b), Array.from({ length: 30 }, (_, i) => i + 1));
    } finally {
      for (const hub of hubs) await hub.close();
      await dropSchema(schema);
    }
  });
});
