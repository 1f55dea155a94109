// The intake benchmark's contenders do the work they are credited with: the baseline validates
// and stores, and the floor (bench/floor-server.ts) authenticates, checks the contracts and the
// publishing authority, and appends idempotently, as the hub does, to the hub's store or to the
// lean log (bench/lean-log.ts). A contender that skipped a
// step would make its figure, and every ratio against it, wrong.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildBaselineServer, type BaselineServer } from '../../bench/baseline-server.js';
import { commandNodeOptions, ROOT, storedEvents } from '../../bench/contenders.js';
import { buildFloorServer, type FloorLog } from '../../bench/floor-server.js';
import { leanLogPath } from '../../bench/lean-log.js';
import { BENCH_SYSTEM, goodsReceived } from '../../bench/goods-received.js';
import { SqliteStore } from '../../src/adapters/index.js';
import { issueKey, systemClock } from '../../src/bootstrap/index.js';

const CLOUDEVENT = { 'content-type': 'application/cloudevents+json' };

function post(server: BaselineServer, body: unknown, authorization?: string) {
  return server.app.inject({
    method: 'POST',
    url: '/v1/events',
    headers: { ...CLOUDEVENT, ...(authorization === undefined ? {} : { authorization }) },
    payload: JSON.stringify(body),
  });
}

const receipt = goodsReceived('gr-1', 'GR-P01-2026-0000001', '4500000001');
const withQuantity = (quantity: unknown) => ({ ...receipt, data: { ...(receipt.data as object), lines: [{ poNumber: '4500000001', line: 10, quantity, uom: 'EA' }] } });

for (const log of ['store', 'lean'] as const satisfies readonly FloorLog[]) {
  describe(`the intake benchmark: the floor server appending to the ${log === 'store' ? "hub's store" : 'lean log'}`, () => {
    let dir: string;
    let dbPath: string;
    let floor: BaselineServer;
    let authorization: string;
    const stored = () => storedEvents(log === 'lean' ? leanLogPath(dbPath) : dbPath);

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'millrace-floor-test-'));
      dbPath = join(dir, 'floor.db');
      const store = new SqliteStore(dbPath);
      authorization = `Bearer ${(await issueKey(store, { kind: 'system', id: BENCH_SYSTEM }, systemClock)).key}`;
      await store.close();
      floor = buildFloorServer(dbPath, log);
    });

    after(async () => {
      await floor.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('accepts a valid event once, reports its resend as a duplicate and a changed resend as a conflict', async () => {
      const first = await post(floor, receipt, authorization);
      assert.equal(first.statusCode, 202, first.body);
      assert.deepEqual(first.json(), { accepted: [{ id: 'gr-1', source: '/systems/wms-p01', sequence: 1 }], duplicates: [] });
      const again = await post(floor, receipt, authorization);
      assert.deepEqual(again.json(), { accepted: [], duplicates: [{ id: 'gr-1', source: '/systems/wms-p01', sequence: 1 }] });
      const changed = await post(floor, { ...receipt, subject: 'GR-P01-2026-0000009' }, authorization);
      assert.equal(changed.statusCode, 409, changed.body);
      assert.equal(stored(), 1);
    });

    it('refuses what the hub refuses: no key, another system\'s source, an event type the system may not publish, a contract violation', async () => {
      assert.equal((await post(floor, { ...receipt, id: 'gr-2' })).statusCode, 401);
      assert.equal((await post(floor, { ...receipt, id: 'gr-3' }, 'Bearer mr_000000000000_not-a-key-of-this-store-at-all-0000000000000')).statusCode, 401);
      assert.equal((await post(floor, { ...receipt, id: 'gr-4', source: '/systems/erp-core' }, authorization)).statusCode, 403);
      assert.equal((await post(floor, { ...receipt, id: 'gr-5', type: 'invoice.received' }, authorization)).statusCode, 403);
      const decimal = await post(floor, { ...withQuantity(500), id: 'gr-6' }, authorization);
      assert.equal(decimal.statusCode, 422, decimal.body);
      assert.match(decimal.body, /\/data\/lines\/0\/quantity/);
      const envelope = await post(floor, { ...receipt, id: 'gr-7', time: 'yesterday' }, authorization);
      assert.equal(envelope.statusCode, 422, envelope.body);
      assert.equal(stored(), 1, 'nothing refused was stored');
    });
  });
}

describe('the intake benchmark: the baseline server', () => {
  let dir: string;
  let dbPath: string;
  let baseline: BaselineServer;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'millrace-baseline-test-'));
    dbPath = join(dir, 'baseline.db');
    baseline = buildBaselineServer(dbPath);
  });

  after(async () => {
    await baseline.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores a valid event and refuses envelope and data contract violations', async () => {
    const accepted = await post(baseline, receipt);
    assert.equal(accepted.statusCode, 202, accepted.body);
    assert.deepEqual(accepted.json(), { accepted: [{ id: 'gr-1', source: '/systems/wms-p01', sequence: 1 }], duplicates: [] });
    assert.equal((await post(baseline, { ...withQuantity(500), id: 'gr-2' })).statusCode, 422);
    assert.equal((await post(baseline, { ...receipt, id: 'gr-3', time: 'yesterday' })).statusCode, 422);
    assert.equal(storedEvents(dbPath), 1);
  });
});

describe('the benchmarks\' node options', () => {
  it('are the ones the millrace command gives itself in its shebang, and none for a tree from before it had any', () => {
    assert.deepEqual(commandNodeOptions(ROOT), ['--min-semi-space-size=16']);
    const dir = mkdtempSync(join(tmpdir(), 'millrace-shebang-'));
    try {
      mkdirSync(join(dir, 'bin'));
      const withShebang = (line: string) => {
        writeFileSync(join(dir, 'bin', 'millrace.js'), `${line}\n// the command\n`);
        return commandNodeOptions(dir);
      };
      assert.deepEqual(withShebang('#!/usr/bin/env node'), []);
      assert.deepEqual(withShebang('#!/usr/bin/env -S node --max-old-space-size=4096 --min-semi-space-size=16'), ['--max-old-space-size=4096', '--min-semi-space-size=16']);
      assert.throws(() => withShebang('#!/bin/sh'), /does not start with a node shebang/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
