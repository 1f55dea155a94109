// `millrace replay`: rebuild every workflow projection from the log, on one thread per core.
// Projections are derived data: dropping and rebuilding them gives the same bytes. The rebuild
// is started from replay.action.ts, loaded when the command runs.
import type { Command } from 'commander';
import { addConfigOptions } from './flags.js';
import type { ReplayOptions } from './replay.action.js';

export function registerReplay(program: Command): void {
  addConfigOptions(program.command('replay').description('Rebuild the workflow projections (PO lines, exceptions, links) from the log; stop the hub first'))
    .option('--threads <n>', 'threads to rebuild on (default: one per core, at most 4)')
    .option('--json', 'print the result as JSON')
    .action(async (options: ReplayOptions) => (await import('./replay.action.js')).replay(options));
}
