// Runs a server under test in its own Node process, so it gets a core of its own while the load
// generator runs in the parent, as in a deployment. Ready once it prints {"listening": url}.
import { spawn, type ChildProcess } from 'node:child_process';
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
