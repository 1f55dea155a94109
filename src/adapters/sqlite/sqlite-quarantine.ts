// The quarantine on the embedded SQLite file (the store's own connection).
import type Database from 'better-sqlite3';
import type { NewQuarantineEntry, Page, QuarantineAttempt, QuarantineEntry, QuarantineFilter, QuarantineOptions, QuarantineStatus, QuarantineStore } from '../../ports/index.js';
import type { QuarantineRow } from '../shared/quarantine-sql.js';
import { insertParams, QUARANTINE_SQL, QUARANTINE_TABLE, quarantinePage, quarantineQuery, resendAttempt, sequenceOf, toQuarantineEntry, twinParams, withAttempt } from '../shared/quarantine-sql.js';

export const SQLITE_QUARANTINE_TABLE = QUARANTINE_TABLE.replaceAll('{id}', 'INTEGER PRIMARY KEY').replaceAll('{blob}', 'BLOB');

export class SqliteQuarantine implements QuarantineStore {
  private readonly statements;

  /** `write` runs a write transaction with the store's retry on a busy database. */
  constructor(
    private readonly db: Database.Database,
    private readonly write: <T>(transaction: () => T) => Promise<T>,
  ) {
    this.statements = {
      insert: db.prepare<unknown[], { seq: number }>(QUARANTINE_SQL.insert),
      get: db.prepare<[number], QuarantineRow>(QUARANTINE_SQL.get),
      heldTwin: db.prepare<unknown[], QuarantineRow>(QUARANTINE_SQL.heldTwin),
      update: db.prepare(QUARANTINE_SQL.update),
    };
  }

  quarantine(entries: readonly NewQuarantineEntry[], options: QuarantineOptions = {}): Promise<QuarantineEntry[]> {
    if (entries.length === 0) return Promise.resolve([]);
    // An immediate transaction: a second hub process on the file waits, so a resend finds the entry.
    const insert = this.db.transaction(() =>
      entries.map((entry) => {
        const raw = Buffer.from(entry.raw.buffer, entry.raw.byteOffset, entry.raw.byteLength);
        const twin = options.foldResends === true ? this.statements.heldTwin.get(...twinParams(entry, raw)) : undefined;
        if (twin !== undefined) this.statements.update.run('held', withAttempt(twin, resendAttempt(twin, entry)), entry.receivedTime, twin.seq, twin.attempts);
        const seq = twin?.seq ?? this.statements.insert.get(...insertParams(entry, raw))?.seq;
        const stored = seq === undefined ? undefined : this.statements.get.get(Number(seq));
        if (stored === undefined) throw new Error('quarantine insert returned no row');
        return toQuarantineEntry(stored);
      }),
    );
    return this.write(() => insert.immediate());
  }

  getQuarantined(id: string): Promise<QuarantineEntry | undefined> {
    const seq = sequenceOf(id);
    const row = seq === undefined ? undefined : this.statements.get.get(seq);
    return Promise.resolve(row === undefined ? undefined : toQuarantineEntry(row));
  }

  quarantineCounts(): Promise<{ channel: string; status: QuarantineStatus; count: number }[]> {
    const rows = this.db.prepare<[], { channel: string; status: QuarantineStatus; n: number }>(QUARANTINE_SQL.counts).all();
    return Promise.resolve(rows.map((r) => ({ channel: r.channel, status: r.status, count: Number(r.n) })));
  }

  listQuarantine(filter: QuarantineFilter, limit: number, after?: string): Promise<Page<QuarantineEntry>> {
    const { sql, params } = quarantineQuery(filter, limit, after);
    return Promise.resolve(quarantinePage(this.db.prepare<(string | number)[], QuarantineRow>(sql).all(...params), limit));
  }

  async recordQuarantineAttempt(id: string, attempt: QuarantineAttempt, status: QuarantineStatus, updatedTime: string): Promise<QuarantineEntry | undefined> {
    const seq = sequenceOf(id);
    if (seq === undefined) return undefined;
    return this.write(() => {
      const row = this.statements.get.get(seq);
      if (row === undefined || row.status !== 'held') return undefined;
      const changed = this.statements.update.run(status, withAttempt(row, attempt), updatedTime, seq, row.attempts).changes;
      const after = changed === 0 ? undefined : this.statements.get.get(seq);
      return after === undefined ? undefined : toQuarantineEntry(after);
    });
  }
}
