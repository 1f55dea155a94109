// What a change costs the intake path, told apart from the machine's mood: the baseline and
// `millrace serve --workflows off` of this tree and of an earlier commit, single events at 50
// connections, slices interleaved (baseline, this tree, baseline, the other tree, ...), and the
// ratio to the baseline for each. Run: node --import tsx bench/intake-ab.ts <git rev> [rounds]
// It checks the rev out in a temporary git worktree, builds it, and removes it at the end.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, startBaseline } from './contenders.js';
import { BENCH_SYSTEM } from './goods-received.js';
import { LoadSeries, median } from './load.js';
import { startServerProcess, stopAllServers, type ServerProcess } from './server-process.js';

function run(command: string, args: readonly string[], cwd: string): string {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed:\n${result.stderr}`);
  return result.stdout;
}

/** `serve --workflows off` of the tree at `root`, with a key of the benchmark's warehouse system. */
async function startIntake(root: string, dbPath: string): Promise<{ server: ServerProcess; authorization: string }> {
  const manifest = join(root, 'examples', 'millrace.yaml');
  const cli = join(root, 'bin', 'millrace.js');
  const key = (JSON.parse(run(process.execPath, [cli, 'keys', 'add', '--system', BENCH_SYSTEM, '--json', '--manifest', manifest, '--store', `sqlite:${dbPath}`], root)) as { key: string }).key;
  // Trees from before outbound delivery have no --deliveries flag.
  const deliveries = run(process.execPath, [cli, 'serve', '--help'], root).includes('--deliveries') ? ['--deliveries', 'off'] : [];
  const server = await startServerProcess({
    label: `serve --workflows off (${root})`,
    cwd: root,
    env: Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('MILLRACE_') && name !== 'NODE_OPTIONS')),
    args: [cli, 'serve', '--manifest', manifest, '--store', `sqlite:${dbPath}`, '--host', '127.0.0.1', '--port', '0', '--log-level', 'warn', '--workflows', 'off', ...deliveries],
  });
  return { server, authorization: `Bearer ${key}` };
}

async function main(): Promise<void> {
  const [rev, roundsText = '3'] = process.argv.slice(2);
  if (rev === undefined) throw new Error('usage: node --import tsx bench/intake-ab.ts <git rev> [rounds]');
  const rounds = Number(roundsText);
  const dir = mkdtempSync(join(tmpdir(), 'millrace-ab-'));
  const other = join(dir, 'tree');
  run('git', ['worktree', 'add', '--detach', other, rev], ROOT);
  try {
    if (!existsSync(join(other, 'node_modules'))) symlinkSync(join(ROOT, 'node_modules'), join(other, 'node_modules'));
    run(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], other);
    const baseline = await startBaseline(join(dir, 'baseline.db'));
    const trees = [
      { name: 'this tree', ...(await startIntake(ROOT, join(dir, 'this.db'))) },
      { name: rev, ...(await startIntake(other, join(dir, 'other.db'))) },
    ];
    const ratios = new Map<string, number[]>(trees.map((t) => [t.name, []]));
    for (let round = 0; round < rounds; round += 1) {
      for (const tree of trees) {
        // A baseline slice right before each tree's: the ratio compares neighbours in time.
        const base = new LoadSeries({ url: `${baseline.url}/v1/events`, connections: 50, eventsPerRequest: 1 });
        const mine = new LoadSeries({ url: `${tree.server.url}/v1/events`, connections: 50, eventsPerRequest: 1, authorization: tree.authorization });
        await base.warmUp(1);
        const b = await base.measure(4);
        await mine.warmUp(1);
        const m = await mine.measure(4);
        ratios.get(tree.name)?.push(m.eventsPerSecond / b.eventsPerSecond);
        process.stderr.write(`[ab] round ${round + 1} ${tree.name}: ${Math.round(m.eventsPerSecond)} events/s, baseline ${Math.round(b.eventsPerSecond)}\n`);
      }
    }
    for (const [name, values] of ratios) {
      process.stdout.write(`${name.padEnd(12)} intake / baseline: median ${median(values).toFixed(2)}x (rounds ${values.map((v) => v.toFixed(2)).join(' ')})\n`);
    }
  } finally {
    await stopAllServers();
    run('git', ['worktree', 'remove', '--force', other], ROOT);
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:intake-ab failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
