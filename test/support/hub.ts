// An assembled hub for in-process HTTP tests: the example manifest, the shipped contracts,
// a store (in memory unless given) and one key per system and partner.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadPostgres } from '../../src/adapters/index.js';
import type { Hub, HubOptions, HubStore } from '../../src/bootstrap/index.js';
import { createHub, issueKey, loadSetup, SqliteStore, systemClock } from '../../src/bootstrap/index.js';
import type { ConfigFlags } from '../../src/bootstrap/index.js';
import type { Clock } from '../../src/ports/index.js';
import { dropSchema, needPostgres, POSTGRES_URL, uniqueSchema } from './services.js';

export const EXAMPLE_MANIFEST = fileURLToPath(new URL('../../examples/millrace.yaml', import.meta.url));

export interface TestHub {
  readonly hub: Hub;
  readonly store: HubStore;
  /** API key per principal, e.g. keys.get('system:erp-core'). */
  readonly keys: ReadonlyMap<string, string>;
  close(): Promise<void>;
}

export async function startTestHub(
  options: { flags?: ConfigFlags; store?: HubStore; env?: Record<string, string>; manifestPath?: string; hubOptions?: Pick<HubOptions, 'clock' | 'deliveryMode' | 'random' | 'spanExporter' | 'edge'> } = {},
): Promise<TestHub> {
  const setup = loadSetup({ manifestPath: options.manifestPath ?? EXAMPLE_MANIFEST, credentialCacheMs: 0, deliveries: 'off', ...options.flags }, options.env ?? {}, 'on first use');
  // SQLite in memory: the real adapter, no file.
  const store = options.store ?? new SqliteStore(':memory:');
  const hub = await createHub(setup.config, setup.manifest, setup.contracts, { store, logger: false, secrets: setup.secrets, ...options.hubOptions });
  const keys = new Map<string, string>();
  for (const system of setup.manifest.systems) keys.set(`system:${system.id}`, (await issueKey(store, { kind: 'system', id: system.id }, systemClock)).key);
  for (const partner of setup.manifest.partners) keys.set(`partner:${partner.id}`, (await issueKey(store, { kind: 'partner', id: partner.id }, systemClock)).key);
  keys.set('operator:ap-lead', (await issueKey(store, { kind: 'operator', id: 'ap-lead', role: 'operator' }, systemClock)).key);
  keys.set('viewer:plant-manager', (await issueKey(store, { kind: 'operator', id: 'plant-manager', role: 'viewer' }, systemClock)).key);
  return {
    hub,
    store,
    keys,
    close: async () => {
      await hub.close();
      if (options.store === undefined) await store.close();
    },
  };
}

/** What `withHub` and `onBothStores` start their hub with. */
export interface HubCaseOptions {
  /** The manifest the hub runs (default: the example manifest). */
  readonly manifestPath?: string;
  /** The hub's clock (default: the system's), for a case whose SLAs must not fall due against today's date. */
  readonly clock?: Clock;
}

/** A test hub on `store` for the time of `check`. */
export async function withHub(store: HubStore, check: (t: TestHub) => Promise<void>, options: HubCaseOptions = {}): Promise<void> {
  const hub = await startTestHub({ store, ...(options.manifestPath === undefined ? {} : { manifestPath: options.manifestPath }), ...(options.clock === undefined ? {} : { hubOptions: { clock: options.clock } }) });
  try {
    await check(hub);
  } finally {
    await hub.close();
  }
}

/** A PostgreSQL store in a schema of its own for the time of `run`; skipped (failed under CI) without PostgreSQL. */
async function withPostgres(t: TestContext, run: (store: HubStore) => Promise<void>): Promise<void> {
  if (!(await needPostgres(t))) return;
  const schema = uniqueSchema('mr_http');
  const url = new URL(POSTGRES_URL);
  url.searchParams.set('schema', schema);
  const { PostgresStore } = await loadPostgres();
  const store = await PostgresStore.open({ url: url.toString() });
  try {
    await run(store);
  } finally {
    await store.close();
    await dropSchema(schema);
  }
}

/** What `onBothStores` starts its hub with, and what else each case needs. */
export interface BothStoresOptions extends HubCaseOptions {
  /**
   * The services each case needs besides its store (e.g. `needMqtt`), asked before the hub starts:
   * false skips the case with their message (they throw under CI=true), so a pass means it ran.
   */
  readonly needs?: (t: TestContext) => Promise<boolean>;
}

/** Runs `check` against a hub on SQLite and on PostgreSQL, as two tests (name them in a `*.int.test.ts`). */
export function onBothStores(what: string, check: (t: TestHub) => Promise<void>, options: BothStoresOptions = {}): void {
  it(`${what}, on SQLite`, async (t) => {
    if (options.needs !== undefined && !(await options.needs(t))) return;
    const store = new SqliteStore(':memory:');
    try {
      await withHub(store, check, options);
    } finally {
      await store.close();
    }
  });
  it(`${what}, on PostgreSQL`, async (t) => {
    if (options.needs !== undefined && !(await options.needs(t))) return;
    await withPostgres(t, (store) => withHub(store, check, options));
  });
}

/** One JSON request to a test hub with a key; the answer's status, headers and parsed body. */
export async function callHub(t: TestHub, method: 'GET' | 'POST', url: string, key: string, body?: unknown) {
  const response = await t.hub.http.inject({
    method,
    url,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
  });
  return { status: response.statusCode, headers: response.headers, body: response.json<Record<string, unknown>>() };
}

/** Sends one event as the system `key` names ("system:erp-core"), its time ten minutes ago, and asserts the hub took it (202). */
export async function sendAsSystem(t: TestHub, key: string, id: string, type: string, data: Record<string, unknown>): Promise<void> {
  const response = await callHub(t, 'POST', '/v1/events', t.keys.get(key)!, {
    specversion: '1.0',
    id,
    source: `/systems/${key.split(':')[1]!}`,
    type,
    time: new Date(Date.now() - 10 * 60_000).toISOString(),
    data,
  });
  assert.equal(response.status, 202, JSON.stringify(response.body));
}

/** The example manifest with its subscriptions replaced by `subscriptions` (YAML, from `subscriptions:`), written in `dir`. */
export function exampleWithSubscriptions(dir: string, subscriptions: string): string {
  const example = readFileSync(EXAMPLE_MANIFEST, 'utf8');
  const start = example.indexOf('\nsubscriptions:');
  const end = example.indexOf('\n# Master data');
  if (start < 0 || end < 0) throw new Error('the example manifest has no subscriptions section to replace');
  const path = join(dir, 'millrace.yaml');
  writeFileSync(path, `${example.slice(0, start)}\n${subscriptions.trim()}\n${example.slice(end)}`);
  return path;
}

/** A webhook subscription of `erp-core` as the manifest writes it (for exampleWithSubscriptions). */
export interface WebhookHook {
  readonly id: string;
  readonly types: readonly string[];
  readonly url: string;
  readonly subscriber?: string;
  /** The secret's name (MILLRACE_SECRET_<NAME> holds it); unsigned without one. */
  readonly secret?: string;
  /** The delivery settings, as YAML flow mapping content (`maxAttempts: 1, timeout: 2s`). */
  readonly delivery?: string;
}

/** The `subscriptions:` section of webhook subscriptions, YAML for exampleWithSubscriptions. */
export function webhookSubscriptions(...hooks: readonly WebhookHook[]): string {
  const entries = hooks.map((h) =>
    [
      `  - id: ${h.id}`,
      `    subscriber: ${h.subscriber ?? 'erp-core'}`,
      `    types: [${h.types.join(', ')}]`,
      `    channel: { kind: webhook, url: "${h.url}"${h.secret === undefined ? '' : `, secret: ${h.secret}`} }`,
      ...(h.delivery === undefined ? [] : [`    delivery: { ${h.delivery} }`]),
    ].join('\n'),
  );
  return `subscriptions:\n${entries.join('\n')}\n`;
}

/** One POST over a socket to a hub that listens at `url`, with a Content-Length as clients send it (the intake lane answers these). */
export function postOverSocket(url: URL, path: string, headers: Record<string, string>, payload: string | Buffer): Promise<{ statusCode: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path, method: 'POST', headers: { ...headers, 'content-length': String(Buffer.byteLength(payload)) } }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (part: Buffer) => parts.push(part));
      res.on('end', () => resolve({ statusCode: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(payload);
  });
}
