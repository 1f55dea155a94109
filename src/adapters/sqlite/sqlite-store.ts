// The embedded store: one SQLite file in WAL mode with synchronous=FULL, so a commit is on
// disk before append resolves. better-sqlite3 is synchronous; a group commit therefore holds
// the event loop for one transaction, which is what lets every request of a turn share it.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { CloudEvent, KnownEvent, StoredEvent } from '../../core/index.js';
import { eventKey, planBatch } from '../../core/index.js';
import type { BatchOutcome, CredentialRecord, CredentialStore, EventStore } from '../../ports/index.js';
import { appendedOutcome, conflictOutcome } from '../shared/batch-outcome.js';
import { CREDENTIALS_TABLE, toCredential } from '../shared/credential-row.js';
import type { CredentialRow } from '../shared/credential-row.js';
import { hashKey } from '../shared/hash-key.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS events (
  seq INTEGER PRIMARY KEY,
  dedupe_key INTEGER NOT NULL,
  source TEXT NOT NULL,
  id TEXT NOT NULL,
  type TEXT NOT NULL,
  correlation_key INTEGER,
  received_time TEXT NOT NULL,
  body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_dedupe ON events (dedupe_key);
CREATE INDEX IF NOT EXISTS events_correlation ON events (correlation_key) WHERE correlation_key IS NOT NULL;
` + CREDENTIALS_TABLE;

interface EventRow {
  seq: number;
  source: string;
  id: string;
  received_time: string;
  body: string;
}


export interface SqliteStoreOptions {
  /** Page cache in MiB. The dedupe index of a 3M-event log is about 60 MiB; keep it in memory. */
  readonly cacheMiB?: number;
}

export class SqliteStore implements EventStore, CredentialStore {
  private readonly db: Database.Database;
  private readonly statements;

  constructor(path: string, options: SqliteStoreOptions = {}) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 5000');
    this.db.pragma(`cache_size = -${(options.cacheMiB ?? 256) * 1024}`);
    this.db.exec(SCHEMA);
    this.db.defaultSafeIntegers(false);
    this.statements = {
      byDedupeKey: this.db.prepare<[bigint], EventRow>('SELECT seq, source, id, received_time, body FROM events WHERE dedupe_key = ?'),
      insert: this.db.prepare<[bigint, string, string, string, bigint | null, string, string]>(
        'INSERT INTO events (dedupe_key, source, id, type, correlation_key, received_time, body) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      readFrom: this.db.prepare<[number, number], EventRow>('SELECT seq, source, id, received_time, body FROM events WHERE seq > ? ORDER BY seq LIMIT ?'),
      byCorrelation: this.db.prepare<[bigint], EventRow>(
        'SELECT seq, source, id, received_time, body FROM events WHERE correlation_key = ? ORDER BY seq',
      ),
      head: this.db.prepare<[], { head: number | null }>('SELECT MAX(seq) AS head FROM events'),
      addCredential: this.db.prepare<[string, string, string, string, string | null, string]>(
        'INSERT INTO credentials (key_id, principal_kind, principal_id, secret_hash, label, created_at) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      findCredential: this.db.prepare<[string], CredentialRow>('SELECT * FROM credentials WHERE key_id = ?'),
      listCredentials: this.db.prepare<[], CredentialRow>('SELECT * FROM credentials ORDER BY created_at, key_id'),
      revokeCredential: this.db.prepare<[string, string]>('UPDATE credentials SET revoked_at = COALESCE(revoked_at, ?) WHERE key_id = ?'),
    };
  }

  appendBatches(batches: readonly (readonly CloudEvent[])[], receivedTime: string): Promise<BatchOutcome[]> {
    try {
      return Promise.resolve(this.appendInTransaction(batches, receivedTime));
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  private readonly appendInTransaction = (batches: readonly (readonly CloudEvent[])[], receivedTime: string): BatchOutcome[] => {
    const written = new Map<string, KnownEvent>();
    const known = (key: string): KnownEvent | undefined => written.get(key) ?? this.lookup(key);
    const run = this.db.transaction(() =>
      batches.map((batch) => {
        const plan = planBatch(batch, known);
        if (!plan.ok) return conflictOutcome(plan.conflicts);
        const assigned = new Map<number, number>();
        plan.events.forEach((item, index) => {
          if (item.status !== 'new') return;
          const { event } = item;
          const correlation = event.correlationid === undefined ? null : hashKey(event.correlationid);
          const info = this.statements.insert.run(hashKey(item.key), event.source, event.id, event.type, correlation, receivedTime, item.canonical);
          const sequence = Number(info.lastInsertRowid);
          written.set(item.key, { canonical: item.canonical, sequence });
          assigned.set(index, sequence);
        });
        return appendedOutcome(plan.events, assigned);
      }),
    );
    return run.immediate();
  };

  private lookup(key: string): KnownEvent | undefined {
    const [source, id] = key.split('\u0000') as [string, string];
    for (const row of this.statements.byDedupeKey.iterate(hashKey(key))) {
      if (row.source === source && row.id === id) return { canonical: row.body, sequence: row.seq };
    }
    return undefined;
  }

  readFrom(afterSequence: number, limit: number): Promise<StoredEvent[]> {
    return Promise.resolve(this.statements.readFrom.all(afterSequence, limit).map(toStored));
  }

  readByCorrelation(correlationId: string): Promise<StoredEvent[]> {
    const rows = this.statements.byCorrelation.all(hashKey(correlationId)).map(toStored);
    return Promise.resolve(rows.filter((stored) => stored.event.correlationid === correlationId));
  }

  find(source: string, id: string): Promise<StoredEvent | undefined> {
    const key = eventKey({ source, id });
    for (const row of this.statements.byDedupeKey.iterate(hashKey(key))) {
      if (row.source === source && row.id === id) return Promise.resolve(toStored(row));
    }
    return Promise.resolve(undefined);
  }

  headSequence(): Promise<number> {
    return Promise.resolve(this.statements.head.get()?.head ?? 0);
  }

  addCredential(record: CredentialRecord): Promise<void> {
    this.statements.addCredential.run(record.keyId, record.principal.kind, record.principal.id, record.secretHash, record.label ?? null, record.createdAt);
    return Promise.resolve();
  }

  findCredential(keyId: string): Promise<CredentialRecord | undefined> {
    const row = this.statements.findCredential.get(keyId);
    return Promise.resolve(row === undefined ? undefined : toCredential(row));
  }

  listCredentials(): Promise<CredentialRecord[]> {
    return Promise.resolve(this.statements.listCredentials.all().map(toCredential));
  }

  revokeCredential(keyId: string, at: string): Promise<boolean> {
    return Promise.resolve(this.statements.revokeCredential.run(at, keyId).changes > 0);
  }

  close(): Promise<void> {
    if (this.db.open) this.db.close();
    return Promise.resolve();
  }
}

function toStored(row: EventRow): StoredEvent {
  return { sequence: row.seq, receivedTime: row.received_time, event: JSON.parse(row.body) as CloudEvent };
}

