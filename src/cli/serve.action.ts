// What `millrace serve` does (declared in serve.command.ts): the hub runs until SIGINT/SIGTERM.
import { formatProblems, loadSetup, processEnvironment } from '../bootstrap/index.js';
import { startServer, stopOnSignals } from '../server/index.js';
import type { CommonOptions } from './flags.js';
import { configFlags } from './flags.js';

export async function serve(options: CommonOptions): Promise<void> {
  const setup = loadSetup(configFlags(options), processEnvironment());
  if (setup.manifestWarnings.length > 0) {
    process.stderr.write(`manifest: ${setup.manifestWarnings.length} warning(s), the hub runs anyway:\n${formatProblems(setup.manifestWarnings)}\n`);
  }
  const server = await startServer(setup);
  // Listening for SIGTERM/SIGINT before the line that says the hub is up: a script that
  // stops the hub as soon as it reads the line would otherwise meet the signal's default
  // action (the process killed, exit by signal) in the moment between the two.
  const stopped = stopOnSignals(server);
  // One machine-readable line, so scripts and tests can find the port when it was 0.
  process.stdout.write(`${JSON.stringify({ listening: server.url, store: setup.config.store })}\n`);
  await stopped;
}
