// Leadership among hub processes sharing one PostgreSQL database: a session-level advisory
// lock held on a connection of its own. It is released when the holder closes or dies (its
// connection ends) or its host vanishes (the server's keepalive ends the session, in about 25 s),
// and another process takes the lead on its next try.
import pg from 'pg';
import type { Lead } from '../../ports/index.js';
import { hashKey } from '../shared/hash-key.js';

/**
 * TCP keepalive of a connection that holds a session lock. A holder whose host vanishes (power
 * cut, network partition: no FIN, no RST) leaves an idle session the server keeps, lock included,
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

/** Makes the server give up on this session's peer about 25 s after it fell silent (ignored on a Unix socket). */
export async function keepLockSessionAlive(client: pg.Client): Promise<void> {
  const { idleSeconds, intervalSeconds, count } = LOCK_SESSION_KEEPALIVE;
  await client.query(`SET tcp_keepalives_idle = ${idleSeconds}; SET tcp_keepalives_interval = ${intervalSeconds}; SET tcp_keepalives_count = ${count}`);
}

export class AdvisoryLead implements Lead {
  private leader: pg.Client | undefined;

  constructor(
    private readonly clientConfig: pg.ClientConfig,
    /** The lock id (a bigint, as text). */
    private readonly lockId: string,
  ) {}

  /**
   * The lead named `name` among the hubs on the store at `url` (a postgres:// URL, `?schema=`
   * included). Advisory locks are per database: the id is derived from the schema too, so hubs on
   * other schemas do not contend. The text hashed starts with a prefix of its own: it is never
   * the text of the store's append, workflows or deliveries lock (postgres-store.ts), so the ids
   * differ unless SHA-256's first 8 bytes collide.
   */
  static onStore(url: string, name: string): AdvisoryLead {
    const server = new URL(url);
    const schema = server.searchParams.get('schema') ?? '';
    // The lock needs no search_path: the connection only takes it and holds it. Its name shows
    // in pg_stat_activity which session holds which lead (cut to 63 bytes by PostgreSQL).
    server.searchParams.delete('schema');
    server.searchParams.delete('lead_lease_ms');
    return new AdvisoryLead({ connectionString: server.toString(), application_name: `millrace lead ${name}` }, hashKey(`millrace-named-lead:${schema}\n${name}`).toString());
  }

  /** Whether this process holds the lock now, taking it when it is free. */
  async tryLead(): Promise<boolean> {
    if (this.leader !== undefined) return true;
    const client = new pg.Client(lockSessionConfig(this.clientConfig));
    client.on('error', () => {
      if (this.leader === client) this.leader = undefined;
    });
    try {
      await client.connect();
      const result = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS locked', [this.lockId]);
      if (result.rows[0]?.locked === true) {
        // Only once the lock is held: a hub waiting for it makes no extra round trip per try.
        await keepLockSessionAlive(client);
        this.leader = client;
        client.on('end', () => {
          if (this.leader === client) this.leader = undefined;
        });
        return true;
      }
      await client.end();
      return false;
    } catch {
      await client.end().catch(() => undefined);
      return false;
    }
  }

  /** Gives the lead up (its connection ends). */
  async release(): Promise<void> {
    const leader = this.leader;
    this.leader = undefined;
    await leader?.end().catch(() => undefined);
  }
}
