// Log appends committed on a thread of their own (docs/adr/0021). better-sqlite3 is synchronous:
// on the event loop's thread a commit, with its fsync, stops every other request for its
// duration (a quarter to a half of a busy hub's time in single-event intake). Here the hub's
// thread plans a group (dedupe against its index, sequences, hashes), hands the rows to this
// thread, and goes on parsing and checking the next requests while they are written and
// synced; it answers 202 only when this thread says the commit is on disk.
//
// Sequences are planned by the hub (head + 1, ...), and written as the rows' keys: if another
// connection appended in between (a CLI on the same file), the first row collides with its
// primary key, nothing of the group is stored, and the hub catches up and plans again.
import { isMainThread, parentPort, workerData, type Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { spawnThread } from '../shared/threads.js';
import { LogRowWriter, pushLogRow } from './log-rows.js';

/** One new event of a group, as the hub planned it. */
export interface AppendRow {
  readonly sequence: number;
  readonly type: string;
  readonly body: string;
  readonly dedupe: readonly [number, number];
  readonly correlation: readonly [number, number] | undefined;
}

interface AppendRequest {
  readonly id: number;
  readonly receivedTime: string;
  /** ROW_WIDTH values per event (log-rows.ts), flat, sequences ascending. */
  readonly rows: readonly (string | number | null)[];
}

interface AppendAnswer {
  readonly id: number;
  readonly error?: { readonly message: string; readonly code?: string };
}

/** A failed append; `stale` when another connection had appended (the plan must be made again). */
export class AppendError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }

  get stale(): boolean {
    return this.code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
  }
}

export class AppendWriter {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: () => void; reject: (error: Error) => void }>();
  private failure: Error | undefined;
  private exited = false;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (answer: AppendAnswer) => {
      const waiter = this.waiting.get(answer.id);
      this.waiting.delete(answer.id);
      if (answer.error === undefined) waiter?.resolve();
      else waiter?.reject(new AppendError(answer.error.message, answer.error.code));
    });
    const fail = (error: Error) => {
      this.failure = error;
      for (const waiter of this.waiting.values()) waiter.reject(error);
      this.waiting.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => {
      this.exited = true;
      fail(new Error(`the append thread exited (code ${code})`));
    });
  }

  /** Starts the thread; resolves once its connection is open. */
  static async start(path: string): Promise<AppendWriter> {
    const worker = spawnThread(new URL(import.meta.url), { appendWriterPath: path });
    await new Promise<void>((resolve, reject) => {
      worker.once('message', () => resolve());
      worker.once('error', reject);
    });
    return new AppendWriter(worker);
  }

  /** Whether the thread is gone (it failed or exited): appends must be made another way. */
  get broken(): boolean {
    return this.failure !== undefined;
  }

  /** Inserts the rows in one transaction and resolves once it is durably committed. */
  append(receivedTime: string, rows: readonly AppendRow[]): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const id = this.nextId;
    this.nextId += 1;
    // Flat, so that the message is a few arrays of values rather than an object per event.
    const flat: (string | number | null)[] = [];
    for (const row of rows) pushLogRow(flat, row.sequence, row.type, row.body, row.dedupe, row.correlation);
    return new Promise<void>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage({ id, receivedTime, rows: flat } satisfies AppendRequest);
    });
  }

  /** Lets the thread finish the appends already handed to it, closes its connection and ends it. */
  async stop(): Promise<void> {
    if (this.exited) return;
    const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    this.worker.postMessage('stop');
    const timer = setTimeout(() => void this.worker.terminate(), 10_000);
    await exited;
    clearTimeout(timer);
  }
}

if (!isMainThread && parentPort !== null && (workerData as { appendWriterPath?: unknown } | null)?.appendWriterPath !== undefined) {
  const port = parentPort;
  const db = new Database((workerData as { appendWriterPath: string }).appendWriterPath);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  // This thread may wait for the write lock: nothing else runs on it.
  db.pragma('busy_timeout = 10000');
  // Checkpoints are left to the hub's checkpoint thread (a high safety threshold only).
  db.pragma('wal_autocheckpoint = 100000');
  const logRows = new LogRowWriter(db);
  const write = db.transaction((receivedTime: string, rows: readonly (string | number | null)[]) => logRows.insert(receivedTime, rows));
  port.on('message', (request: AppendRequest | 'stop') => {
    if (request === 'stop') {
      // The key rows held back (docs/adr/0080).
      logRows.writeHeldRows();
      db.close();
      port.close();
      return;
    }
    try {
      write.immediate(request.receivedTime, request.rows);
      logRows.committed();
      port.postMessage({ id: request.id } satisfies AppendAnswer);
    } catch (error) {
      logRows.rolledBack();
      const { message, code } = error as { message: string; code?: unknown };
      port.postMessage({ id: request.id, error: { message, ...(typeof code === 'string' ? { code } : {}) } } satisfies AppendAnswer);
    }
  });
  port.postMessage('ready');
}
