// TCP keepalive for the PostgreSQL connections whose silence would hold others up: the store's
// pool (an append's transaction holds the per-schema append lock) and the lead sessions
// (lease-lead.ts). Without it the server keeps a session whose host vanished (power cut, network
// partition: no FIN, no RST), and what it holds, for the OS's two hours.
import type pg from 'pg';

/**
 * TCP keepalive of a connection that holds a lock. A holder whose host vanishes (power cut,
 * network partition: no FIN, no RST) leaves an idle session the server keeps, lock included,
 * until keepalive gives up on the peer: with the server's defaults (0 = the OS's, 7200 s then
 * 75 s x 9 on Linux) over two hours in which no other hub takes the lead. With these, the server
 * ends the session about 25 s (10 + 5 x 3) after the holder fell silent: well under a minute, yet
 * a network hiccup shorter than three probes (15 s) does not cost the lead. The peer's kernel
 * answers probes, so a hub that is only busy is never taken for a dead one. Set per session: a
 * server configured by someone else needs no change (any user may set them). Not
 * idle_session_timeout: a lock session is idle by design.
 */
const LOCK_SESSION_KEEPALIVE = { idleSeconds: 10, intervalSeconds: 5, count: 3 } as const;

/**
 * The client for a lock session: its own end probes the server too, so a holder cut off from
 * the server learns it without a query (the connection errors, the lead is gone). Node 20 can set
 * only the idle time; the interval and count stay the OS's (75 s x 9 on Linux: about 11 minutes in
 * all), so the holder learns it later than the server frees the lock; the Lead port's overlap.
 */
export function lockSessionConfig<T extends pg.ClientConfig>(config: T): T {
  return { ...config, keepAlive: true, keepAliveInitialDelayMillis: LOCK_SESSION_KEEPALIVE.idleSeconds * 1000 };
}

/**
 * The server's side of the same keepalive as startup settings (`options`), for the store's pool:
 * its connections take the append lock inside each append's transaction, and a hub whose host
 * vanished in one would hold every hub's appends up until the server gives up on it.
 */
export function lockSessionStartupSettings(): string[] {
  const { idleSeconds, intervalSeconds, count } = LOCK_SESSION_KEEPALIVE;
  return [`-c tcp_keepalives_idle=${idleSeconds}`, `-c tcp_keepalives_interval=${intervalSeconds}`, `-c tcp_keepalives_count=${count}`];
}
