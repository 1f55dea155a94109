// The store a running hub opens (role `server`): the append thread only when the configuration
// asks for it (docs/adr/0024), and SQLite's 2 MiB page cache. White box: both are private to
// the store, and appends behave the same either way (the conformance suite runs both).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { receipt } from '../../test/conformance/event-store.conformance.js';
import { openStore } from './open-store.js';

interface StoreInside {
  readonly appendThread: Promise<unknown> | undefined;
  readonly db: { pragma(sql: string, options: { simple: true }): unknown };
}

describe("the hub's own store (role server)", () => {
  for (const appendThread of [false, true]) {
    it(`commits on ${appendThread ? 'an append thread' : 'the event loop'} when appendThread is ${String(appendThread)}, with a 2 MiB page cache`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'millrace-open-store-'));
      const store = await openStore(`sqlite:${join(dir, 'hub.db')}`, 'server', { appendThread });
      try {
        const inside = store as unknown as StoreInside;
        assert.equal(inside.appendThread !== undefined, appendThread);
        assert.equal(inside.db.pragma('cache_size', { simple: true }), -2 * 1024);
        const [outcome] = await store.appendBatches([[receipt('one')]], '2026-03-02T12:00:00Z');
        assert.equal(outcome?.kind, 'appended');
        assert.equal(await store.headSequence(), 1);
      } finally {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
