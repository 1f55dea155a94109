// The one place that turns a store URL into a concrete adapter.
import { existsSync } from 'node:fs';
import { PostgresStore, SqliteStore } from '../adapters/index.js';
import { isMillraceError, MillraceError } from '../core/index.js';
import type { CredentialStore, DeliveryStore, EventStore, InboundMessageStore, PublisherSequenceStore, QuarantineStore, StreamReadPositionStore, WorkflowStore, X12ControlNumbers } from '../ports/index.js';

export type HubStore = EventStore &
  CredentialStore &
  WorkflowStore &
  X12ControlNumbers &
  PublisherSequenceStore &
  StreamReadPositionStore & { readonly deliveries: DeliveryStore; readonly quarantines: QuarantineStore; readonly inboundMessages: InboundMessageStore };

/**
 * `intake` (default) commits durably before answering; `server` is intake in a long-running hub
 * (checkpoints in the background); `workflows` is the connection of the workflow thread, which
 * reads (its writes go through the intake thread's connection, so SQLite has one writer);
 * `reader` is a command that only queries.
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

type StoreRole = 'intake' | 'workflows' | 'server' | 'rebuild' | 'reader';

async function open(url: string, role: StoreRole, options: { readonly appendThread?: boolean }): Promise<HubStore> {
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length);
    // A command that reads or rebuilds what is there would otherwise create an empty store (and
    // its folders) at a mistyped path, and report on nothing as if all were well.
    if ((role === 'reader' || role === 'rebuild') && path !== ':memory:' && !existsSync(path)) {
      throw new MillraceError('store_unavailable', `no store at ${path}: nothing was ever written there (check --store or MILLRACE_STORE)`);
    }
    // A running hub checkpoints from a background thread (docs/adr/0021), and commits log
    // appends on another only if asked; its workflow thread leaves checkpoints to them. Its
    // connection keeps SQLite's own 2 MiB page cache: under intake a large one costs more than it
    // saves (docs/adr/0024), and the dedupe index, not the page cache, answers intake's lookups.
    if (role === 'server') return new SqliteStore(path, { backgroundCheckpoints: true, appendThread: options.appendThread === true, cacheMiB: 2 });
    // The workflow thread reads through its own connection and hands every write to intake's.
    if (role === 'workflows') return new SqliteStore(path, { readsLogOnly: true, checkpointsElsewhere: true });
    // A rebuild part writes projections that are incomplete until the whole rebuild ends (the
    // cursor says so): no fsync per step, no log appends.
    if (role === 'rebuild') return new SqliteStore(path, { readsLogOnly: true, synchronous: 'NORMAL' });
    // A command that only queries (millrace diff --store): no dedupe index to load, no checkpoints.
    if (role === 'reader') return new SqliteStore(path, { readsLogOnly: true, checkpointsElsewhere: true });
    return new SqliteStore(path);
  }
  if (/^postgres(ql)?:\/\//.test(url)) return PostgresStore.open({ url });
  throw new MillraceError('invalid_request', `unsupported store URL ${redactStoreUrl(url)}: use sqlite:PATH or postgres://...`);
}

/** A store URL without its password, fit for printing. */
export function redactStoreUrl(url: string): string {
  if (!/^postgres(ql)?:\/\//.test(url)) return url;
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return url;
  }
}
