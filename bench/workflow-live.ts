// Live workflow latency: `millrace serve` (workflows on, SQLite) in its own process, loaded with
// P2P traffic at half the rate it sustains at most, while a probe releases fresh POs and polls
// GET /v1/workflows/p2p/:po until each one shows: the time from sending an event to seeing it in
// its workflow's state.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon, { type AutocannonRequest } from 'autocannon';
import { SqliteStore } from '../src/adapters/index.js';
import { issueKey, systemClock } from '../src/bootstrap/index.js';
import type { CloudEvent } from '../src/core/index.js';
import { p2pTraffic } from '../test/support/p2p-traffic.js';
import { commandNodeOptions, ROOT } from './contenders.js';
import { startServerProcess } from './server-process.js';

const MANIFEST = join(ROOT, 'examples', 'millrace.yaml');
const PRINCIPALS = ['system:erp-core', 'system:wms-p01', 'system:wms-p02', 'system:ap-automation', 'partner:sup-0042', 'partner:sup-0107', 'partner:sup-0311'];

export interface LiveFigures {
  readonly maxEventsPerSecond: number;
  readonly loadEventsPerSecond: number;
  readonly probes: number;
  readonly visibleMs: { readonly p50: number; readonly p99: number; readonly max: number };
  readonly failures: number;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

/** Traffic that never runs out: P2P stories, each request the next event, signed by its source. */
function trafficRequests(keys: ReadonlyMap<string, string>, offset: number): AutocannonRequest[] {
  let events: CloudEvent[] = [];
  let next = 0;
  let round = offset;
  const take = (): CloudEvent => {
    if (next >= events.length) {
      round += 1;
      // A new PO number range per round keeps every id and PO new. Business time starts now, as
      // in a live plant: deadlines lie ahead, so the scheduler is not busy firing old ones.
      events = p2pTraffic({ lines: 2000, seed: round, spacingMinutes: 1, poPrefix: `R${round}-`, start: new Date(Date.now() + round * 60_000).toISOString() });
      next = 0;
    }
    const event = events[next++];
    if (event === undefined) throw new Error('no traffic');
    return event;
  };
  return [
    {
      method: 'POST',
      path: '/v1/events',
      setupRequest: (request) => {
        const event = take();
        const principal = event.source.replace(/^\/(system|partner)s\//, '$1:');
        return { ...request, headers: { 'content-type': 'application/cloudevents+json', authorization: `Bearer ${keys.get(principal) ?? ''}` }, body: JSON.stringify(event) };
      },
    },
  ];
}

async function run(url: string, keys: ReadonlyMap<string, string>, seconds: number, offset: number, overallRate?: number): Promise<{ eventsPerSecond: number; failures: number }> {
  const result = await autocannon({ url, connections: 50, duration: seconds, requests: trafficRequests(keys, offset), ...(overallRate === undefined ? {} : { overallRate }) });
  return { eventsPerSecond: result['2xx'] / result.duration, failures: result.non2xx + result.errors + result.timeouts };
}

/** Releases a fresh PO and polls until the hub shows its line; resolves with milliseconds. */
async function probe(url: string, erpKey: string, viewerKey: string, n: number): Promise<number> {
  const poNumber = `PROBE-${n}`;
  const started = performance.now();
  const response = await fetch(`${url}/v1/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/cloudevents+json', authorization: `Bearer ${erpKey}` },
    body: JSON.stringify({
      specversion: '1.0',
      id: `probe-${n}-${Date.now()}`,
      source: '/systems/erp-core',
      type: 'po.released',
      time: new Date().toISOString(),
      data: { poNumber, supplierId: 'SUP-0042', buyerPlant: 'P01', currency: 'USD', lines: [{ line: 10, itemId: 'ITM-1', quantity: '1', uom: 'EA', unitPrice: '1.00', needBy: '2026-12-31' }] },
    }),
  });
  if (response.status !== 202) throw new Error(`probe release: ${response.status} ${await response.text()}`);
  for (;;) {
    const view = await fetch(`${url}/v1/workflows/p2p/${poNumber}`, { headers: { authorization: `Bearer ${viewerKey}` } });
    if (view.status === 200) return performance.now() - started;
    await view.arrayBuffer();
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

export async function measureLive(options: { seconds: number }): Promise<LiveFigures> {
  const dir = mkdtempSync(join(tmpdir(), 'millrace-live-'));
  const db = join(dir, 'millrace.db');
  const keys = new Map<string, string>();
  const store = new SqliteStore(db);
  for (const principal of PRINCIPALS) {
    const [kind, id] = principal.split(':') as ['system' | 'partner', string];
    keys.set(principal, (await issueKey(store, { kind, id }, systemClock)).key);
  }
  const viewer = (await issueKey(store, { kind: 'operator', id: 'bench', role: 'viewer' }, systemClock)).key;
  await store.close();
  // The example caps sup-0042 at 6,000 requests a minute, which traffic at thousands of events a
  // second passes within seconds: its events would be refused with 429 and the workflows would
  // see another mix. The benchmark measures the workflows, so it runs without the cap.
  const manifest = join(dir, 'millrace.yaml');
  writeFileSync(manifest, readFileSync(MANIFEST, 'utf8').replace(/^\s*rateLimit:.*\n/gm, ''));
  const server = await startServerProcess({
    args: [...commandNodeOptions(), join(ROOT, 'bin', 'millrace.js'), 'serve', '--manifest', manifest, '--store', `sqlite:${db}`, '--port', '0', '--log-level', 'warn', '--deliveries', 'off'],
    cwd: ROOT,
    env: { ...process.env },
    label: 'millrace serve (workflows on)',
  });
  try {
    await run(server.url, keys, 2, 0);
    const max = await run(server.url, keys, options.seconds, 100);
    const rate = Math.max(1, Math.floor(max.eventsPerSecond / 2));
    const latencies: number[] = [];
    let probing = true;
    const probes = (async () => {
      for (let n = 0; probing; n += 1) {
        latencies.push(await probe(server.url, keys.get('system:erp-core') ?? '', viewer, n));
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    const load = await run(server.url, keys, options.seconds * 2, 200, rate);
    probing = false;
    await probes;
    const sorted = [...latencies].sort((a, b) => a - b);
    return {
      maxEventsPerSecond: max.eventsPerSecond,
      loadEventsPerSecond: load.eventsPerSecond,
      probes: sorted.length,
      visibleMs: { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted[sorted.length - 1] ?? Number.NaN },
      failures: max.failures + load.failures,
    };
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
