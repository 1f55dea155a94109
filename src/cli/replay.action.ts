// What `millrace replay` does (declared in replay.command.ts): every workflow projection rebuilt
// from the log, on one thread per core.
import { loadSetup, processEnvironment, rebuildWorkflows } from '../bootstrap/index.js';
import { p2pSettingsOf, plantSettingsOf } from '../core/index.js';
import type { CommonOptions } from './flags.js';
import { configFlags, integer, printJson } from './flags.js';

export interface ReplayOptions extends CommonOptions {
  readonly threads?: string;
}

export async function replay(options: ReplayOptions): Promise<void> {
  const threads = options.threads === undefined ? undefined : integer('--threads', options.threads, [1, 64]);
  const setup = loadSetup(configFlags(options), processEnvironment(), 'on first use');
  const result = await rebuildWorkflows(setup.config.store, p2pSettingsOf(setup.manifest), threads, setup.contracts.readers, plantSettingsOf(setup.manifest));
  if (options.json === true) printJson({ ...result, eventsPerSecond: result.events / result.seconds, maxRssMiB: process.resourceUsage().maxRSS / 1024 });
  else {
    process.stdout.write(
      `rebuilt the workflow projections from ${result.events.toLocaleString('en')} events in ${result.seconds.toFixed(1)} s on ${result.threads} thread(s) (${Math.round(result.events / result.seconds).toLocaleString('en')} events/s)\n`,
    );
  }
}
