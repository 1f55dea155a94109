// The scale-out store: several hub processes share one PostgreSQL database. Appends take a
// transaction-scoped advisory lock so sequence order equals commit order (a reader that saw
// sequence N never later finds a new event below N), at the price of one writer at a time;
// group commit amortises the lock over every request of a turn.
import pg from 'pg';
import { lockSessionConfig, lockSessionStartupSettings } from './lock-session.js';
import { DEFAULT_LEAD_LEASE_MS, FENCE_CHECK, fenceParams, LEADS_TABLE, LeaseLead } from './lease-lead.js';
import { guardQueries, unavailable } from './store-unavailable.js';
import type { CloudEvent, ExceptionView, FlowCount, KnownEvent, P2PLine, P2PStage, PlantKey, PlantWorkflow, StoredEvent, TaggedPlantState, WorkflowCensus } from '../../core/index.js';
import { eventKey, lineFromJson } from '../../core/index.js';
import type {
  BatchOutcome,
  CredentialRecord,
  CredentialStore,
  EventStore,
  ExceptionFilter,
  LineFilter,
  Page,
  PlantStateFilter,
  GroupStore,
  Lead,
  WorkflowStep,
  WorkflowStore,
  PublisherMark,
  PublisherSequenceStore,
  StreamReadMark,
  StreamReadPositionStore,
  MqttSessionStore,
  X12ControlNumbers,
} from '../../ports/index.js';
import { checkBreachStored, markOfRow, markParams, PUBLISHER_MARKS, PUBLISHER_MARKS_OF, PUBLISHER_SEQUENCE_TABLE, RECORD_PUBLISHER } from '../shared/publisher-sequence-sql.js';
import type { PublisherRow } from '../shared/publisher-sequence-sql.js';
import { RECORD_STREAM_READ, STREAM_READ_MARKS, STREAM_READ_POSITION_TABLE, streamReadMarkOfRow, streamReadParams } from '../shared/stream-read-position-sql.js';
import { filtersOfRow, MQTT_SESSION_TABLE, RECORD_SESSION_FILTERS, SESSION_FILTERS } from '../shared/mqtt-session-sql.js';
import type { StreamReadRow } from '../shared/stream-read-position-sql.js';
import { ALLOCATE_CONTROL_NUMBERS, checkedCount, firstOfBlock, X12_CONTROL_TABLE } from '../shared/x12-control-sql.js';
import { appendPlanned } from '../shared/batch-outcome.js';
import { CREDENTIALS_TABLE, toCredential } from '../shared/credential-row.js';
import type { CredentialRow } from '../shared/credential-row.js';
import { hashKey } from '../shared/hash-key.js';
import { POSTGRES_QUARANTINE_TABLE, PostgresQuarantine } from './postgres-quarantine.js';
import { POSTGRES_INBOUND_MESSAGE_TABLES, PostgresInboundMessages } from './postgres-inbound-messages.js';
import {
  censusOf,
  CURSOR_NAME,
  EXCEPTION_CENSUS,
  exceptionParams,
  exceptionQuery,
  exceptionUpdates,
  flowFromRow,
  flowParams,
  lineCensusQuery,
  lineQuery,
  lineRow,
  pageOf,
  RESET_WORKFLOWS,
  shipmentLinks,
  SQL,
  stepRefused,
  stepStartsAt,
  WORKFLOW_TABLES,
} from '../shared/workflow-sql.js';
import type { ExceptionCensusRow, FlowRow, LineCensusRow, PlantRow } from '../shared/workflow-sql.js';
import { plantKeyQueries, plantRowParams, plantStateOfRow, plantStatesQuery } from '../shared/workflow-sql.js';
import { DELIVERY_TABLES } from '../shared/delivery-sql.js';
import { migrateDeliveries, PostgresDeliveries } from './postgres-deliveries.js';

/**
 * Advisory lock id of the log's single-writer section. Advisory locks are per database, so
 * the id is derived from the schema: hubs on different schemas of one database do not contend.
 */
function appendLockOf(schema: string | null): string {
  return hashKey(`millrace-append:${schema ?? ''}`).toString();
}

/**
 * Every text column of the store is declared COLLATE "C" (ADR 0072, Afterwards): compared and
 * ordered by bytes, as SQLite does, whatever the database's default collation. On a database
 * made with a locale (`en_US.UTF-8`, an ICU locale) the list pages, their cursors (`key > $after`)
 * and every text index followed that locale: `PO_1 PO-10 po-9 PO-9` where SQLite has
 * `PO-10 PO-9 PO_1 po-9`. Declared on the column, the indexes are in that order too, so the
 * queries keep them (an ORDER BY ... COLLATE "C" would sort the whole table instead).
 */
function bytewiseText(ddl: string): string {
  return ddl.replace(/\bTEXT\b/g, 'TEXT COLLATE "C"');
}

const SCHEMA = bytewiseText(`
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
` + CREDENTIALS_TABLE + WORKFLOW_TABLES.replaceAll('{bigint}', 'BIGINT').replaceAll('{wor}', '') + DELIVERY_TABLES.replaceAll('{bigint}', 'BIGINT') + X12_CONTROL_TABLE + POSTGRES_QUARANTINE_TABLE + POSTGRES_INBOUND_MESSAGE_TABLES + PUBLISHER_SEQUENCE_TABLE + STREAM_READ_POSITION_TABLE + MQTT_SESSION_TABLE + LEADS_TABLE);

/** The store's tables, as SCHEMA creates them. */
const STORE_TABLES = [...SCHEMA.matchAll(/CREATE TABLE IF NOT EXISTS (\w+)/g)].map((match) => match[1]!);

/**
 * The text columns of a store made before its columns were declared COLLATE "C", in a
 * database whose default collation does not order by bytes: each table's in one ALTER, which
 * changes no row (the type stays text) but rebuilds the table's indexes on them, under an
 * exclusive lock on the table. A database whose default collation is C, POSIX or C.UTF-8 already
 * ordered them by bytes: its stores are left as they are (nothing rebuilt). In the store's
 * bootstrap transaction, in its schema, after every other statement of it.
 */
async function migrateCollation(client: pg.ClientBase): Promise<void> {
  // Before PostgreSQL 15 a database's default collation is always libc's (datcollate); from 15 it
  // may be an ICU locale whatever datcollate says, which datlocprovider tells ('c': libc).
  const version = Number((await client.query<{ v: string }>("SELECT current_setting('server_version_num') AS v")).rows[0]?.v ?? 0);
  const libc = version >= 150000 ? "datlocprovider = 'c' AND " : '';
  const columns = await client.query<{ table_name: string; column_name: string }>(
    'SELECT c.relname AS table_name, a.attname AS column_name FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid ' +
      "WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r' AND c.relname = ANY($1::text[]) " +
      "AND a.attnum > 0 AND NOT a.attisdropped AND a.atttypid = 'text'::regtype AND a.attcollation <> 'pg_catalog.\"C\"'::regcollation " +
      "AND NOT (a.attcollation = 'pg_catalog.default'::regcollation AND EXISTS (SELECT 1 FROM pg_database WHERE datname = current_database() " +
      `AND ${libc}datcollate IN ('C', 'POSIX', 'C.UTF-8', 'C.utf8'))) ORDER BY c.relname, a.attnum`,
    [STORE_TABLES],
  );
  const byTable = new Map<string, string[]>();
  for (const { table_name, column_name } of columns.rows) byTable.set(table_name, [...(byTable.get(table_name) ?? []), column_name]);
  for (const [table, names] of byTable) {
    await client.query(`ALTER TABLE ${table} ${names.map((name) => `ALTER COLUMN ${name} TYPE TEXT COLLATE "C"`).join(', ')}`);
  }
}

/**
 * How long a session of the store's pool may sit in a transaction with no statement running
 * before the server ends it. The log's append lock is one for every hub on the database and is
 * held to the transaction's end: a hub frozen between two statements of an append (a paused
 * container, a stalled VM, a debugger; its kernel still answers TCP keepalive) held every other
 * hub's intake up for as long as it stayed frozen. No transaction of the store waits on anything
 * but its own next statement (no network call, no user), which follows within milliseconds.
 */
const IDLE_IN_TRANSACTION_TIMEOUT = '10s';

/**
 * The time limits of a running hub's statements. Without them a statement waiting on a lock that
 * is never released (an operator's `LOCK TABLE` left open, a session of another program frozen in
 * a transaction, which no setting of ours ends) or on a server that does not finish held the
 * request, and its pooled connection, forever. A lock wait ends first: 15 s outlasts the 10 s a
 * frozen hub's transaction can hold a lock (IDLE_IN_TRANSACTION_TIMEOUT), so a wait behind one
 * still succeeds; the store's own writes and intake's reads take milliseconds. A statement ends
 * after 30 s: the HTTP API's longest reads (KPI windows, lists) on a large store take seconds,
 * and a client that waited 30 s has given up. Both end as `store_unavailable` (503).
 */
export const HUB_TIME_LIMITS = { statementMs: 30_000, lockMs: 15_000 } as const;

/**
 * The lead session's own limits: a question about the lead that cannot be answered at once (its
 * row locked by a frozen hub's commit) is a "no" for this try, asked again at the next.
 */
const LEAD_SESSION_LIMITS = ['-c lock_timeout=2s', '-c statement_timeout=5s'];

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
  /**
   * For the workflows' own connections: commits return before the WAL flush
   * (synchronous_commit off). They hold only what can be derived again from durable inputs.
   */
  readonly asynchronousCommit?: boolean;
  /**
   * For commands that only read or rebuild: a schema that is not there, or that holds no log,
   * is refused (StoreNotFoundError) instead of created, as a mistyped `?schema=` would be.
   */
  readonly mustExist?: boolean;
  /**
   * Statement and lock-wait limits of the store's sessions: HUB_TIME_LIMITS by default (a running
   * hub), `none` for a replay or a report, which take as long as the store's size needs.
   */
  readonly timeLimits?: { readonly statementMs: number; readonly lockMs: number } | 'none';
  /**
   * How long the workflows' and deliveries' lead lasts without renewal (DEFAULT_LEAD_LEASE_MS):
   * the longest the hubs wait for a frozen leader. Also `lead_lease_ms` in the URL, which every
   * process and thread of a hub is given; this option wins.
   */
  readonly leadLeaseMs?: number;
}

/** No store where the URL points: nothing was ever written there. */
export class StoreNotFoundError extends Error {
  override readonly name = 'StoreNotFoundError';
}

export class PostgresStore implements EventStore, CredentialStore, WorkflowStore, GroupStore, X12ControlNumbers, PublisherSequenceStore, StreamReadPositionStore, MqttSessionStore {
  /** The outbox (deliveries to subscribers), in the same database. */
  readonly deliveries: PostgresDeliveries;
  /** The quarantine of the asynchronous channels, in the same database. */
  readonly quarantines: PostgresQuarantine;
  /** The X12 and CSV files as received, linked to the events they produced. */
  readonly inboundMessages: PostgresInboundMessages;
  /** Who runs the workflows among the hub processes on this database. */
  private readonly lead: LeaseLead;

  private constructor(
    private readonly pool: pg.Pool,
    private readonly appendLock: string,
    leadLock: string,
    private readonly leads: { readonly config: pg.ClientConfig; readonly leaseMs: number },
  ) {
    // The lead sessions carry the store's name: ending a hub's sessions by name (as an operator
    // or a failover does) ends its leads too, and another hub takes them at its next try.
    const leadOf = (name: string) => new LeaseLead(leads.config, name, { leaseMs: leads.leaseMs });
    this.lead = leadOf(WORKFLOWS_LEAD);
    this.deliveries = new PostgresDeliveries(pool, leadOf(DELIVERIES_LEAD), hashKey(`millrace-deliveries:${leadLock}`).toString());
    this.quarantines = new PostgresQuarantine(pool);
    this.inboundMessages = new PostgresInboundMessages(pool);
  }

  static async open(options: PostgresStoreOptions): Promise<PostgresStore> {
    const url = new URL(options.url);
    const schema = url.searchParams.get('schema');
    url.searchParams.delete('schema');
    const leaseMs = options.leadLeaseMs ?? leaseOf(url.searchParams.get('lead_lease_ms'));
    url.searchParams.delete('lead_lease_ms');
    if (schema !== null && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
      throw new Error(`schema "${schema}" must be a lower-case SQL identifier`);
    }
    // Named for pg_stat_activity; with the lead sessions' keepalive: a hub whose host vanishes
    // inside an append's transaction holds the append lock only until the server gives up on it
    // (about 25 s, not the OS's two hours), and its own end notices a silent server too.
    const named = url.searchParams.has('application_name') ? {} : { application_name: `millrace store ${schema ?? ''}`.trim() };
    const config: pg.PoolConfig = lockSessionConfig({ connectionString: url.toString(), max: options.poolSize ?? 4, ...named });
    const limits = options.timeLimits ?? HUB_TIME_LIMITS;
    const settings = [
      ...(schema === null ? [] : [`-c search_path=${schema}`]),
      `-c idle_in_transaction_session_timeout=${IDLE_IN_TRANSACTION_TIMEOUT}`,
      ...lockSessionStartupSettings(),
    ];
    config.options = [
      ...settings,
      ...(options.asynchronousCommit === true ? ['-c synchronous_commit=off'] : []),
      ...(limits === 'none' ? [] : [`-c statement_timeout=${limits.statementMs}`, `-c lock_timeout=${limits.lockMs}`]),
    ].join(' ');
    const { max: _max, ...clientConfig } = config;
    const leads = { config: { ...clientConfig, options: [...settings, ...LEAD_SESSION_LIMITS].join(' ') }, leaseMs };
    // Several hubs may start together on one database: the schema and its tables are created
    // under the same advisory lock appends use, so CREATE ... IF NOT EXISTS never races.
    const bootstrap = new pg.Client({ connectionString: url.toString() });
    // A connection cut meanwhile fails the query in progress; unheard, it would end the process.
    bootstrap.on('error', () => undefined);
    await bootstrap.connect();
    try {
      await bootstrap.query('BEGIN');
      await bootstrap.query('SELECT pg_advisory_xact_lock($1::bigint)', [appendLockOf(schema)]);
      if (options.mustExist === true) await checkStoreExists(bootstrap, schema);
      if (schema !== null) {
        await bootstrap.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
        await bootstrap.query(`SET LOCAL search_path = ${schema}`);
      }
      await bootstrap.query(SCHEMA);
      await migrateDeliveries(bootstrap);
      await migrateCollation(bootstrap);
      await bootstrap.query('COMMIT');
    } catch (error) {
      await bootstrap.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      await bootstrap.end();
    }
    const pool = guardQueries(new pg.Pool(config));
    // An idle client's network error must not crash the process; the next query reports it.
    pool.on('error', () => undefined);
    // Nor a checked-out one's (a transaction's: the pool listens only to idle clients): a
    // connection cut by the server (pg_terminate_backend, a restart, a failover) emits 'error'
    // on it, which unheard ended the hub. The query in progress fails instead, the transaction
    // is rolled back by the server, and the pool drops the client when it is released.
    pool.on('connect', (client) => client.on('error', () => undefined));
    return new PostgresStore(pool, appendLockOf(schema), hashKey(`millrace-lead:${schema ?? ''}`).toString(), leads);
  }

  /** X12ControlNumbers: one durable sequence per partner; the upsert's row lock serializes hubs. */
  async allocateControlNumbers(partner: string, count = 1): Promise<number> {
    const size = checkedCount(count);
    const result = await this.pool.query<{ last_number: string }>(ALLOCATE_CONTROL_NUMBERS.replace('{1}', '$1').replace('{2}', '$2'), [partner, size]);
    return firstOfBlock(partner, result.rows[0]?.last_number, size);
  }

  /** PublisherSequenceStore: the breach and the mark in one transaction, under the append lock. */
  async recordPublisher(mark: PublisherMark, breach: CloudEvent | undefined, receivedTime: string): Promise<void> {
    await this.inTransaction(async (client) => {
      if (breach !== undefined) checkBreachStored((await this.insertBatches(client, [[breach]], receivedTime))[0], mark);
      await client.query(RECORD_PUBLISHER.replace(/\{(\d)\}/g, '$$$1'), markParams(mark));
    });
  }

  async publisherMarks(binding?: string): Promise<PublisherMark[]> {
    const result = binding === undefined ? await this.pool.query<PublisherRow>(PUBLISHER_MARKS) : await this.pool.query<PublisherRow>(PUBLISHER_MARKS_OF.replace('{1}', '$1'), [binding]);
    return result.rows.map(markOfRow);
  }

  /** StreamReadPositionStore: one statement, its own transaction. */
  async recordStreamRead(mark: StreamReadMark): Promise<void> {
    await this.pool.query(RECORD_STREAM_READ.replace(/\{(\d)\}/g, '$$$1'), streamReadParams(mark));
  }

  async streamReadMarks(): Promise<StreamReadMark[]> {
    return (await this.pool.query<StreamReadRow>(STREAM_READ_MARKS)).rows.map(streamReadMarkOfRow);
  }

  /** MqttSessionStore: one statement, its own transaction. */
  async recordSessionFilters(clientId: string, filters: readonly string[]): Promise<void> {
    await this.pool.query(RECORD_SESSION_FILTERS.replace(/\{(\d)\}/g, '$$$1'), [clientId, JSON.stringify(filters)]);
  }

  async sessionFilters(clientId: string): Promise<readonly string[] | undefined> {
    return filtersOfRow((await this.pool.query<{ filters: string }>(SESSION_FILTERS.replace('{1}', '$1'), [clientId])).rows[0]);
  }

  async appendBatches(batches: readonly (readonly CloudEvent[])[], receivedTime: string): Promise<BatchOutcome[]> {
    return this.inTransaction((client) => this.insertBatches(client, batches, receivedTime));
  }

  /**
   * Runs `work` in a transaction holding the append lock. A database that does not answer (a
   * connection refused or cut, a server shutting down) is `store_unavailable`: the intake answers
   * 503, which a client retries, and a resend is idempotent whether or not the commit landed.
   */
  private async inTransaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw unavailable(error);
    }
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock($1::bigint)', [this.appendLock]);
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw unavailable(error);
    } finally {
      client.release();
    }
  }

  /** Plans and inserts batches; the caller holds the transaction and the append lock. */
  private async insertBatches(client: pg.PoolClient, batches: readonly (readonly CloudEvent[])[], receivedTime: string): Promise<BatchOutcome[]> {
    const existing = await this.loadKnown(client, batches);
    const head = await client.query<{ head: string | null }>('SELECT MAX(seq) AS head FROM events');
    let next = Number(head.rows[0]?.head ?? 0) + 1;
    const rows = { seq: [] as string[], dedupe: [] as string[], source: [] as string[], id: [] as string[], type: [] as string[], correlation: [] as (string | null)[], body: [] as string[] };
    const outcomes = batches.map((batch) =>
      appendPlanned(
        batch,
        (key) => existing.get(key),
        (item) => {
          const sequence = next++;
          const { event } = item;
          rows.seq.push(String(sequence));
          rows.dedupe.push(hashKey(item.key).toString());
          rows.source.push(event.source);
          rows.id.push(event.id);
          rows.type.push(event.type);
          rows.correlation.push(event.correlationid === undefined ? null : hashKey(event.correlationid).toString());
          rows.body.push(item.body);
          existing.set(item.key, { body: item.body, sequence });
          return sequence;
        },
      ),
    );
    if (rows.seq.length > 0) {
      await client.query(
        `INSERT INTO events (seq, dedupe_key, source, id, type, correlation_key, received_time, body)
         SELECT s, d, so, i, t, c, $8, b
         FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::text[]) AS u(s, d, so, i, t, c, b)`,
        [rows.seq, rows.dedupe, rows.source, rows.id, rows.type, rows.correlation, rows.body, receivedTime],
      );
    }
    return outcomes;
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
      if (keys.has(key)) known.set(key, { body: row.body, sequence: Number(row.seq) });
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
      'INSERT INTO credentials (key_id, principal_kind, principal_id, secret_hash, label, role, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)',
      [record.keyId, record.principal.kind, record.principal.id, record.secretHash, record.label ?? null, record.principal.role ?? null, record.createdAt],
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

  tryLeadWorkflows(): Promise<boolean> {
    return this.lead.tryLead();
  }

  /**
   * Another task that one hub at a time does among the hubs on this database (the edge intake: a
   * NATS durable consumer's reading, an MQTT client id's broker session), as a lease in the same
   * `leads` table as the workflows' and deliveries' leads, with their length and their session
   * settings: a holder that is frozen is taken over once its lease runs out (a session lock stayed
   * held for as long as it stayed frozen), one killed or stopped at the next try. A new object per
   * call: the caller keeps it, and releases it when it stops. `name` must not be `workflows` or
   * `deliveries`.
   */
  leadNamed(name: string): Lead {
    if (name === WORKFLOWS_LEAD || name === DELIVERIES_LEAD) throw new Error(`the lead ${name} is the store's own`);
    return new LeaseLead(this.leads.config, name, { leaseMs: this.leads.leaseMs });
  }

  /** The workflows' term this store holds or last held: a step computed under it is refused once another hub took over. */
  workflowLead(): string | undefined {
    return this.lead.fence();
  }

  async processedUpTo(): Promise<number> {
    const result = await this.pool.query<{ up_to: string }>(numbered(SQL.cursor), [CURSOR_NAME]);
    return Number(result.rows[0]?.up_to ?? 0);
  }

  async loadLines(keys: readonly string[]): Promise<P2PLine[]> {
    if (keys.length === 0) return [];
    const result = await this.pool.query<{ state: string }>('SELECT state FROM p2p_lines WHERE key = ANY($1::text[])', [keys]);
    return result.rows.map((row) => lineFromJson(row.state));
  }

  async keysOf(query: { readonly poNumbers: readonly string[]; readonly shipmentIds: readonly string[] }): Promise<string[]> {
    const result = await this.pool.query<{ key: string }>(
      'SELECT key FROM p2p_lines WHERE po_number = ANY($1::text[]) UNION SELECT key FROM p2p_shipments WHERE shipment_id = ANY($2::text[])',
      [query.poNumbers, query.shipmentIds],
    );
    return result.rows.map((row) => row.key).sort();
  }

  async commitGroup(
    batches: readonly (readonly CloudEvent[])[],
    receivedTime: string,
    steps: readonly WorkflowStep[],
  ): Promise<{ outcomes: BatchOutcome[]; steps: (StoredEvent[] | undefined)[] }> {
    return this.inTransaction(async (client) => {
      const outcomes = await this.insertBatches(client, batches, receivedTime);
      const committed: (StoredEvent[] | undefined)[] = [];
      for (const step of steps) committed.push(await this.applyStep(client, step));
      return { outcomes, steps: committed };
    });
  }

  async commitWorkflowStep(step: WorkflowStep): Promise<StoredEvent[]> {
    return this.inTransaction(async (client) => {
      const derived = await this.applyStep(client, step);
      if (derived === undefined) throw await this.refusal(client, step);
      return derived;
    });
  }

  /** Why applyStep refused a step: its term ended, or the cursor moved. */
  private async refusal(client: pg.PoolClient, step: WorkflowStep): Promise<Error> {
    const stored = await this.cursorIn(client);
    if (step.lead !== undefined && stepStartsAt(step, stored)) {
      return new Error(`workflow step ${step.from ?? '?'}..${step.upTo} refused: this hub lost the workflows' lead (its lease ran out and another hub took it over); nothing of the step was written`);
    }
    return stepRefused(step, stored);
  }

  private async cursorIn(client: pg.PoolClient): Promise<number> {
    const result = await client.query<{ up_to: string }>(numbered(SQL.cursor), [CURSOR_NAME]);
    return Number(result.rows[0]?.up_to ?? 0);
  }

  /**
   * The body of one workflow step, under the append lock; undefined (nothing written) when the
   * cursor is not where the step started: two processes that each believed they led would apply
   * the same events twice (governance flows counted twice, line states overwritten).
   */
  private async applyStep(client: pg.PoolClient, step: WorkflowStep): Promise<StoredEvent[] | undefined> {
    // A step computed under a term that another hub's took over (this hub frozen, its lease run
    // out) is refused before anything of it is written, even if the cursor did not move yet.
    if (step.lead !== undefined && ((await client.query(FENCE_CHECK, fenceParams(WORKFLOWS_LEAD, step.lead))).rowCount ?? 0) === 0) return undefined;
    if (step.from !== undefined && !stepStartsAt(step, await this.cursorIn(client))) return undefined;
    const derived: StoredEvent[] = [];
    if (step.derived.length > 0) {
      const [outcome] = await this.insertBatches(client, [step.derived], step.receivedTime);
      if (outcome?.kind !== 'appended') throw new Error(`derived events conflict with the log: ${JSON.stringify(outcome)}`);
      outcome.events.forEach((appended, index) => {
        const event = step.derived[index];
        if (event !== undefined) derived.push({ sequence: appended.sequence, receivedTime: step.receivedTime, event });
      });
    }
    const rows = step.lines.map(lineRow);
    if (rows.length > 0) {
      await client.query(
        `INSERT INTO p2p_lines (key, po_number, line, supplier_id, plant, stage, next_due, open_exceptions, state)
         SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::text[], $6::text[], $7::text[], $8::int[], $9::text[])
         ON CONFLICT (key) DO UPDATE SET supplier_id = excluded.supplier_id, plant = excluded.plant, stage = excluded.stage,
           next_due = excluded.next_due, open_exceptions = excluded.open_exceptions, state = excluded.state`,
        [rows.map((r) => r.key), rows.map((r) => r.poNumber), rows.map((r) => r.line), rows.map((r) => r.supplierId), rows.map((r) => r.plant), rows.map((r) => r.stage), rows.map((r) => r.nextDue), rows.map((r) => r.openExceptions), rows.map((r) => r.state)],
      );
    }
    const shipments = shipmentLinks(step.lines);
    if (shipments.length > 0) {
      await client.query('INSERT INTO p2p_shipments (shipment_id, key) SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT DO NOTHING', [
        shipments.map(([id]) => id),
        shipments.map(([, key]) => key),
      ]);
    }
    const links = step.links;
    if (links.length > 0) {
      await client.query('INSERT INTO workflow_links (key, seq) SELECT * FROM unnest($1::text[], $2::bigint[]) ON CONFLICT DO NOTHING', [
        links.map((l) => l.key),
        links.map((l) => String(l.sequence)),
      ]);
    }
    for (const flow of step.flows ?? []) await client.query(numbered(SQL.addFlow), flowParams(flow));
    for (const row of step.plantStates ?? []) await client.query(numbered(SQL.upsertPlantState), plantRowParams(row));
    const events = [...step.exceptionEvents, ...derived].sort((a, b) => a.sequence - b.sequence);
    const ids = [...new Set(events.flatMap((e) => (typeof e.event.data.exceptionId === 'string' ? [e.event.data.exceptionId] : [])))];
    const existing = new Map<string, ExceptionView>();
    if (ids.length > 0) {
      const found = await client.query<{ view: string }>('SELECT view FROM exceptions WHERE exception_id = ANY($1::text[])', [ids]);
      for (const row of found.rows) {
        const view = JSON.parse(row.view) as ExceptionView;
        existing.set(view.exceptionId, view);
      }
    }
    for (const view of exceptionUpdates(events, (id) => existing.get(id))) await client.query(numbered(SQL.upsertException), exceptionParams(view));
    await client.query(numbered(SQL.setCursor), [CURSOR_NAME, step.upTo]);
    return derived;
  }

  async dueLines(now: string, limit: number): Promise<P2PLine[]> {
    const result = await this.pool.query<{ state: string }>(numbered(SQL.dueLines), [now, limit]);
    return result.rows.map((row) => lineFromJson(row.state));
  }

  async loadPlantStates(keys: readonly PlantKey[]): Promise<TaggedPlantState[]> {
    const states: TaggedPlantState[] = [];
    for (const { sql, params } of plantKeyQueries(keys)) states.push(...(await this.pool.query<PlantRow>(numbered(sql), params)).rows.map(plantStateOfRow));
    return states;
  }

  async duePlantStates(now: string, limit: number): Promise<TaggedPlantState[]> {
    return (await this.pool.query<PlantRow>(numbered(SQL.duePlantStates), [now, limit])).rows.map(plantStateOfRow);
  }

  async plantStates(workflow: PlantWorkflow, filter: PlantStateFilter): Promise<TaggedPlantState[]> {
    const { sql, params } = plantStatesQuery(workflow, filter);
    return (await this.pool.query<PlantRow>(numbered(sql), params)).rows.map(plantStateOfRow);
  }

  async flows(): Promise<FlowCount[]> {
    const result = await this.pool.query<FlowRow>(SQL.flows);
    return result.rows.map(flowFromRow);
  }

  async resetWorkflows(): Promise<void> {
    await this.inTransaction(async (client) => {
      for (const sql of RESET_WORKFLOWS) await client.query(sql);
    });
  }

  async linesOfPurchaseOrder(poNumber: string): Promise<P2PLine[]> {
    const result = await this.pool.query<{ state: string }>(numbered(SQL.linesOfPo), [poNumber]);
    return result.rows.map((row) => lineFromJson(row.state));
  }

  async listLines(filter: LineFilter, limit: number, after?: string): Promise<Page<P2PLine>> {
    const { sql, params } = lineQuery(filter, limit, after);
    const result = await this.pool.query<{ state: string }>(numbered(sql), params);
    return pageOf(result.rows.map((row) => lineFromJson(row.state)), limit, (last) => last.key);
  }

  async listExceptions(filter: ExceptionFilter, limit: number, after?: string): Promise<Page<ExceptionView>> {
    const { sql, params } = exceptionQuery(filter, limit, after);
    const result = await this.pool.query<{ view: string }>(numbered(sql), params);
    return pageOf(result.rows.map((row) => JSON.parse(row.view) as ExceptionView), limit, (last) => String(last.raisedSequence));
  }

  async getException(exceptionId: string): Promise<ExceptionView | undefined> {
    const result = await this.pool.query<{ view: string }>(numbered(SQL.exception), [exceptionId]);
    const row = result.rows[0];
    return row === undefined ? undefined : (JSON.parse(row.view) as ExceptionView);
  }

  async linkedSequences(keys: readonly string[]): Promise<number[]> {
    const result = await this.pool.query<{ seq: string }>('SELECT DISTINCT seq FROM workflow_links WHERE key = ANY($1::text[]) ORDER BY seq', [keys]);
    return result.rows.map((row) => Number(row.seq));
  }

  async eventsAt(sequences: readonly number[]): Promise<StoredEvent[]> {
    const result = await this.pool.query<EventRow>('SELECT seq, source, id, received_time, body FROM events WHERE seq = ANY($1::bigint[]) ORDER BY seq', [
      sequences.map(String),
    ]);
    return result.rows.map(toStored);
  }

  async workflowCensus(stages: readonly P2PStage[]): Promise<WorkflowCensus> {
    const lines = stages.length === 0 ? undefined : lineCensusQuery(stages, "(state::json -> 'terms' ->> 'itemCategory')");
    const [lineRows, exceptionRows] = await Promise.all([
      lines === undefined ? Promise.resolve([]) : this.pool.query<LineCensusRow>(numbered(lines.sql), lines.params).then((result) => result.rows),
      this.pool.query<ExceptionCensusRow>(EXCEPTION_CENSUS).then((result) => result.rows),
    ]);
    return censusOf(lineRows, exceptionRows);
  }

  async close(): Promise<void> {
    await this.lead.release();
    await this.deliveries.close();
    await this.pool.end();
  }
}

/** The rows of the leads (lease-lead.ts) this store keeps. */
const WORKFLOWS_LEAD = 'workflows';
const DELIVERIES_LEAD = 'deliveries';

/** `lead_lease_ms` from the store URL: a whole number of milliseconds, at least 100. */
function leaseOf(text: string | null): number {
  if (text === null) return DEFAULT_LEAD_LEASE_MS;
  const ms = /^[1-9][0-9]*$/.test(text) ? Number(text) : NaN;
  if (!(ms >= 100 && ms <= 3_600_000)) throw new Error(`lead_lease_ms=${text} in the store URL must be a whole number of milliseconds from 100 to 3600000`);
  return ms;
}

/**
 * Throws StoreNotFoundError unless the schema (the connection's current one when the URL names
 * none) exists and holds the events table. An existing store still gets the tables added since.
 */
async function checkStoreExists(client: pg.Client, schema: string | null): Promise<void> {
  const found = await client.query<{ schema: string | null; events: string | null }>(
    "SELECT s.nspname AS schema, to_regclass(quote_ident(s.nspname) || '.events')::text AS events FROM (SELECT COALESCE($1::text, current_schema()) AS name) AS wanted LEFT JOIN pg_namespace s ON s.nspname = wanted.name",
    [schema],
  );
  const row = found.rows[0];
  const name = schema ?? 'public';
  if (row?.schema === null || row?.schema === undefined) throw new StoreNotFoundError(`the database has no schema "${name}"`);
  if (row.events === null) throw new StoreNotFoundError(`schema "${row.schema}" holds no Millrace tables`);
}

/** `?` placeholders as PostgreSQL's `$1`, `$2`, ... (the shared statements hold no literal `?`). */
function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

function toStored(row: EventRow): StoredEvent {
  return { sequence: Number(row.seq), receivedTime: row.received_time, event: JSON.parse(row.body) as CloudEvent };
}

