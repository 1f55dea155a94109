// The store a running hub opens (role `server`): the append thread only when the configuration
// asks for it (docs/adr/0024), and SQLite's 2 MiB page cache. White box: both are private to
// the store, and appends behave the same either way (the conformance suite runs both).
// The workflow thread's store (role `workflows`): a page cache of its own size (docs/adr/0045).
// And the hold those stores keep on a SQLite file (docs/adr/0035), in one process.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { receipt } from '../../test/conformance/event-store.conformance.js';
import { openStore } from './open-store.js';
import { WORKFLOWS_PAGE_CACHE_MIB } from './workflow-settings.js';

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

describe("the workflow thread's store (role workflows)", () => {
  it(`keeps a ${WORKFLOWS_PAGE_CACHE_MIB} MiB page cache, not the 256 MiB of a store opened without a role`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'millrace-open-store-'));
    const hub = await openStore(`sqlite:${join(dir, 'hub.db')}`, 'server');
    const workflows = await openStore(`sqlite:${join(dir, 'hub.db')}`, 'workflows');
    const plain = await openStore(`sqlite:${join(dir, 'plain.db')}`, 'intake');
    try {
      assert.equal((workflows as unknown as StoreInside).db.pragma('cache_size', { simple: true }), -WORKFLOWS_PAGE_CACHE_MIB * 1024);
      assert.equal((plain as unknown as StoreInside).db.pragma('cache_size', { simple: true }), -256 * 1024);
    } finally {
      await Promise.all([workflows.close(), plain.close()]);
      await hub.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('one hub per SQLite file (docs/adr/0035)', () => {
  it("refuses a second hub's store and a rebuild while a hub holds the file, lets readers and key commands open it, and lets go at close", async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'millrace-open-store-'));
    const path = join(dir, 'hub.db');
    const hub = await openStore(`sqlite:${path}`, 'server');
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    try {
      await assert.rejects(openStore(`sqlite:${path}`, 'server'), (error: Error & { code?: string }) => {
        assert.equal(error.code, 'store_unavailable');
        assert.match(error.message, new RegExp(`^cannot serve ${path}: millrace serve \\(pid ${process.pid}, since [^)]+\\) holds it: one hub process per SQLite file`));
        return true;
      });
      await assert.rejects(openStore(`sqlite:${path}`, 'rebuild'), /cannot replay .* holds it: stop the hub first$/);
      // The same file by another name (a relative path) is the same store.
      await assert.rejects(openStore(`sqlite:${relative(process.cwd(), path)}`, 'server'), /holds it/);
      for (const role of ['reader', 'intake', 'workflows'] as const) {
        const beside = await openStore(`sqlite:${path}`, role);
        await beside.close();
      }
    } finally {
      await hub.close();
    }
    const rebuild = await openStore(`sqlite:${path}`, 'rebuild');
    // A rebuild holds the file too: no hub starts meanwhile.
    await assert.rejects(openStore(`sqlite:${path}`, 'server'), /cannot serve .*millrace replay \(pid \d+, since [^)]+\) holds it/);
    await rebuild.close();
    const again = await openStore(`sqlite:${path}`, 'server');
    await again.close();
  });
});
