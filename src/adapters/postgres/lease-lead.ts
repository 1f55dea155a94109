// The workflows' and the deliveries' lead among hub processes on one PostgreSQL database, as a
// lease: a row per lead (`leads`, in the store's schema) naming its holder, a term and an expiry
// the holder renews. A session lock alone stayed held by a frozen holder (SIGSTOP: its session
// stays open) for as long as it stayed frozen; a lease runs out. The term is the fence: a write
// of leader work names the term it was computed under and is refused once another took over.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { Lead } from '../../ports/index.js';
import { lockSessionConfig } from './lock-session.js';

/** One row per lead; created with the store's tables (postgres-store.ts). */
export const LEADS_TABLE = `
CREATE TABLE IF NOT EXISTS leads (
  name TEXT PRIMARY KEY,
  holder TEXT NOT NULL,
  term BIGINT NOT NULL,
  holder_pid INT NOT NULL,
  holder_since TIMESTAMPTZ,
  expires_at TIMESTAMPTZ NOT NULL
);
`;

/**
 * How long a lead lasts without renewal: the longest time the hubs go without workflows or
 * deliveries when their leader is frozen (a paused container, a stalled VM, a debugger) or its
 * host vanished. Renewed every quarter of it, so three renewals in a row may fail (a database
 * that answers late, an event loop busy for a while) before the lead is lost.
 */
export const DEFAULT_LEAD_LEASE_MS = 10_000;

/**
 * Takes the lead when it is free, has run out, or its holder's session is gone (a holder killed
 * or closed: taken over at once, as with the session lock before). `backend_start` guards against
 * a pid the server gave again; it is null for a session of another role without pg_read_all_stats,
 * and then the pid alone is compared (the lead is never taken from a live session that way).
 */
const TAKE = `
INSERT INTO leads AS l (name, holder, term, holder_pid, holder_since, expires_at)
VALUES ($1, $2, 1, $3, $4, clock_timestamp() + $5 * interval '1 millisecond')
ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, term = l.term + 1, holder_pid = excluded.holder_pid,
  holder_since = excluded.holder_since, expires_at = excluded.expires_at
WHERE l.expires_at <= clock_timestamp()
   OR NOT EXISTS (SELECT 1 FROM pg_stat_activity s WHERE s.pid = l.holder_pid AND (s.backend_start IS NULL OR l.holder_since IS NULL OR s.backend_start = l.holder_since))
RETURNING term`;

/** Extends the holder's own term (also after its session was cut and opened again, if nobody took it meanwhile). */
const RENEW = `
UPDATE leads SET expires_at = clock_timestamp() + $5 * interval '1 millisecond', holder_pid = $3, holder_since = $4
WHERE name = $1 AND holder = $2 AND term = $6
RETURNING term`;

const GIVE_UP = "UPDATE leads SET expires_at = '-infinity' WHERE name = $1 AND holder = $2 AND term = $3";

/**
 * The check a write of leader work makes in its own transaction: the term it was computed under
 * is still the lead's. `FOR SHARE`: a take-over waits for the write's commit, so no write of an
 * old term lands after a new term began.
 */
export const FENCE_CHECK = 'SELECT 1 FROM leads WHERE name = $1 AND holder = $2 AND term = $3 FOR SHARE';

/** A term as `fence()` gives it: holder and term. */
export function fenceParams(name: string, fence: string): [string, string, string] {
  const space = fence.lastIndexOf(' ');
  return [name, fence.slice(0, space), fence.slice(space + 1)];
}

/**
 * The lead session's client-side limits. The server's (`lock_timeout` 2 s, `statement_timeout`
 * 5 s, postgres-store.ts) end a question the server cannot answer at once; these end one the
 * server never answers: a database host gone without a FIN, a stalled server, a dropped route.
 * TCP keepalive (lockSessionConfig: 10 s idle) does not help there: the lead asks every quarter of
 * its lease, so its connection is never idle that long, and a question sent into the void waits on
 * TCP's retransmissions (about 15 minutes on Linux), or forever where something on the way still
 * takes the bytes. Meanwhile every `tryLead` after the term ran out waited on that question, and
 * the hub's runners with it. A second after the server's own limit, so a statement the server
 * ends is told by the server; the session is then ended and opened again at the next question.
 */
export const LEAD_QUESTION_LIMITS = { queryMs: 6_000, connectMs: 5_000 } as const;

/**
 * A lead session's client settings: TCP keepalive on its socket (a server that vanished while the
 * session sat idle, between a release and the next try, is found without a question), and the
 * question limits above.
 */
export function leadSessionConfig(config: pg.ClientConfig): pg.ClientConfig {
  return { ...lockSessionConfig(config), query_timeout: LEAD_QUESTION_LIMITS.queryMs, connectionTimeoutMillis: LEAD_QUESTION_LIMITS.connectMs };
}

export interface LeaseLeadOptions {
  /** How long a term lasts without renewal (DEFAULT_LEAD_LEASE_MS). */
  readonly leaseMs?: number;
  /** Milliseconds of a monotonic clock (performance.now); tests pass their own. */
  readonly now?: () => number;
}

export class LeaseLead implements Lead {
  /** Who this lead object is, in the row: one per object, so two in one process are two holders. */
  private readonly holder = randomUUID();
  private readonly leaseMs: number;
  private readonly now: () => number;
  private session: { client: pg.Client; pid: number; since: string | null } | undefined;
  /** The term held, and until when (on this process's monotonic clock) it surely lasts. */
  private held: { term: string; until: number } | undefined;
  /** The last term held, kept after it is lost: writes computed under it must be refused. */
  private lastTerm: string | undefined;
  private asking: Promise<boolean> | undefined;
  private renewal: ReturnType<typeof setInterval> | undefined;
  private closed = false;

  constructor(
    /** The store's connection settings, its schema on the search path. */
    private readonly clientConfig: pg.ClientConfig,
    /** The row's name: `workflows`, `deliveries`. */
    readonly name: string,
    options: LeaseLeadOptions = {},
  ) {
    this.leaseMs = options.leaseMs ?? DEFAULT_LEAD_LEASE_MS;
    this.now = options.now ?? (() => performance.now());
  }

  /**
   * True while this object holds a term that has surely not run out, renewing or taking it when
   * needed. A process that was frozen finds its term run out on its own clock (a monotonic clock
   * goes on while a process is stopped) and asks the database before it answers true.
   */
  async tryLead(): Promise<boolean> {
    if (this.closed) return false;
    if (this.held !== undefined && this.now() < this.held.until) return true;
    return this.ask();
  }

  /** The term this object holds or last held (`holder term`), for the writes of its leader work; undefined before any. */
  fence(): string | undefined {
    return this.lastTerm === undefined ? undefined : `${this.holder} ${this.lastTerm}`;
  }

  /** Gives the term up (the next hub takes the lead at its next try) and closes the session. */
  async release(): Promise<void> {
    this.closed = true;
    this.stopRenewing();
    await this.asking?.catch(() => undefined);
    const held = this.held;
    this.held = undefined;
    const session = this.session;
    this.session = undefined;
    if (session === undefined) return;
    if (held !== undefined) await session.client.query(GIVE_UP, [this.name, this.holder, held.term]).catch(() => undefined);
    await session.client.end().catch(() => undefined);
  }

  /** One question at a time: the renewal timer and the callers share it. */
  private ask(): Promise<boolean> {
    this.asking ??= this.renewOrTake().finally(() => {
      this.asking = undefined;
    });
    return this.asking;
  }

  private async renewOrTake(): Promise<boolean> {
    // The term lasts from before the question was sent: the server starts it later than that.
    const sent = this.now();
    try {
      const { client, pid, since } = await this.connected();
      const held = this.held;
      const params = [this.name, this.holder, pid, since, this.leaseMs];
      const result = held === undefined ? await client.query<{ term: string }>(TAKE, params) : await client.query<{ term: string }>(RENEW, [...params, held.term]);
      const term = result.rows[0]?.term;
      if (term === undefined) {
        this.held = undefined;
        this.stopRenewing();
        // Lost: another holder's term began. Ask once more at once only to take a free lead.
        return held === undefined ? false : this.renewOrTake();
      }
      this.held = { term, until: sent + this.leaseMs };
      this.lastTerm = term;
      this.startRenewing();
      return true;
    } catch {
      // The database does not answer: the session is opened again at the next question; a term
      // not run out yet is still this object's (the renewal names it) and still true.
      const session = this.session;
      this.session = undefined;
      await session?.client.end().catch(() => undefined);
      return this.held !== undefined && this.now() < this.held.until;
    }
  }

  private async connected(): Promise<{ client: pg.Client; pid: number; since: string | null }> {
    if (this.session !== undefined) return this.session;
    const client = new pg.Client(leadSessionConfig(this.clientConfig));
    // A connection cut by the server errors; unheard, that would end the process. Another hub
    // may take the lead at once when this session is gone (its holder looks dead): the term is
    // no longer surely held, and the next try asks the database (a renewal keeps the term when
    // nobody took it).
    const gone = () => {
      if (this.session?.client !== client) return;
      this.session = undefined;
      if (this.held !== undefined) this.held = { term: this.held.term, until: -Infinity };
    };
    client.on('error', gone);
    client.on('end', gone);
    try {
      await client.connect();
      const me = await client.query<{ pid: number; since: string | null }>('SELECT pid, backend_start::text AS since FROM pg_stat_activity WHERE pid = pg_backend_pid()');
      const row = me.rows[0];
      if (row === undefined) throw new Error('the session is not in pg_stat_activity');
      this.session = { client, pid: row.pid, since: row.since };
      return this.session;
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
  }

  private startRenewing(): void {
    if (this.renewal !== undefined || this.closed) return;
    // Not tied to the callers' ticks: a leader busy catching up a long backlog calls tryLead
    // rarely, and its term must not run out under it. Unreferenced: it keeps no process alive.
    this.renewal = setInterval(() => void this.ask(), Math.max(1, Math.floor(this.leaseMs / 4)));
    this.renewal.unref();
  }

  private stopRenewing(): void {
    if (this.renewal !== undefined) clearInterval(this.renewal);
    this.renewal = undefined;
  }
}
