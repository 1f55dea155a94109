// The one place that turns a store URL into a concrete adapter.
import { existsSync } from 'node:fs';
import { loadPostgres, SqliteStore, StoreHeldError, StoreHold } from '../adapters/index.js';
import { isMillraceError, MillraceError } from '../core/index.js';
import { isPostgresUrl } from './config.js';
import { WORKFLOWS_PAGE_CACHE_MIB } from './workflow-settings.js';
import type { CredentialStore, DeliveryStore, EventStore, InboundMessageStore, Lead, MqttSessionStore, PublisherSequenceStore, QuarantineStore, StreamReadPositionStore, WorkflowStore, X12ControlNumbers } from '../ports/index.js';

export type HubStore = EventStore &
  CredentialStore &
  WorkflowStore &
  X12ControlNumbers &
  PublisherSequenceStore &
  MqttSessionStore &
  StreamReadPositionStore & { readonly deliveries: DeliveryStore; readonly quarantines: QuarantineStore; readonly inboundMessages: InboundMessageStore } & Partial<SharedLeases>;

/** Leases by name among the hubs sharing one store (PostgreSQL); a SQLite file has one hub and none. */
export interface SharedLeases {
  leadNamed(name: string): Lead;
}

/** Whether the hubs on this store take turns through leases (ADR 0072). */
export function sharesLeases(store: HubStore): store is HubStore & SharedLeases {
  return typeof store.leadNamed === 'function';
}

/**
 * `intake` (default) commits durably before answering; `server` is intake in a long-running hub
 * (checkpoints in the background); `workflows` is the connection of the workflow thread, which
 * reads (its writes go through the intake thread's connection, so SQLite has one writer);
 * `rebuild` is `millrace replay`, `rebuild-part` one of its threads; `reader` is a command that
 * only queries. On SQLite, `server` and `rebuild` hold the file while open (docs/adr/0035): a
 * second hub or a replay beside a hub is refused; the other roles open it beside them.
 */
export async function openStore(url: string, role: StoreRole = 'intake', options: { readonly appendThread?: boolean } = {}): Promise<HubStore> {
  try {
    return await open(url, role, options);
  } catch (error) {
    if (isMillraceError(error)) throw error;
    // A wrong path, a database that is down, a file that is no database: said in one line, for the CLI and the logs.
    throw new MillraceError('store_unavailable', `cannot open the store ${redactStoreUrl(url)}: ${(error as Error).message}`);
  }
}

type StoreRole = 'intake' | 'workflows' | 'server' | 'rebuild' | 'rebuild-part' | 'reader';

async function open(url: string, role: StoreRole, options: { readonly appendThread?: boolean }): Promise<HubStore> {
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length);
    // A command that reads or rebuilds what is there would otherwise create an empty store (and
    // its folders) at a mistyped path, and report on nothing as if all were well.
    if ((role === 'reader' || role === 'rebuild') && path !== ':memory:' && !existsSync(path)) {
      throw missingStore(path);
    }
    const hold = (role === 'server' || role === 'rebuild') && path !== ':memory:' ? holdStore(path, role) : undefined;
    try {
      return sqliteStore(path, role, options, hold);
    } catch (error) {
      hold?.release();
      throw error;
    }
  }
  // The same trap as a SQLite path: a mistyped ?schema= would be created, tables and all.
  // A replay and a report take as long as the store's size needs: no statement time limit; a
  // running hub's statements have theirs (HUB_TIME_LIMITS), and answer 503 when they pass.
  const batch = role === 'reader' || role === 'rebuild' || role === 'rebuild-part';
  if (isPostgresUrl(url)) {
    // The pg driver is loaded only for a PostgreSQL store (ADR 0079).
    const { PostgresStore, StoreNotFoundError } = await loadPostgres();
    try {
      return await PostgresStore.open({ url, mustExist: batch, ...(batch ? { timeLimits: 'none' as const } : {}) });
    } catch (error) {
      if (error instanceof StoreNotFoundError) throw missingStore(redactStoreUrl(url), error.message);
      throw error;
    }
  }
  throw new MillraceError('invalid_request', `unsupported store URL ${redactStoreUrl(url)}: use sqlite:PATH or postgres://...`);
}

function sqliteStore(path: string, role: StoreRole, options: { readonly appendThread?: boolean }, hold: StoreHold | undefined): SqliteStore {
  // A running hub checkpoints from a background thread (docs/adr/0021), and commits log
  // appends on another only if asked; its workflow thread leaves checkpoints to them. Its
  // connection keeps SQLite's own 2 MiB page cache: under intake a large one costs more than it
  // saves (docs/adr/0024), and the dedupe index, not the page cache, answers intake's lookups.
  if (role === 'server') return new SqliteStore(path, { backgroundCheckpoints: true, appendThread: options.appendThread === true, cacheMiB: 2, ...(hold === undefined ? {} : { hold }) });
  // The workflow thread reads through its own connection and hands every write to intake's.
  if (role === 'workflows') return new SqliteStore(path, { readsLogOnly: true, checkpointsElsewhere: true, cacheMiB: WORKFLOWS_PAGE_CACHE_MIB });
  // A rebuild part writes projections that are incomplete until the whole rebuild ends (the
  // cursor says so): no fsync per step, no log appends.
  if (role === 'rebuild' || role === 'rebuild-part') return new SqliteStore(path, { readsLogOnly: true, synchronous: 'NORMAL', ...(hold === undefined ? {} : { hold }) });
  // A command that only queries (millrace diff --store): no dedupe index to load, no checkpoints.
  if (role === 'reader') return new SqliteStore(path, { readsLogOnly: true, checkpointsElsewhere: true });
  return new SqliteStore(path);
}

/**
 * One hub process per SQLite file (docs/adr/0001): two would each run the workflows and the
 * deliveries (double sends, cursor races), and a replay beside a hub rewrites the projections
 * under it. Several hubs share one PostgreSQL database instead (leader election there).
 */
function holdStore(path: string, role: 'server' | 'rebuild'): StoreHold {
  return holdSqliteFile(path, role === 'server' ? 'serve' : 'replay');
}

/**
 * The hold of a command that writes a SQLite store as a whole (`serve`, `replay`, `demo`, which
 * empties its folder), or a store_unavailable naming who holds it.
 */
export function holdSqliteFile(path: string, command: 'serve' | 'replay' | 'demo'): StoreHold {
  try {
    return StoreHold.take(path, command);
  } catch (error) {
    if (!(error instanceof StoreHeldError)) throw error;
    const holder = error.holder === undefined ? 'another millrace process' : `millrace ${error.holder.command} (pid ${error.holder.pid}, since ${error.holder.since})`;
    const advice = command === 'serve' ? 'one hub process per SQLite file (stop that one first, or share a PostgreSQL database between hubs)' : command === 'replay' ? 'stop the hub first' : 'stop it first';
    throw new MillraceError('store_unavailable', `cannot ${command} ${error.file}: ${holder} holds it: ${advice}`);
  }
}

function missingStore(where: string, why?: string): MillraceError {
  return new MillraceError('store_unavailable', `no store at ${where}: ${why === undefined ? '' : `${why}: `}nothing was ever written there (check --store, MILLRACE_STORE or the manifest's hub.store)`);
}

/** A store URL without its password, fit for printing. */
export function redactStoreUrl(url: string): string {
  if (!isPostgresUrl(url)) return url;
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return url;
  }
}
