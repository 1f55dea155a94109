// The hub process: listen, and on SIGINT/SIGTERM stop taking requests, finish the ones in
// flight (their commits included), then close the store.
import type { Hub, HubSetup, HubStore } from '../bootstrap/index.js';
import { collectStartupGarbage, createHub } from '../bootstrap/index.js';
import { MillraceError } from '../core/index.js';
import type { Clock } from '../ports/index.js';

export interface RunningServer {
  readonly hub: Hub;
  readonly url: string;
  stop(): Promise<void>;
}

export interface ServerOptions {
  readonly logger?: boolean;
  /**
   * A simulated clock, for `millrace demo` only: the workflows then run on this thread (a worker
   * thread reads the wall clock), so the scenario's time drives intake, SLA timers and
   * maintenance windows alike. `millrace serve` never passes one.
   */
  readonly simulatedClock?: Clock;
  /** An already open store (the demo opens its own); the caller closes it after `stop`. */
  readonly store?: HubStore;
}

export async function startServer(setup: HubSetup, options: ServerOptions = {}): Promise<RunningServer> {
  // The workflows get a thread of their own; intake keeps this one.
  const hub = await createHub(setup.config, setup.manifest, setup.contracts, {
    workflowMode: options.simulatedClock === undefined ? 'thread' : 'inline',
    secrets: setup.secrets,
    watchDropFolders: true,
    ...(options.logger === undefined ? {} : { logger: options.logger }),
    ...(options.simulatedClock === undefined ? {} : { clock: options.simulatedClock }),
    ...(options.store === undefined ? {} : { store: options.store }),
  });
  let address: string;
  try {
    address = await hub.http.listen({ port: setup.config.port, host: setup.config.host });
  } catch (error) {
    // The hub is already up (its workflow thread, store, timers): left open, they kept the
    // process alive after the stack trace, so `serve` on a busy port never exited.
    await hub.close();
    const failure = error as NodeJS.ErrnoException;
    const { host, port } = setup.config;
    const address = `${host.includes(':') ? `[${host}]` : host}:${port}`;
    // In use is no configuration error: the settings are fine, something else holds the port.
    const code = failure.code === 'EADDRINUSE' ? 'address_in_use' : 'invalid_config';
    throw new MillraceError(code, `cannot listen on ${address}: ${listenFailure(failure)}`, { host, port });
  }
  // The start's garbage, collected before the load comes (bootstrap/startup-garbage.ts).
  collectStartupGarbage();
  let stopping: Promise<void> | undefined;
  const stop = () => (stopping ??= hub.close());
  return { hub, url: address, stop };
}

/** Why an address cannot be listened on, in words, with the setting to change. */
function listenFailure(error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case 'EADDRINUSE':
      return 'the address is in use (EADDRINUSE): stop what holds it or choose another --port';
    case 'EACCES':
      return 'permission denied (EACCES): a port below 1024 needs privileges; choose another --port';
    case 'EADDRNOTAVAIL':
      return 'no interface of this machine has that address (EADDRNOTAVAIL): choose another --host';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `the host name does not resolve (${error.code}): choose another --host`;
    default:
      return error.message;
  }
}

/** Resolves when the process is asked to stop, after the server has stopped. */
export function stopOnSignals(server: RunningServer): Promise<void> {
  return new Promise((resolve, reject) => {
    const handler = () => {
      server.stop().then(resolve, reject);
    };
    process.once('SIGINT', handler);
    process.once('SIGTERM', handler);
  });
}
