// The scale-out store: several hub processes share one PostgreSQL database. Appends take a
// transaction-scoped advisory lock so sequence order equals commit order (a reader that saw
// sequence N never later finds a new event below N), at the price of one writer at a time;
// group commit amortises the lock over every request of a turn.
import pg from 'pg';
import type { CloudEvent, KnownEvent, StoredEvent } from '../../core/index.js';
import { eventKey, planBatch } from '../../core/index.js';
import type { BatchOutcome, CredentialRecord, CredentialStore, EventStore } from '../../ports/index.js';
import { appendedOutcome, conflictOutcome } from '../shared/batch-outcome.js';
import { CREDENTIALS_TABLE, toCredential } from '../shared/credential-row.js';
import type { CredentialRow } from '../shared/credential-row.js';
import { hashKey } from '../shared/hash-key.js';

/**
 * Advisory lock id of the log's single-writer section. Advisory locks are per database, so
 * the id is derived from the schema: hubs on different schemas of one database do not contend.
 */
function appendLockOf(schema: string | null): string {
  return hashKey(`millrace-append:${schema ?? ''}`).toString();
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS events (
  seq BIGINT PRIMARY KEY,
  dedupe_key BIGINT NOT NULL,
  source TEXT NOT NULL,
  id TEXT NOT NULL,
  type TEXT NOT NULL,
  correlation_key BIGINT,
  received_time TEXT NOT NULL,
  body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_dedupe ON events (dedupe_key);
CREATE INDEX IF NOT EXISTS events_correlation ON events (correlation_key) WHERE correlation_key IS NOT NULL;
` + CREDENTIALS_TABLE;

interface EventRow {
  seq: string;
  source: string;
  id: string;
  received_time: string;
  body: string;
}


export interface PostgresStoreOptions {
  /** postgres:// URL; a `schema` query parameter selects (and creates) a schema for the tables. */
  readonly url: string;
  readonly poolSize?: number;
}

export class PostgresStore implements EventStore, CredentialStore {
  private constructor(
    private readonly pool: pg.Pool,
    private readonly appendLock: string,
  ) {}

  static async open(options: PostgresStoreOptions): Promise<PostgresStore> {
    const url = new URL(options.url);
    const schema = url.searchParams.get('schema');
    url.searchParams.delete('schema');
    if (schema !== null && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
      throw new Error(`schema "${schema}" must be a lower-case SQL identifier`);
    }
    const config: pg.PoolConfig = { connectionString: url.toString(), max: options.poolSize ?? 4 };
    if (schema !== null) config.options = `-c search_path=${schema}`;
    // Several hubs may start together on one database: the schema and its tables are created
    // under the same advisory lock appends use, so CREATE ... IF NOT EXISTS never races.
    const bootstrap = new pg.Client({ connectionString: url.toString() });
    await bootstrap.connect();
    try {
      await bootstrap.query('BEGIN');
      await bootstrap.query('SELECT pg_advisory_xact_lock($1::bigint)', [appendLockOf(schema)]);
      if (schema !== null) {
        await bootstrap.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
        await bootstrap.query(`SET LOCAL search_path = ${schema}`);
      }
      await bootstrap.query(SCHEMA);
      await bootstrap.query('COMMIT');
    } catch (error) {
      await bootstrap.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      await bootstrap.end();
    }
    const pool = new pg.Pool(config);
    // An idle client's network error must not crash the process; the next query reports it.
    pool.on('error', () => undefined);
    return new PostgresStore(pool, appendLockOf(schema));
  }

  async appendBatches(batches: readonly (readonly CloudEvent[])[], receivedTime: string): Promise<BatchOutcome[]> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock($1::bigint)', [this.appendLock]);
      const existing = await this.loadKnown(client, batches);
      const head = await client.query<{ head: string | null }>('SELECT MAX(seq) AS head FROM events');
      let next = Number(head.rows[0]?.head ?? 0) + 1;
      const rows = { seq: [] as string[], dedupe: [] as string[], source: [] as string[], id: [] as string[], type: [] as string[], correlation: [] as (string | null)[], body: [] as string[] };
      const outcomes = batches.map((batch) => {
        const plan = planBatch(batch, (key) => existing.get(key));
        if (!plan.ok) return conflictOutcome(plan.conflicts);
        const assigned = new Map<number, number>();
        plan.events.forEach((item, index) => {
          if (item.status !== 'new') return;
          const sequence = next++;
          const { event } = item;
          rows.seq.push(String(sequence));
          rows.dedupe.push(hashKey(item.key).toString());
          rows.source.push(event.source);
          rows.id.push(event.id);
          rows.type.push(event.type);
          rows.correlation.push(event.correlationid === undefined ? null : hashKey(event.correlationid).toString());
          rows.body.push(item.canonical);
          existing.set(item.key, { canonical: item.canonical, sequence });
          assigned.set(index, sequence);
        });
        return appendedOutcome(plan.events, assigned);
      });
      if (rows.seq.length > 0) {
        await client.query(
          `INSERT INTO events (seq, dedupe_key, source, id, type, correlation_key, received_time, body)
           SELECT s, d, so, i, t, c, $8, b
           FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::text[]) AS u(s, d, so, i, t, c, b)`,
          [rows.seq, rows.dedupe, rows.source, rows.id, rows.type, rows.correlation, rows.body, receivedTime],
        );
      }
      await client.query('COMMIT');
      return outcomes;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  /** Loads every stored event whose key appears in the batches, with one query. */
  private async loadKnown(client: pg.PoolClient, batches: readonly (readonly CloudEvent[])[]): Promise<Map<string, KnownEvent>> {
    const keys = new Set<string>();
    for (const batch of batches) for (const event of batch) keys.add(eventKey(event));
    const known = new Map<string, KnownEvent>();
    if (keys.size === 0) return known;
    const hashes = [...keys].map((key) => hashKey(key).toString());
    const result = await client.query<EventRow>('SELECT seq, source, id, received_time, body FROM events WHERE dedupe_key = ANY($1::bigint[])', [hashes]);
    for (const row of result.rows) {
      const key = eventKey(row);
      if (keys.has(key)) known.set(key, { canonical: row.body, sequence: Number(row.seq) });
    }
    return known;
  }

  async readFrom(afterSequence: number, limit: number): Promise<StoredEvent[]> {
    const result = await this.pool.query<EventRow>('SELECT seq, source, id, received_time, body FROM events WHERE seq > $1 ORDER BY seq LIMIT $2', [afterSequence, limit]);
    return result.rows.map(toStored);
  }

  async readByCorrelation(correlationId: string): Promise<StoredEvent[]> {
    const result = await this.pool.query<EventRow>('SELECT seq, source, id, received_time, body FROM events WHERE correlation_key = $1 ORDER BY seq', [
      hashKey(correlationId).toString(),
    ]);
    return result.rows.map(toStored).filter((stored) => stored.event.correlationid === correlationId);
  }

  async find(source: string, id: string): Promise<StoredEvent | undefined> {
    const result = await this.pool.query<EventRow>('SELECT seq, source, id, received_time, body FROM events WHERE dedupe_key = $1 AND source = $2 AND id = $3', [
      hashKey(eventKey({ source, id })).toString(),
      source,
      id,
    ]);
    const row = result.rows[0];
    return row === undefined ? undefined : toStored(row);
  }

  async headSequence(): Promise<number> {
    const result = await this.pool.query<{ head: string | null }>('SELECT MAX(seq) AS head FROM events');
    return Number(result.rows[0]?.head ?? 0);
  }

  async addCredential(record: CredentialRecord): Promise<void> {
    await this.pool.query(
      'INSERT INTO credentials (key_id, principal_kind, principal_id, secret_hash, label, created_at) VALUES ($1, $2, $3, $4, $5, $6)',
      [record.keyId, record.principal.kind, record.principal.id, record.secretHash, record.label ?? null, record.createdAt],
    );
  }

  async findCredential(keyId: string): Promise<CredentialRecord | undefined> {
    const result = await this.pool.query<CredentialRow>('SELECT * FROM credentials WHERE key_id = $1', [keyId]);
    const row = result.rows[0];
    return row === undefined ? undefined : toCredential(row);
  }

  async listCredentials(): Promise<CredentialRecord[]> {
    const result = await this.pool.query<CredentialRow>('SELECT * FROM credentials ORDER BY created_at, key_id');
    return result.rows.map(toCredential);
  }

  async revokeCredential(keyId: string, at: string): Promise<boolean> {
    const result = await this.pool.query('UPDATE credentials SET revoked_at = COALESCE(revoked_at, $1) WHERE key_id = $2', [at, keyId]);
    return (result.rowCount ?? 0) > 0;
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

function toStored(row: EventRow): StoredEvent {
  return { sequence: Number(row.seq), receivedTime: row.received_time, event: JSON.parse(row.body) as CloudEvent };
}

