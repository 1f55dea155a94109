// Starts a module of this package on a worker thread. From the compiled package that is the
// .js file itself; from the TypeScript sources (tests, benchmarks) the thread first registers
// tsx, which `--import tsx` in a worker's execArgv does not do on Node 20.
import { type ResourceLimits, Worker } from 'node:worker_threads';

export interface ThreadOptions {
  /** The thread's heap limits (e.g. a larger young generation for a thread that churns through the log). */
  readonly resourceLimits?: ResourceLimits;
}

/** `moduleUrl` is the module's own URL with a .js or .ts extension, as `import.meta.url` gives it. */
export function spawnThread(moduleUrl: URL, workerData: unknown, options: ThreadOptions = {}): Worker {
  const limits = options.resourceLimits === undefined ? {} : { resourceLimits: options.resourceLimits };
  if (!moduleUrl.pathname.endsWith('.ts')) return new Worker(moduleUrl, { workerData, ...limits });
  const code = `(async () => { const { register } = await import('tsx/esm/api'); register(); await import(${JSON.stringify(moduleUrl.href)}); })().catch((error) => { throw error; });`;
  return new Worker(code, { eval: true, workerData, ...limits });
}
