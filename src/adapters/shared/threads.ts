// Starts a module of this package on a worker thread. From the compiled package that is the
// .js file itself; from the TypeScript sources (tests, benchmarks) the thread first registers
// tsx, which `--import tsx` in a worker's execArgv does not do on Node 20.
import { Worker } from 'node:worker_threads';

/** `moduleUrl` is the module's own URL with a .js or .ts extension, as `import.meta.url` gives it. */
export function spawnThread(moduleUrl: URL, workerData: unknown): Worker {
  if (!moduleUrl.pathname.endsWith('.ts')) return new Worker(moduleUrl, { workerData });
  const code = `(async () => { const { register } = await import('tsx/esm/api'); register(); await import(${JSON.stringify(moduleUrl.href)}); })().catch((error) => { throw error; });`;
  return new Worker(code, { eval: true, workerData });
}
