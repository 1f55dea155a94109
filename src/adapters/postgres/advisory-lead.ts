// Leadership among hub processes sharing one PostgreSQL database: a session-level advisory
// lock held on a connection of its own. It is released when the holder closes or dies (its
// connection ends), and another process takes the lead on its next try.
import pg from 'pg';

export class AdvisoryLead {
  private leader: pg.Client | undefined;

  constructor(
    private readonly clientConfig: pg.ClientConfig,
    /** The lock id (a bigint, as text). */
    private readonly lockId: string,
  ) {}

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
