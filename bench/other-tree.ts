// Another commit of this repository, built in a temporary git worktree, and its `serve
// --workflows off` started beside this tree's: what the A/B benchmarks compare a change against.
import { spawnSync } from 'node:child_process';
import { existsSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { commandNodeOptions, ROOT, serverEnvironment } from './contenders.js';
import { BENCH_SYSTEM } from './goods-received.js';
import { startServerProcess, type ServerProcess } from './server-process.js';

export function run(command: string, args: readonly string[], cwd: string): string {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed:\n${result.stderr}`);
  return result.stdout;
}

/** `serve --workflows off` of the tree at `root`, with a key of the benchmark's warehouse system. */
export async function startIntake(root: string, dbPath: string): Promise<{ server: ServerProcess; authorization: string }> {
  const manifest = join(root, 'examples', 'millrace.yaml');
  const cli = join(root, 'bin', 'millrace.js');
  const key = (JSON.parse(run(process.execPath, [cli, 'keys', 'add', '--system', BENCH_SYSTEM, '--json', '--manifest', manifest, '--store', `sqlite:${dbPath}`], root)) as { key: string }).key;
  // Trees from before outbound delivery have no --deliveries flag.
  const deliveries = run(process.execPath, [cli, 'serve', '--help'], root).includes('--deliveries') ? ['--deliveries', 'off'] : [];
  const server = await startServerProcess({
    label: `serve --workflows off (${root})`,
    cwd: root,
    env: serverEnvironment(),
    args: [...commandNodeOptions(root), cli, 'serve', '--manifest', manifest, '--store', `sqlite:${dbPath}`, '--host', '127.0.0.1', '--port', '0', '--log-level', 'warn', '--workflows', 'off', ...deliveries],
  });
  return { server, authorization: `Bearer ${key}` };
}

/** Checks `rev` out in `dir`, builds it, runs `work` with its root, and removes the worktree. */
export async function withTreeAt<T>(rev: string, dir: string, work: (root: string) => Promise<T>): Promise<T> {
  run('git', ['worktree', 'add', '--detach', dir, rev], ROOT);
  try {
    if (!existsSync(join(dir, 'node_modules'))) symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
    run(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], dir);
    return await work(dir);
  } finally {
    run('git', ['worktree', 'remove', '--force', dir], ROOT);
  }
}
