// The outbox in PostgreSQL (delivery-sql.ts). Several hub processes may share the database:
// one of them runs the deliveries, chosen by a lead of its own (lease-lead.ts; not the
// workflows' lead: the workflows may run on another thread's connection).
import type pg from 'pg';
import { FENCE_CHECK, fenceParams } from './lease-lead.js';
import type { LeaseLead } from './lease-lead.js';
import { unavailable } from './store-unavailable.js';
import { hashKey } from '../shared/hash-key.js';
import type { DeliveryStatus } from '../../core/index.js';
import { deliveryIdOf } from '../../core/index.js';
import type { CursorAdvance, DeliveryFilter, DeliveryRecord, DeliveryStore, DeliveryUpdate, NewDelivery, Page, RetrySelection, SubscriptionPosition } from '../../ports/index.js';
import {
  byKeys,
  DELIVERY_CURSOR_COLUMNS,
  DELIVERY_HEADS,
  DELIVERY_PLACES,
  DELIVERY_QUEUE_INDEXES,
  DELIVERY_SQL,
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
} from '../shared/delivery-sql.js';
import type { DeliveryRow, PositionRow } from '../shared/delivery-sql.js';
import { pageOf } from '../shared/workflow-sql.js';

// The writers of one subscription's key take a transaction-scoped advisory lock on it: a new
// delivery (it reads whether a dead one of the key comes before it, to be stored blocked) and a delivery
// made dead or pending again (it blocks the key's followers, or releases its blocked ones). Under READ COMMITTED,
// without it, a retry's release missed a follower inserted meanwhile (uncommitted, or inserted
// from a snapshot that still saw the head dead), which then stayed blocked behind a pending head.
// The lock is a statement of its own, before the insert, so the insert's snapshot is taken after
// the other writer committed. Two-int4 form: apart from the bigint append and lead locks.
// Advisory locks are per database: the first int4 (`$space`) is derived from the schema, as the
// append lock is (ADR 0001), so hubs on different schemas of one database do not wait on each other.
const KEY_LOCK = 'pg_advisory_xact_lock($space::int4, hashtext(k.subscription || chr(10) || k.dkey))';
/** Locks the keys of a batch, in one order, so two batches never wait on each other in a cycle. */
const LOCK_KEYS = `SELECT ${KEY_LOCK.replace('$space', '$3')} FROM (SELECT DISTINCT subscription, dkey FROM unnest($1::text[], $2::text[]) AS u(subscription, dkey) ORDER BY subscription, dkey) k`;
/** Locks the keys of a list of deliveries (by id), in one order. */
const LOCK_KEYS_OF = `SELECT ${KEY_LOCK.replace('$space', '$2')} FROM (SELECT DISTINCT subscription, dkey FROM deliveries WHERE delivery_id = ANY($1::text[]) ORDER BY subscription, dkey) k`;
/** DELIVERY_SQL.withdraw over a list of deliveries; the rows it changed. */
const WITHDRAW_ALL =
  "UPDATE deliveries SET status = 'withdrawn', last_error = $2, head = 0 WHERE delivery_id = ANY($1::text[]) AND status IN ('pending', 'retrying', 'waiting', 'blocked', 'dead') RETURNING subscription, dkey";
/** DELIVERY_SQL.requeue over a list of deliveries; the rows it changed. */
const REQUEUE_ALL = "UPDATE deliveries SET status = 'pending', attempts = 0, next_at = $1, delivered_at = NULL WHERE delivery_id = ANY($2::text[]) AND status = $3 RETURNING delivery_id";
/** Locks the key of one delivery. */
const LOCK_KEY_OF = `SELECT ${KEY_LOCK.replace('$space', '$2')} FROM deliveries k WHERE k.delivery_id = $1`;

export class PostgresDeliveries implements DeliveryStore {

  /** The first int4 of the key locks: this schema's (derived, like `leadLock`, from the schema). */
  private readonly keyLockSpace: number;

  constructor(
    private readonly pool: pg.Pool,
    /** Who runs the deliveries among the hub processes on this database. */
    private readonly lead: LeaseLead,
    /** A text of this schema's own, from which the key locks' space is derived. */
    leadLock: string,
  ) {
    this.keyLockSpace = Number(BigInt.asIntN(32, hashKey(`millrace-delivery-keys:${leadLock}`)));
  }

  tryLeadDeliveries(): Promise<boolean> {
    return this.lead.tryLead();
  }

  deliveryLead(): string | undefined {
    return this.lead.fence();
  }

  async deliveryCursors(): Promise<Map<string, number>> {
    const result = await this.pool.query<{ subscription: string; up_to: string }>(DELIVERY_SQL.cursors);
    return new Map(result.rows.map((row) => [row.subscription, Number(row.up_to)]));
  }

  async startDeliveryCursors(subscriptions: readonly string[], at: number): Promise<void> {
    for (const subscription of subscriptions) await this.pool.query(numbered(DELIVERY_SQL.startCursor), [subscription, at]);
  }

  async subscriptionPositions(): Promise<SubscriptionPosition[]> {
    return (await this.pool.query<PositionRow>(DELIVERY_SQL.positions)).rows.map(positionFromRow);
  }

  async markSubscriptionRemoved(subscription: string, at: number): Promise<void> {
    await this.pool.query(numbered(DELIVERY_SQL.markRemoved), [at, subscription]);
  }

  async resumeSubscription(subscription: string, at: number): Promise<void> {
    await this.pool.query(numbered(DELIVERY_SQL.resume), [at, at, subscription]);
  }

  async recordSubscriptionRules(subscription: string, rules: string): Promise<void> {
    await this.pool.query(numbered(DELIVERY_SQL.recordRules), [rules, subscription]);
  }

  async withdrawDeliveries(deliveryIds: readonly string[], reason: string): Promise<number> {
    if (deliveryIds.length === 0) return 0;
    let withdrawn = 0;
    // Under the keys' locks, as a retry: a replay or an operator's retry of the key waits, and
    // then sees the withdrawal (a dead head withdrawn, its followers released).
    await this.inTransaction(async (client) => {
      await client.query(LOCK_KEYS_OF, [deliveryIds, this.keyLockSpace]);
      const changed = (await client.query<{ subscription: string; dkey: string }>(WITHDRAW_ALL, [deliveryIds, reason])).rows;
      withdrawn = changed.length;
      await settleKeys(client, changed);
      return true;
    });
    return withdrawn;
  }

  async selectDeliveries(selection: RetrySelection): Promise<DeliveryRecord[]> {
    return (await this.selected(selection)).map(deliveryFromRow);
  }

  async retryDeliveries(selection: RetrySelection, now: string): Promise<DeliveryRecord[]> {
    const changed: DeliveryRecord[] = [];
    for (const step of byKeys(await this.selected(selection), RETRY_STEP_KEYS)) {
      await this.inTransaction(async (client) => {
        const ids = step.map((row) => row.delivery_id);
        await client.query(LOCK_KEYS_OF, [ids, this.keyLockSpace]);
        const requeued = new Set((await client.query<{ delivery_id: string }>(REQUEUE_ALL, [now, ids, selection.status])).rows.map((row) => row.delivery_id));
        const rows = step.filter((row) => requeued.has(row.delivery_id));
        await settleKeys(client, rows);
        changed.push(...rows.map((row) => deliveryFromRow({ ...row, status: 'pending', attempts: 0, next_at: now, delivered_at: null })));
        return true;
      });
    }
    return changed;
  }

  private async selected(selection: RetrySelection): Promise<DeliveryRow[]> {
    const { sql, params } = retrySelectionQuery(selection);
    return (await this.pool.query<DeliveryRow>(numbered(sql), params)).rows;
  }

  async enqueueDeliveries(deliveries: readonly NewDelivery[], cursors: readonly CursorAdvance[], now: string): Promise<boolean> {
    const fence = this.lead.fence();
    return this.inTransaction(async (client) => {
      // A hub that lost the lead while it scanned (frozen past its lease) moves no cursor: the
      // new leader scans those events, and each delivery is recorded once.
      if (fence !== undefined && ((await client.query(FENCE_CHECK, fenceParams(this.lead.name, fence))).rowCount ?? 0) === 0) return false;
      for (const cursor of cursors) {
        const moved = await client.query(numbered(DELIVERY_SQL.advanceCursor), [cursor.upTo, cursor.subscription, cursor.from]);
        if ((moved.rowCount ?? 0) === 0) return false;
      }
      await lockKeys(client, deliveries, this.keyLockSpace);
      for (const d of deliveries) await client.query(numbered(DELIVERY_SQL.insert), insertParams({ ...d, deliveryId: deliveryIdOf(d.subscription, d.sequence), generation: 0 }, now));
      return true;
    });
  }

  async dueDeliveries(now: string, perSubscription: number): Promise<DeliveryRecord[]> {
    const result = await this.pool.query<DeliveryRow>(numbered(DELIVERY_SQL.due), [now, perSubscription]);
    return result.rows.map(deliveryFromRow);
  }

  async updateDelivery(update: DeliveryUpdate): Promise<void> {
    const recorded = await this.inTransaction(async (client) => {
      // The outcome of a send the leader started: written only under the term it started under,
      // read FOR SHARE before anything else, so a take-over waits for this commit and no outcome
      // of an old term lands after a new term began (a hub frozen in the middle of a send, thawed
      // after another took over and recorded its own outcome). An operator's retry carries none.
      if (update.lead !== undefined && ((await client.query(FENCE_CHECK, fenceParams(this.lead.name, update.lead))).rowCount ?? 0) === 0) return false;
      // A delivered head passes the head to its key's next delivery: under the key's lock, so a
      // replay inserted meanwhile is either seen here or sees this delivery delivered (and is the head).
      if (update.status === 'dead' || update.status === 'pending' || update.status === 'delivered') await client.query(LOCK_KEY_OF, [update.deliveryId, this.keyLockSpace]);
      await client.query(numbered(DELIVERY_SQL.update), [update.status, update.attempts, update.nextAttemptAt, update.lastAttemptAt ?? null, update.lastError ?? null, update.deliveredAt ?? null, update.deliveryId]);
      const row = (await client.query<DeliveryRow>(numbered(DELIVERY_SQL.get), [update.deliveryId])).rows[0];
      if (row === undefined) return true;
      if (update.status === 'delivered') {
        await client.query(numbered(DELIVERY_SQL.passHead), passHeadParams(row));
        await client.query(numbered(DELIVERY_SQL.dropHead), [update.deliveryId]);
      }
      if (update.status === 'dead') await client.query(numbered(DELIVERY_SQL.blockFollowers), followerParams(row));
      if (update.status === 'pending') {
        await client.query(numbered(DELIVERY_SQL.releaseBlocked), [row.subscription, row.dkey]);
        await client.query(numbered(DELIVERY_SQL.resetHead), [row.subscription, row.dkey, row.subscription, row.dkey]);
      }
      return true;
    });
    if (!recorded) {
      throw new Error(`the outcome of delivery ${update.deliveryId} (${update.status}) was not recorded: this hub lost the deliveries' lead (its lease ran out and another hub took it over); the hub that leads now sends it`);
    }
  }

  async releaseStrandedDeliveries(): Promise<number> {
    const keys = (await this.pool.query<{ subscription: string; dkey: string }>(DELIVERY_SQL.stranded)).rows;
    if (keys.length === 0) return 0;
    let released = 0;
    // Under the keys' locks, as a retry's release: a dead marking or an insert of the key cannot
    // come between reading that no dead delivery precedes and the update.
    await this.inTransaction(async (client) => {
      await client.query(LOCK_KEYS, [keys.map((k) => k.subscription), keys.map((k) => k.dkey), this.keyLockSpace]);
      for (const k of keys) released += (await client.query(numbered(DELIVERY_SQL.releaseBlocked), [k.subscription, k.dkey])).rowCount ?? 0;
      return true;
    });
    return released;
  }

  async addReplays(deliveries: readonly NewDelivery[], now: string): Promise<DeliveryRecord[]> {
    const added: DeliveryRecord[] = [];
    await this.inTransaction(async (client) => {
      await lockKeys(client, deliveries, this.keyLockSpace);
      for (const d of deliveries) {
        // Two replays of one event at once: the second waits for the first's row lock.
        const last = await client.query<{ g: number | null }>(numbered(DELIVERY_SQL.lastGeneration), [d.subscription, d.sequence]);
        const generation = (last.rows[0]?.g ?? 0) + 1;
        const deliveryId = deliveryIdOf(d.subscription, d.sequence, generation);
        await client.query(numbered(DELIVERY_SQL.insert), insertParams({ ...d, deliveryId, generation }, now));
        const row = (await client.query<DeliveryRow>(numbered(DELIVERY_SQL.get), [deliveryId])).rows[0];
        if (row === undefined) throw new Error(`replay ${deliveryId} was not stored`);
        added.push(deliveryFromRow(row));
      }
      return true;
    });
    return added;
  }

  async getDelivery(deliveryId: string): Promise<DeliveryRecord | undefined> {
    const row = (await this.pool.query<DeliveryRow>(numbered(DELIVERY_SQL.get), [deliveryId])).rows[0];
    return row === undefined ? undefined : deliveryFromRow(row);
  }

  async deliveriesOf(sequences: readonly number[]): Promise<DeliveryRecord[]> {
    if (sequences.length === 0) return [];
    const sql = DELIVERY_SQL.ofSequences.replace('seq IN ({in})', 'seq = ANY($1::bigint[])');
    return (await this.pool.query<DeliveryRow>(sql, [sequences.map(String)])).rows.map(deliveryFromRow);
  }

  async deliveryCounts(): Promise<{ subscription: string; status: DeliveryStatus; count: number }[]> {
    const rows = (await this.pool.query<{ subscription: string; status: DeliveryStatus; n: string }>(DELIVERY_SQL.counts)).rows;
    return rows.map((r) => ({ subscription: r.subscription, status: r.status, count: Number(r.n) }));
  }

  async listDeliveries(filter: DeliveryFilter, limit: number, after?: string): Promise<Page<DeliveryRecord>> {
    const { sql, params } = deliveryQuery(filter, limit, after);
    const result = await this.pool.query<DeliveryRow>(numbered(sql), params);
    return pageOf(result.rows.map(deliveryFromRow), limit, deliveryCursorOf);
  }

  async close(): Promise<void> {
    await this.lead.release();
  }

  /** Commits when `work` resolves true, rolls back when it resolves false or throws. */
  private async inTransaction(work: (client: pg.PoolClient) => Promise<boolean>): Promise<boolean> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw unavailable(error);
    }
    try {
      await client.query('BEGIN');
      const commit = await work(client);
      await client.query(commit ? 'COMMIT' : 'ROLLBACK');
      return commit;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw unavailable(error);
    } finally {
      client.release();
    }
  }
}

/**
 * Gives a deliveries table made by an older version its `place` column (DELIVERY_PLACES) and its
 * `head` flag (DELIVERY_HEADS), then the indexes on them. In the store's bootstrap transaction,
 * after DELIVERY_TABLES, in its schema.
 */
export async function migrateDeliveries(client: pg.ClientBase): Promise<void> {
  for (const [column, statements] of [['place', DELIVERY_PLACES], ['head', DELIVERY_HEADS]] as const) {
    const has = await client.query("SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'deliveries' AND column_name = $1", [column]);
    if (has.rowCount === 0) for (const statement of statements) await client.query(statement.replaceAll('{bigint}', 'BIGINT'));
  }
  for (const statement of DELIVERY_QUEUE_INDEXES) await client.query(statement);
  for (const [column, statement] of DELIVERY_CURSOR_COLUMNS) {
    const has = await client.query("SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'delivery_cursors' AND column_name = $1", [column]);
    if (has.rowCount === 0) await client.query(statement.replaceAll('{bigint}', 'BIGINT'));
  }
}

/** After a withdrawal or a retry of these keys: their blocked deliveries released where no dead one precedes, their heads set again. */
async function settleKeys(client: pg.PoolClient, rows: readonly Pick<DeliveryRow, 'subscription' | 'dkey'>[]): Promise<void> {
  for (const key of keysOf(rows)) {
    await client.query(numbered(DELIVERY_SQL.releaseBlocked), [key.subscription, key.dkey]);
    await client.query(numbered(DELIVERY_SQL.resetHead), [key.subscription, key.dkey, key.subscription, key.dkey]);
  }
}

async function lockKeys(client: pg.PoolClient, deliveries: readonly NewDelivery[], space: number): Promise<void> {
  if (deliveries.length === 0) return;
  await client.query(LOCK_KEYS, [deliveries.map((d) => d.subscription), deliveries.map((d) => d.key), space]);
}

/** `?` placeholders as PostgreSQL's `$1`, `$2`, ... (the shared statements hold no literal `?`). */
function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}
