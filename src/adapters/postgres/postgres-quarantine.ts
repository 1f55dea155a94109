// The quarantine on PostgreSQL: any hub process of the database may list, retry or discard.
import type pg from 'pg';
import type { NewQuarantineEntry, Page, QuarantineAttempt, QuarantineEntry, QuarantineFilter, QuarantineOptions, QuarantineStatus, QuarantineStore } from '../../ports/index.js';
import type { QuarantineRow } from '../shared/quarantine-sql.js';
import { insertParams, QUARANTINE_SQL, QUARANTINE_TABLE, quarantinePage, quarantineQuery, resendAttempt, sequenceOf, toQuarantineEntry, twinParams, withAttempt } from '../shared/quarantine-sql.js';

export const POSTGRES_QUARANTINE_TABLE = QUARANTINE_TABLE.replaceAll('{id}', 'BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY').replaceAll('{blob}', 'BYTEA');

export class PostgresQuarantine implements QuarantineStore {
  constructor(private readonly pool: pg.Pool) {}

  async quarantine(entries: readonly NewQuarantineEntry[], options: QuarantineOptions = {}): Promise<QuarantineEntry[]> {
    if (entries.length === 0) return [];
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      // Two hubs taking the same resend at once would each find no twin and insert one: resends
      // are looked for one transaction at a time. The mode lets readers through, and retries wait.
      if (options.foldResends === true) await client.query('LOCK TABLE quarantine IN SHARE ROW EXCLUSIVE MODE');
      const stored: QuarantineEntry[] = [];
      for (const entry of entries) {
        const raw = Buffer.from(entry.raw);
        const twin = options.foldResends === true ? (await client.query<QuarantineRow>(numbered(QUARANTINE_SQL.heldTwin), twinParams(entry, raw))).rows[0] : undefined;
        const written =
          twin === undefined
            ? await client.query<QuarantineRow>(numbered(QUARANTINE_SQL.insert).replace('RETURNING seq', 'RETURNING *'), insertParams(entry, raw))
            : await client.query<QuarantineRow>(`${numbered(QUARANTINE_SQL.update)} RETURNING *`, ['held', withAttempt(twin, resendAttempt(twin, entry)), entry.receivedTime, twin.seq, twin.attempts]);
        const row = written.rows[0];
        if (row === undefined) throw new Error('quarantine insert returned no row');
        stored.push(toQuarantineEntry(row));
      }
      await client.query('COMMIT');
      return stored;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async getQuarantined(id: string): Promise<QuarantineEntry | undefined> {
    const seq = sequenceOf(id);
    if (seq === undefined) return undefined;
    const row = (await this.pool.query<QuarantineRow>(numbered(QUARANTINE_SQL.get), [seq])).rows[0];
    return row === undefined ? undefined : toQuarantineEntry(row);
  }

  async quarantineCounts(): Promise<{ channel: string; status: QuarantineStatus; count: number }[]> {
    const rows = (await this.pool.query<{ channel: string; status: QuarantineStatus; n: string }>(QUARANTINE_SQL.counts)).rows;
    return rows.map((r) => ({ channel: r.channel, status: r.status, count: Number(r.n) }));
  }

  async listQuarantine(filter: QuarantineFilter, limit: number, after?: string): Promise<Page<QuarantineEntry>> {
    const { sql, params } = quarantineQuery(filter, limit, after);
    return quarantinePage((await this.pool.query<QuarantineRow>(numbered(sql), params)).rows, limit);
  }

  async recordQuarantineAttempt(id: string, attempt: QuarantineAttempt, status: QuarantineStatus, updatedTime: string): Promise<QuarantineEntry | undefined> {
    const seq = sequenceOf(id);
    if (seq === undefined) return undefined;
    for (;;) {
      const row = (await this.pool.query<QuarantineRow>(numbered(QUARANTINE_SQL.get), [seq])).rows[0];
      if (row === undefined || row.status !== 'held') return undefined;
      // The update's WHERE compares status and attempts: a concurrent close on another hub wins or
      // loses whole. A miss on a row still held is an attempt added meanwhile (a resend, a retry
      // that kept it held): read again and add this one after it.
      const updated = await this.pool.query<QuarantineRow>(`${numbered(QUARANTINE_SQL.update)} RETURNING *`, [status, withAttempt(row, attempt), updatedTime, seq, row.attempts]);
      const after = updated.rows[0];
      if (after !== undefined) return toQuarantineEntry(after);
    }
  }
}

/** `?` placeholders as PostgreSQL's `$1`, `$2`, ... */
export function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}
