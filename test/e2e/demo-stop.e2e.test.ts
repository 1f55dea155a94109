// `millrace demo` stopped by the user in the middle of its week (Ctrl-C, or a supervisor's
// SIGTERM): it stops sending, lets the hub answer what was sent, closes the hub and its store
// as at a normal end, says so in one line and exits with the shell's status for the signal.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { holdSqliteFile, SqliteStore } from '../../src/bootstrap/index.js';
import { generateScenario } from '../../src/core/index.js';
import { assertBuilt, BIN, ROOT, runCli } from '../support/cli.js';

/** Seven days so that the week is far from over when the first day's traffic has been sent. */
const SCENARIO = { seed: 5, days: 7, plants: 2, suppliers: 20 };
const EVENTS = generateScenario(SCENARIO).messages.reduce((total, m) => total + m.eventTypes.length, 0);
/** What a demo leaves in its folder once its hub has stopped: the store closed (no -wal, -shm or -journal), its hold released but kept. */
const LEFT_BY_A_CLEAN_STOP = ['keys.json', 'millrace.db', 'millrace.db-hold', 'millrace.yaml'];

interface Stopped {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly dataDir: string;
}

/** Runs the demo and sends it `signal` once its progress says some traffic has been sent. */
async function stopDemoWith(signal: NodeJS.Signals, dataDir: string, extra: readonly string[] = []): Promise<Stopped> {
  assertBuilt();
  const args = ['demo', '--exit', '--port', '0', '--data-dir', dataDir, '--seed', String(SCENARIO.seed), '--days', String(SCENARIO.days), '--plants', String(SCENARIO.plants), '--suppliers', String(SCENARIO.suppliers), ...extra];
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { MILLRACE_DELIVERIES: 'off', ...process.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let signalled = false;
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    // Off a terminal the progress is one line per simulated day, written after that day's first tick.
    if (!signalled && /^day \d+\/\d+: [1-9]\d*\/\d+ messages sent$/m.test(stderr)) {
      signalled = true;
      child.kill(signal);
    }
  });
  const [code, ended] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.once('exit', (c, s) => resolve([c, s])));
  assert.ok(signalled, `the demo ended before any progress was seen: ${stderr}`);
  return { code, signal: ended, stdout, stderr, dataDir };
}

/** What every stop must leave: one line on stderr, nothing on stdout, the store closed and free, holding what was sent. */
async function assertStoppedCleanly(stopped: Stopped, signal: 'SIGINT' | 'SIGTERM', status: number): Promise<void> {
  assert.equal(stopped.signal, null, `killed by ${stopped.signal}, not ended by the demo; stderr: ${stopped.stderr}`);
  assert.equal(stopped.code, status, stopped.stderr);
  assert.equal(stopped.stdout, '', 'no report, not even half of one');
  const lines = stopped.stderr.split('\n').filter((line) => line !== '' && !/^day \d+\/\d+: \d+\/\d+ messages sent$/.test(line));
  const store = join(stopped.dataDir, 'millrace.db');
  assert.equal(lines.length, 1, stopped.stderr);
  const said = new RegExp(`^millrace: demo stopped on ${signal} in day (\\d+) of ${SCENARIO.days} \\((\\d+) of ${EVENTS} events sent\\); the store at ${store.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} holds what the hub accepted of them$`).exec(lines[0] ?? '');
  assert.ok(said !== null, lines[0]);
  const day = Number(said[1]);
  const sent = Number(said[2]);
  assert.ok(day >= 1 && day < SCENARIO.days, `stopped in day ${day}`);
  assert.ok(sent > 0 && sent < EVENTS, `${sent} of ${EVENTS} events sent`);
  // Closed as at a normal end: nothing of an open SQLite connection left beside the store.
  assert.deepEqual(readdirSync(stopped.dataDir).sort(), LEFT_BY_A_CLEAN_STOP);
  // The hold is released: the store opens as a hub opens it (which a held store refuses), with the events sent in its log.
  const reopened = new SqliteStore(store, { hold: holdSqliteFile(store, 'serve') });
  try {
    assert.ok((await reopened.headSequence()) > 0, 'events in the log');
  } finally {
    await reopened.close();
  }
}

describe('millrace demo stopped during its week', { timeout: 120_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'millrace-demo-stop-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('stops on Ctrl-C (SIGINT) with the hub answered and closed, says where it stopped, and exits 130', async () => {
    const stopped = await stopDemoWith('SIGINT', join(dir, 'interrupted'));
    await assertStoppedCleanly(stopped, 'SIGINT', 130);
    // The user changes their mind again: the next demo takes the folder, not refused as held.
    const again = runCli(['demo', '--exit', '--json', '--no-progress', '--port', '0', '--days', '1', '--plants', '2', '--suppliers', '20', '--data-dir', stopped.dataDir]);
    assert.equal(again.status, 0, again.stderr);
  });

  it('stops on SIGTERM the same way, exits 143, and writes no half report with --json', async () => {
    const stopped = await stopDemoWith('SIGTERM', join(dir, 'terminated'), ['--json']);
    await assertStoppedCleanly(stopped, 'SIGTERM', 143);
  });
});
