// A running hub's statements have time limits: a statement behind a lock that is never released
// (an operator's transaction left open, a frozen session of another program) answers 503
// store_unavailable instead of holding the request forever; a replay or report has none.
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { describe, it } from 'node:test';
import pg from 'pg';
import { receipt } from '../../../test/conformance/event-store.conformance.js';
import { callHub, startTestHub } from '../../../test/support/hub.js';
import { dropSchema, needPostgres, POSTGRES_URL, uniqueSchema } from '../../../test/support/services.js';
import { hashKey } from '../shared/hash-key.js';
import { PostgresStore } from './postgres-store.js';

/** Short limits, so that a test waits half a second, not the hub's fifteen. */
const SHORT = { statementMs: 2_000, lockMs: 500 } as const;

function urlFor(schema: string): string {
  const url = new URL(POSTGRES_URL);
  url.searchParams.set('schema', schema);
  return url.toString();
}

/** What `work` settles with, or `no answer` after a minute (what the store did before its limits: it waited for ever). */
async function settled(work: Promise<unknown>): Promise<unknown> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const never = new Promise((resolve) => (timer = setTimeout(() => resolve('no answer within a minute'), 60_000)));
  try {
    return await Promise.race([work.then((value) => ({ value }), (error: unknown) => error), never]);
  } finally {
    clearTimeout(timer);
  }
}

/** Every lock still held: released before a store is closed. */
const held = new Set<() => Promise<void>>();
const releaseAll = () => Promise.all([...held].map((release) => release()));

/** Another program's session (not the store's: no setting of ours ends it) holding `lock` in an open transaction. */
async function holdLock(t: TestContext, lock: string, params: unknown[] = []): Promise<{ release: () => Promise<void> }> {
  const locker = new pg.Client({ connectionString: POSTGRES_URL });
  await locker.connect();
  let open = true;
  const release = async () => {
    if (!open) return;
    open = false;
    await locker.query('ROLLBACK').catch(() => undefined);
    await locker.end();
  };
  // Before the store closes (its pool waits for a connection stuck behind this lock), whichever hook runs first.
  t.after(release);
  held.add(release);
  await locker.query('BEGIN');
  await locker.query(lock, params);
  return { release };
}

describe('PostgreSQL store: statements behind a lock that is never released', () => {
  it('refuses an append and a read as store_unavailable once the lock wait passes its limit, and appends once the lock is free', async (t) => {
    if (!(await needPostgres(t))) return;
    const schema = uniqueSchema('mr_limits');
    const store = await PostgresStore.open({ url: urlFor(schema), timeLimits: SHORT });
    t.after(async () => {
      await releaseAll();
      await store.close();
      await dropSchema(schema);
    });
    const append = await holdLock(t, 'SELECT pg_advisory_xact_lock($1::bigint)', [hashKey(`millrace-append:${schema}`).toString()]);
    const refused = (await settled(store.appendBatches([[receipt('held-1')]], '2026-03-02T13:20:00.000Z'))) as { code?: string; message?: string };
    assert.equal(refused.code, 'store_unavailable', String(refused.message ?? JSON.stringify(refused)));
    assert.match(String(refused.message), /lock timeout/);
    await append.release();

    const table = await holdLock(t, `LOCK TABLE ${schema}.events IN ACCESS EXCLUSIVE MODE`);
    const read = (await settled(store.readFrom(0, 10))) as { code?: string; message?: string };
    assert.equal(read.code, 'store_unavailable', String(read.message ?? JSON.stringify(read)));
    await table.release();

    const [again] = await store.appendBatches([[receipt('held-1')]], '2026-03-02T13:20:01.000Z');
    assert.equal(again?.kind, 'appended', 'nothing of the refused append was stored');
  });

  it('lets a replay or a report wait for as long as the lock is held (no limit), where a running hub gives up', async (t) => {
    if (!(await needPostgres(t))) return;
    const schema = uniqueSchema('mr_limits_batch');
    const hub = await PostgresStore.open({ url: urlFor(schema), timeLimits: SHORT });
    const replay = await PostgresStore.open({ url: urlFor(schema), timeLimits: 'none', mustExist: true });
    t.after(async () => {
      await releaseAll();
      await hub.close();
      await replay.close();
      await dropSchema(schema);
    });
    const table = await holdLock(t, `LOCK TABLE ${schema}.events IN ACCESS EXCLUSIVE MODE`);
    const long = replay.readFrom(0, 10).then(() => 'read', (error: unknown) => error);
    // The hub's read gives up first; the replay's, asked before it, is still waiting then.
    assert.equal(((await settled(hub.readFrom(0, 10))) as { code?: string }).code, 'store_unavailable');
    await table.release();
    assert.equal(await long, 'read');
  });
});

describe('HTTP API on a PostgreSQL store whose statements wait behind a lock that is never released', () => {
  it('answers a POST and a read 503 store_unavailable, then takes the event once the lock is free', async (t) => {
    if (!(await needPostgres(t))) return;
    const schema = uniqueSchema('mr_limits_http');
    const store = await PostgresStore.open({ url: urlFor(schema), timeLimits: SHORT });
    const hub = await startTestHub({ store, flags: { workflowTickMs: 3_600_000 } });
    t.after(async () => {
      await releaseAll();
      await hub.close();
      await store.close();
      await dropSchema(schema);
    });
    const event = receipt('http-held-1', { source: '/systems/erp-core', type: 'po.released', correlationid: '4700000001/10', data: released('4700000001') });
    const key = hub.keys.get('system:erp-core')!;
    const append = await holdLock(t, 'SELECT pg_advisory_xact_lock($1::bigint)', [hashKey(`millrace-append:${schema}`).toString()]);
    const posted = (await settled(callHub(hub, 'POST', '/v1/events', key, event))) as { value?: { status: number; body: { code?: string; detail?: string } } };
    assert.equal(posted.value?.status, 503, JSON.stringify(posted));
    assert.equal(posted.value.body.code, 'store_unavailable');
    assert.match(String(posted.value.body.detail), /send them again/);
    await append.release();

    const table = await holdLock(t, `LOCK TABLE ${schema}.exceptions IN ACCESS EXCLUSIVE MODE`);
    const listed = (await settled(callHub(hub, 'GET', '/v1/exceptions', hub.keys.get('operator:ap-lead')!))) as { value?: { status: number; body: { code?: string } } };
    assert.equal(listed.value?.status, 503, JSON.stringify(listed));
    assert.equal(listed.value.body.code, 'store_unavailable');
    await table.release();

    assert.equal((await callHub(hub, 'POST', '/v1/events', key, event)).status, 202, 'the client\'s retry is taken');
  });
});

function released(poNumber: string): Record<string, unknown> {
  return {
    poNumber,
    supplierId: 'SUP-0042',
    buyerPlant: 'P01',
    currency: 'USD',
    lines: [{ line: 10, itemId: 'ITM-10023', quantity: '100', uom: 'EA', unitPrice: '12.5000', needBy: '2027-01-15' }],
  };
}
