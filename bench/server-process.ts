// Runs a server under test in its own Node process, so it gets a core of its own while the load
// generator runs in the parent, as in a deployment. Ready once it prints {"listening": url}.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

export interface ServerProcess {
  readonly url: string;
  readonly pid: number;
  /** SIGTERM, then SIGKILL if the process has not exited within `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

export interface ServerCommand {
  /** Arguments to `node` (flags, then the script, then its arguments). */
  readonly args: readonly string[];
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  readonly label: string;
}

interface Child {
  readonly proc: ChildProcess;
  readonly exited: Promise<number | null>;
}

// Every child from the moment it is spawned (not only once it listens), so that an interrupt
// during start-up still stops it.
const children = new Set<Child>();
let shuttingDown = false;

export function startServerProcess(command: ServerCommand, startTimeoutMs = 30_000): Promise<ServerProcess> {
  if (shuttingDown) return Promise.reject(new Error(`not starting ${command.label}: the benchmark is stopping`));
  const proc = spawn(process.execPath, [...command.args], { cwd: command.cwd, env: command.env, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  const child: Child = { proc, exited };
  children.add(child);
  void exited.then(() => children.delete(child));

  let stderr = '';
  proc.stderr.on('data', (chunk: Buffer) => {
    // Keep the tail only: a server that logs a lot must not grow the parent's memory.
    stderr = (stderr + chunk.toString()).slice(-20_000);
    // BENCH_SERVER_STDERR=1 shows what the servers write, for looking into a figure.
    if (process.env.BENCH_SERVER_STDERR === '1') process.stderr.write(chunk);
  });

  return new Promise<ServerProcess>((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`${command.label} did not start within ${startTimeoutMs} ms:\n${stderr}`));
    }, startTimeoutMs);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${command.label} exited with code ${String(code)} before listening:\n${stderr}`));
    });
    createInterface({ input: proc.stdout }).once('line', (line) => {
      clearTimeout(timer);
      let url: string;
      try {
        url = (JSON.parse(line) as { listening: string }).listening;
      } catch {
        proc.kill('SIGKILL');
        reject(new Error(`${command.label} printed an unexpected first line: ${line}\n${stderr}`));
        return;
      }
      resolve({ url, pid: proc.pid ?? -1, stop: (graceMs = 15_000) => stopChild(child, graceMs) });
    });
  });
}

async function stopChild(child: Child, graceMs: number): Promise<void> {
  const { proc, exited } = child;
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  proc.kill('SIGTERM');
  const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Stops every server this module started, and refuses to start more (on error or interrupt). */
export async function stopAllServers(): Promise<void> {
  shuttingDown = true;
  await Promise.all([...children].map((child) => stopChild(child, 5_000)));
}

/** CPU time (ms) a process has used so far, all its threads (/proc/<pid>/stat, Linux). */
function cpuMs(pid: number): number {
  try {
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}

/** USER_HZ: /proc/<pid>/stat counts in it; 100 on every Linux this runs on. */
const CLOCK_TICKS = 100;

/**
 * Waits until the servers are quiet: together they used under `busyShare` of one core over a
 * `windowMs` window (a background checkpoint or workflow run left by the previous slice is
 * done), or `timeoutMs` passed. Resolves with the milliseconds waited.
 */
export async function waitForQuiet(servers: readonly Pick<ServerProcess, 'pid'>[], { windowMs = 200, busyShare = 0.05, timeoutMs = 10_000 } = {}): Promise<number> {
  const started = performance.now();
  for (;;) {
    const before = servers.reduce((sum, server) => sum + cpuMs(server.pid), 0);
    await new Promise((resolve) => setTimeout(resolve, windowMs));
    const used = servers.reduce((sum, server) => sum + cpuMs(server.pid), 0) - before;
    const waited = performance.now() - started;
    if (used <= busyShare * windowMs || waited >= timeoutMs) return waited;
  }
}
