// `npm run bench:ingest`: in one run, the ingest rate of the real `millrace serve` against a bare
// Fastify + ajv + SQLite group-commit baseline and a raw SQLite append, on a fresh log and on a
// log already holding millions of events; beside them, for reference, the floor (floor-server.ts:
// the baseline's skeleton doing only the required work, with the hub's own parts for it).
// A measurement, not a test: it exits 0 when a target is missed.
import { closeSync, copyFileSync, existsSync, fsyncSync, mkdirSync, mkdtempSync, openSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { assertBuilt, codeVersion, settleWorkflows, startBaseline, startFloor, startHub, storedEvents, type HubProcess, type WorkflowSettle } from './contenders.js';
import { formatProfile, summariseProfile } from './cpu-profile.js';
import { probeFsync, type FsyncProbe } from './disk-probe.js';
import { fillLog } from './fill-log.js';
import {
  BATCH_CONNECTIONS,
  BATCH_SIZE,
  checkTargets,
  formatTable,
  ratiosOf,
  resultObject,
  SINGLE_CONNECTIONS,
  VARIANTS,
  warningsOf,
  type Figures,
  type HubFigures,
  type RunSettings,
  type Variant,
} from './ingest-report.js';
import { LoadSeries, type LoadSpec } from './load.js';
import { numberOption, parseBenchOptions, runBench } from './options.js';
import { RawAppender } from './raw-append.js';
import { stopAllServers, waitForQuiet } from './server-process.js';

interface Options {
  readonly seconds: number;
  readonly rounds: number;
  readonly warmupSeconds: number;
  readonly fill: number;
  readonly json: boolean;
  /** Folder for the servers' .cpuprofile files; profiling slows them a little. */
  readonly profileDir?: string;
}

const USAGE = `usage: npm run bench:ingest -- [options]
  --duration <s>   measured seconds per phase (default 30), split into --rounds interleaved slices
  --rounds <n>     slices per phase (default 15); phases take turns so that a slow spell of the
                   machine hits every contender alike, ratios are taken round by round, and each
                   ratio reported is their median (fifteen rounds: seven slow spells do not move
                   it; on this machine the rounds of one run scatter by +-0.15 or more, and the
                   median of five moved by as much as the hub's distance to its target)
  --warmup <s>     unmeasured load per phase before the first round (default 5: after 1.5 s
                   the hubs' first round still ran well below the later ones)
  --fill <n>       events in the big log (default 3000000)
  --json           print one JSON object on stdout (the table goes to stderr); through npm, use
                   \`npm run -s bench:ingest -- --json\` so that npm's banner stays off stdout
  --profile <dir>  write a CPU profile of each server to <dir> and summarise it
`;

function parseOptions(argv: readonly string[]): Options {
  const values = parseBenchOptions(
    argv,
    {
      duration: { type: 'string', default: '30' },
      rounds: { type: 'string', default: '15' },
      warmup: { type: 'string', default: '5' },
      fill: { type: 'string', default: '3000000' },
      json: { type: 'boolean', default: false },
      profile: { type: 'string' },
    },
    USAGE,
  );
  return {
    seconds: numberOption('duration', values.duration, 1),
    rounds: Math.floor(numberOption('rounds', values.rounds, 1)),
    warmupSeconds: numberOption('warmup', values.warmup, 0),
    fill: Math.floor(numberOption('fill', values.fill, 0)),
    json: values.json,
    ...(values.profile === undefined ? {} : { profileDir: values.profile }),
  };
}

/** Progress goes to stderr so that `--json` leaves stdout to the one result object. */
function progress(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

/** A copy of the filled log for the second hub variant, on disk before anything is timed. */
function copyLog(from: string, to: string): void {
  mkdirSync(dirname(to), { recursive: true });
  copyFileSync(from, to);
  const fd = openSync(to, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** The load series of one hub variant: a fresh log (single events, batches) and the filled log. */
interface HubSeries {
  readonly fresh: HubProcess;
  readonly big: HubProcess;
  readonly single: LoadSeries;
  readonly batch: LoadSeries;
  readonly bigLogSingle: LoadSeries;
  readonly backlog: { single: WorkflowSettle[]; batch: WorkflowSettle[]; bigLogSingle: WorkflowSettle[] };
}

function singleSpec(url: string, authorization?: string): LoadSpec {
  return { url, connections: SINGLE_CONNECTIONS, eventsPerRequest: 1, ...(authorization === undefined ? {} : { authorization }) };
}

function batchSpec(url: string, authorization?: string): LoadSpec {
  return { ...singleSpec(url, authorization), connections: BATCH_CONNECTIONS, eventsPerRequest: BATCH_SIZE };
}

async function measure(options: Options, dir: string): Promise<Figures> {
  // The fill comes first: its gigabytes of writes must be on disk before anything is timed.
  progress(`filling a log with ${options.fill.toLocaleString('en-US')} events`);
  const bigDb = (variant: Variant) => join(dir, `big-${variant}`, 'millrace.db');
  const fill = await fillLog(bigDb('serve'), options.fill);
  const copyStarted = performance.now();
  copyLog(bigDb('serve'), bigDb('intakeOnly'));
  progress(`filled in ${fill.seconds.toFixed(1)} s (${(fill.fileBytes / 1024 ** 3).toFixed(2)} GiB), copied in ${((performance.now() - copyStarted) / 1000).toFixed(1)} s`);

  progress('starting the baseline, the floor and four millrace serve processes (workflows on and off; fresh and filled logs)');
  const baselineDb = join(dir, 'baseline.db');
  const baseline = await startBaseline(baselineDb, options.profileDir);
  const floorDb = join(dir, 'floor.db');
  const floor = await startFloor(floorDb, options.profileDir);
  const hubs = {} as Record<Variant, HubSeries>;
  for (const variant of VARIANTS) {
    const workflows = variant === 'serve';
    const fresh = await startHub(`${variant}-fresh`, join(dir, `fresh-${variant}`, 'millrace.db'), workflows, options.profileDir);
    const big = await startHub(`${variant}-big-log`, bigDb(variant), workflows, options.profileDir);
    hubs[variant] = {
      fresh,
      big,
      single: new LoadSeries(singleSpec(fresh.server.url, fresh.authorization)),
      batch: new LoadSeries(batchSpec(fresh.server.url, fresh.authorization)),
      bigLogSingle: new LoadSeries(singleSpec(big.server.url, big.authorization)),
      backlog: { single: [], batch: [], bigLogSingle: [] },
    };
  }
  const baselineSingle = new LoadSeries(singleSpec(baseline.url));
  const floorSingle = new LoadSeries(singleSpec(floor.server.url, floor.authorization));
  const baselineBatch = new LoadSeries(batchSpec(baseline.url));
  const raw = new RawAppender(join(dir, 'raw.db'), BATCH_SIZE);

  // Which hub process serves each series, and where its workflow backlog is recorded.
  const owners = new Map<LoadSeries, { hub: HubProcess; record: WorkflowSettle[] }>();
  for (const variant of VARIANTS) {
    const { fresh, big, single, batch, bigLogSingle, backlog } = hubs[variant];
    owners.set(single, { hub: fresh, record: backlog.single });
    owners.set(batch, { hub: fresh, record: backlog.batch });
    owners.set(bigLogSingle, { hub: big, record: backlog.bigLogSingle });
  }
  const servers = [baseline, floor.server, ...VARIANTS.flatMap((v) => [hubs[v].fresh.server, hubs[v].big.server])];
  const quietWaits: number[] = [];
  const run = async (series: LoadSeries, seconds: number, measured: boolean) => {
    if (measured) {
      // Every slice starts on a quiet machine: what a server still does after the previous
      // slice (its checkpoint thread copying a batch phase's WAL) must not slow another's.
      const waited = await waitForQuiet(servers);
      quietWaits.push(waited);
      if (waited > 500) progress(`waited ${Math.round(waited)} ms for the servers to go quiet`);
      await series.measure(seconds);
    }
    else await series.warmUp(seconds);
    const owner = owners.get(series);
    if (owner === undefined || !owner.hub.workflows) return;
    const settled = await settleWorkflows(owner.hub.dbPath);
    if (measured) owner.record.push(settled);
  };

  // The two sides of each target's ratio run back to back (the machine's pace drifts over
  // seconds, and a ratio of neighbours drifts least): both hubs' single events beside the
  // baseline's, each filled log beside its fresh one, both hubs' batches beside the raw append.
  // The references (the floor, the baseline's batches) go at one end.
  let diskBefore: FsyncProbe | undefined;
  const singles = [
    floorSingle,
    hubs.serve.bigLogSingle,
    hubs.serve.single,
    baselineSingle,
    hubs.intakeOnly.single,
    hubs.intakeOnly.bigLogSingle,
  ];
  const batches = [hubs.serve.batch, raw, hubs.intakeOnly.batch, baselineBatch];
  try {
    progress(`warming up every contender for ${options.warmupSeconds} s`);
    raw.warmUp(Math.min(1, options.warmupSeconds));
    for (const series of [...singles, ...batches]) if (series instanceof LoadSeries) await run(series, options.warmupSeconds, false);

    diskBefore = probeFsync(dir);
    progress(`the disk's fsync: p50 ${diskBefore.p50Us} us, p99 ${diskBefore.p99Us} us`);
    const slice = options.seconds / options.rounds;
    for (let round = 0; round < options.rounds; round += 1) {
      // Compared phases run back to back, in reverse order every other round, so that neither
      // side of a ratio always follows the other.
      const order = <T>(items: readonly T[]) => (round % 2 === 0 ? [...items] : [...items].reverse());
      for (const series of order(singles)) await run(series, slice, true);
      for (const series of order(batches)) {
        if (series instanceof RawAppender) series.measure(slice);
        else await run(series, slice, true);
      }
      const rate = (series: { summary(): { slices: readonly { eventsPerSecond: number }[] } }) =>
        Math.round(series.summary().slices.at(-1)?.eventsPerSecond ?? Number.NaN).toLocaleString('en-US');
      progress(
        `round ${round + 1}/${options.rounds} events/s: baseline ${rate(baselineSingle)}, floor ${rate(floorSingle)}, serve ${rate(hubs.serve.single)}, intake-only ${rate(hubs.intakeOnly.single)}, ` +
          `big log ${rate(hubs.serve.bigLogSingle)} / ${rate(hubs.intakeOnly.bigLogSingle)}; raw append ${rate(raw)}, ` +
          `batches: baseline ${rate(baselineBatch)}, serve ${rate(hubs.serve.batch)}, intake-only ${rate(hubs.intakeOnly.batch)}`,
      );
    }
  } finally {
    raw.close();
    await stopAllServers();
  }

  const hubFigures = (series: HubSeries): HubFigures => ({
    single: series.single.summary(),
    batch: series.batch.summary(),
    bigLogSingle: series.bigLogSingle.summary(),
    workflowBacklog: series.backlog,
  });
  const logs: Record<string, { stored: number; acknowledged: number }> = {
    baseline: { stored: storedEvents(baselineDb), acknowledged: baselineSingle.acknowledgedEvents + baselineBatch.acknowledgedEvents },
    floor: { stored: storedEvents(floorDb), acknowledged: floorSingle.acknowledgedEvents },
  };
  for (const variant of VARIANTS) {
    const { fresh, big, single, batch, bigLogSingle } = hubs[variant];
    logs[`${variant}Fresh`] = { stored: storedEvents(fresh.dbPath), acknowledged: single.acknowledgedEvents + batch.acknowledgedEvents };
    logs[`${variant}BigLog`] = { stored: storedEvents(big.dbPath) - options.fill, acknowledged: bigLogSingle.acknowledgedEvents };
  }
  return {
    raw: raw.summary(),
    baseline: { single: baselineSingle.summary(), batch: baselineBatch.summary() },
    floor: { single: floorSingle.summary() },
    hub: { serve: hubFigures(hubs.serve), intakeOnly: hubFigures(hubs.intakeOnly) },
    fill,
    logs,
    quietWaitMs: { total: quietWaits.reduce((sum, ms) => sum + ms, 0), max: Math.max(0, ...quietWaits) },
    disk: { before: diskBefore ?? probeFsync(dir), after: probeFsync(dir) },
  };
}

/** The main thread's profile of each server: the largest file of its folder. */
function profileFiles(profileDir: string | undefined): Record<string, string> {
  const files: Record<string, string> = {};
  if (profileDir === undefined || !existsSync(profileDir)) return files;
  for (const label of readdirSync(profileDir).sort()) {
    const folder = join(profileDir, label);
    const largest = readdirSync(folder)
      .filter((name) => name.endsWith('.cpuprofile'))
      .map((name) => join(folder, name))
      .sort((a, b) => statSync(b).size - statSync(a).size)[0];
    if (largest !== undefined) files[label] = largest;
  }
  return files;
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  assertBuilt(progress);
  const started = performance.now();
  const dir = mkdtempSync(join(tmpdir(), 'millrace-bench-'));
  const cleanUp = async () => {
    await stopAllServers();
    rmSync(dir, { recursive: true, force: true });
  };
  const interrupted = (signal: NodeJS.Signals) => {
    progress(`${signal}: stopping servers and removing ${dir}`);
    void cleanUp().finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);

  let figures: Figures;
  try {
    figures = await measure(options, dir);
  } finally {
    await cleanUp();
  }
  const run: RunSettings = {
    seconds: options.seconds,
    rounds: options.rounds,
    warmupSeconds: options.warmupSeconds,
    code: codeVersion(),
    elapsedSeconds: (performance.now() - started) / 1000,
  };
  const ratios = ratiosOf(figures);
  const targets = { serve: checkTargets(figures, ratios, 'serve'), intakeOnly: checkTargets(figures, ratios, 'intakeOnly') };
  const warnings = warningsOf(figures);
  const profiles = profileFiles(options.profileDir);
  const table = formatTable(figures, ratios, targets, warnings, run);

  if (options.json) {
    // The table still reaches the terminal (stderr); stdout holds the one JSON object.
    process.stderr.write(`${table}\n`);
    const extra = options.profileDir === undefined ? {} : { profiles };
    process.stdout.write(`${JSON.stringify(resultObject(figures, ratios, targets, warnings, run, extra), null, 2)}\n`);
  } else {
    process.stdout.write(`${table}\n`);
    for (const [label, file] of Object.entries(profiles)) {
      process.stdout.write(`\n--- CPU profile of ${label} (${file}) ---\n${formatProfile(summariseProfile(file, 20))}\n`);
    }
  }
}

runBench('bench:ingest', USAGE, main);
