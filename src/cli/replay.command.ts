// `millrace replay`: rebuild every workflow projection from the log, on one thread per core.
// Projections are derived data: dropping and rebuilding them gives the same bytes.
import type { Command } from 'commander';
import { loadSetup, processEnvironment, rebuildWorkflows } from '../bootstrap/index.js';
import { p2pSettingsOf, plantSettingsOf } from '../core/index.js';
import type { CommonOptions } from './flags.js';
import { addConfigOptions, configFlags, printJson, usageError } from './flags.js';

interface ReplayOptions extends CommonOptions {
  readonly threads?: string;
}

export function registerReplay(program: Command): void {
  addConfigOptions(program.command('replay').description('Rebuild the workflow projections (PO lines, exceptions, links) from the log; stop the hub first'))
    .option('--threads <n>', 'threads to rebuild on (default: one per core, at most 4)')
    .option('--json', 'print the result as JSON')
    .action(async (options: ReplayOptions) => {
      const threads = options.threads === undefined ? undefined : Number(options.threads);
      if (threads !== undefined && (!Number.isInteger(threads) || threads < 1 || threads > 64)) {
        usageError(`--threads must be a whole number from 1 to 64, not "${options.threads}"`);
      }
      const setup = loadSetup(configFlags(options), processEnvironment());
      const result = await rebuildWorkflows(setup.config.store, p2pSettingsOf(setup.manifest), threads, setup.contracts.readers, plantSettingsOf(setup.manifest));
      if (options.json === true) printJson({ ...result, eventsPerSecond: result.events / result.seconds, maxRssMiB: process.resourceUsage().maxRSS / 1024 });
      else {
        process.stdout.write(
          `rebuilt the workflow projections from ${result.events.toLocaleString('en')} events in ${result.seconds.toFixed(1)} s on ${result.threads} thread(s) (${Math.round(result.events / result.seconds).toLocaleString('en')} events/s)\n`,
        );
      }
    });
}
