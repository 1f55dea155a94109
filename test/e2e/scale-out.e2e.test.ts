// Hubs on one PostgreSQL database as an SRE runs them: `millrace serve` processes whose database
// connections are cut (pg_terminate_backend, a failover, a server restart) must keep running,
// say so on /readyz, and take events and run the workflows again once the database answers,
// without a restart.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import pg from 'pg';
import { hashKey } from '../../src/adapters/shared/hash-key.js';
import type { CloudEvent } from '../../src/core/index.js';
import { runCli, startServe, type ServerProcess } from '../support/cli.js';
import { EXAMPLE_MANIFEST, exampleWithSubscriptions, webhookSubscriptions } from '../support/hub.js';
import { startReceiver } from '../support/webhook-receiver.js';
import mqtt from 'mqtt';
import { endMqttSession, mqttTestManifest } from '../support/mqtt-manifest.js';
import { dropSchema, MQTT_URL, needMqtt, needPostgres, POSTGRES_URL, uniqueSchema } from '../support/services.js';
import { eventually } from '../support/eventually.js';

function storeUrl(schema: string, application?: string): string {
  const url = new URL(POSTGRES_URL);
  url.searchParams.set('schema', schema);
  if (application !== undefined) url.searchParams.set('application_name', application);
  return url.toString();
}

/** One time for every event of a run: a retry must send the same body, or it is a conflict (409). */
const RELEASED_AT = new Date().toISOString();

function released(poNumber: string): CloudEvent {
  return {
    specversion: '1.0',
    id: `po-${poNumber}`,
    source: '/systems/erp-core',
    type: 'po.released',
    time: RELEASED_AT,
    correlationid: `${poNumber}/10`,
    data: {
      poNumber,
      supplierId: 'SUP-0042',
      buyerPlant: 'P01',
      currency: 'USD',
      lines: [{ line: 10, itemId: 'ITM-10023', quantity: '100', uom: 'EA', unitPrice: '12.5000', needBy: '2027-01-15' }],
    },
  };
}

async function post(server: ServerProcess, key: string, event: CloudEvent, signal?: AbortSignal): Promise<number> {
  return (await answer(server, key, event, signal)).status;
}

async function answer(server: ServerProcess, key: string, event: CloudEvent, signal?: AbortSignal): Promise<{ status: number; code?: string }> {
  const response = await fetch(`${server.url}/v1/events`, {
    method: 'POST',
    ...(signal === undefined ? {} : { signal }),
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/cloudevents+json' },
    body: JSON.stringify(event),
  });
  const body = (await response.json()) as { code?: string };
  return { status: response.status, ...(body.code === undefined ? {} : { code: body.code }) };
}

/** The hub's sessions on the server: the store's pools and its leads are named after the schema. */
async function sessionsOf(admin: pg.Client, schema: string): Promise<{ pid: number; state: string | null; wait: string | null }[]> {
  const found = await admin.query<{ pid: number; state: string | null; wait: string | null }>(
    'SELECT pid, state, wait_event_type AS wait FROM pg_stat_activity WHERE application_name = $1',
    [`millrace store ${schema}`],
  );
  return found.rows;
}

interface Setup {
  readonly schema: string;
  readonly store: string;
  readonly key: string;
  readonly admin: pg.Client;
  /** Starts a hub stopped (thawed first) before the schema is dropped. */
  serve(store: string, manifest?: string, deliveries?: 'on' | 'off'): Promise<ServerProcess>;
}

async function setUp(t: TestContext): Promise<Setup | undefined> {
  if (!(await needPostgres(t))) return undefined;
  const schema = uniqueSchema('mr_scale');
  const store = storeUrl(schema);
  const keyRun = runCli(['keys', 'add', '--system', 'erp-core', '--json', '--manifest', EXAMPLE_MANIFEST, '--store', store]);
  assert.equal(keyRun.status, 0, keyRun.stderr);
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  const servers: ServerProcess[] = [];
  // One hook, in this order: a hub left frozen in a transaction would hold DROP SCHEMA up.
  t.after(async () => {
    for (const server of servers) {
      server.child.kill('SIGCONT');
      server.child.kill('SIGTERM');
      await server.exited;
    }
    await admin.end();
    await dropSchema(schema);
  });
  const serve = async (url: string, manifest = EXAMPLE_MANIFEST, deliveries: 'on' | 'off' = 'off') => {
    const server = await startServe(['--manifest', manifest, '--store', url, '--log-level', 'warn'], { env: { MILLRACE_DELIVERIES: deliveries } });
    servers.push(server);
    return server;
  };
  return { schema, store, key: (JSON.parse(keyRun.stdout) as { key: string }).key, admin, serve };
}

describe('hubs on one PostgreSQL database', () => {
  it('keeps serving after its database connections are cut in the middle of a commit, and runs the workflows again without a restart', async (t) => {
    const setup = await setUp(t);
    if (setup === undefined) return;
    const { schema, store, key, admin } = setup;
    const server = await setup.serve(store);
    assert.equal(await post(server, key, released('4700000001')), 202);

    // An append waits for the log's append lock (held here, as a busy hub would) on a connection
    // the hub has checked out of its pool; then every session of the hub is cut.
    const locker = new pg.Client({ connectionString: POSTGRES_URL });
    await locker.connect();
    await locker.query('BEGIN');
    await locker.query('SELECT pg_advisory_xact_lock($1::bigint)', [hashKey(`millrace-append:${schema}`).toString()]);
    const inFlight = answer(server, key, released('4700000002')).catch((): { status: number; code?: string } => ({ status: -1 }));
    await eventually('an append waiting for the lock', async () => ((await sessionsOf(admin, schema)).some((s) => s.wait === 'Lock') ? true : undefined));
    await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [`millrace store ${schema}`]);
    await locker.query('ROLLBACK');
    await locker.end();

    // Accepted (committed on a fresh connection after the cut) or refused as the store's failure
    // (503 store_unavailable, which a client retries; not a 500 that says nothing), never a
    // connection dropped by a dying process.
    const inFlightAnswer = await inFlight;
    t.diagnostic(`the POST in flight when the connections were cut: ${JSON.stringify(inFlightAnswer)}`);
    assert.ok(inFlightAnswer.status === 202 || (inFlightAnswer.status === 503 && inFlightAnswer.code === 'store_unavailable'), `answered ${JSON.stringify(inFlightAnswer)}`);
    // Still running: it answers, and takes events again once its pool reconnects.
    const ready = await eventually('/readyz answers 200 again', async () => {
      const response = await fetch(`${server.url}/readyz`).catch(() => undefined);
      assert.equal(server.child.exitCode, null, `the hub exited: ${server.stderr()}`);
      return response?.status === 200 ? true : undefined;
    });
    assert.ok(ready);
    assert.equal(await post(server, key, released('4700000003')), 202);
    assert.equal(await post(server, key, released('4700000002')), 202, 'the unacknowledged event is taken on a retry');
    // The workflows' lead was cut too: this hub takes it again and applies what came since.
    const reader = runCli(['keys', 'add', '--operator', 'sre', '--role', 'operator', '--json', '--manifest', EXAMPLE_MANIFEST, '--store', store]);
    assert.equal(reader.status, 0, reader.stderr);
    const operator = (JSON.parse(reader.stdout) as { key: string }).key;
    for (const po of ['4700000002', '4700000003']) {
      await eventually(`PO ${po} applied by the workflows`, async () => {
        const response = await fetch(`${server.url}/v1/workflows/p2p/${po}`, { headers: { authorization: `Bearer ${operator}` } });
        await response.text();
        return response.status === 200 ? true : undefined;
      });
    }
    assert.equal(server.child.exitCode, null, server.stderr());
    // Nothing half-applied: each PO once in the log, with its workflow's own derived events once.
    const counts = await admin.query<{ id: string; n: number }>(`SELECT id, count(*)::int AS n FROM ${schema}.events WHERE source <> '/millrace' GROUP BY id ORDER BY id`);
    assert.deepEqual(counts.rows, ['4700000001', '4700000002', '4700000003'].map((po) => ({ id: `po-${po}`, n: 1 })));
    const derived = await admin.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${schema}.events WHERE type = 'sla.started' GROUP BY correlation_key HAVING count(*) > 1`);
    assert.deepEqual(derived.rows, [], 'no workflow derived its events twice');
  });

  it('takes events on one hub while another is frozen in the middle of an append (its transaction is ended by the server)', async (t) => {
    const setup = await setUp(t);
    if (setup === undefined) return;
    const { schema, key, admin } = setup;
    // Named apart, to find the frozen hub's sessions.
    const frozenName = `${schema}_frozen`;
    const frozen = await setup.serve(storeUrl(schema, frozenName));
    const other = await setup.serve(storeUrl(schema, `${schema}_other`));
    // Load on the hub to freeze, until it is stopped (SIGSTOP: a paused container, a VM stalled,
    // a debugger) between two statements of an append, holding the log's append lock.
    let loading = true;
    let sent = 0;
    const load = Promise.all(
      Array.from({ length: 4 }, async (_, client) => {
        while (loading) await post(frozen, key, released(`48${client}${String((sent += 1)).padStart(7, '0')}`)).catch(() => -1);
      }),
    );
    const holdsAppendLock = async (): Promise<boolean> => {
      const found = await admin.query(
        `SELECT 1 FROM pg_stat_activity a JOIN pg_locks l ON l.pid = a.pid
          WHERE a.application_name = $1 AND a.state = 'idle in transaction' AND l.locktype = 'advisory' AND l.granted`,
        [frozenName],
      );
      return (found.rowCount ?? 0) > 0;
    };
    let caught = false;
    for (let attempt = 0; attempt < 500 && !caught; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 5 + (attempt % 7)));
      frozen.child.kill('SIGSTOP');
      await new Promise((resolve) => setTimeout(resolve, 30));
      caught = await holdsAppendLock();
      if (!caught) frozen.child.kill('SIGCONT');
    }
    loading = false;
    assert.ok(caught, 'the hub was frozen inside an append');

    // The other hub takes an event meanwhile (before the fix it waited for the lock for as long
    // as the frozen hub stayed frozen: every hub's intake stopped by one).
    const status = await post(other, key, released('4900000001'), AbortSignal.timeout(90_000)).catch((error: unknown) => `no answer: ${String(error)}`);
    assert.equal(status, 202);

    // The frozen hub, thawed, goes on: its cut transaction failed, nothing of it was stored.
    frozen.child.kill('SIGCONT');
    await load;
    await eventually('/readyz of the thawed hub answers 200', async () => {
      const response = await fetch(`${frozen.url}/readyz`).catch(() => undefined);
      assert.equal(frozen.child.exitCode, null, `the thawed hub exited: ${frozen.stderr()}`);
      return response?.status === 200 ? true : undefined;
    });
    assert.equal(await post(frozen, key, released('4900000002')), 202);
    const twice = await admin.query(`SELECT id FROM ${schema}.events GROUP BY source, id HAVING count(*) > 1`);
    assert.deepEqual(twice.rows, [], 'no event stored twice');
  });

  it('runs the workflows and the deliveries on another hub while the leading hub is frozen, and the thawed hub applies and sends nothing twice', async (t) => {
    const setup = await setUp(t);
    if (setup === undefined) return;
    const { schema, key, admin } = setup;
    const receiver = await startReceiver();
    const dir = mkdtempSync(join(tmpdir(), 'millrace-lease-'));
    t.after(async () => {
      await receiver.close();
      rmSync(dir, { recursive: true, force: true });
    });
    const manifest = exampleWithSubscriptions(dir, webhookSubscriptions({ id: 'erp-po-copy', types: ['po.released'], url: `${receiver.url}/hooks` }));
    // A lease of 2 s (the default is 10 s): the longest the hubs go without a leader.
    const url = new URL(storeUrl(schema));
    url.searchParams.set('lead_lease_ms', '2000');
    const leader = await setup.serve(url.toString(), manifest, 'on');
    const operatorKey = runCli(['keys', 'add', '--operator', 'sre', '--role', 'operator', '--json', '--manifest', EXAMPLE_MANIFEST, '--store', setup.store]);
    assert.equal(operatorKey.status, 0, operatorKey.stderr);
    const operator = (JSON.parse(operatorKey.stdout) as { key: string }).key;
    const applied = (server: ServerProcess, po: string) =>
      eventually(`PO ${po} applied by the workflows`, async () => {
        const response = await fetch(`${server.url}/v1/workflows/p2p/${po}`, { headers: { authorization: `Bearer ${operator}` } });
        await response.text();
        return response.status === 200 ? true : undefined;
      });
    const delivered = (po: string) => eventually(`PO ${po} delivered`, () => (receiver.received.some((r) => r.id === `po-${po}`) ? true : undefined));
    // The first hub leads both (alone when it starts); the second stands by.
    assert.equal(await post(leader, key, released('4910000001')), 202);
    await applied(leader, '4910000001');
    await delivered('4910000001');
    const standby = await setup.serve(url.toString(), manifest, 'on');

    leader.child.kill('SIGSTOP');
    const frozenAt = performance.now();
    assert.equal(await post(standby, key, released('4910000002')), 202);
    await applied(standby, '4910000002');
    const workflowsAfter = performance.now() - frozenAt;
    await delivered('4910000002');
    const deliveriesAfter = performance.now() - frozenAt;
    t.diagnostic(`the standby hub ran the workflows ${Math.round(workflowsAfter)} ms and sent the delivery ${Math.round(deliveriesAfter)} ms after the leader froze (lease ${url.searchParams.get('lead_lease_ms')} ms)`);

    // Thawed: it takes events, and the workflows and deliveries go on (whichever hub leads).
    leader.child.kill('SIGCONT');
    assert.equal(await post(leader, key, released('4910000003')), 202);
    await applied(leader, '4910000003');
    await delivered('4910000003');
    assert.equal(leader.child.exitCode, null, leader.stderr());
    const twice = await admin.query(`SELECT id FROM ${schema}.events GROUP BY source, id HAVING count(*) > 1`);
    assert.deepEqual(twice.rows, [], 'no event stored twice');
    const derived = await admin.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${schema}.events WHERE type = 'sla.started' GROUP BY correlation_key HAVING count(*) > 1`);
    assert.deepEqual(derived.rows, [], 'no workflow derived its events twice');
    const flows = await admin.query<{ n: string }>(`SELECT sum(events)::text AS n FROM ${schema}.governance_flows WHERE type = 'po.released'`);
    assert.equal(flows.rows[0]?.n, '3', 'each PO counted once in the governance flows');
    assert.deepEqual(receiver.received.map((r) => r.id).sort(), ['po-4910000001', 'po-4910000002', 'po-4910000003'], 'each PO sent to the subscriber once');
  });

  it('takes a plant line\'s MQTT messages on another hub while the hub holding the MQTT session is frozen, and stores each once', async (t) => {
    if (!(await needMqtt(t))) return;
    const setup = await setUp(t);
    if (setup === undefined) return;
    const { schema, admin } = setup;
    const { run, dir, clientId, topic, manifestPath } = mqttTestManifest('millrace-mqtt-frozen-');
    const plc = await mqtt.connectAsync(MQTT_URL, { protocolVersion: 5, clientId: `plc-${run}`, reconnectPeriod: 0 });
    t.after(async () => {
      await plc.endAsync();
      await endMqttSession(clientId);
      rmSync(dir, { recursive: true, force: true });
    });
    const url = new URL(storeUrl(schema));
    url.searchParams.set('lead_lease_ms', '2000');
    const holdsSession = async (server: ServerProcess) =>
      new RegExp(`^millrace_edge_connected\\{channel="mqtt",id="${clientId}"\\} 1$`, 'm').test(await (await fetch(`${server.url}/metrics`)).text());
    const stored = async (seq: number) => (await admin.query(`SELECT 1 FROM ${schema}.events WHERE source = '/systems/mes-p01' AND id = $1`, [`mes-p01-completions/L1/${seq}`])).rowCount === 1;
    const publish = (seq: number) => plc.publishAsync(topic, JSON.stringify({ seq, order: `PRD-${seq}`, good: '10', scrap: '0', ts: '2026-03-02T13:15:00+01:00' }), { qos: 1 });

    // The first hub holds the session (alone when it starts); the second stands by.
    const holder = await setup.serve(url.toString(), manifestPath);
    await eventually('the first hub holds the MQTT session', async () => ((await holdsSession(holder)) ? true : undefined));
    await publish(1);
    await eventually('message 1 stored', async () => ((await stored(1)) ? true : undefined));
    const standby = await setup.serve(url.toString(), manifestPath);

    // Frozen as a paused container is: its sessions stay open, its kernel answers keepalive.
    holder.child.kill('SIGSTOP');
    const frozenAt = performance.now();
    await publish(2);
    // Before: the frozen hub kept its session lock on the store, and no other hub took the line's messages.
    await eventually('message 2 stored by the standby hub while the holder is frozen', async () => ((await stored(2)) ? true : undefined));
    t.diagnostic(`the standby hub stored the line's message ${Math.round(performance.now() - frozenAt)} ms after the holder froze (lease ${url.searchParams.get('lead_lease_ms')} ms)`);
    // The gauge goes to 1 once the hub has subscribed again, which may come after the session's queued message.
    await eventually('the standby hub holds the session', async () => ((await holdsSession(standby)) ? true : undefined));

    // Thawed: it finds its lead lost and lets the session be; the line goes on, each message stored once.
    holder.child.kill('SIGCONT');
    for (let seq = 3; seq <= 5; seq += 1) await publish(seq);
    await eventually('messages 3..5 stored', async () => ((await stored(5)) && (await stored(4)) && (await stored(3)) ? true : undefined));
    await eventually('one hub holds the session', async () => ((await holdsSession(holder)) !== (await holdsSession(standby)) ? true : undefined));
    const twice = await admin.query(`SELECT id FROM ${schema}.events GROUP BY source, id HAVING count(*) > 1`);
    assert.deepEqual(twice.rows, [], 'no message stored twice');
    assert.equal(holder.child.exitCode, null, holder.stderr());
  });
});
