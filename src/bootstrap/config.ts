// The hub's configuration: one schema, resolved once with the precedence
// flag > environment (MILLRACE_*) > manifest `hub:` section > default, checked with every
// problem listed in one error, then frozen. Nothing else reads process.env.
import { dirname, isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HubSettings, MetricsAuth } from '../core/index.js';
import { isPostgresUrl, MillraceError, parseByteSize, parseHost, parseHttpUrl, parseMetricsAuth, parseStoreUrl } from '../core/index.js';

export { isPostgresUrl, parseByteSize };

export interface HubConfig {
  /** `sqlite:PATH` or `postgres://...` */
  readonly store: string;
  readonly host: string;
  readonly port: number;
  /** Largest accepted request body, in bytes. */
  readonly bodyLimit: number;
  /**
   * Largest MQTT or NATS message taken, in bytes; a larger one is kept in quarantine as
   * `payload_too_large` (its first bytes only). Default: the body limit (docs/adr/0063).
   */
  readonly edgePayloadLimit: number;
  /** Largest CSV drop folder file read; by default the body limit (a file the HTTP door takes, the folder takes). */
  readonly dropFolderLimit: number;
  readonly manifestPath: string;
  readonly contractsDir: string;
  readonly logLevel: string;
  /** How long a verified API key is trusted before the store is asked again (revocation delay). */
  readonly credentialCacheMs: number;
  /** How often the hub looks for due deadlines and for events other hub processes committed. */
  readonly workflowTickMs: number;
  /**
   * `on`: this process takes part in running the workflows (it processes when it leads the
   * store). `off`: an intake-only node; another hub on the same database runs them.
   */
  readonly workflows: 'on' | 'off';
  /**
   * `on`: this process takes part in sending the manifest's subscriptions their deliveries
   * (when it leads the outbox). `off`: it sends nothing; the outbox waits for a hub that does.
   */
  readonly deliveries: 'on' | 'off';
  /**
   * Deliveries in flight at once over all subscriptions (the runner's pool of slots, ADR 0012).
   * A process setting, like the tick: how much a hub sends at once is the operator's to tune for
   * its network and receivers, not the governance board's.
   */
  readonly deliveryConcurrency: number;
  /** Deliveries of one subscription in flight at once: what a hanging subscriber can hold. At most deliveryConcurrency. */
  readonly deliveryPerSubscription: number;
  /**
   * Where traces go: an OTLP/HTTP collector (`http://host:4318`, `/v1/traces` added unless the
   * URL names it). Empty (the default): tracing is off and costs nothing (docs/adr/0018).
   */
  readonly otlpEndpoint: string;
  /**
   * `on`: a SQLite hub commits log appends on a thread of its own (docs/adr/0021), leaving the
   * event loop free during each fsync. `off` (the default): appends commit on the event loop,
   * which on a machine with two cores takes in more (docs/adr/0024). No effect on PostgreSQL.
   */
  readonly appendThread: 'on' | 'off';
  /**
   * Who may scrape GET /metrics, whose labels name sources, plants and teams: `none` (the
   * default: whoever reaches the port, as a Prometheus on the same network expects) or
   * `operator` (an operator key of either role; a system's or partner's is refused, docs/adr/0070).
   */
  readonly metricsAuth: MetricsAuth;
}

/** Values given on the command line; absent means "not given". */
export type ConfigFlags = Partial<Record<keyof HubConfig, string | number>>;

export type Environment = Readonly<Record<string, string | undefined>>;

export const DEFAULT_STORE = 'sqlite:./millrace-data/millrace.db';
export const DEFAULT_CONTRACTS_DIR = fileURLToPath(new URL('../../contracts', import.meta.url));

interface Setting<K extends keyof HubConfig> {
  readonly env: string;
  readonly manifest?: keyof HubSettings;
  readonly fallback: HubConfig[K];
  readonly parse: (raw: string | number) => HubConfig[K] | Error;
}

/** Most deliveries one hub process keeps in flight: far above what a pool should need, below what would exhaust sockets. */
const MAX_DELIVERY_SLOTS = 1024;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

const SETTINGS: { readonly [K in keyof HubConfig]: Setting<K> } = {
  store: { env: 'MILLRACE_STORE', manifest: 'store', fallback: DEFAULT_STORE, parse: parseStoreUrl },
  host: { env: 'MILLRACE_HOST', manifest: 'host', fallback: '127.0.0.1', parse: parseHost },
  port: { env: 'MILLRACE_PORT', manifest: 'port', fallback: 8080, parse: (raw) => parseInteger(raw, 0, 65_535) },
  bodyLimit: { env: 'MILLRACE_BODY_LIMIT', manifest: 'bodyLimit', fallback: 5 * 1024 * 1024, parse: parseByteSize },
  // Their fallbacks are replaced by the body limit's value below: what HTTP takes, the edge and the drop folders take.
  edgePayloadLimit: { env: 'MILLRACE_EDGE_PAYLOAD_LIMIT', manifest: 'edgePayloadLimit', fallback: 5 * 1024 * 1024, parse: parseByteSize },
  dropFolderLimit: { env: 'MILLRACE_DROP_FOLDER_LIMIT', manifest: 'dropFolderLimit', fallback: 5 * 1024 * 1024, parse: parseByteSize },
  manifestPath: { env: 'MILLRACE_MANIFEST', fallback: './millrace.yaml', parse: (raw) => String(raw) },
  contractsDir: { env: 'MILLRACE_CONTRACTS', fallback: DEFAULT_CONTRACTS_DIR, parse: (raw) => String(raw) },
  logLevel: {
    env: 'MILLRACE_LOG_LEVEL',
    manifest: 'logLevel',
    fallback: 'info',
    parse: (raw) => (LOG_LEVELS.includes(String(raw)) ? String(raw) : new Error(`must be one of ${LOG_LEVELS.join(', ')}`)),
  },
  credentialCacheMs: { env: 'MILLRACE_CREDENTIAL_CACHE_MS', fallback: 5_000, parse: (raw) => parseInteger(raw, 0, 3_600_000) },
  workflowTickMs: { env: 'MILLRACE_WORKFLOW_TICK_MS', fallback: 1_000, parse: (raw) => parseInteger(raw, 10, 3_600_000) },
  workflows: {
    env: 'MILLRACE_WORKFLOWS',
    fallback: 'on',
    parse: (raw) => (raw === 'on' || raw === 'off' ? raw : new Error('must be on or off')),
  },
  deliveries: {
    env: 'MILLRACE_DELIVERIES',
    fallback: 'on',
    parse: (raw) => (raw === 'on' || raw === 'off' ? raw : new Error('must be on or off')),
  },
  deliveryConcurrency: { env: 'MILLRACE_DELIVERY_CONCURRENCY', fallback: 16, parse: (raw) => parseInteger(raw, 1, MAX_DELIVERY_SLOTS) },
  deliveryPerSubscription: { env: 'MILLRACE_DELIVERY_PER_SUBSCRIPTION', fallback: 4, parse: (raw) => parseInteger(raw, 1, MAX_DELIVERY_SLOTS) },
  otlpEndpoint: { env: 'MILLRACE_OTLP_ENDPOINT', manifest: 'otlpEndpoint', fallback: '', parse: parseHttpUrl },
  appendThread: {
    env: 'MILLRACE_APPEND_THREAD',
    fallback: 'off',
    parse: (raw) => (raw === 'on' || raw === 'off' ? raw : new Error('must be on or off')),
  },
  metricsAuth: { env: 'MILLRACE_METRICS_AUTH', manifest: 'metricsAuth', fallback: 'none', parse: parseMetricsAuth },
};

/**
 * Resolves the configuration. `manifestHub` is the manifest's `hub:` section (read after the
 * manifest path itself is known). Throws one `invalid_config` error listing every problem.
 */
export function resolveConfig(flags: ConfigFlags, env: Environment, manifestHub: HubSettings = {}): HubConfig {
  const problems: string[] = [];
  /** Whether some problem is in the manifest's hub: section; the others are on the command line (flags and MILLRACE_* variables). */
  let inManifest = false;
  const values: Record<string, unknown> = {};
  /** Where each given value came from, to name it in a problem between two settings. */
  const origins: Record<string, string> = {};
  for (const key of Object.keys(SETTINGS) as (keyof HubConfig)[]) {
    const setting = SETTINGS[key] as Setting<typeof key>;
    const candidates: [string, string | number | undefined][] = [
      [`--${kebab(key)}`, flags[key]],
      [setting.env, env[setting.env]],
      [`manifest hub.${String(setting.manifest)}`, setting.manifest === undefined ? undefined : manifestHub[setting.manifest]],
    ];
    const given = candidates.find(([, value]) => value !== undefined && value !== '');
    if (given === undefined) {
      values[key] = setting.fallback;
      continue;
    }
    const [origin, raw] = given as [string, string | number];
    const parsed = setting.parse(raw);
    if (parsed instanceof Error) {
      problems.push(`${origin}=${JSON.stringify(raw)}: ${parsed.message}`);
      if (origin.startsWith('manifest ')) inManifest = true;
    } else {
      values[key] = parsed;
      origins[key] = origin;
    }
  }
  if (origins.edgePayloadLimit === undefined && typeof values.bodyLimit === 'number') values.edgePayloadLimit = values.bodyLimit;
  if (origins.dropFolderLimit === undefined && typeof values.bodyLimit === 'number') values.dropFolderLimit = values.bodyLimit;
  // A relative path in the manifest is the manifest's, as its contracts.folder and dropFolder
  // are: `serve --manifest /etc/millrace/millrace.yaml` run from another folder opened a new,
  // empty store there (ADR 0065). A flag or variable stays relative to the working directory.
  if (origins.store === MANIFEST_STORE && typeof values.store === 'string') values.store = anchoredStore(values.store, String(values.manifestPath));
  const pool = values.deliveryConcurrency;
  const share = values.deliveryPerSubscription;
  if (typeof pool === 'number' && typeof share === 'number' && share > pool) {
    const named = (key: keyof HubConfig, value: number) => `${origins[key] ?? `the default ${kebab(key)}`}=${value}`;
    problems.push(`${named('deliveryPerSubscription', share)} is more than ${named('deliveryConcurrency', pool)}: a subscription cannot have more deliveries in flight than the pool has slots`);
  }
  // Problems of the command line alone are a usage error, said in one line (the CLI exits 2,
  // docs/adr/0037); a manifest's are listed one to a line, as its lint problems are.
  if (problems.length > 0) {
    const message = inManifest ? `invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}` : `invalid configuration: ${problems.join('; ')}`;
    throw new MillraceError('invalid_config', message, { problems, inManifest });
  }
  return Object.freeze(values as unknown as HubConfig);
}

const MANIFEST_STORE = 'manifest hub.store';

/** A `sqlite:` URL with a relative path, read from the folder of the manifest that names it; any other store as it is. */
export function anchoredStore(store: string, manifestPath: string): string {
  const path = relativeSqlitePath(store);
  return path === undefined ? store : `sqlite:${resolve(dirname(resolve(manifestPath)), path)}`;
}

/** The path of a `sqlite:` URL when it is relative (not `:memory:`), else undefined. */
export function relativeSqlitePath(store: string): string | undefined {
  if (!store.startsWith('sqlite:')) return undefined;
  const path = store.slice('sqlite:'.length);
  return path === ':memory:' || isAbsolute(path) ? undefined : path;
}

/** The process environment; the CLI passes it in so that nothing else reads it. */
export function processEnvironment(): Environment {
  return process.env;
}

/** The manifest path alone, needed before the manifest can be read for the rest. */
export function manifestPathOf(flags: ConfigFlags, env: Environment): string {
  return String(flags.manifestPath ?? env.MILLRACE_MANIFEST ?? SETTINGS.manifestPath.fallback);
}

function parseInteger(raw: string | number, min: number, max: number): number | Error {
  const text = String(raw).trim();
  if (!/^\d+$/.test(text)) return new Error(`must be a whole number from ${min} to ${max}`);
  const value = Number(text);
  return value < min || value > max ? new Error(`must be a whole number from ${min} to ${max}`) : value;
}

function kebab(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** The variable that holds a webhook secret the manifest names: `erp-webhook` -> MILLRACE_SECRET_ERP_WEBHOOK. */
export function secretVariableOf(name: string): string {
  return `MILLRACE_SECRET_${name.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}`;
}

/**
 * The values of the secrets the manifest's subscriptions name (`channel.secret`), from the
 * environment; names without a value are left out (the hub refuses to start deliveries
 * without them, listing each).
 */
export function deliverySecretsOf(subscriptions: readonly { readonly channel: { readonly secret?: string } }[], env: Environment): ReadonlyMap<string, string> {
  const secrets = new Map<string, string>();
  for (const { channel } of subscriptions) {
    if (channel.secret === undefined) continue;
    const value = env[secretVariableOf(channel.secret)];
    if (value !== undefined && value !== '') secrets.set(channel.secret, value);
  }
  return secrets;
}
