// The processes the ingest benchmark compares: the baseline server and `millrace serve` as an
// operator runs it (the built CLI, the example manifest, a SQLite store), and what can be read
// from their stores once a slice is over.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { SqliteStore } from '../src/adapters/index.js';
import { issueKey, systemClock } from '../src/bootstrap/index.js';
import type { FloorLog } from './floor-server.js';
import { BENCH_SYSTEM } from './goods-received.js';
import { startServerProcess, type ServerProcess } from './server-process.js';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * The node options the `millrace` command of the tree at `root` gives itself (its shebang, as
 * `npx millrace` runs it; none in trees from before it had any). The benchmarks start the hub
 * with them, and the baseline and the floor too: the comparison is of the work, with the same V8
 * settings on both sides (docs/adr/0026).
 */
export function commandNodeOptions(root: string = ROOT): string[] {
  const shebang = readFileSync(join(root, 'bin', 'millrace.js'), 'utf8').split('\n', 1)[0] ?? '';
  const match = /^#!\/usr\/bin\/env\s+(?:-S\s+)?node((?:\s+--\S+)*)\s*$/.exec(shebang);
  if (match === null) throw new Error(`bin/millrace.js of ${root} does not start with a node shebang: ${shebang}`);
  return (match[1] ?? '').trim().split(/\s+/).filter((option) => option !== '');
}

/** The environment of the servers: no MILLRACE_* setting of the caller may change the hub under test. */
export function serverEnvironment(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('MILLRACE_') && name !== 'NODE_OPTIONS'));
}

/** One folder per server: tsx's loader thread writes a profile of its own beside the main thread's. */
function profileFlags(profileDir: string | undefined, label: string): string[] {
  return profileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${join(profileDir, label)}`];
}

/** `nodeOptions`: the hub command's own unless given (bench/quiet-spell.ts compares node's defaults). */
export function startBaseline(dbPath: string, profileDir?: string, nodeOptions: readonly string[] = commandNodeOptions()): Promise<ServerProcess> {
  return startServerProcess({
    label: 'baseline server',
    cwd: ROOT,
    env: serverEnvironment(),
    args: [...nodeOptions, ...profileFlags(profileDir, 'baseline'), '--import', 'tsx', join(ROOT, 'bench', 'baseline-server.ts'), dbPath],
  });
}

export interface HubProcess {
  readonly server: ServerProcess;
  readonly dbPath: string;
  /** `Authorization` header value of a key for the P01 warehouse system. */
  readonly authorization: string;
  /** Whether this process runs the workflows (`--workflows on`, the default) or only takes events in. */
  readonly workflows: boolean;
}

/** An API key of the benchmark's warehouse system in the store at `dbPath`, as an `Authorization` value. */
async function benchAuthorization(dbPath: string): Promise<string> {
  const store = new SqliteStore(dbPath);
  try {
    return `Bearer ${(await issueKey(store, { kind: 'system', id: BENCH_SYSTEM }, systemClock, 'ingest benchmark')).key}`;
  } finally {
    await store.close();
  }
}

/** The floor (floor-server.ts): the baseline's skeleton with the hub's own required parts, appending to the hub's store or to the lean log. */
export async function startFloor(dbPath: string, profileDir?: string, log: FloorLog = 'store'): Promise<{ server: ServerProcess; authorization: string }> {
  const authorization = await benchAuthorization(dbPath);
  const lean = log === 'lean';
  const server = await startServerProcess({
    label: lean ? 'floor server (lean log)' : 'floor server',
    cwd: ROOT,
    env: serverEnvironment(),
    args: [...commandNodeOptions(), ...profileFlags(profileDir, lean ? 'floor-lean-log' : 'floor'), '--import', 'tsx', join(ROOT, 'bench', 'floor-server.ts'), dbPath, ...(lean ? ['--log', 'lean'] : [])],
  });
  return { server, authorization };
}

/** `nodeOptions`: the command's own (its shebang's) unless given, as for the baseline. */
export async function startHub(label: string, dbPath: string, workflows: boolean, profileDir?: string, nodeOptions: readonly string[] = commandNodeOptions()): Promise<HubProcess> {
  const authorization = await benchAuthorization(dbPath);
  const server = await startServerProcess({
    label: `millrace serve (${label})`,
    cwd: ROOT,
    env: serverEnvironment(),
    args: [
      ...nodeOptions,
      ...profileFlags(profileDir, label),
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
      ...(workflows ? [] : ['--workflows', 'off']),
      // Intake is measured; the example's subscribers are not reachable from here.
      '--deliveries',
      'off',
    ],
  });
  return { server, dbPath, authorization, workflows };
}

export interface WorkflowSettle {
  /** Events in the log not yet applied by the hub's workflow runner when the slice ended. */
  readonly backlog: number;
  /** Seconds until the runner had applied them all (the next slice waits for it). */
  readonly drainSeconds: number;
}

/**
 * `millrace serve` applies the workflows to the log in the same process, after each commit.
 * When a slice ends, the backlog it leaves is recorded and left to drain before the next
 * slice, so that no contender is measured while another server is still catching up.
 */
export async function settleWorkflows(dbPath: string, timeoutMs = 120_000): Promise<WorkflowSettle> {
  const store = new SqliteStore(dbPath);
  try {
    const backlogNow = async () => (await store.headSequence()) - (await store.processedUpTo());
    const backlog = await backlogNow();
    const started = performance.now();
    let left = backlog;
    while (left > 0 && performance.now() - started < timeoutMs) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      left = await backlogNow();
    }
    if (left > 0) throw new Error(`the workflow runner of ${dbPath} still had ${left} events to apply after ${timeoutMs / 1000} s`);
    return { backlog, drainSeconds: backlog === 0 ? 0 : (performance.now() - started) / 1000 };
  } finally {
    await store.close();
  }
}

/** Rows in a stopped server's log: every event it answered 202 for must be there. */
export function storedEvents(dbPath: string): number {
  const db = new Database(dbPath, { readonly: true });
  try {
    return db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM events').get()?.n ?? 0;
  } finally {
    db.close();
  }
}

/** Refuses to measure without a build; warns when the build is older than the sources. */
export function assertBuilt(warn: (message: string) => void): void {
  const entry = join(ROOT, 'dist', 'cli', 'main.js');
  if (!existsSync(entry)) throw new Error('dist/ is missing: run "npm run bench:ingest" (it builds first) or "npm run build"');
  if (newestMtime(join(ROOT, 'src')) > statSync(entry).mtimeMs) {
    warn('warning: src/ is newer than dist/; the hub measured is the last build (npm run bench:ingest rebuilds)');
  }
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** Which code was measured: the commit, and whether src/ differed from it (the hub runs dist/, built from src/). */
export function codeVersion(): { commit: string; srcModified: boolean } | undefined {
  const git = (...args: string[]) => spawnSync('git', args, { cwd: ROOT, encoding: 'utf8' });
  const head = git('rev-parse', '--short', 'HEAD');
  if (head.status !== 0) return undefined;
  return { commit: head.stdout.trim(), srcModified: git('status', '--porcelain', '--', 'src').stdout.trim() !== '' };
}
