// Background WAL checkpoints for a SQLite file, on a worker thread with a connection of its own.
// A checkpoint copies the WAL into the database file and fsyncs it; run by the connection that
// happens to commit past the threshold, it stalls intake (or the workflows) for tens of
// milliseconds. PASSIVE checkpoints here never take the write lock and never block a writer.
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { spawnThread } from '../shared/threads.js';

export interface Checkpointer {
  stop(): Promise<void>;
}

/** Starts a checkpoint thread for `path`, checkpointing every `intervalMs`. */
export function startCheckpointer(path: string, intervalMs = 250): Checkpointer {
  const worker = spawnThread(new URL(import.meta.url), { path, intervalMs });
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
  const { path, intervalMs } = workerData as { path: string; intervalMs: number };
  const port = parentPort;
  const db = new Database(path);
  db.pragma('busy_timeout = 1000');
  const timer = setInterval(() => {
    try {
      db.pragma('wal_checkpoint(PASSIVE)');
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
