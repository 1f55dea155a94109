// What a load balancer and Prometheus see of a hub whose PostgreSQL store is away: the real
// server behind a local TCP proxy that the test cuts (connections refused) or turns into a black
// hole (connections taken, nothing answered, as a partitioned network does).
import assert from 'node:assert/strict';
import { connect, createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { PostgresStore } from '../adapters/postgres/postgres-store.js';
import { callHub, startTestHub } from '../../test/support/hub.js';
import type { TestHub } from '../../test/support/hub.js';
import { dropSchema, needPostgres, POSTGRES_URL, uniqueSchema } from '../../test/support/services.js';

/** A TCP proxy to the PostgreSQL server: passes, refuses or swallows connections, as `mode` says. */
async function startProxy(target: URL) {
  const sockets = new Set<Socket>();
  const proxy = {
    mode: 'pass' as 'pass' | 'refuse' | 'blackhole',
    port: 0,
    /**
     * `refuse` and `pass` drop every connection open now (the pool's included: it opens new ones);
     * `blackhole` leaves them open and stops carrying their bytes, as a partition does.
     */
    cut(mode: 'pass' | 'refuse' | 'blackhole') {
      proxy.mode = mode;
      if (mode !== 'blackhole') for (const socket of sockets) socket.destroy();
    },
    close: () => {
      proxy.cut('refuse');
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  };
  const server = createServer((client) => {
    track(client);
    if (proxy.mode === 'refuse') client.destroy();
    if (proxy.mode !== 'pass') return;
    const upstream = connect(Number(target.port || 5432), target.hostname);
    track(upstream);
    upstream.on('close', () => client.destroy());
    client.on('close', () => upstream.destroy());
    client.on('data', (chunk: Buffer) => proxy.mode === 'pass' && upstream.write(chunk));
    upstream.on('data', (chunk: Buffer) => proxy.mode === 'pass' && client.write(chunk));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.port = (server.address() as AddressInfo).port;
  return proxy;
}

describe('probes and scrapes while the PostgreSQL store is away', () => {
  const schema = uniqueSchema('mr_outage');
  let proxy: Awaited<ReturnType<typeof startProxy>>;
  let store: PostgresStore;
  let t: TestHub;
  let skip = false;

  before(async (context) => {
    if (!(await needPostgres(context as never))) {
      skip = true;
      return;
    }
    const target = new URL(POSTGRES_URL);
    proxy = await startProxy(target);
    const url = new URL(POSTGRES_URL);
    url.host = `127.0.0.1:${proxy.port}`;
    url.searchParams.set('schema', schema);
    store = await PostgresStore.open({ url: url.toString() });
    t = await startTestHub({ store, flags: { workflowTickMs: 3_600_000 } });
    // One refused request, counted by the process itself, not read from the store.
    assert.equal((await callHub(t, 'POST', '/v1/events', t.keys.get('system:erp-core')!, { specversion: '1.0' })).status, 422);
  });
  after(async () => {
    if (skip) return;
    proxy.cut('pass');
    await t.close();
    await proxy.close();
    await dropSchema(schema);
  });

  /** /readyz's status once the pool has let go of the connections the proxy dropped (a prober asks again, too). */
  const readyAgain = async (): Promise<number> => {
    let status = 0;
    for (let asked = 0; asked < 20 && status !== 200; asked += 1) {
      if (asked > 0) await new Promise((resolve) => setTimeout(resolve, 100));
      status = (await t.hub.http.inject({ method: 'GET', url: '/readyz' })).statusCode;
    }
    return status;
  };

  const scrape = async () => {
    const response = await t.hub.http.inject({ method: 'GET', url: '/metrics' });
    return { status: response.statusCode, families: response.statusCode === 200 ? parsePrometheusTextFormat(response.body) : [] };
  };
  const value = (families: Awaited<ReturnType<typeof scrape>>['families'], name: string, labels: Record<string, string> = {}) =>
    families.find((f) => f.name === name)?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v))?.value;

  it('answers /readyz 503 with the reason while the store swallows connections, and 200 once it answers again', { timeout: 20_000 }, async () => {
    if (skip) return;
    proxy.cut('blackhole');
    const waiting = await t.hub.http.inject({ method: 'GET', url: '/readyz' });
    assert.equal(waiting.statusCode, 503);
    assert.equal(waiting.json<{ code: string }>().code, 'store_unavailable');
    assert.match(waiting.json<{ detail: string }>().detail, /the store did not answer within \d+ s/);
    proxy.cut('pass');
    assert.equal(await readyAgain(), 200);
  });

  it("still serves /metrics while the store swallows connections or refuses them: the process's figures, and millrace_store_up 0", { timeout: 20_000 }, async () => {
    if (skip) return;
    for (const mode of ['blackhole', 'refuse'] as const) {
      proxy.cut(mode);
      const { status, families } = await scrape();
      assert.equal(status, 200, mode);
      assert.equal(value(families, 'millrace_store_up'), '0', mode);
      assert.equal(value(families, 'millrace_intake_requests_total', { outcome: 'contract_violation' }), '1', mode);
      assert.ok(families.some((f) => f.name === 'millrace_process_resident_memory_bytes'), mode);
      // Store-backed figures are left out rather than shown as zeros; the backlog, a gauge
      // without labels that is always written, is NaN (unknown), not 0 (keeping up).
      // (prom-client writes it `Nan`; Prometheus reads NaN in any case, as Go's ParseFloat does.)
      assert.match(value(families, 'millrace_workflow_backlog_events') ?? '', /^nan$/i, mode);
      assert.equal(value(families, 'millrace_governance_share', { of: 'flows' }), undefined, mode);
      assert.equal((await t.hub.http.inject({ method: 'GET', url: '/readyz' })).statusCode, 503, mode);
    }
    proxy.cut('pass');
    assert.equal(await readyAgain(), 200);
    const { status, families } = await scrape();
    assert.equal(status, 200);
    assert.equal(value(families, 'millrace_store_up'), '1');
    assert.equal(value(families, 'millrace_workflow_backlog_events'), '0');
  });
});
