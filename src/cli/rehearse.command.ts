// `millrace rehearse`: run recorded CloudEvents through a fresh in-memory hub whose clock
// follows the events, and report what the workflows would do (rehearse.action.ts, loaded when
// the command runs).
import type { Command } from 'commander';
import type { RehearseOptions } from './rehearse.action.js';

export function registerRehearse(program: Command): void {
  program
    .command('rehearse')
    .description('Run a file of CloudEvents (JSON Lines), in file order, through a fresh in-memory hub whose clock follows the events')
    .requiredOption('--events <file>', 'CloudEvents, one JSON object per line')
    .option('--manifest <file>', "apply this manifest's publishing rules, SLAs and tolerances (default: the DESIGN.md defaults, any source)")
    .option('--until <instant>', 'then advance the clock to this RFC 3339 instant, firing the deadlines that pass')
    .option('--contracts <dir>', 'contracts folder')
    .option('--json', 'print one JSON document')
    .action(async (options: RehearseOptions) => (await import('./rehearse.action.js')).rehearse(options));
}
