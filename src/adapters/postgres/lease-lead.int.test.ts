// The workflows' and deliveries' lead among hubs on one PostgreSQL database when its holder is a
// real process that is frozen (SIGSTOP: its sessions stay open), killed or stopped: another
// holder takes over, and the frozen one, thawed, does no leader work under its old term.
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createServer, connect, type Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';
import pg from 'pg';
import { describe, it } from 'node:test';
import { dropSchema, needPostgres, POSTGRES_URL, uniqueSchema } from '../../../test/support/services.js';
import { eventually } from '../../../test/support/eventually.js';
import { PostgresStore } from './postgres-store.js';
import { LeaseLead } from './lease-lead.js';
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

/**
 * A schema of its own with a lease of `leaseMs`: the lead holder process leading it, and a store
 * of this process on it that does not lead yet; both gone, and the schema dropped, after the test.
 */
async function holderAndStore(t: TestContext, prefix: string, leaseMs: number): Promise<{ holder: Holder; store: PostgresStore }> {
  const schema = uniqueSchema(prefix);
  const url = leaseUrl(schema, leaseMs);
  const holder = await startHolder(t, url);
  const store = await PostgresStore.open({ url });
  t.after(async () => {
    await store.close();
    await dropSchema(schema);
  });
  return { holder, store };
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
    const { holder, store } = await holderAndStore(t, 'mr_lease_frozen', 1000);
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
    // The holder queued delivery audit-hook/1 and started its send while it led; it froze before
    // it recorded the outcome (failed for good: dead).
    const { holder, store } = await holderAndStore(t, 'mr_lease_outcome', 1000);
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
    // A lease far longer than the test: only the end of the holder's session can hand the lead over.
    const { holder, store } = await holderAndStore(t, 'mr_lease_killed', 3_600_000);
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

  it('keeps TCP keepalive on every lead session (workflows, deliveries, an edge lead)', async (t) => {
    if (!(await needPostgres(t))) return;
    const schema = uniqueSchema('mr_lease_keepalive');
    const store = await PostgresStore.open({ url: leaseUrl(schema, 60_000) });
    const edge = store.leadNamed('mqtt-session:plant-hub');
    const admin = new pg.Client({ connectionString: POSTGRES_URL });
    await admin.connect();
    t.after(async () => {
      await edge.release();
      await store.close();
      await admin.end();
      await dropSchema(schema);
    });
    assert.equal(await store.tryLeadWorkflows(), true);
    assert.equal(await store.deliveries.tryLeadDeliveries(), true);
    assert.equal(await edge.tryLead(), true);
    const sessions = await admin.query<{ name: string; port: number }>(
      `SELECT l.name, a.client_port AS port FROM ${schema}.leads l JOIN pg_stat_activity a ON a.pid = l.holder_pid ORDER BY l.name`,
    );
    assert.deepEqual(sessions.rows.map((row) => row.name), ['deliveries', 'mqtt-session:plant-hub', 'workflows']);
    for (const { name, port } of sessions.rows) {
      // This process's end of the session: SO_KEEPALIVE shows as a keepalive timer in ss.
      const socket = execFileSync('ss', ['-tnoH', 'state', 'established', `( sport = :${port} )`], { encoding: 'utf8' });
      assert.match(socket, /timer:\(keepalive,/, `the ${name} lead's socket probes the server when idle: ${socket}`);
    }
  });

  it('answers when the database stops answering on its session (a half-open connection), and another hub takes the lead once the lease runs out', async (t) => {
    if (!(await needPostgres(t))) return;
    const schema = uniqueSchema('mr_lease_silent');
    const url = leaseUrl(schema, 1000);
    const other = await PostgresStore.open({ url });
    // A relay between the lead and the server that can go silent without closing: what a lead sees
    // of a database host gone without a FIN (or a stalled server, a dropped route): its writes are
    // taken, nothing comes back, and no error either.
    const relay = await silentRelay(new URL(POSTGRES_URL));
    const leadUrl = new URL(POSTGRES_URL);
    leadUrl.port = String(relay.port);
    const lead = new LeaseLead({ connectionString: leadUrl.toString(), options: `-c search_path=${schema}` }, 'workflows', { leaseMs: 1000 });
    t.after(async () => {
      relay.close();
      await lead.release();
      await other.close();
      await dropSchema(schema);
    });
    assert.equal(await lead.tryLead(), true);
    relay.silence();
    await new Promise((resolve) => setTimeout(resolve, 1100));
    // The term has run out on the lead's own clock: it asks the database, which never answers.
    const asked = performance.now();
    const answer = await Promise.race([lead.tryLead(), new Promise((resolve) => setTimeout(() => resolve('no answer within a minute'), 60_000))]);
    assert.equal(answer, false, 'the lead is not believed held');
    t.diagnostic(`the silent lead answered false ${Math.round(performance.now() - asked)} ms after it asked`);
    await takeBoth(other);
  });
});

/** A TCP relay to `server` that `silence()` makes swallow everything, both ways, without closing. */
async function silentRelay(server: URL): Promise<{ port: number; silence(): void; close(): void }> {
  const sockets: Socket[] = [];
  let silent = false;
  const relay = createServer((client) => {
    const upstream = connect(Number(server.port || 5432), server.hostname);
    sockets.push(client, upstream);
    client.on('data', (chunk) => silent || upstream.write(chunk));
    upstream.on('data', (chunk) => silent || client.write(chunk));
    for (const [a, b] of [[client, upstream], [upstream, client]] as const) {
      a.on('error', () => b.destroy());
      a.on('close', () => b.destroy());
    }
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  const address = relay.address();
  if (address === null || typeof address === 'string') throw new Error('the relay has no port');
  return {
    port: address.port,
    silence: () => (silent = true),
    close: () => {
      relay.close();
      for (const socket of sockets) socket.destroy();
    },
  };
}
