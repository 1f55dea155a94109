// `millrace report`: the KPIs of GET /v1/kpis in the terminal, read from a hub's store (by
// report.action.ts, loaded when the command runs).
import type { Command } from 'commander';
import { addConfigOptions } from './flags.js';
import type { ReportOptions } from './report.action.js';

export function registerReport(program: Command): void {
  addConfigOptions(
    program.command('report').description('KPIs over a window, by plant and supplier: confirmation latency, ASNs before receipt, milestone lag, match rate, exceptions, recovery, GR/IR, governance, sync lag'),
  )
    .option('--window <duration>', 'window length, from --from forward, else ending at --to: 7d, 24h, 90m (default 7d)')
    .option('--days <n>', 'window length in days, counted like --window (the same as --window Nd)')
    .option('--from <time>', 'window start, RFC 3339; with --to, no length (the window is at most 366 days)')
    .option('--to <time>', 'window end (exclusive), RFC 3339; default --from plus the length when both are given, else now')
    .option('--json', 'print the report as JSON (the body of GET /v1/kpis)')
    .action(async (options: ReportOptions) => (await import('./report.action.js')).report(options));
}
