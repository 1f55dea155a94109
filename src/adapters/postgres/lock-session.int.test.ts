// The store's connections must end soon after their host vanishes (power cut, network partition:
// no FIN, no RST): an append's transaction holds the per-schema append lock, and PostgreSQL keeps a
// silent session, and its locks, until TCP keepalive gives up on the peer (two hours with the OS
// defaults). Both ends of a connection are looked at in the kernel's socket table, which the
// test shares with the server when PostgreSQL runs on this host (as in CI, at 127.0.0.1).
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import type { TestContext } from 'node:test';
import { describe, it } from 'node:test';
import pg from 'pg';
import { needPostgres, POSTGRES_URL, uniqueSchema } from '../../../test/support/services.js';
import { lockSessionStartupSettings } from './lock-session.js';
import { PostgresStore } from './postgres-store.js';
import { eventually } from '../../../test/support/eventually.js';

/** One established TCP socket of this host: its keepalive timer, when that is what is armed. */
interface SocketTimer {
  /** /proc/net/tcp's `tr`: 0 none, 1 retransmit, 2 keepalive (idle), 4 zero window probe. */
  readonly timer: number;
  readonly secondsLeft: number;
}

/** The established socket from `localPort` to `remotePort` in /proc/net/tcp or tcp6, if any. */
function socketTimer(localPort: number, remotePort: number): SocketTimer | undefined {
  const hex = (port: number) => port.toString(16).toUpperCase().padStart(4, '0');
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!existsSync(table)) continue;
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      const [local, remote, state, timers] = [fields[1], fields[2], fields[3], fields[5]];
      if (local?.endsWith(`:${hex(localPort)}`) !== true || remote?.endsWith(`:${hex(remotePort)}`) !== true || state !== '01' || timers === undefined) continue;
      const [timer, left] = timers.split(':');
      // The time left is in clock ticks (USER_HZ), 100 a second on Linux.
      return { timer: parseInt(timer ?? '0', 16), secondsLeft: parseInt(left ?? '0', 16) / 100 };
    }
  }
  return undefined;
}

/** Skips (fails under CI=true) when the server's end of a connection is not in this host's tables. */
function needServerOnThisHost(t: TestContext, found: boolean): boolean {
  if (found) return true;
  const message = `PostgreSQL at ${POSTGRES_URL} is not a TCP peer in this host's /proc/net/tcp (not Linux, or the server runs elsewhere)`;
  if (process.env.CI === 'true') throw new Error(`${message}; CI=true requires it`);
  process.stderr.write(`SKIP: ${message}\n`);
  t.skip(message);
  return false;
}

/** A connection over TCP even when the URL names a Unix socket: tcp_keepalives_* are 0 on one. */
function tcpUrl(): string {
  const url = new URL(POSTGRES_URL);
  url.searchParams.delete('host');
  if (url.hostname === '' || url.hostname === 'localhost') url.hostname = '127.0.0.1';
  return url.toString();
}

/**
 * Both ends of the idle TCP connection named `application` (one connection of that name): the
 * server probes it within 10 s of silence, and its own end probes the server.
 */
async function assertProbedWithin10s(t: TestContext, application: string): Promise<void> {
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  t.after(() => admin.end());
  const backend = await admin.query<{ client_port: number | null; server_port: number }>(
    `SELECT client_port, current_setting('port')::int AS server_port FROM pg_stat_activity WHERE application_name = $1`,
    [application],
  );
  const clientPort = backend.rows[0]?.client_port ?? null;
  assert.notEqual(clientPort, null, `${application} connects over TCP`);
  const serverPort = backend.rows[0]?.server_port ?? 0;
  if (!needServerOnThisHost(t, socketTimer(serverPort, clientPort ?? 0) !== undefined)) return;

  // Idle: the keepalive timer is the one armed once the last reply has been acknowledged.
  const server = await eventually('the server end idle', () => {
    const timer = socketTimer(serverPort, clientPort ?? 0);
    return timer?.timer === 2 ? timer : undefined;
  });
  assert.ok(server.secondsLeft <= 10, `the server probes the silent ${application} within 10 s (its keepalive fires in ${server.secondsLeft} s; the OS default is 7200 s)`);
  const client = socketTimer(clientPort ?? 0, serverPort);
  assert.equal(client?.timer, 2, `${application}'s own end has keepalive on (Node sockets have none by default)`);
  assert.ok((client?.secondsLeft ?? Infinity) <= 10, `${application} probes a silent server within 10 s (in ${client?.secondsLeft} s)`);
}

describe('PostgreSQL store: a connection whose host vanishes', () => {
  it('is probed by the server after 10 s of silence, and its own end probes the server too', async (t) => {
    if (!(await needPostgres(t))) return;
    const schema = uniqueSchema('mr_pool_keepalive');
    const url = new URL(tcpUrl());
    url.searchParams.set('schema', schema);
    const store = await PostgresStore.open({ url: url.toString() });
    t.after(() => store.close());
    // A query, so that the pool holds a connection.
    await store.headSequence();
    await assertProbedWithin10s(t, `millrace store ${schema}`);
  });

  it('is given up by the server after 3 unanswered probes 5 s apart: about 25 s in all', async (t) => {
    if (!(await needPostgres(t))) return;
    // The startup settings the store's pool connects with.
    const session = new pg.Client({ connectionString: tcpUrl(), options: lockSessionStartupSettings().join(' ') });
    await session.connect();
    t.after(() => session.end());
    const shown = async (setting: string) => (await session.query<Record<string, string>>(`SHOW ${setting}`)).rows[0]?.[setting];
    assert.deepEqual(
      [await shown('tcp_keepalives_idle'), await shown('tcp_keepalives_interval'), await shown('tcp_keepalives_count')],
      ['10', '5', '3'],
    );
  });
});
