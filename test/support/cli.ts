// Runs the built `millrace` command as a user would (node bin/millrace.js ...).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BIN = fileURLToPath(new URL('../../bin/millrace.js', import.meta.url));

/**
 * The example manifest's webhook subscriber is an example.com address whose secret no test
 * sets: hubs started by these tests send no deliveries unless a test asks for them.
 */
const QUIET = { MILLRACE_DELIVERIES: 'off' };

export function assertBuilt(): void {
  if (!existsSync(new URL('../../dist/cli/main.js', import.meta.url))) {
    throw new Error('dist/ is missing: end-to-end tests run the built CLI; run "npm run build" (npm test does)');
  }
}

export interface CliResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** `timeoutMs` (default 2 minutes): then the command is killed and `status` is null. */
export function runCli(args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): CliResult {
  assertBuilt();
  const result = spawnSync(process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? ROOT,
    env: { ...QUIET, ...process.env, ...options.env },
    encoding: 'utf8',
    timeout: options.timeoutMs ?? 120_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

export interface ServerProcess {
  readonly url: string;
  readonly child: ChildProcess;
  /** Resolves when the process has exited. */
  readonly exited: Promise<number | null>;
  stderr(): string;
}

/** Starts `millrace serve` and resolves once it prints the address it listens on. */
export function startServe(args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<ServerProcess> {
  assertBuilt();
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', ...args], {
    cwd: options.cwd ?? ROOT,
    env: { ...QUIET, ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let errors = '';
  child.stderr.on('data', (chunk: Buffer) => {
    errors += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    const timer = setTimeout(() => reject(new Error(`serve did not start in 20s: ${errors}`)), 20_000);
    // Log lines (pino JSON) may come first: wait for the line that announces the address.
    lines.on('line', (line) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        return;
      }
      const listening = (parsed as { listening?: unknown }).listening;
      if (typeof listening !== 'string') return;
      clearTimeout(timer);
      lines.removeAllListeners('line');
      resolve({ url: listening, child, exited, stderr: () => errors });
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code}: ${errors}`));
    });
  });
}
