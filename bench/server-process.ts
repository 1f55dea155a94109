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

const running = new Set<ServerProcess>();

export function startServerProcess(command: ServerCommand, startTimeoutMs = 30_000): Promise<ServerProcess> {
  const child = spawn(process.execPath, [...command.args], { cwd: command.cwd, env: command.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    // Keep the tail only: a server that logs a lot must not grow the parent's memory.
    stderr = (stderr + chunk.toString()).slice(-20_000);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  return new Promise<ServerProcess>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command.label} did not start within ${startTimeoutMs} ms:\n${stderr}`));
    }, startTimeoutMs);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${command.label} exited with code ${String(code)} before listening:\n${stderr}`));
    });
    createInterface({ input: child.stdout }).once('line', (line) => {
      clearTimeout(timer);
      let url: string;
      try {
        url = (JSON.parse(line) as { listening: string }).listening;
      } catch {
        child.kill('SIGKILL');
        reject(new Error(`${command.label} printed an unexpected first line: ${line}\n${stderr}`));
        return;
      }
      const server: ServerProcess = {
        url,
        pid: child.pid ?? -1,
        stop: (graceMs = 15_000) => stopChild(child, exited, graceMs).finally(() => running.delete(server)),
      };
      running.add(server);
      resolve(server);
    });
  });
}

async function stopChild(child: ChildProcess, exited: Promise<number | null>, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Stops every server this module started and has not stopped yet (on error or interrupt). */
export async function stopAllServers(): Promise<void> {
  await Promise.all([...running].map((server) => server.stop(5_000)));
}
