// The outbox in the SQLite file (delivery-sql.ts): the hub's one process always leads it.
import type Database from 'better-sqlite3';
import type { DeliveryStatus } from '../../core/index.js';
import { deliveryIdOf } from '../../core/index.js';
import type { CursorAdvance, DeliveryFilter, DeliveryRecord, DeliveryStore, DeliveryUpdate, NewDelivery, Page, RetrySelection, SubscriptionPosition } from '../../ports/index.js';
import {
  DELIVERY_CURSOR_COLUMNS,
  DELIVERY_HEADS,
  DELIVERY_PLACES,
  DELIVERY_QUEUE_INDEXES,
  DELIVERY_SQL,
  DELIVERY_TABLES,
  deliveryCursorOf,
  deliveryFromRow,
  deliveryQuery,
  followerParams,
  insertParams,
  keysOf,
  passHeadParams,
  positionFromRow,
  RETRY_STEP_KEYS,
  retrySelectionQuery,
  byKeys,
} from '../shared/delivery-sql.js';
import type { DeliveryRow, PositionRow } from '../shared/delivery-sql.js';
import { pageOf } from '../shared/workflow-sql.js';

/** Runs a write transaction with the store's retry on a busy file. */
export type SqliteWrite = <T>(transaction: () => T) => Promise<T>;

export class SqliteDeliveries implements DeliveryStore {
  private readonly statements;
  private readonly transactions;

  constructor(
    private readonly db: Database.Database,
    private readonly write: SqliteWrite,
  ) {
    db.exec(DELIVERY_TABLES.replaceAll('{bigint}', 'INTEGER'));
    const has = (column: string) => db.prepare<[], { name: string }>("SELECT name FROM pragma_table_info('deliveries')").all().some((c) => c.name === column);
    // A table made by an older version: its queue places, then its heads (each needs the one before).
    for (const [column, statements] of [['place', DELIVERY_PLACES], ['head', DELIVERY_HEADS]] as const) {
      if (has(column)) continue;
      // Checked again under the write lock: another connection of the hub (the workflow thread's)
      // may open the file at the same time and migrate it first.
      db.transaction(() => {
        if (has(column)) return;
        for (const statement of statements) db.exec(statement.replaceAll('{bigint}', 'INTEGER'));
      }).immediate();
    }
    for (const statement of DELIVERY_QUEUE_INDEXES) db.exec(statement);
    const cursorColumns = () => new Set(db.prepare<[], { name: string }>("SELECT name FROM pragma_table_info('delivery_cursors')").all().map((c) => c.name));
    if (DELIVERY_CURSOR_COLUMNS.some(([column]) => !cursorColumns().has(column))) {
      db.transaction(() => {
        const present = cursorColumns();
        for (const [column, statement] of DELIVERY_CURSOR_COLUMNS) if (!present.has(column)) db.exec(statement.replaceAll('{bigint}', 'INTEGER'));
      }).immediate();
    }
    this.statements = {
      cursors: db.prepare<[], { subscription: string; up_to: number }>(DELIVERY_SQL.cursors),
      startCursor: db.prepare<[string, number]>(DELIVERY_SQL.startCursor),
      advanceCursor: db.prepare<[number, string, number]>(DELIVERY_SQL.advanceCursor),
      insert: db.prepare<(string | number)[]>(DELIVERY_SQL.insert),
      due: db.prepare<[string, number], DeliveryRow>(DELIVERY_SQL.due),
      update: db.prepare<(string | number | null)[]>(DELIVERY_SQL.update),
      passHead: db.prepare<(string | number)[]>(DELIVERY_SQL.passHead),
      dropHead: db.prepare<[string]>(DELIVERY_SQL.dropHead),
      resetHead: db.prepare<[string, string, string, string]>(DELIVERY_SQL.resetHead),
      blockFollowers: db.prepare<(string | number)[]>(DELIVERY_SQL.blockFollowers),
      releaseBlocked: db.prepare<[string, string]>(DELIVERY_SQL.releaseBlocked),
      releaseStranded: db.prepare(DELIVERY_SQL.releaseStranded),
      lastGeneration: db.prepare<[string, number], { g: number | null }>(DELIVERY_SQL.lastGeneration),
      get: db.prepare<[string], DeliveryRow>(DELIVERY_SQL.get),
      positions: db.prepare<[], PositionRow>(DELIVERY_SQL.positions),
      markRemoved: db.prepare<[number, string]>(DELIVERY_SQL.markRemoved),
      resume: db.prepare<[number, number, string]>(DELIVERY_SQL.resume),
      recordRules: db.prepare<[string, string]>(DELIVERY_SQL.recordRules),
      withdraw: db.prepare<[string, string]>(DELIVERY_SQL.withdraw),
      requeue: db.prepare<[string, string, string]>(DELIVERY_SQL.requeue),
    };
    /** After a withdrawal or a retry of these keys: their blocked deliveries released where no dead one precedes, their heads set again. */
    const settleKeys = (rows: readonly DeliveryRow[]) => {
      for (const key of keysOf(rows)) {
        this.statements.releaseBlocked.run(key.subscription, key.dkey);
        this.statements.resetHead.run(key.subscription, key.dkey, key.subscription, key.dkey);
      }
    };
    this.transactions = {
      enqueue: db.transaction((deliveries: readonly NewDelivery[], cursors: readonly CursorAdvance[], now: string): boolean => {
        for (const cursor of cursors) {
          if (this.statements.advanceCursor.run(cursor.upTo, cursor.subscription, cursor.from).changes === 0) throw new CursorMoved();
        }
        for (const d of deliveries) this.statements.insert.run(...insertParams({ ...d, deliveryId: deliveryIdOf(d.subscription, d.sequence), generation: 0 }, now));
        return true;
      }),
      update: db.transaction((update: DeliveryUpdate) => {
        this.statements.update.run(update.status, update.attempts, update.nextAttemptAt, update.lastAttemptAt ?? null, update.lastError ?? null, update.deliveredAt ?? null, update.deliveryId);
        const row = this.statements.get.get(update.deliveryId);
        if (row === undefined) return;
        if (update.status === 'delivered') {
          this.statements.passHead.run(...passHeadParams(row));
          this.statements.dropHead.run(update.deliveryId);
        }
        if (update.status === 'dead') this.statements.blockFollowers.run(...followerParams(row));
        if (update.status === 'pending') {
          this.statements.releaseBlocked.run(row.subscription, row.dkey);
          this.statements.resetHead.run(row.subscription, row.dkey, row.subscription, row.dkey);
        }
      }),
      withdraw: db.transaction((deliveryIds: readonly string[], reason: string): number => {
        const changed: DeliveryRow[] = [];
        for (const id of deliveryIds) {
          if (this.statements.withdraw.run(reason, id).changes === 0) continue;
          const row = this.statements.get.get(id);
          if (row !== undefined) changed.push(row);
        }
        settleKeys(changed);
        return changed.length;
      }),
      retry: db.transaction((rows: readonly DeliveryRow[], status: string, now: string): DeliveryRow[] => {
        const changed = rows.filter((row) => this.statements.requeue.run(now, row.delivery_id, status).changes > 0);
        settleKeys(changed);
        return changed.map((row) => this.statements.get.get(row.delivery_id) ?? row);
      }),
      replays: db.transaction((deliveries: readonly NewDelivery[], now: string): DeliveryRecord[] =>
        deliveries.map((d) => {
          const generation = (this.statements.lastGeneration.get(d.subscription, d.sequence)?.g ?? 0) + 1;
          const deliveryId = deliveryIdOf(d.subscription, d.sequence, generation);
          this.statements.insert.run(...insertParams({ ...d, deliveryId, generation }, now));
          const row = this.statements.get.get(deliveryId);
          if (row === undefined) throw new Error(`replay ${deliveryId} was not stored`);
          return deliveryFromRow(row);
        }),
      ),
    };
  }

  tryLeadDeliveries(): Promise<boolean> {
    return Promise.resolve(true);
  }

  deliveryCursors(): Promise<Map<string, number>> {
    return Promise.resolve(new Map(this.statements.cursors.all().map((row) => [row.subscription, row.up_to])));
  }

  async startDeliveryCursors(subscriptions: readonly string[], at: number): Promise<void> {
    await this.write(() => {
      for (const subscription of subscriptions) this.statements.startCursor.run(subscription, at);
    });
  }

  subscriptionPositions(): Promise<SubscriptionPosition[]> {
    return Promise.resolve(this.statements.positions.all().map(positionFromRow));
  }

  async markSubscriptionRemoved(subscription: string, at: number): Promise<void> {
    await this.write(() => this.statements.markRemoved.run(at, subscription));
  }

  async resumeSubscription(subscription: string, at: number): Promise<void> {
    await this.write(() => this.statements.resume.run(at, at, subscription));
  }

  async recordSubscriptionRules(subscription: string, rules: string): Promise<void> {
    await this.write(() => this.statements.recordRules.run(rules, subscription));
  }

  withdrawDeliveries(deliveryIds: readonly string[], reason: string): Promise<number> {
    if (deliveryIds.length === 0) return Promise.resolve(0);
    return this.write(() => this.transactions.withdraw.immediate(deliveryIds, reason));
  }

  selectDeliveries(selection: RetrySelection): Promise<DeliveryRecord[]> {
    return Promise.resolve(this.selected(selection).map(deliveryFromRow));
  }

  async retryDeliveries(selection: RetrySelection, now: string): Promise<DeliveryRecord[]> {
    const rows = this.selected(selection);
    const changed: DeliveryRecord[] = [];
    // One transaction per step of keys, as on PostgreSQL: the file's one writer is not held for the whole backlog.
    for (const step of byKeys(rows, RETRY_STEP_KEYS)) changed.push(...(await this.write(() => this.transactions.retry.immediate(step, selection.status, now))).map(deliveryFromRow));
    return changed;
  }

  private selected(selection: RetrySelection): DeliveryRow[] {
    const { sql, params } = retrySelectionQuery(selection);
    return this.db.prepare<string[], DeliveryRow>(sql).all(...params);
  }

  async enqueueDeliveries(deliveries: readonly NewDelivery[], cursors: readonly CursorAdvance[], now: string): Promise<boolean> {
    try {
      return await this.write(() => this.transactions.enqueue.immediate(deliveries, cursors, now));
    } catch (error) {
      if (error instanceof CursorMoved) return false;
      throw error;
    }
  }

  async releaseStrandedDeliveries(): Promise<number> {
    // One writer at a time in SQLite: no dead marking can come between the read and the update.
    return await this.write(() => this.statements.releaseStranded.run().changes);
  }

  dueDeliveries(now: string, perSubscription: number): Promise<DeliveryRecord[]> {
    return Promise.resolve(this.statements.due.all(now, perSubscription).map(deliveryFromRow));
  }

  updateDelivery(update: DeliveryUpdate): Promise<void> {
    return this.write(() => this.transactions.update.immediate(update));
  }

  addReplays(deliveries: readonly NewDelivery[], now: string): Promise<DeliveryRecord[]> {
    return this.write(() => this.transactions.replays.immediate(deliveries, now));
  }

  getDelivery(deliveryId: string): Promise<DeliveryRecord | undefined> {
    const row = this.statements.get.get(deliveryId);
    return Promise.resolve(row === undefined ? undefined : deliveryFromRow(row));
  }

  deliveriesOf(sequences: readonly number[]): Promise<DeliveryRecord[]> {
    if (sequences.length === 0) return Promise.resolve([]);
    const sql = DELIVERY_SQL.ofSequences.replace('{in}', sequences.map(() => '?').join(', '));
    return Promise.resolve(this.db.prepare<number[], DeliveryRow>(sql).all(...sequences).map(deliveryFromRow));
  }

  deliveryCounts(): Promise<{ subscription: string; status: DeliveryStatus; count: number }[]> {
    const rows = this.db.prepare<[], { subscription: string; status: DeliveryStatus; n: number }>(DELIVERY_SQL.counts).all();
    return Promise.resolve(rows.map((r) => ({ subscription: r.subscription, status: r.status, count: Number(r.n) })));
  }

  listDeliveries(filter: DeliveryFilter, limit: number, after?: string): Promise<Page<DeliveryRecord>> {
    const { sql, params } = deliveryQuery(filter, limit, after);
    const rows = this.db.prepare<(string | number)[], DeliveryRow>(sql).all(...params).map(deliveryFromRow);
    return Promise.resolve(pageOf(rows, limit, deliveryCursorOf));
  }
}

/** Thrown inside the enqueue transaction to roll it back when a cursor moved meanwhile. */
class CursorMoved extends Error {}
