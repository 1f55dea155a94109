// The hub process: listen, and on SIGINT/SIGTERM stop taking requests, finish the ones in
// flight (their commits included), then close the store.
import type { Hub, HubSetup } from '../bootstrap/index.js';
import { createHub } from '../bootstrap/index.js';

export interface RunningServer {
  readonly hub: Hub;
  readonly url: string;
  stop(): Promise<void>;
}

export async function startServer(setup: HubSetup, options: { logger?: boolean } = {}): Promise<RunningServer> {
  // The workflows get a thread of their own; intake keeps this one.
  const hub = await createHub(setup.config, setup.manifest, setup.contracts, { workflowMode: 'thread', secrets: setup.secrets, watchDropFolders: true, ...(options.logger === undefined ? {} : { logger: options.logger }) });
  const address = await hub.http.listen({ port: setup.config.port, host: setup.config.host });
  let stopping: Promise<void> | undefined;
  const stop = () => (stopping ??= hub.close());
  return { hub, url: address, stop };
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
