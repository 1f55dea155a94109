// What `millrace demo` does (declared in demo.command.ts): the generated manufacturer's week
// through a fresh hub, its report, then the hub serving until Ctrl-C. Ctrl-C (or SIGTERM)
// before the report stops the week cleanly and exits 130 (143), without a report (docs/adr/0038).
import { constants } from 'node:os';
import { SCENARIO_LIMITS } from '../core/index.js';
import { stopOnSignals } from '../server/index.js';
import type { DemoReport } from './demo-report.js';
import { buildReport, printReport } from './demo-report.js';
import type { DemoStopped } from './demo-run.js';
import { demoStorePath, eventsIn, runDemo } from './demo-run.js';
import { integer, printJson } from './flags.js';

export interface DemoOptions {
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

export async function demo(options: DemoOptions): Promise<void> {
  const settings = {
    seed: integer('--seed', options.seed, [0, 2 ** 31 - 1]),
    days: integer('--days', options.days, SCENARIO_LIMITS.days),
    plants: integer('--plants', options.plants, SCENARIO_LIMITS.plants),
    suppliers: integer('--suppliers', options.suppliers, SCENARIO_LIMITS.suppliers),
    port: integer('--port', options.port, [0, 65_535]),
    dataDir: options.dataDir,
    progress: options.progress,
  };
  const storePath = demoStorePath(settings.dataDir);
  const userStop = listenForStop(storePath);
  try {
    const run = await runDemo({ ...settings, stop: userStop.signal });
    if ('stoppedOn' in run) return stoppedBy(run);
    let report: DemoReport;
    try {
      report = await buildReport(run);
    } catch (error) {
      await run.stop();
      throw error;
    }
    // Asked to stop while the report was read from the hub: as during the week, no report.
    if (userStop.signal.aborted) {
      await run.stop();
      const events = eventsIn(run.scenario.messages);
      return stoppedBy({ stoppedOn: String(userStop.signal.reason), day: settings.days, days: settings.days, allSent: true, eventsSent: events, events, storePath });
    }
    if (options.json === true) printJson(report);
    else printReport(report);
    if (report.unexpected.length > 0) process.exitCode = 1;
    if (options.exit === true) {
      // A signal now finds the demo ending anyway: the report is out, the status stays.
      await run.stop();
      return;
    }
    // Listening for the signals before saying so, as serve does; from here on a signal ends
    // the serving, the expected end, as it ends `millrace serve`.
    userStop.release();
    const stopped = stopOnSignals(run.server);
    process.stderr.write(`\nThe hub keeps serving at ${run.server.url}/ (OpenAPI at ${run.server.url}/openapi.json). Ctrl-C to stop.\n`);
    await stopped;
    await run.stop();
  } finally {
    userStop.release();
  }
}

/** How long a stop may take (answers to what was sent, the hub's close) before the process ends without it. */
const STOP_GRACE_MS = 10_000;

/**
 * SIGINT and SIGTERM until the hub serves its dashboard. The trap: without a listener Node ends
 * the process at the signal, the hub unclosed and the user told nothing. The first signal asks
 * the demo to stop (the AbortSignal's reason is its name); a second one, or a stop that takes
 * longer than STOP_GRACE_MS, ends the process at once: the operating system then drops the
 * store's hold, and SQLite keeps every commit made.
 */
function listenForStop(storePath: string): { readonly signal: AbortSignal; release(): void } {
  const controller = new AbortController();
  let grace: NodeJS.Timeout | undefined;
  const endNow = (why: string, name: string) => {
    // On a terminal the line may hold the progress bar: the message starts a clean one.
    if (process.stderr.isTTY) process.stderr.write('\r\x1b[2K');
    process.stderr.write(`millrace: demo ended at once ${why}, its hub not stopped; the store at ${storePath} holds what the hub had committed\n`);
    process.exit(statusOf(name));
  };
  const onSignal = (name: NodeJS.Signals) => {
    if (controller.signal.aborted) endNow(`on a second signal (${name})`, name);
    controller.abort(name);
    grace = setTimeout(() => endNow(`${STOP_GRACE_MS / 1000} s after ${name}`, name), STOP_GRACE_MS);
    // The timer is a bound, not a reason to stay: a stop that ends sooner ends the process sooner.
    grace.unref();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    release: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      clearTimeout(grace);
    },
  };
}

/** The shell's status for a process ended by a signal: 128 + its number (130 for SIGINT, 143 for SIGTERM). */
function statusOf(signal: string): number {
  return 128 + (constants.signals[signal as NodeJS.Signals] ?? 0);
}

/** Says where the week stopped, in one line, and gives the signal's status. */
function stoppedBy(stop: DemoStopped): void {
  const where = stop.allSent ? "after the week's traffic, before its report" : stop.day === 0 ? 'before its first message' : `in day ${stop.day} of ${stop.days}`;
  process.stderr.write(`millrace: demo stopped on ${stop.stoppedOn} ${where} (${stop.eventsSent} of ${stop.events} events sent); the store at ${stop.storePath} holds what the hub accepted of them\n`);
  process.exitCode = statusOf(stop.stoppedOn);
}
