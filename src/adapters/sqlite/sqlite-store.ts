// The embedded store: one SQLite file in WAL mode with synchronous=FULL, so a commit is on
// disk before append resolves. better-sqlite3 is synchronous; a group commit therefore holds
// the event loop for one transaction, which is what lets every request of a turn share it.
// Dedupe and correlation lookups use an in-memory index (key-index.ts) over a narrow,
// append-only table of hashes: appends write sequential pages only.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
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
  WorkflowStep,
  WorkflowStore,
  PublisherMark,
  PublisherSequenceStore,
  StreamReadMark,
  StreamReadPositionStore,
  MqttSessionStore,
  X12ControlNumbers,
} from '../../ports/index.js';
import { REBUILDING_CURSOR } from '../../ports/index.js';
import { appendPlanned } from '../shared/batch-outcome.js';
import { CREDENTIALS_TABLE, toCredential } from '../shared/credential-row.js';
import type { CredentialRow } from '../shared/credential-row.js';
import type { Checkpointer } from './checkpointer.js';
import { startCheckpointer } from './checkpointer.js';
import type { AppendRow } from './append-writer.js';
import { AppendError, AppendWriter } from './append-writer.js';
import { hash64, KeyIndex, WrittenKeys } from './key-index.js';
import type { KeyRow } from './log-rows.js';
import { keyRowOfBody, LogRowWriter, pushLogRow } from './log-rows.js';
import { SqliteDeliveries } from './sqlite-deliveries.js';
import { ALLOCATE_CONTROL_NUMBERS, checkedCount, firstOfBlock, X12_CONTROL_TABLE } from '../shared/x12-control-sql.js';
import { checkBreachStored, markOfRow, markParams, PUBLISHER_MARKS, PUBLISHER_MARKS_OF, PUBLISHER_SEQUENCE_TABLE, RECORD_PUBLISHER } from '../shared/publisher-sequence-sql.js';
import type { PublisherRow } from '../shared/publisher-sequence-sql.js';
import { RECORD_STREAM_READ, STREAM_READ_MARKS, STREAM_READ_POSITION_TABLE, streamReadMarkOfRow, streamReadParams } from '../shared/stream-read-position-sql.js';
import { filtersOfRow, MQTT_SESSION_TABLE, RECORD_SESSION_FILTERS, SESSION_FILTERS } from '../shared/mqtt-session-sql.js';
import type { StreamReadRow } from '../shared/stream-read-position-sql.js';
import { SQLITE_QUARANTINE_TABLE, SqliteQuarantine } from './sqlite-quarantine.js';
import { SQLITE_INBOUND_MESSAGE_TABLES, SqliteInboundMessages } from './sqlite-inbound-messages.js';
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
  LINE_INDEXES,
  lineRowParams,
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

const WORKFLOW_TABLES_SQL = WORKFLOW_TABLES.replaceAll('{bigint}', 'INTEGER').replaceAll('{wor}', 'WITHOUT ROWID');

const SCHEMA = `
CREATE TABLE IF NOT EXISTS events (
  seq INTEGER PRIMARY KEY,
  type TEXT NOT NULL,
  received_time TEXT NOT NULL,
  body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS event_keys (
  seq INTEGER PRIMARY KEY,
  dk_hi INTEGER NOT NULL,
  dk_lo INTEGER NOT NULL,
  ck_hi INTEGER,
  ck_lo INTEGER
);
` + CREDENTIALS_TABLE + WORKFLOW_TABLES_SQL + X12_CONTROL_TABLE + SQLITE_QUARANTINE_TABLE + SQLITE_INBOUND_MESSAGE_TABLES + PUBLISHER_SEQUENCE_TABLE + STREAM_READ_POSITION_TABLE + MQTT_SESSION_TABLE;

interface EventRow {
  seq: number;
  received_time: string;
  body: string;
}

/** A key row, or (its body) an event without one. */
type EventKeyRow = [number, number | null, number | null, number | null, number | null, string | null];


export interface SqliteStoreOptions {
  /** Page cache in MiB (projections and recent log pages). */
  readonly cacheMiB?: number;
  /**
   * FULL (default): a commit is on disk when it returns; intake needs it (a 202 is a promise).
   * NORMAL: for the workflows' own connection. What it writes is derived from inputs that are
   * durable already; a power cut may lose its last steps, which the processor then redoes, and
   * the next FULL commit of intake (the WAL is one file, written in order) persists them anyway.
   */
  readonly synchronous?: 'FULL' | 'NORMAL';
  /**
   * Checkpoint the WAL from a background thread instead of in whichever connection commits past
   * the threshold (a stall of tens of milliseconds for intake). For long-running hubs. Measured
   * both ways under load (bench:ingest): with SQLite's default in-connection checkpoints the WAL
   * stays small and a lone commit's fsync is cheaper (117 against 151 us: it rewrites blocks the
   * file has), but at 50 connections p99 went from 6 to 12 ms and throughput down 5-20%.
   */
  readonly backgroundCheckpoints?: boolean;
  /**
   * Commit log appends on a thread of their own, so that the fsync of one group does not stop
   * the event loop from taking in the next (docs/adr/0021). `serve --append-thread on`; off by
   * default, as on two cores the extra busy thread cost more than it saved (docs/adr/0024).
   */
  readonly appendThread?: boolean;
  /** With background checkpoints elsewhere: leave checkpoints to them (a high safety threshold only). */
  readonly checkpointsElsewhere?: boolean;
  /**
   * Otherwise: WAL pages past which a commit checkpoints in this connection (default 10,000, 40 MB
   * with 4 KB pages). SQLite's own default, 1,000, makes each checkpoint a tenth as long and ten
   * times as frequent.
   */
  readonly checkpointPages?: number;
  /**
   * A connection that only reads the log (the workflow thread, whose writes go through the
   * intake thread): it keeps no dedupe index in memory and refuses to append.
   */
  readonly readsLogOnly?: boolean;
  /** A hold on the file taken for this store (store-hold.ts), let go when the store closes. */
  readonly hold?: { release(): void };
  /** Key rows written together (default KEY_ROWS_EVERY, docs/adr/0080); tests set a few. */
  readonly keyRowsEvery?: number;
}

export class SqliteStore implements EventStore, CredentialStore, WorkflowStore, GroupStore, X12ControlNumbers, PublisherSequenceStore, StreamReadPositionStore, MqttSessionStore {
  private readonly db: Database.Database;
  private readonly statements;
  private readonly workflow;
  private readonly transactions;
  private linesIndexed = true;
  private checkpointer: Checkpointer | undefined;
  /** The append thread, when appends are committed off this thread (options.appendThread). */
  private appendThread: Promise<AppendWriter> | undefined;
  /** The append thread once started: an append goes to it within the call, not a turn later. */
  private startedWriter: AppendWriter | undefined;
  private readonly readsLogOnly: boolean;
  /** The quarantine of the asynchronous channels, in the same database. */
  readonly quarantines: SqliteQuarantine;
  /** The X12 and CSV files as received, linked to the events they produced. */
  readonly inboundMessages: SqliteInboundMessages;
  private readonly keys = new KeyIndex();
  private lastKeyHash: { readonly key: string; readonly hash: [number, number] } | undefined;
  /** Writes a group's event and key rows (multi-row statements). */
  private readonly logRows: LogRowWriter;
  /** Index entries of the transaction under way; they count only once it commits. */
  private pendingKeys: [number, [number, number], [number, number] | undefined][] = [];
  /** Events written by the transaction under way, which the index learns of only at commit. */
  private written = new WrittenKeys<KnownEvent>();
  /** SQLite's data_version when the index last caught up with other connections' commits. */
  private dataVersion = -1;
  /** The outbox (deliveries to subscribers), in the same file. */
  readonly deliveries: SqliteDeliveries;

  private readonly hold: { release(): void } | undefined;

  constructor(path: string, options: SqliteStoreOptions = {}) {
    this.hold = options.hold;
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${options.synchronous ?? 'FULL'}`);
    this.db.pragma('foreign_keys = ON');
    // While the file is set up (its schema, indexes a rebuild dropped, migrations) this
    // connection may wait for another's write lock: nothing runs on this thread yet, and the
    // threads of a replay open their stores at the same moment (each failed at once with
    // SQLITE_BUSY when another held the lock). Once open it never sleeps (below).
    this.db.pragma('busy_timeout = 10000');
    // With checkpoints in the background, a connection checkpoints itself only if the WAL
    // reaches 400 MB (the background thread stopped or cannot keep up).
    const offloaded = options.backgroundCheckpoints === true || options.checkpointsElsewhere === true;
    this.db.pragma(`wal_autocheckpoint = ${offloaded ? 100_000 : (options.checkpointPages ?? 10_000)}`);
    this.db.pragma(`cache_size = -${(options.cacheMiB ?? 256) * 1024}`);
    this.db.exec(SCHEMA);
    LogRowWriter.prepareFile(this.db);
    this.db.defaultSafeIntegers(false);
    this.statements = {
      bySeq: this.db.prepare<[number], EventRow>('SELECT seq, received_time, body FROM events WHERE seq = ?'),
      keysBetween: this.db.prepare<[number, number], KeyRow>('SELECT seq, dk_hi, dk_lo, ck_hi, ck_lo FROM event_keys WHERE seq > ? AND seq <= ? ORDER BY seq').raw(true),
      // Past event_keys_through: each event with its key row, or with its body when it has none.
      eventKeysAfter: this.db
        .prepare<[number], EventKeyRow>(
          'SELECT e.seq, k.dk_hi, k.dk_lo, k.ck_hi, k.ck_lo, CASE WHEN k.seq IS NULL THEN e.body END FROM events e LEFT JOIN event_keys k ON k.seq = e.seq WHERE e.seq > ? ORDER BY e.seq',
        )
        .raw(true),
      readFrom: this.db.prepare<[number, number], EventRow>('SELECT seq, received_time, body FROM events WHERE seq > ? ORDER BY seq LIMIT ?'),
      head: this.db.prepare<[], { head: number | null }>('SELECT MAX(seq) AS head FROM events'),
      // Prepared once: db.pragma() compiles its statement on every call, and this one runs per commit.
      dataVersion: this.db.prepare<[], number>('PRAGMA data_version').pluck(),
      addCredential: this.db.prepare<[string, string, string, string, string | null, string | null, string]>(
        'INSERT INTO credentials (key_id, principal_kind, principal_id, secret_hash, label, role, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      findCredential: this.db.prepare<[string], CredentialRow>('SELECT * FROM credentials WHERE key_id = ?'),
      listCredentials: this.db.prepare<[], CredentialRow>('SELECT * FROM credentials ORDER BY created_at, key_id'),
      revokeCredential: this.db.prepare<[string, string]>('UPDATE credentials SET revoked_at = COALESCE(revoked_at, ?) WHERE key_id = ?'),
    };
    this.workflow = {
      cursor: this.db.prepare<[string], { up_to: number }>(SQL.cursor),
      setCursor: this.db.prepare<[string, number]>(SQL.setCursor),
      upsertLine: this.db.prepare(SQL.upsertLine),
      insertShipment: this.db.prepare<[string, string]>(SQL.insertShipment),
      insertLink: this.db.prepare<[string, number]>(SQL.insertLink),
      addFlow: this.db.prepare<(string | number)[]>(SQL.addFlow),
      flows: this.db.prepare<[], FlowRow>(SQL.flows),
      exception: this.db.prepare<[string], { view: string }>(SQL.exception),
      upsertException: this.db.prepare(SQL.upsertException),
      dueLines: this.db.prepare<[string, number], { state: string }>(SQL.dueLines),
      linesOfPo: this.db.prepare<[string], { state: string }>(SQL.linesOfPo),
      upsertPlantState: this.db.prepare(SQL.upsertPlantState),
      duePlantStates: this.db.prepare<[string, number], PlantRow>(SQL.duePlantStates),
    };
    this.logRows = new LogRowWriter(this.db, options.keyRowsEvery);
    this.transactions = {
      append: this.db.transaction((batches: readonly (readonly CloudEvent[])[], receivedTime: string) => this.insertBatches(batches, receivedTime)),
      step: this.db.transaction((step: WorkflowStep) => {
        const derived = this.applyStep(step);
        if (derived === undefined) throw stepRefused(step, this.storedCursor());
        return derived;
      }),
      group: this.db.transaction((batches: readonly (readonly CloudEvent[])[], receivedTime: string, steps: readonly WorkflowStep[]) => ({
        outcomes: this.insertBatches(batches, receivedTime),
        steps: steps.map((step) => this.applyStep(step)),
      })),
      recordPublisher: this.db.transaction((mark: PublisherMark, breach: CloudEvent | undefined, receivedTime: string) => {
        if (breach !== undefined) checkBreachStored(this.insertBatches([[breach]], receivedTime)[0], mark);
        this.db.prepare(RECORD_PUBLISHER.replace(/\{\d\}/g, '?')).run(...markParams(mark));
      }),
      reset: this.db.transaction(() => {
        for (const sql of RESET_WORKFLOWS) this.db.prepare(sql).run();
        // A rebuild writes every line once; building the indexes after is much cheaper than
        // updating five of them per row. They come back with the first step that ends it.
        for (const index of LINE_INDEXES) this.db.prepare(`DROP INDEX IF EXISTS ${index}`).run();
        this.linesIndexed = false;
      }),
    };
    this.deliveries = new SqliteDeliveries(this.db, (work) => this.write(work));
    this.readsLogOnly = options.readsLogOnly === true;
    this.quarantines = new SqliteQuarantine(this.db, (transaction) => this.write(transaction));
    this.inboundMessages = new SqliteInboundMessages(this.db, (transaction) => this.write(transaction));
    // Set up: from here on no sleeping inside SQLite when another connection (the workflow
    // thread, a CLI) holds the write lock: its busy handler sleeps in steps of up to 100 ms on
    // the caller's thread. Writes retry instead, every millisecond, without blocking the event
    // loop (write()).
    this.db.pragma('busy_timeout = 0');
    this.catchUpKeys();
    if (options.backgroundCheckpoints === true && path !== ':memory:') this.checkpointer = startCheckpointer(path);
    if (options.appendThread === true && path !== ':memory:' && !this.readsLogOnly) {
      const thread = AppendWriter.start(path);
      this.appendThread = thread;
      // A thread that failed to start is dropped at the first append (appendWriter()).
      thread.then(
        (writer) => {
          if (this.appendThread === thread) this.startedWriter = writer;
        },
        () => undefined,
      );
    }
  }

  appendBatches(batches: readonly (readonly CloudEvent[])[], receivedTime: string): Promise<BatchOutcome[]> {
    // Planned and handed to the thread before this call returns: the group committer sends the
    // next group on its way before it answers the previous one (group-commit.ts).
    const started = this.startedWriter;
    if (started !== undefined && !started.broken) return this.appendOnThread(started, batches, receivedTime);
    // Without an append thread (the default), straight to the transaction: no turn spent asking for one.
    if (this.appendThread === undefined) return this.write(() => this.transactions.append.immediate(batches, receivedTime));
    return this.appendOnceStarted(batches, receivedTime);
  }

  /** Waits for the append thread to start (or to fail, and then appends in this connection). */
  private async appendOnceStarted(batches: readonly (readonly CloudEvent[])[], receivedTime: string): Promise<BatchOutcome[]> {
    const writer = await this.appendWriter();
    if (writer !== undefined) return this.appendOnThread(writer, batches, receivedTime);
    return this.write(() => this.transactions.append.immediate(batches, receivedTime));
  }

  /**
   * The append thread, while it works. One that did not start or has died is dropped and
   * appends go on in this connection: an append it had under way is answered with an error,
   * and whatever of it the thread committed is found by the index's catch-up when the client
   * retries (a duplicate then, not a second row).
   */
  private async appendWriter(): Promise<AppendWriter | undefined> {
    const thread = this.appendThread;
    if (thread === undefined) return undefined;
    const writer = await thread.catch(() => undefined);
    if (writer !== undefined && !writer.broken) return writer;
    if (this.appendThread === thread) {
      this.appendThread = undefined;
      this.startedWriter = undefined;
    }
    return undefined;
  }

  /**
   * Runs a write transaction; index entries it made count only if it commits. While another
   * connection holds the write lock, it tries again every millisecond (for up to 10 s), with
   * the event loop free in between.
   */
  private async write<T>(transaction: () => T): Promise<T> {
    for (let waited = 0; ; waited += 1) {
      try {
        const result = transaction();
        for (const [sequence, dedupe, correlation] of this.pendingKeys) this.keys.add(sequence, dedupe, correlation);
        this.logRows.committed();
        return result;
      } catch (error) {
        this.logRows.rolledBack();
        if ((error as { code?: unknown }).code !== 'SQLITE_BUSY' || waited >= 10_000) throw error;
      } finally {
        this.pendingKeys = [];
        this.written = new WrittenKeys();
      }
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  }

  /** Plans and inserts batches; the caller holds the transaction. */
  private insertBatches(batches: readonly (readonly CloudEvent[])[], receivedTime: string): BatchOutcome[] {
    // Without the index a resend would go undetected: this connection must not append.
    if (this.readsLogOnly && batches.some((batch) => batch.length > 0)) throw new Error('this store connection reads the log only');
    this.catchUpKeys();
    // Numbered from the index's head, or from this transaction's last row: under the write lock,
    // caught up with other connections, the index knows every row but this transaction's own.
    let sequence = this.pendingKeys.at(-1)?.[0] ?? this.keys.head;
    const rows: (string | number | null)[] = [];
    const outcomes = this.planGroup(batches, this.written, (type, body, dedupe, correlation) => {
      sequence += 1;
      pushLogRow(rows, sequence, type, body, dedupe, correlation);
      this.pendingKeys.push([sequence, dedupe, correlation]);
      return sequence;
    });
    if (rows.length > 0) this.logRows.insert(receivedTime, rows);
    return outcomes;
  }

  /**
   * Plans batches against the index and what the group itself adds (`written`); `place` stores
   * each new event, or reserves its sequence, and returns the sequence.
   */
  private planGroup(
    batches: readonly (readonly CloudEvent[])[],
    written: WrittenKeys<KnownEvent>,
    place: (type: string, body: string, dedupe: [number, number], correlation: [number, number] | undefined) => number,
  ): BatchOutcome[] {
    const known = (key: string): KnownEvent | undefined => {
      const hash = this.keyHash(key);
      return written.get(key, hash) ?? this.lookup(key);
    };
    return batches.map((batch) =>
      appendPlanned(batch, known, (item) => {
        const { event } = item;
        const hash = this.keyHash(item.key);
        const sequence = place(event.type, item.body, hash, event.correlationid === undefined ? undefined : hash64(event.correlationid));
        written.set(item.key, hash, { body: item.body, sequence });
        return sequence;
      }),
    );
  }

  /**
   * The append thread's path (docs/adr/0021): the group is planned here with sequences from the
   * index's head on, written and synced there while this thread serves other requests, and the
   * index learns the keys once the commit is on disk. If another connection appended meanwhile,
   * the rows collide with its sequences, nothing is stored, and the group is planned again.
   */
  private async appendOnThread(writer: AppendWriter, batches: readonly (readonly CloudEvent[])[], receivedTime: string): Promise<BatchOutcome[]> {
    for (let attempt = 1; ; attempt += 1) {
      // No catch-up with other connections before the first plan: after each of the thread's
      // commits it would re-read pages this connection's cache had to drop, for nothing in the
      // common case. An append by another connection took the sequence after the index's head,
      // so the first planned row collides with it (even when the group repeats an event that
      // append holds, the index not knowing it yet) and the plan is made again after a catch-up.
      if (attempt > 1) this.catchUpKeys();
      const rows: AppendRow[] = [];
      const outcomes = this.planGroup(batches, new WrittenKeys(), (type, body, dedupe, correlation) => {
        // Numbered from the index's head (caught up with other connections on a re-plan).
        const sequence = (rows.at(-1)?.sequence ?? this.keys.head) + 1;
        rows.push({ sequence, type, body, dedupe, correlation });
        return sequence;
      });
      if (rows.length === 0) return outcomes;
      try {
        await writer.append(receivedTime, rows);
      } catch (error) {
        if (error instanceof AppendError && error.stale && attempt < 1_000) continue;
        throw error;
      }
      for (const row of rows) this.keys.add(row.sequence, row.dedupe, row.correlation);
      return outcomes;
    }
  }

  /**
   * Brings the in-memory index up to date with events other connections committed (a CLI, a
   * test, a hub restarted on the same file). data_version changes only when they do.
   */
  private catchUpKeys(): void {
    if (this.readsLogOnly) return;
    const version = this.statements.dataVersion.get() ?? -1;
    if (version === this.dataVersion) return;
    this.dataVersion = version;
    // The append thread's commits change data_version too, and the index already has their
    // keys: a lookup of the last event is much cheaper than opening an iterator for none.
    if ((this.statements.head.get()?.head ?? 0) <= this.keys.head) return;
    // Up to event_keys_through every event has its key row: the narrow table alone, as at the
    // start of a large log. Past it, the events themselves, hashing the bodies of those without
    // one (docs/adr/0080); their rows are written with this connection's next key rows.
    const through = this.logRows.keyRowsThrough();
    if (through > this.keys.head) for (const row of this.statements.keysBetween.iterate(this.keys.head, through)) this.indexKeyRow(row);
    for (const [sequence, dkHi, dkLo, ckHi, ckLo, body] of this.statements.eventKeysAfter.iterate(this.keys.head)) {
      if (body === null) this.indexKeyRow([sequence, dkHi ?? 0, dkLo ?? 0, ckHi, ckLo]);
      else {
        const row = keyRowOfBody(sequence, body);
        this.indexKeyRow(row);
        this.logRows.adopt(row);
      }
    }
  }

  private indexKeyRow([sequence, dkHi, dkLo, ckHi, ckLo]: KeyRow): void {
    this.keys.add(sequence, [dkHi, dkLo], ckHi === null || ckLo === null ? undefined : [ckHi, ckLo]);
  }

  private lookup(key: string): KnownEvent | undefined {
    const stored = this.findByKey(key);
    return stored === undefined ? undefined : { body: stored.body, sequence: stored.seq };
  }

  /** A dedupe key's hash; the last one is kept, as planning an event looks its key up and then places it. */
  private keyHash(key: string): [number, number] {
    if (this.lastKeyHash?.key !== key) this.lastKeyHash = { key, hash: hash64(key) };
    return this.lastKeyHash.hash;
  }

  private findByKey(key: string): EventRow | undefined {
    const candidates = this.keys.candidates(this.keyHash(key));
    // A new event, the common case, has no candidate: nothing more to do.
    if (candidates.length === 0) return undefined;
    const [source, id] = key.split('\u0000') as [string, string];
    for (const sequence of candidates) {
      const row = this.statements.bySeq.get(sequence);
      if (row === undefined) continue;
      const event = JSON.parse(row.body) as CloudEvent;
      if (event.source === source && event.id === id) return row;
    }
    return undefined;
  }

  readFrom(afterSequence: number, limit: number): Promise<StoredEvent[]> {
    return Promise.resolve(this.statements.readFrom.all(afterSequence, limit).map(toStored));
  }

  readByCorrelation(correlationId: string): Promise<StoredEvent[]> {
    this.catchUpKeys();
    const events: StoredEvent[] = [];
    for (const sequence of this.keys.correlated(hash64(correlationId))) {
      const row = this.statements.bySeq.get(sequence);
      if (row === undefined) continue;
      const stored = toStored(row);
      if (stored.event.correlationid === correlationId) events.push(stored);
    }
    return Promise.resolve(events);
  }

  find(source: string, id: string): Promise<StoredEvent | undefined> {
    this.catchUpKeys();
    const row = this.findByKey(eventKey({ source, id }));
    return Promise.resolve(row === undefined ? undefined : toStored(row));
  }

  headSequence(): Promise<number> {
    return Promise.resolve(this.statements.head.get()?.head ?? 0);
  }

  async addCredential(record: CredentialRecord): Promise<void> {
    const { principal } = record;
    await this.write(() => this.statements.addCredential.run(record.keyId, principal.kind, principal.id, record.secretHash, record.label ?? null, principal.role ?? null, record.createdAt));
  }

  findCredential(keyId: string): Promise<CredentialRecord | undefined> {
    const row = this.statements.findCredential.get(keyId);
    return Promise.resolve(row === undefined ? undefined : toCredential(row));
  }

  listCredentials(): Promise<CredentialRecord[]> {
    return Promise.resolve(this.statements.listCredentials.all().map(toCredential));
  }

  async revokeCredential(keyId: string, at: string): Promise<boolean> {
    return (await this.write(() => this.statements.revokeCredential.run(at, keyId))).changes > 0;
  }

  /** One SQLite file has one hub process: it always leads. */
  tryLeadWorkflows(): Promise<boolean> {
    return Promise.resolve(true);
  }

  processedUpTo(): Promise<number> {
    return Promise.resolve(this.workflow.cursor.get(CURSOR_NAME)?.up_to ?? 0);
  }

  loadLines(keys: readonly string[]): Promise<P2PLine[]> {
    return Promise.resolve(this.selectStates('SELECT state FROM p2p_lines WHERE key IN', keys));
  }

  keysOf(query: { readonly poNumbers: readonly string[]; readonly shipmentIds: readonly string[] }): Promise<string[]> {
    const keys = new Set<string>();
    for (const chunk of chunks(query.poNumbers)) {
      const rows = this.db.prepare<string[], { key: string }>(`SELECT key FROM p2p_lines WHERE po_number IN (${chunk.map(() => '?').join(', ')})`).all(...chunk);
      for (const row of rows) keys.add(row.key);
    }
    for (const chunk of chunks(query.shipmentIds)) {
      const rows = this.db.prepare<string[], { key: string }>(`SELECT key FROM p2p_shipments WHERE shipment_id IN (${chunk.map(() => '?').join(', ')})`).all(...chunk);
      for (const row of rows) keys.add(row.key);
    }
    return Promise.resolve([...keys].sort());
  }

  commitGroup(
    batches: readonly (readonly CloudEvent[])[],
    receivedTime: string,
    steps: readonly WorkflowStep[],
  ): Promise<{ outcomes: BatchOutcome[]; steps: (StoredEvent[] | undefined)[] }> {
    return this.write(() => this.transactions.group.immediate(batches, receivedTime, steps));
  }

  commitWorkflowStep(step: WorkflowStep): Promise<StoredEvent[]> {
    return this.write(() => this.transactions.step.immediate(step));
  }

  private storedCursor(): number {
    return this.workflow.cursor.get(CURSOR_NAME)?.up_to ?? 0;
  }

  /**
   * The body of one workflow step; runs inside its transaction. Undefined (nothing written) when
   * the cursor is not where the step started (see WorkflowStep.from).
   */
  private applyStep(step: WorkflowStep): StoredEvent[] | undefined {
    if (step.from !== undefined && !stepStartsAt(step, this.storedCursor())) return undefined;
    const derived: StoredEvent[] = [];
    if (step.derived.length > 0) {
      const [outcome] = this.insertBatches([step.derived], step.receivedTime);
      if (outcome?.kind !== 'appended') throw new Error(`derived events conflict with the log: ${JSON.stringify(outcome)}`);
      outcome.events.forEach((appended, index) => {
        const event = step.derived[index];
        if (event !== undefined) derived.push({ sequence: appended.sequence, receivedTime: step.receivedTime, event });
      });
    }
    for (const state of step.lines) this.workflow.upsertLine.run(...lineRowParams(lineRow(state)));
    for (const [shipmentId, key] of shipmentLinks(step.lines)) this.workflow.insertShipment.run(shipmentId, key);
    for (const link of step.links) this.workflow.insertLink.run(link.key, link.sequence);
    for (const flow of step.flows ?? []) this.workflow.addFlow.run(...flowParams(flow));
    for (const row of step.plantStates ?? []) this.workflow.upsertPlantState.run(...plantRowParams(row));
    const events = [...step.exceptionEvents, ...derived].sort((a, b) => a.sequence - b.sequence);
    const read = (id: string) => {
      const row = this.workflow.exception.get(id);
      return row === undefined ? undefined : (JSON.parse(row.view) as ExceptionView);
    };
    for (const view of exceptionUpdates(events, read)) this.workflow.upsertException.run(...exceptionParams(view));
    this.workflow.setCursor.run(CURSOR_NAME, step.upTo);
    if (step.upTo !== REBUILDING_CURSOR && !this.linesIndexed) {
      this.db.exec(WORKFLOW_TABLES_SQL);
      this.linesIndexed = true;
    }
    return derived;
  }

  dueLines(now: string, limit: number): Promise<P2PLine[]> {
    return Promise.resolve(this.workflow.dueLines.all(now, limit).map((row) => lineFromJson(row.state)));
  }

  loadPlantStates(keys: readonly PlantKey[]): Promise<TaggedPlantState[]> {
    return Promise.resolve(plantKeyQueries(keys).flatMap(({ sql, params }) => this.db.prepare<string[], PlantRow>(sql).all(...params).map(plantStateOfRow)));
  }

  duePlantStates(now: string, limit: number): Promise<TaggedPlantState[]> {
    return Promise.resolve(this.workflow.duePlantStates.all(now, limit).map(plantStateOfRow));
  }

  plantStates(workflow: PlantWorkflow, filter: PlantStateFilter): Promise<TaggedPlantState[]> {
    const { sql, params } = plantStatesQuery(workflow, filter);
    return Promise.resolve(this.db.prepare<string[], PlantRow>(sql).all(...params).map(plantStateOfRow));
  }

  resetWorkflows(): Promise<void> {
    return this.write(() => this.transactions.reset.immediate());
  }

  flows(): Promise<FlowCount[]> {
    return Promise.resolve(this.workflow.flows.all().map(flowFromRow));
  }

  linesOfPurchaseOrder(poNumber: string): Promise<P2PLine[]> {
    return Promise.resolve(this.workflow.linesOfPo.all(poNumber).map((row) => lineFromJson(row.state)));
  }

  listLines(filter: LineFilter, limit: number, after?: string): Promise<Page<P2PLine>> {
    const { sql, params } = lineQuery(filter, limit, after);
    const rows = this.db.prepare<(string | number)[], { state: string }>(sql).all(...params).map((row) => lineFromJson(row.state));
    return Promise.resolve(pageOf(rows, limit, (last) => last.key));
  }

  listExceptions(filter: ExceptionFilter, limit: number, after?: string): Promise<Page<ExceptionView>> {
    const { sql, params } = exceptionQuery(filter, limit, after);
    const rows = this.db.prepare<(string | number)[], { view: string }>(sql).all(...params).map((row) => JSON.parse(row.view) as ExceptionView);
    return Promise.resolve(pageOf(rows, limit, (last) => String(last.raisedSequence)));
  }

  getException(exceptionId: string): Promise<ExceptionView | undefined> {
    const row = this.workflow.exception.get(exceptionId);
    return Promise.resolve(row === undefined ? undefined : (JSON.parse(row.view) as ExceptionView));
  }

  linkedSequences(keys: readonly string[]): Promise<number[]> {
    const sequences = new Set<number>();
    for (const chunk of chunks(keys)) {
      const rows = this.db.prepare<string[], { seq: number }>(`SELECT seq FROM workflow_links WHERE key IN (${chunk.map(() => '?').join(', ')})`).all(...chunk);
      for (const row of rows) sequences.add(row.seq);
    }
    return Promise.resolve([...sequences].sort((a, b) => a - b));
  }

  eventsAt(sequences: readonly number[]): Promise<StoredEvent[]> {
    const events: StoredEvent[] = [];
    for (const chunk of chunks(sequences)) {
      const rows = this.db
        .prepare<number[], EventRow>(`SELECT seq, received_time, body FROM events WHERE seq IN (${chunk.map(() => '?').join(', ')}) ORDER BY seq`)
        .all(...chunk);
      events.push(...rows.map(toStored));
    }
    return Promise.resolve(events.sort((a, b) => a.sequence - b.sequence));
  }

  workflowCensus(stages: readonly P2PStage[]): Promise<WorkflowCensus> {
    const lines = stages.length === 0 ? { sql: '', params: [] } : lineCensusQuery(stages, "json_extract(state, '$.terms.itemCategory')");
    const rows = stages.length === 0 ? [] : this.db.prepare<string[], LineCensusRow>(lines.sql).all(...lines.params);
    return Promise.resolve(censusOf(rows, this.db.prepare<[], ExceptionCensusRow>(EXCEPTION_CENSUS).all()));
  }

  private selectStates(prefix: string, keys: readonly string[]): P2PLine[] {
    const states: P2PLine[] = [];
    for (const chunk of chunks(keys)) {
      const rows = this.db.prepare<string[], { state: string }>(`${prefix} (${chunk.map(() => '?').join(', ')})`).all(...chunk);
      states.push(...rows.map((row) => lineFromJson(row.state)));
    }
    return states;
  }

  /** X12ControlNumbers: one durable sequence per partner (FULL sync: on disk before it resolves). */
  async allocateControlNumbers(partner: string, count = 1): Promise<number> {
    const size = checkedCount(count);
    const statement = this.db.prepare<[string, number], { last_number: number }>(ALLOCATE_CONTROL_NUMBERS.replace('{1}', '?').replace('{2}', '?'));
    return await this.write(() => firstOfBlock(partner, statement.get(partner, size)?.last_number, size));
  }

  /** PublisherSequenceStore: the breach and the mark in one FULL-sync transaction. */
  async recordPublisher(mark: PublisherMark, breach: CloudEvent | undefined, receivedTime: string): Promise<void> {
    await this.write(() => this.transactions.recordPublisher.immediate(mark, breach, receivedTime));
  }

  publisherMarks(binding?: string): Promise<PublisherMark[]> {
    const rows = binding === undefined ? this.db.prepare<[], PublisherRow>(PUBLISHER_MARKS).all() : this.db.prepare<[string], PublisherRow>(PUBLISHER_MARKS_OF.replace('{1}', '?')).all(binding);
    return Promise.resolve(rows.map(markOfRow));
  }

  /** StreamReadPositionStore: one FULL-sync transaction. */
  async recordStreamRead(mark: StreamReadMark): Promise<void> {
    const statement = this.db.prepare(RECORD_STREAM_READ.replace(/\{(\d)\}/g, '?'));
    await this.write(() => statement.run(...streamReadParams(mark)));
  }

  streamReadMarks(): Promise<StreamReadMark[]> {
    return Promise.resolve(this.db.prepare<[], StreamReadRow>(STREAM_READ_MARKS).all().map(streamReadMarkOfRow));
  }

  /** MqttSessionStore: one FULL-sync transaction. */
  async recordSessionFilters(clientId: string, filters: readonly string[]): Promise<void> {
    const statement = this.db.prepare(RECORD_SESSION_FILTERS.replace(/\{(\d)\}/g, '?'));
    await this.write(() => statement.run(clientId, JSON.stringify(filters)));
  }

  sessionFilters(clientId: string): Promise<readonly string[] | undefined> {
    return Promise.resolve(filtersOfRow(this.db.prepare<[string], { filters: string }>(SESSION_FILTERS.replace('{1}', '?')).get(clientId)));
  }

  async close(): Promise<void> {
    const thread = this.appendThread;
    this.appendThread = undefined;
    this.startedWriter = undefined;
    if (thread !== undefined) await (await thread.catch(() => undefined))?.stop();
    await this.checkpointer?.stop();
    this.checkpointer = undefined;
    if (this.db.open) {
      // The key rows held back (docs/adr/0080), waiting up to a second for another connection's write lock.
      this.db.pragma('busy_timeout = 1000');
      this.logRows.writeHeldRows();
      this.db.close();
    }
    // Only now: until the connection is closed, a new hub on the file would share it with this one.
    this.hold?.release();
  }
}

/** IN lists in slices SQLite's parameter limit accepts. */
function chunks<T>(values: readonly T[], size = 500): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < values.length; i += size) out.push(values.slice(i, i + size));
  return out;
}

function toStored(row: EventRow): StoredEvent {
  return { sequence: row.seq, receivedTime: row.received_time, event: JSON.parse(row.body) as CloudEvent };
}

