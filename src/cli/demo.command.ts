// `millrace demo`: a generated manufacturer (plants in three regions, central finance, hundreds
// of suppliers on X12, API, portal and CSV) and its week of procure-to-pay traffic with real
// faults, through the real server on a fresh embedded store at a simulated clock; then the
// report, and the hub keeps serving its dashboard until Ctrl-C.
import type { Command } from 'commander';
import { SCENARIO_DEFAULTS, SCENARIO_LIMITS } from '../core/index.js';
import { stopOnSignals } from '../server/index.js';
import { buildReport, printReport } from './demo-report.js';
import { runDemo } from './demo-run.js';
import { printJson, usageError } from './flags.js';

interface DemoOptions {
  readonly exit?: boolean;
  readonly json?: boolean;
  readonly port: string;
  readonly dataDir: string;
  readonly days: string;
  readonly plants: string;
  readonly suppliers: string;
  readonly seed: string;
  readonly progress: boolean;
}

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
    .action(async (options: DemoOptions) => {
      const run = await runDemo({
        seed: integer('--seed', options.seed, [0, 2 ** 31 - 1]),
        days: integer('--days', options.days, SCENARIO_LIMITS.days),
        plants: integer('--plants', options.plants, SCENARIO_LIMITS.plants),
        suppliers: integer('--suppliers', options.suppliers, SCENARIO_LIMITS.suppliers),
        port: integer('--port', options.port, [0, 65_535]),
        dataDir: options.dataDir,
        progress: options.progress,
      });
      try {
        const report = await buildReport(run);
        if (options.json === true) printJson(report);
        else printReport(report);
        if (report.unexpected.length > 0) process.exitCode = 1;
      } catch (error) {
        await run.stop();
        throw error;
      }
      if (options.exit === true) {
        await run.stop();
        return;
      }
      // Listening for the signals before saying so, as serve does.
      const stopped = stopOnSignals(run.server);
      process.stderr.write(`\nThe hub keeps serving at ${run.server.url}/ (OpenAPI at ${run.server.url}/openapi.json). Ctrl-C to stop.\n`);
      await stopped;
      await run.stop();
    });
}

/** A whole number within limits, or a usage error naming the flag. */
export function integer(flag: string, raw: string, [min, max]: readonly [number, number]): number {
  const value = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(value) || value < min || value > max) usageError(`${flag} must be a whole number from ${min} to ${max}, got "${raw}"`);
  return value;
}
