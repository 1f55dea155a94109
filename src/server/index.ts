// Public surface of the server process.
export { startServer, stopOnSignals } from './serve.js';
export type { RunningServer, ServerOptions } from './serve.js';
