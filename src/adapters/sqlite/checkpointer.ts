// Background WAL checkpoints for a SQLite file, on a worker thread with a connection of its own.
// A checkpoint copies the WAL into the database file and fsyncs it; run by the connection that
// happens to commit past the threshold, it stalls intake (or the workflows) for tens of
// milliseconds. PASSIVE checkpoints here never take the write lock and never block a writer.
//
// PASSIVE alone does not make the WAL start over: a writer rewinds it only when it finds every
// frame copied back, which under steady intake (a commit every millisecond or two) almost never
// happens, so the WAL grew to the connections' 400 MB threshold and every commit appended to the
// end of the file, where an fsync must also write the file's new size and block map (about 0.3
// ms more per commit, measured under load: docs/adr/0021). So once the WAL holds more than
// `restartFrames` frames and a PASSIVE pass has copied them all, the thread asks for a RESTART:
// it holds the write lock only while it copies the few frames committed since and waits (at most
// RESTART_WAIT_MS) for readers to leave the WAL; the next commit then writes from its start again.
// Writers meanwhile get SQLITE_BUSY and retry without blocking their event loop.
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { spawnThread } from '../shared/threads.js';

/** WAL frames (pages) past which the thread rewinds the WAL: 2,048 frames, 8 MB with 4 KB pages. */
export const DEFAULT_RESTART_FRAMES = 2_048;

/** How long a RESTART may wait for a writer or a reader before it gives up until the next tick. */
const RESTART_WAIT_MS = 20;

/** What `PRAGMA wal_checkpoint` answers. */
interface CheckpointResult {
  readonly busy: number;
  readonly log: number;
  readonly checkpointed: number;
}

export interface Checkpointer {
  stop(): Promise<void>;
}

/** Starts a checkpoint thread for `path`, checkpointing every `intervalMs`. */
export function startCheckpointer(path: string, intervalMs = 250, restartFrames = DEFAULT_RESTART_FRAMES): Checkpointer {
  const worker = spawnThread(new URL(import.meta.url), { path, intervalMs, restartFrames });
  // A failing checkpointer must not take the hub down: the connections' own (high) threshold
  // still bounds the WAL.
  worker.on('error', () => undefined);
  worker.unref();
  return {
    stop: async () => {
      // Keep the process alive until the thread is gone (it was unref'd while it ran).
      worker.ref();
      const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      worker.postMessage('stop');
      const timer = setTimeout(() => void worker.terminate(), 2_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

if (!isMainThread && parentPort !== null && (workerData as { path?: unknown } | null)?.path !== undefined) {
  const { path, intervalMs, restartFrames } = workerData as { path: string; intervalMs: number; restartFrames: number };
  const port = parentPort;
  const db = new Database(path);
  db.pragma(`busy_timeout = ${RESTART_WAIT_MS}`);
  const timer = setInterval(() => {
    try {
      const [passive] = db.pragma('wal_checkpoint(PASSIVE)') as CheckpointResult[];
      if (passive !== undefined && passive.log >= restartFrames && passive.checkpointed === passive.log) db.pragma('wal_checkpoint(RESTART)');
    } catch {
      // Busy or I/O trouble: the next tick tries again.
    }
  }, intervalMs);
  port.on('message', () => {
    clearInterval(timer);
    db.close();
    port.close();
  });
}
