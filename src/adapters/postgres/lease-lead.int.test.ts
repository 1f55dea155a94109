// The workflows' and deliveries' lead among hubs on one PostgreSQL database when its holder is a
// real process that is frozen (SIGSTOP: its sessions stay open), killed or stopped: another
// holder takes over, and the frozen one, thawed, does no leader work under its old term.
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';
import { describe, it } from 'node:test';
import { dropSchema, needPostgres, POSTGRES_URL, uniqueSchema } from '../../../test/support/services.js';
import { eventually } from '../../../test/support/eventually.js';
import { PostgresStore } from './postgres-store.js';
import { deliveryIdOf } from '../../core/index.js';

const HOLDER = fileURLToPath(new URL('../../../test/support/lead-holder.ts', import.meta.url));

/** A store URL with a short lease, so that a test waits a second, not the default ten. */
function leaseUrl(schema: string, leaseMs: number): string {
  const url = new URL(POSTGRES_URL);
  url.searchParams.set('schema', schema);
  url.searchParams.set('lead_lease_ms', String(leaseMs));
  return url.toString();
}

interface Holder {
  readonly child: ChildProcessWithoutNullStreams;
  ask(command: string): Promise<Record<string, unknown>>;
}

/** Starts test/support/lead-holder.ts on the store; resolves once it leads both. */
async function startHolder(t: TestContext, url: string): Promise<Holder> {
  const child = spawn(process.execPath, ['--import', 'tsx', HOLDER, url], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  t.after(() => {
    child.kill('SIGCONT');
    child.kill('SIGKILL');
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async () => {
    const line = await lines.next();
    if (line.done === true) throw new Error(`the lead holder exited: ${stderr}`);
    return line.value;
  };
  assert.equal(await next(), 'leading', stderr);
  return {
    child,
    ask: async (command) => {
      child.stdin.write(`${command}\n`);
      return JSON.parse(await next()) as Record<string, unknown>;
    },
  };
}

/** Both leads, asked as the runners ask them; resolves once this store holds both. */
async function takeBoth(store: PostgresStore): Promise<true> {
  return eventually('this store takes the workflows\' and deliveries\' leads', async () =>
    (await store.tryLeadWorkflows()) && (await store.deliveries.tryLeadDeliveries()) ? true : undefined,
  );
}

describe('PostgreSQL leads when the leading hub is frozen, killed or stopped', () => {
  it('are taken over from a frozen leader once its lease runs out, and the leader, thawed, finds them lost and writes nothing of its old term', async (t) => {
    if (!(await needPostgres(t))) return;
    const schema = uniqueSchema('mr_lease_frozen');
    const url = leaseUrl(schema, 1000);
    const holder = await startHolder(t, url);
    const store = await PostgresStore.open({ url });
    t.after(async () => {
      await store.close();
      await dropSchema(schema);
    });
    assert.equal(await store.tryLeadWorkflows(), false, 'the holder leads the workflows');
    assert.equal(await store.deliveries.tryLeadDeliveries(), false, 'the holder leads the deliveries');

    // Frozen as a paused container is: its sessions stay open, its kernel answers keepalive.
    holder.child.kill('SIGSTOP');
    const frozenAt = performance.now();
    await takeBoth(store);
    t.diagnostic(`taken over ${Math.round(performance.now() - frozenAt)} ms after the leader froze (lease 1000 ms)`);
    // This store's own leader work goes on under its term.
    await store.deliveries.startDeliveryCursors(['erp-hook'], 0);
    assert.equal(await store.deliveries.enqueueDeliveries([], [{ subscription: 'erp-hook', from: 0, upTo: 1 }], new Date().toISOString()), true);

    holder.child.kill('SIGCONT');
    assert.deepEqual(await holder.ask('status'), { workflows: false, deliveries: false }, 'the thawed hub knows it does not lead');
    const step = String((await holder.ask('step')).step);
    assert.match(step, /^refused: .*lost the workflows' lead/, 'a step computed while it led is refused, though the cursor did not move');
    // Its outbox scan, prepared while it led from cursor 0, is refused by its term (and by the cursor).
    assert.deepEqual(await holder.ask('scan'), { scan: false });
    assert.equal(await store.processedUpTo(), 0);
    assert.equal(await store.tryLeadWorkflows(), true, 'the new leader keeps the lead');
  });

  it('does not let a thawed leader overwrite the outcome of a delivery that the new leader recorded', async (t) => {
    if (!(await needPostgres(t))) return;
    const schema = uniqueSchema('mr_lease_outcome');
    const url = leaseUrl(schema, 1000);
    // The holder queued delivery audit-hook/1 and started its send while it led; it froze before
    // it recorded the outcome (failed for good: dead).
    const holder = await startHolder(t, url);
    const store = await PostgresStore.open({ url });
    t.after(async () => {
      await store.close();
      await dropSchema(schema);
    });
    const deliveryId = deliveryIdOf('audit-hook', 1, 1);
    holder.child.kill('SIGSTOP');
    await takeBoth(store);
    // The new leader sends it again (at least once) and the receiver takes it.
    const lead = store.deliveries.deliveryLead();
    assert.notEqual(lead, undefined);
    const at = new Date().toISOString();
    await store.deliveries.updateDelivery({ deliveryId, status: 'delivered', attempts: 1, nextAttemptAt: at, lastAttemptAt: at, deliveredAt: at, ...(lead === undefined ? {} : { lead }) });

    holder.child.kill('SIGCONT');
    const record = String((await holder.ask('record')).record);
    const stored = await store.deliveries.getDelivery(deliveryId);
    assert.equal(stored?.status, 'delivered', 'the delivery stays delivered: the old term did not mark it dead');
    assert.equal(stored?.lastError, undefined);
    assert.match(record, /^refused: .*lost the deliveries' lead/, 'the thawed hub is told its outcome was not recorded');
  });

  it('are taken over at the next try when the leader is killed (its session ends), without waiting for the lease', async (t) => {
    if (!(await needPostgres(t))) return;
    const schema = uniqueSchema('mr_lease_killed');
    // A lease far longer than the test: only the end of the holder's session can hand the lead over.
    const url = leaseUrl(schema, 3_600_000);
    const holder = await startHolder(t, url);
    const store = await PostgresStore.open({ url });
    t.after(async () => {
      await store.close();
      await dropSchema(schema);
    });
    assert.equal(await store.tryLeadWorkflows(), false);
    holder.child.kill('SIGKILL');
    const killedAt = performance.now();
    await takeBoth(store);
    t.diagnostic(`taken over ${Math.round(performance.now() - killedAt)} ms after the leader was killed`);
  });

  it('are handed over at once when the leader stops, and a holder keeps its lead while it renews', async (t) => {
    if (!(await needPostgres(t))) return;
    const schema = uniqueSchema('mr_lease_stop');
    const url = leaseUrl(schema, 3_600_000);
    const [first, second] = await Promise.all([PostgresStore.open({ url }), PostgresStore.open({ url })]);
    let firstOpen = true;
    t.after(async () => {
      if (firstOpen) await first.close();
      await second.close();
      await dropSchema(schema);
    });
    assert.equal(await first.tryLeadWorkflows(), true);
    assert.equal(await second.tryLeadWorkflows(), false);
    assert.equal(await first.tryLeadWorkflows(), true, 'kept');
    const before = first.workflowLead();
    firstOpen = false;
    await first.close();
    assert.equal(await second.tryLeadWorkflows(), true, 'the stopped hub gave its term up');
    assert.notEqual(second.workflowLead(), before, 'a new term');
  });
});
