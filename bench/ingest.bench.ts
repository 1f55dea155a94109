// `npm run bench:ingest`: in one run, the ingest rate of the real `millrace serve` against a bare
// Fastify + ajv + SQLite group-commit baseline and a raw SQLite append, on a fresh log and on a
// log already holding millions of events. A measurement, not a test: it exits 0 when a target is missed.
import { mkdtempSync, rmSync, existsSync, statSync, readdirSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { SqliteStore } from '../src/adapters/index.js';
import { issueKey, systemClock } from '../src/bootstrap/index.js';
import { formatProfile, summariseProfile } from './cpu-profile.js';
import { fillLog, type FillResult } from './fill-log.js';
import { BENCH_SYSTEM } from './goods-received.js';
import { runLoad, type LoadResult } from './load.js';
import { measureRawAppend, type RawAppendResult } from './raw-append.js';
import { startServerProcess, stopAllServers, type ServerProcess } from './server-process.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SINGLE_CONNECTIONS = 50;
const BATCH_CONNECTIONS = 8;
const BATCH_SIZE = 100;

const TARGETS = {
  singleVsBaseline: 0.9,
  batchVsRawAppend: 0.7,
  p99Ms: 15,
  bigLogVsFresh: 0.8,
} as const;

interface Options {
  readonly seconds: number;
  readonly warmupSeconds: number;
  readonly fill: number;
  readonly json: boolean;
  /** Folder for the servers' .cpuprofile files; profiling slows them a little. */
  readonly profileDir?: string;
}

function parseOptions(argv: readonly string[]): Options {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      duration: { type: 'string', default: '6' },
      warmup: { type: 'string', default: '1.5' },
      fill: { type: 'string', default: '3000000' },
      json: { type: 'boolean', default: false },
      profile: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(
      'usage: npm run bench:ingest -- [--duration <s per phase, 6>] [--warmup <s, 1.5>] [--fill <events, 3000000>] [--json] [--profile <dir>]\n',
    );
    process.exit(0);
  }
  const number = (name: string, raw: string, min: number) => {
    const value = Number(raw);
    if (!Number.isFinite(value) || value < min) throw new Error(`--${name} must be a number of at least ${min}, not ${raw}`);
    return value;
  };
  return {
    seconds: number('duration', values.duration, 1),
    warmupSeconds: number('warmup', values.warmup, 0),
    fill: Math.floor(number('fill', values.fill, 0)),
    json: values.json,
    ...(values.profile === undefined ? {} : { profileDir: values.profile }),
  };
}

/** Progress goes to stderr so that `--json` leaves stdout to the one result object. */
function progress(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

/** The environment of the servers: no MILLRACE_* setting of the caller may change the hub under test. */
function serverEnvironment(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('MILLRACE_') && name !== 'NODE_OPTIONS'));
}

/** One folder per server: tsx's loader thread writes a profile of its own beside the main thread's. */
function profileFlags(options: Options, label: string): string[] {
  return options.profileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${join(options.profileDir, label)}`];
}

function startBaseline(options: Options, dbPath: string): Promise<ServerProcess> {
  return startServerProcess({
    label: 'baseline server',
    cwd: ROOT,
    env: serverEnvironment(),
    args: [...profileFlags(options, 'baseline'), '--import', 'tsx', join(ROOT, 'bench', 'baseline-server.ts'), dbPath],
  });
}

/** `millrace serve` exactly as an operator runs it: the built CLI, the example manifest, a SQLite store. */
async function startHub(options: Options, label: string, dbPath: string): Promise<{ server: ServerProcess; key: string }> {
  const store = new SqliteStore(dbPath);
  let key: string;
  try {
    key = (await issueKey(store, { kind: 'system', id: BENCH_SYSTEM }, systemClock, 'ingest benchmark')).key;
  } finally {
    await store.close();
  }
  const server = await startServerProcess({
    label: `millrace serve (${label})`,
    cwd: ROOT,
    env: serverEnvironment(),
    args: [
      ...profileFlags(options, label),
      join(ROOT, 'bin', 'millrace.js'),
      'serve',
      '--manifest',
      join(ROOT, 'examples', 'millrace.yaml'),
      '--store',
      `sqlite:${dbPath}`,
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      '--log-level',
      'warn',
    ],
  });
  return { server, key: `Bearer ${key}` };
}

function assertBuilt(): void {
  const entry = join(ROOT, 'dist', 'cli', 'main.js');
  if (!existsSync(entry)) throw new Error('dist/ is missing: run "npm run bench:ingest" (it builds first) or "npm run build"');
  const newestSource = newestMtime(join(ROOT, 'src'));
  if (newestSource > statSync(entry).mtimeMs) progress('warning: src/ is newer than dist/; the hub measured is the last build (npm run bench:ingest rebuilds)');
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** Rows in a finished server's log: at least every event it answered 202 for must be there. */
function storedEvents(dbPath: string): number {
  const db = new Database(dbPath, { readonly: true });
  try {
    return db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM events').get()?.n ?? 0;
  } finally {
    db.close();
  }
}

interface PhaseRow {
  readonly name: string;
  readonly result: LoadResult;
}

interface Figures {
  readonly raw: RawAppendResult;
  readonly baselineSingle: LoadResult;
  readonly baselineBatch: LoadResult;
  readonly hubSingle: LoadResult;
  readonly hubBatch: LoadResult;
  readonly fill: FillResult;
  readonly hubBigLogSingle: LoadResult;
  readonly stored: { readonly baseline: number; readonly hubFresh: number; readonly hubBigLog: number };
}

async function measure(options: Options, dir: string): Promise<Figures> {
  const load = (url: string, eventsPerRequest: number, authorization?: string) =>
    runLoad({
      url,
      connections: eventsPerRequest === 1 ? SINGLE_CONNECTIONS : BATCH_CONNECTIONS,
      eventsPerRequest,
      warmupSeconds: options.warmupSeconds,
      seconds: options.seconds,
      ...(authorization === undefined ? {} : { authorization }),
    });

  progress(`raw SQLite append, ${BATCH_SIZE}-row transactions, ${options.seconds} s`);
  const raw = measureRawAppend(join(dir, 'raw.db'), options.seconds, BATCH_SIZE);

  progress('baseline server: single events, then batches');
  const baselineDb = join(dir, 'baseline.db');
  const baseline = await startBaseline(options, baselineDb);
  const baselineSingle = await load(baseline.url, 1);
  const baselineBatch = await load(baseline.url, BATCH_SIZE);
  await baseline.stop();

  progress('millrace serve on a fresh log: single events, then batches');
  const freshDb = join(dir, 'fresh', 'millrace.db');
  const fresh = await startHub(options, 'hub-fresh', freshDb);
  const hubSingle = await load(fresh.server.url, 1, fresh.key);
  const hubBatch = await load(fresh.server.url, BATCH_SIZE, fresh.key);
  await fresh.server.stop();

  progress(`filling a log with ${options.fill.toLocaleString('en-US')} events`);
  const bigDb = join(dir, 'big', 'millrace.db');
  const fill = await fillLog(bigDb, options.fill);
  progress(`filled in ${fill.seconds.toFixed(1)} s (${(fill.fileBytes / 1024 ** 3).toFixed(2)} GiB)`);
  progress('millrace serve on the filled log: single events');
  const big = await startHub(options, 'hub-big-log', bigDb);
  const hubBigLogSingle = await load(big.server.url, 1, big.key);
  await big.server.stop();

  return {
    raw,
    baselineSingle,
    baselineBatch,
    hubSingle,
    hubBatch,
    fill,
    hubBigLogSingle,
    stored: { baseline: storedEvents(baselineDb), hubFresh: storedEvents(freshDb), hubBigLog: storedEvents(bigDb) - options.fill },
  };
}

interface TargetCheck {
  readonly name: string;
  readonly measured: number;
  readonly target: number;
  readonly comparison: '>=' | '<';
  readonly met: boolean;
  readonly meaning: string;
}

function checkTargets(figures: Figures): TargetCheck[] {
  const atLeast = (name: string, measured: number, target: number, meaning: string): TargetCheck => ({
    name,
    measured,
    target,
    comparison: '>=',
    met: measured >= target,
    meaning,
  });
  return [
    atLeast(
      'singleVsBaseline',
      figures.hubSingle.eventsPerSecond / figures.baselineSingle.eventsPerSecond,
      TARGETS.singleVsBaseline,
      'single-event ingest, millrace serve / baseline (events/s, 50 connections)',
    ),
    atLeast(
      'batchVsRawAppend',
      figures.hubBatch.eventsPerSecond / figures.raw.eventsPerSecond,
      TARGETS.batchVsRawAppend,
      `100-event batches, millrace serve / raw SQLite 100-row transactions (events/s)`,
    ),
    {
      name: 'p99Ms',
      measured: figures.hubSingle.latencyMs.p99,
      target: TARGETS.p99Ms,
      comparison: '<',
      met: figures.hubSingle.latencyMs.p99 < TARGETS.p99Ms,
      meaning: 'p99 latency of single-event ingest at 50 connections, millrace serve on a fresh log (ms)',
    },
    atLeast(
      'bigLogVsFresh',
      figures.hubBigLogSingle.eventsPerSecond / figures.hubSingle.eventsPerSecond,
      TARGETS.bigLogVsFresh,
      `single-event ingest with ${figures.fill.events.toLocaleString('en-US')} events already in the log / on a fresh log`,
    ),
  ];
}

/** Any non-2xx answer or socket error makes a figure meaningless; say so next to it. */
function warnings(figures: Figures): string[] {
  const found: string[] = [];
  const phases: PhaseRow[] = phaseRows(figures);
  for (const { name, result } of phases) {
    const { non2xx, errors, timeouts, firstFailure } = result.failures;
    if (non2xx + errors + timeouts > 0) {
      found.push(`${name}: ${non2xx} non-2xx, ${errors} errors, ${timeouts} timeouts${firstFailure === undefined ? '' : ` (first: ${firstFailure})`}`);
    }
  }
  const counted = (...results: LoadResult[]) => results.reduce((sum, r) => sum + r.requests * r.eventsPerRequest, 0);
  const checks: [string, number, number][] = [
    ['baseline', figures.stored.baseline, counted(figures.baselineSingle, figures.baselineBatch)],
    ['millrace serve, fresh log', figures.stored.hubFresh, counted(figures.hubSingle, figures.hubBatch)],
    ['millrace serve, big log', figures.stored.hubBigLog, counted(figures.hubBigLogSingle)],
  ];
  for (const [name, stored, acknowledged] of checks) {
    if (stored < acknowledged) found.push(`${name}: ${acknowledged} events acknowledged in the measured phases but only ${stored} in the log`);
  }
  return found;
}

function phaseRows(figures: Figures): PhaseRow[] {
  const fill = figures.fill.events.toLocaleString('en-US');
  return [
    { name: 'baseline, single event, 50 conn', result: figures.baselineSingle },
    { name: 'millrace serve, single event, 50 conn', result: figures.hubSingle },
    { name: `millrace serve, single, ${fill}-event log`, result: figures.hubBigLogSingle },
    { name: `baseline, ${BATCH_SIZE}-event batch, ${BATCH_CONNECTIONS} conn`, result: figures.baselineBatch },
    { name: `millrace serve, ${BATCH_SIZE}-event batch, ${BATCH_CONNECTIONS} conn`, result: figures.hubBatch },
  ];
}

function formatTable(figures: Figures, targets: readonly TargetCheck[], problems: readonly string[], options: Options, elapsed: number): string {
  const int = (value: number) => Math.round(value).toLocaleString('en-US');
  const ms = (value: number) => value.toFixed(2);
  const pad = (text: string, width: number, right = false) => (right ? text.padStart(width) : text.padEnd(width));
  const lines: string[] = [];
  lines.push(`Millrace ingest benchmark: ${options.seconds} s per phase after ${options.warmupSeconds} s warm-up, ${availableParallelism()} cores (${cpus()[0]?.model ?? 'unknown CPU'}), Node ${process.version}`);
  lines.push('');
  lines.push(`${pad('phase', 44)} ${pad('events/s', 10, true)} ${pad('req/s', 9, true)} ${pad('p50 ms', 8, true)} ${pad('p99 ms', 8, true)} ${pad('max ms', 8, true)}`);
  for (const { name, result } of phaseRows(figures)) {
    lines.push(
      `${pad(name, 44)} ${pad(int(result.eventsPerSecond), 10, true)} ${pad(int(result.requestsPerSecond), 9, true)} ${pad(ms(result.latencyMs.p50), 8, true)} ${pad(ms(result.latencyMs.p99), 8, true)} ${pad(ms(result.latencyMs.max), 8, true)}`,
    );
  }
  lines.push(`${pad(`raw SQLite append, ${figures.raw.rowsPerTransaction}-row transactions`, 44)} ${pad(int(figures.raw.eventsPerSecond), 10, true)}`);
  lines.push(
    `${pad(`log fill (${figures.fill.events.toLocaleString('en-US')} events, ${(figures.fill.fileBytes / 1024 ** 3).toFixed(2)} GiB)`, 44)} ${pad(int(figures.fill.events / figures.fill.seconds), 10, true)}   in ${figures.fill.seconds.toFixed(1)} s`,
  );
  lines.push('');
  lines.push(`${pad('target', 18)} ${pad('measured', 9, true)} ${pad('required', 10, true)}  result  what`);
  for (const target of targets) {
    const value = target.name === 'p99Ms' ? `${target.measured.toFixed(2)}` : `${target.measured.toFixed(2)}x`;
    const required = target.name === 'p99Ms' ? `< ${target.target}` : `>= ${target.target}x`;
    lines.push(`${pad(target.name, 18)} ${pad(value, 9, true)} ${pad(required, 10, true)}  ${target.met ? 'pass  ' : 'MISSED'}  ${target.meaning}`);
  }
  const baselineBatchVsRaw = figures.baselineBatch.eventsPerSecond / figures.raw.eventsPerSecond;
  lines.push('');
  lines.push(`for reference: baseline batches / raw append = ${baselineBatchVsRaw.toFixed(2)}x; whole run ${elapsed.toFixed(0)} s`);
  const missed = targets.filter((target) => !target.met);
  lines.push(missed.length === 0 ? 'all targets met' : `targets MISSED: ${missed.map((target) => target.name).join(', ')}`);
  for (const problem of problems) lines.push(`WARNING ${problem}`);
  return lines.join('\n');
}

/** The main thread's profile of each server: the largest file of its folder. */
function profileReport(options: Options): Record<string, string> {
  const reports: Record<string, string> = {};
  if (options.profileDir === undefined) return reports;
  for (const label of ['baseline', 'hub-fresh', 'hub-big-log']) {
    const folder = join(options.profileDir, label);
    if (!existsSync(folder)) continue;
    const files = readdirSync(folder)
      .filter((name) => name.endsWith('.cpuprofile'))
      .map((name) => join(folder, name))
      .sort((a, b) => statSync(b).size - statSync(a).size);
    if (files[0] !== undefined) reports[label] = files[0];
  }
  return reports;
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  assertBuilt();
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
  const elapsed = (performance.now() - started) / 1000;
  const targets = checkTargets(figures);
  const problems = warnings(figures);
  const profiles = profileReport(options);

  const table = formatTable(figures, targets, problems, options, elapsed);
  if (options.json) {
    // The table still goes to the terminal (stderr); stdout holds the one JSON object.
    process.stderr.write(`${table}\n`);
    const result = {
      machine: { cores: availableParallelism(), cpu: cpus()[0]?.model ?? 'unknown', node: process.version },
      settings: {
        secondsPerPhase: options.seconds,
        warmupSeconds: options.warmupSeconds,
        singleConnections: SINGLE_CONNECTIONS,
        batchConnections: BATCH_CONNECTIONS,
        batchSize: BATCH_SIZE,
        fillEvents: options.fill,
      },
      rawAppend: figures.raw,
      baseline: { single: figures.baselineSingle, batch: figures.baselineBatch },
      hub: { single: figures.hubSingle, batch: figures.hubBatch, bigLogSingle: figures.hubBigLogSingle },
      fill: figures.fill,
      storedEvents: figures.stored,
      ratios: {
        singleVsBaseline: figures.hubSingle.eventsPerSecond / figures.baselineSingle.eventsPerSecond,
        batchVsRawAppend: figures.hubBatch.eventsPerSecond / figures.raw.eventsPerSecond,
        bigLogVsFresh: figures.hubBigLogSingle.eventsPerSecond / figures.hubSingle.eventsPerSecond,
        baselineBatchVsRawAppend: figures.baselineBatch.eventsPerSecond / figures.raw.eventsPerSecond,
        batchVsBaselineBatch: figures.hubBatch.eventsPerSecond / figures.baselineBatch.eventsPerSecond,
      },
      targets,
      allTargetsMet: targets.every((target) => target.met),
      warnings: problems,
      ...(options.profileDir === undefined ? {} : { profiles }),
      elapsedSeconds: elapsed,
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } else {
    process.stdout.write(`${table}\n`);
    for (const [label, file] of Object.entries(profiles)) {
      process.stdout.write(`\n--- CPU profile of ${label} (${file}) ---\n${formatProfile(summariseProfile(file, 20))}\n`);
    }
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:ingest failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
