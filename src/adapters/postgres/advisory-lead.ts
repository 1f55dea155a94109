// Leadership among hub processes sharing one PostgreSQL database: a session-level advisory
// lock held on a connection of its own. It is released when the holder closes or dies (its
// connection ends), and another process takes the lead on its next try.
import pg from 'pg';
import type { Lead } from '../../ports/index.js';
import { hashKey } from '../shared/hash-key.js';

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
    return new AdvisoryLead({ connectionString: server.toString(), application_name: `millrace lead ${name}` }, hashKey(`millrace-named-lead:${schema}\n${name}`).toString());
  }

  /** Whether this process holds the lock now, taking it when it is free. */
  async tryLead(): Promise<boolean> {
    if (this.leader !== undefined) return true;
    const client = new pg.Client(this.clientConfig);
    client.on('error', () => {
      if (this.leader === client) this.leader = undefined;
    });
    try {
      await client.connect();
      const result = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS locked', [this.lockId]);
      if (result.rows[0]?.locked === true) {
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
