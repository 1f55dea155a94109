// Durability as a client sees it: the hub process is killed with SIGKILL in the middle of a
// load of POSTs, then restarted. Every event that got a 202 must be in the log exactly once,
// and clients' retries of the unacknowledged ones must not create duplicates.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { openStore } from '../../src/bootstrap/index.js';
import type { CloudEvent } from '../../src/core/index.js';
import { runCli, startServe, type ServerProcess } from '../support/cli.js';
import { EXAMPLE_MANIFEST } from '../support/hub.js';
import { dropSchema, needPostgres, POSTGRES_URL, uniqueSchema } from '../support/services.js';

const CLIENTS = 24;
const PER_CLIENT = 120;
const KILL_AFTER_ACKS = 900;

function receipt(client: number, n: number): CloudEvent {
  return {
    specversion: '1.0',
    id: `gr-${client}-${n}`,
    source: '/systems/wms-p01',
    type: 'goods.received',
    time: '2026-03-02T13:15:00+01:00',
    correlationid: `PO-${4500000000 + client}/${n}`,
    data: { receiptId: `GR-${client}-${n}`, plant: 'P01', lines: [{ poNumber: `PO-${4500000000 + client}`, line: n + 1, quantity: '12.500', uom: 'EA' }] },
  };
}

/** Client c sends single events when c is even and batches of 4 when c is odd. */
function requestsOf(client: number): CloudEvent[][] {
  const events = Array.from({ length: PER_CLIENT }, (_, n) => receipt(client, n));
  if (client % 2 === 0) return events.map((e) => [e]);
  const batches: CloudEvent[][] = [];
  for (let i = 0; i < events.length; i += 4) batches.push(events.slice(i, i + 4));
  return batches;
}

async function post(url: string, key: string, batch: CloudEvent[]): Promise<{ accepted: string[]; duplicates: string[] }> {
  const single = batch.length === 1 && batch[0] !== undefined;
  const response = await fetch(`${url}/v1/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': single ? 'application/cloudevents+json' : 'application/cloudevents-batch+json' },
    body: JSON.stringify(single ? batch[0] : batch),
  });
  const text = await response.text();
  if (response.status !== 202) throw new Error(`unexpected ${response.status}: ${text}`);
  const body = JSON.parse(text) as { accepted: { id: string }[]; duplicates: { id: string }[] };
  return { accepted: body.accepted.map((e) => e.id), duplicates: body.duplicates.map((e) => e.id) };
}

async function crashAndRecover(t: TestContext, store: string, extraServeArgs: readonly string[] = []): Promise<void> {
  const keyRun = runCli(['keys', 'add', '--system', 'wms-p01', '--json', '--manifest', EXAMPLE_MANIFEST, '--store', store]);
  assert.equal(keyRun.status, 0, keyRun.stderr);
  const { key } = JSON.parse(keyRun.stdout) as { key: string };
  const serveArgs = ['--manifest', EXAMPLE_MANIFEST, '--store', store, '--log-level', 'warn', ...extraServeArgs];

  // Phase 1: load, and SIGKILL the hub once enough requests were acknowledged.
  let server: ServerProcess = await startServe(serveArgs);
  const acked = new Set<string>();
  const nextRequest = Array.from({ length: CLIENTS }, () => 0);
  let killed = false;
  const kill = () => {
    if (killed) return;
    killed = true;
    server.child.kill('SIGKILL');
  };
  await Promise.all(
    Array.from({ length: CLIENTS }, async (_, client) => {
      const requests = requestsOf(client);
      while (nextRequest[client]! < requests.length) {
        const batch = requests[nextRequest[client]!]!;
        try {
          const answer = await post(server.url, key, batch);
          for (const id of [...answer.accepted, ...answer.duplicates]) acked.add(id);
          nextRequest[client]! += 1;
          if (acked.size >= KILL_AFTER_ACKS) kill();
        } catch {
          // The connection died with the process: this request is unacknowledged.
          return;
        }
      }
    }),
  );
  assert.ok(killed, 'the hub was killed during the load, not after it');
  await server.exited;
  const total = CLIENTS * PER_CLIENT;
  assert.ok(acked.size >= KILL_AFTER_ACKS && acked.size < total, `${acked.size} of ${total} acknowledged before the kill`);

  // Every acknowledged event is in the log exactly once, before any retry.
  {
    const log = await openStore(store);
    try {
      const events = (await log.readFrom(0, total * 10)).filter((s) => s.event.source !== '/millrace');
      const counts = new Map<string, number>();
      for (const stored of events) counts.set(stored.event.id, (counts.get(stored.event.id) ?? 0) + 1);
      const missing = [...acked].filter((id) => counts.get(id) !== 1);
      assert.deepEqual(missing, [], 'acknowledged events missing or stored twice');
      t.diagnostic(`after SIGKILL: ${acked.size} acknowledged, ${events.length} in the log`);
    } finally {
      await log.close();
    }
  }

  // Phase 2: restart; clients retry from their first unacknowledged request, and also resend
  // a few acknowledged ones as a retrying client would.
  server = await startServe(serveArgs);
  try {
    let duplicatesOnRetry = 0;
    await Promise.all(
      Array.from({ length: CLIENTS }, async (_, client) => {
        const requests = requestsOf(client);
        const from = Math.max(0, nextRequest[client]! - 2);
        for (let i = from; i < requests.length; i += 1) {
          const answer = await post(server.url, key, requests[i]!);
          duplicatesOnRetry += answer.duplicates.length;
        }
      }),
    );
    assert.ok(duplicatesOnRetry > 0, 'retries of acknowledged events were answered as duplicates');
  } finally {
    server.child.kill('SIGTERM');
    await server.exited;
  }

  const log = await openStore(store);
  try {
    const all = await log.readFrom(0, total * 10);
    // The log also holds what the hub derived (receipts post GR/IR accruals); count the inbound ones.
    const ids = all.filter((s) => s.event.source !== '/millrace').map((stored) => stored.event.id);
    assert.equal(ids.length, total, 'every event stored, none twice');
    assert.equal(new Set(ids).size, total);
    assert.deepEqual(all.map((s) => s.sequence), Array.from({ length: all.length }, (_, i) => i + 1), 'sequences without gaps');
  } finally {
    await log.close();
  }
}

describe('crash recovery: SIGKILL during acknowledged load', () => {
  it('SQLite: every 202 survives exactly once and retries add no duplicates', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'millrace-crash-'));
    try {
      await crashAndRecover(t, `sqlite:${join(dir, 'millrace.db')}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('SQLite with the append thread: every 202 survives exactly once and retries add no duplicates', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'millrace-crash-'));
    try {
      await crashAndRecover(t, `sqlite:${join(dir, 'millrace.db')}`, ['--append-thread', 'on']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('PostgreSQL: every 202 survives exactly once and retries add no duplicates', async (t) => {
    if (!(await needPostgres(t))) return;
    const schema = uniqueSchema('mr_crash');
    const url = new URL(POSTGRES_URL);
    url.searchParams.set('schema', schema);
    try {
      await crashAndRecover(t, url.toString());
    } finally {
      await dropSchema(schema);
    }
  });
});
