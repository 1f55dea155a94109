// The one place that turns a store URL into a concrete adapter.
import { PostgresStore, SqliteStore } from '../adapters/index.js';
import type { CredentialStore, EventStore, WorkflowStore } from '../ports/index.js';

export type HubStore = EventStore & CredentialStore & WorkflowStore;

export async function openStore(url: string): Promise<HubStore> {
  if (url.startsWith('sqlite:')) return new SqliteStore(url.slice('sqlite:'.length));
  if (/^postgres(ql)?:\/\//.test(url)) return PostgresStore.open({ url });
  throw new Error(`unsupported store URL ${url}: use sqlite:PATH or postgres://...`);
}
