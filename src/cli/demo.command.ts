// `millrace demo`: a generated manufacturer (plants in three regions, central finance, hundreds
// of suppliers on X12, API, portal and CSV) and its week of procure-to-pay traffic with real
// faults, through the real server on a fresh embedded store at a simulated clock; then the
// report, and the hub keeps serving its dashboard until Ctrl-C. Ctrl-C (or SIGTERM) before the
// report stops the week cleanly and exits 130 (143), without a report (docs/adr/0038). The run
// is in demo.action.ts, loaded when the command runs.
import type { Command } from 'commander';
import { SCENARIO_DEFAULTS, SCENARIO_LIMITS } from '../core/index.js';
import type { DemoOptions } from './demo.action.js';

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('Run a generated manufacturer\'s procure-to-pay week, with its faults, through a fresh hub and report what governance did')
    .option('--exit', 'stop after the report instead of serving until Ctrl-C')
    .option('--json', 'print the report as JSON')
    .option('--days <n>', `simulated days (${SCENARIO_LIMITS.days.join('-')})`, String(SCENARIO_DEFAULTS.days))
    .option('--plants <n>', `plants, spread over three regions (${SCENARIO_LIMITS.plants.join('-')})`, String(SCENARIO_DEFAULTS.plants))
    .option('--suppliers <n>', `suppliers (${SCENARIO_LIMITS.suppliers.join('-')})`, String(SCENARIO_DEFAULTS.suppliers))
    .option('--seed <n>', 'the scenario\'s seed: the same seed gives the same traffic', String(SCENARIO_DEFAULTS.seed))
    .option('--port <n>', 'port for the hub (0 picks a free one)', '8080')
    .option('--data-dir <dir>', "data folder: a new or empty one, or an earlier demo's (its files are replaced); one holding other files is refused", './millrace-data/demo')
    .option('--no-progress', 'no progress bar on stderr')
    .action(async (options: DemoOptions) => (await import('./demo.action.js')).demo(options));
}
