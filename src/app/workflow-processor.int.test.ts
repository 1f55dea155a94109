// The workflow processor on real stores (a SQLite file, PostgreSQL): live processing and a
// replay from the log give identical projections; deadlines survive a restart and fire once,
// also with two hub processes on one PostgreSQL database; v1 and v2 supplier confirmations
// drive the workflow alike (the processor upcasts on read, the log keeps what was sent).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import pg from 'pg';
import { SqliteStore } from '../adapters/index.js';
import { PostgresStore } from '../adapters/postgres/postgres-store.js';
import type { CloudEvent } from '../core/index.js';
import type { PlantPolicy } from '../core/index.js';
import { addMs, billingDocumentKey, p2pPolicy, plantPolicy } from '../core/index.js';
import type { Clock, CredentialStore, EventStore, WorkflowStore } from '../ports/index.js';
import { receivedOnTwoLines, T0 } from '../../test/support/p2p-scenario.js';
import { p2pTraffic } from '../../test/support/p2p-traffic.js';
import { PLANT_TRAFFIC_SETTINGS, plantTraffic } from '../../test/support/plant-traffic.js';
import { dumpWorkflows } from '../../test/support/workflow-dump.js';
import { dropSchema, needPostgres, POSTGRES_URL, uniqueSchema } from '../../test/support/services.js';
import { DeadlineScheduler } from './deadline-scheduler.js';
import { ExceptionResolution } from './exception-resolution.js';
import { GroupCommitter } from './group-commit.js';
import { WorkflowProcessor } from './workflow-processor.js';

type Store = EventStore & WorkflowStore & CredentialStore;

interface StoreKind {
  readonly name: string;
  /** Opens a fresh store; `reopen` opens another handle on the same data. */
  open(t: TestContext): Promise<{ store: Store; reopen: () => Promise<Store>; cleanup: () => Promise<void> } | undefined>;
}

const sqlite: StoreKind = {
  name: 'SQLite',
  open: () => {
    const dir = mkdtempSync(join(tmpdir(), 'millrace-wf-'));
    const path = join(dir, 'millrace.db');
    return Promise.resolve({
      store: new SqliteStore(path),
      reopen: () => Promise.resolve(new SqliteStore(path)),
      cleanup: () => {
        rmSync(dir, { recursive: true, force: true });
        return Promise.resolve();
      },
    });
  },
};

const postgres: StoreKind = {
  name: 'PostgreSQL',
  open: async (t) => {
    if (!(await needPostgres(t))) return undefined;
    const schema = uniqueSchema('mr_wf');
    const url = new URL(POSTGRES_URL);
    url.searchParams.set('schema', schema);
    return { store: await PostgresStore.open({ url: url.toString() }), reopen: () => PostgresStore.open({ url: url.toString() }), cleanup: () => dropSchema(schema) };
  },
};

class ManualClock implements Clock {
  constructor(public current: string) {}
  now(): Date {
    return new Date(this.current);
  }
}

const policy = p2pPolicy();

const PLANT_TRAFFIC_POLICY = plantPolicy(PLANT_TRAFFIC_SETTINGS);

/** Feeds traffic as a live hub would: small groups, the clock following the events, deadlines firing. */
async function runLive(store: Store, events: readonly CloudEvent[], clock: ManualClock, plant: PlantPolicy = plantPolicy()): Promise<{ processor: WorkflowProcessor; committer: GroupCommitter }> {
  const committer = new GroupCommitter(store, clock);
  const processor = new WorkflowProcessor(store, store, policy, clock, { batchSize: 64, plantPolicy: plant });
  const scheduler = new DeadlineScheduler(store, committer, clock, plant);
  for (let i = 0; i < events.length; i += 25) {
    const group = events.slice(i, i + 25);
    const last = group[group.length - 1];
    if (last !== undefined && last.time > clock.current) clock.current = new Date(last.time).toISOString();
    await scheduler.fireDue();
    await Promise.all(group.map((event) => committer.submit([event])));
    await processor.catchUp();
  }
  clock.current = addMs(clock.current, 10 * 86_400_000);
  await scheduler.fireDue();
  await processor.catchUp();
  return { processor, committer };
}

function confirmationEvent(id: string, version: 1 | 2, poNumber: string, lines: Record<string, unknown>[]): CloudEvent {
  return {
    specversion: '1.0',
    id,
    source: '/partners/sup-0042',
    type: 'supplier.confirmation',
    time: '2026-03-02T15:00:00Z',
    correlationid: `PO-${poNumber}`,
    dataversion: version,
    data: { poNumber, supplierId: 'SUP-0042', lines },
  };
}

/**
 * A PO of three lines and its confirmation, told in v1 (one promised date per line) or in v2
 * (the same facts as one-delivery schedules): a short, late line, an on-time line, a rejected one.
 */
function confirmationStory(version: 1 | 2): CloudEvent[] {
  const poNumber = '4500077001';
  const dated = (promisedDate: string) => (version === 1 ? { promisedDate } : { schedule: [{ promisedDate }] });
  return [
    releaseEvent(poNumber),
    confirmationEvent(`conf-${poNumber}`, version, poNumber, [
      { line: 10, status: 'changed', quantity: '480', ...dated('2026-03-20') },
      { line: 20, status: 'accepted', ...dated('2026-03-16') },
      { line: 30, status: 'rejected' },
    ]),
  ];
}

/** Three lines of 500 EA at 12.50 USD, needed by 2026-03-16. */
function releaseEvent(poNumber: string): CloudEvent {
  return {
    specversion: '1.0',
    id: `po-${poNumber}`,
    source: '/systems/erp-core',
    type: 'po.released',
    time: '2026-03-02T08:00:00Z',
    correlationid: `PO-${poNumber}`,
    data: {
      poNumber,
      supplierId: 'SUP-0042',
      buyerPlant: 'P01',
      currency: 'USD',
      lines: [10, 20, 30].map((line) => ({ line, itemId: `ITM-${line}`, quantity: '500', uom: 'EA', unitPrice: '12.5000', needBy: '2026-03-16' })),
    },
  };
}

for (const kind of [sqlite, postgres]) {
  describe(`workflow processor on ${kind.name}`, () => {
    it('rebuilds, from the log alone, projections identical to live processing', async (t) => {
      const opened = await kind.open(t);
      if (opened === undefined) return;
      const { store } = opened;
      try {
        const clock = new ManualClock('2026-03-02T06:00:00.000Z');
        const { processor, committer } = await runLive(store, p2pTraffic({ lines: 150, seed: 11, spacingMinutes: 20 }), clock);
        // A manual resolution is an input like any other.
        const open = await store.listExceptions({ status: 'open' }, 1);
        const first = open.items[0];
        assert.ok(first !== undefined, 'the traffic raises exceptions');
        await new ExceptionResolution(store, committer, processor, clock).resolve(first.exceptionId, 'price agreed with supplier by phone', { kind: 'operator', id: 'ap-lead', role: 'operator' });
        const live = await dumpWorkflows(store);
        const stats = live as { lines: string; exceptions: string };
        assert.ok(JSON.parse(stats.lines).length === 150);
        assert.ok(JSON.parse(stats.exceptions).length > 0);
        // The governance flows count every input event once, and none of the hub's own.
        const log = await store.readFrom(0, 100_000);
        const counted = (await store.flows()).reduce((total, flow) => total + flow.events, 0);
        assert.equal(counted, log.filter((s) => s.event.source !== '/millrace').length);
        assert.ok(counted > 0 && counted < log.length);

        const rebuilt = await new WorkflowProcessor(store, store, policy, clock, { batchSize: 500 }).rebuild();
        assert.equal(rebuilt, await store.headSequence());
        assert.deepEqual(await dumpWorkflows(store), live);
      } finally {
        await store.close();
        await opened.cleanup();
      }
    });

    it('runs the plant workflows beside P2P: plant exceptions with owners, deadlines through the scheduler, a manual resolution, and a rebuild identical to live', async (t) => {
      const opened = await kind.open(t);
      if (opened === undefined) return;
      const { store } = opened;
      try {
        const clock = new ManualClock('2026-03-02T06:00:00.000Z');
        const traffic = [...p2pTraffic({ lines: 30, seed: 3, spacingMinutes: 40 }), ...plantTraffic({ orders: 40, transfers: 12, seed: 7 })].sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
        const { processor, committer } = await runLive(store, traffic, clock, PLANT_TRAFFIC_POLICY);
        const codes = async (code: string) => (await store.listExceptions({ code }, 500)).items;
        // Every rule of the traffic shows, with the owner the policy names.
        const notUpdated = await codes('inventory_not_updated');
        assert.ok(notUpdated.length > 0 && notUpdated.every((e) => /^inventory-p0[12]$/.test(e.owner) && e.workflow === 'production'));
        assert.ok((await codes('production_quantity_mismatch')).every((e) => e.owner.startsWith('production-p0')));
        assert.ok((await codes('production_quantity_mismatch')).length > 0);
        assert.ok((await codes('backflush_mismatch')).length > 0);
        assert.ok((await codes('receipt_overdue')).some((e) => e.workflow === 'transfer' && e.owner === 'logistics'));
        const transferShort = await codes('transfer_quantity_mismatch');
        assert.deepEqual([...new Set(transferShort.map((e) => e.owner))].sort(), ['inventory-p01', 'inventory-p02'], 'a transfer difference goes to both plants');
        assert.ok((await codes('inventory_mismatch')).length > 0);
        assert.equal((await codes('unit_of_measure_unknown')).length, 0, 'grams convert to kilograms through master data');
        // Deadlines fired through the scheduler: breaches are in the log, once each.
        const log = await store.readFrom(0, 100_000);
        const breaches = log.filter((s) => s.event.type === 'sla.breached' && (s.event.data as { workflow?: string }).workflow !== 'p2p').map((s) => s.event.id);
        assert.ok(breaches.length > 0);
        assert.equal(new Set(breaches).size, breaches.length);
        assert.ok(log.some((s) => s.event.type === 'finance.posting' && (s.event.data as { kind?: string }).kind === 'finished_goods_receipt'));
        // An operator resolves a plant exception by hand, like a P2P one.
        const open = (await codes('inventory_mismatch')).find((e) => e.status === 'open');
        assert.ok(open !== undefined);
        const resolved = await new ExceptionResolution(store, committer, processor, clock).resolve(open.exceptionId, 'cycle count corrected in the WMS', { kind: 'operator', id: 'inv-lead', role: 'operator' });
        assert.equal(resolved.status, 'resolved');
        const [inventory] = await store.loadPlantStates([{ workflow: 'inventory', key: open.plant ?? '' }]);
        assert.equal(inventory?.state.exceptions[open.exceptionId]?.status, 'resolved');
        const live = await dumpWorkflows(store);
        assert.equal(JSON.parse(live.plant).length, 40 + 12 + 2);
        assert.ok(live.plantLinks.length > 0);

        await new WorkflowProcessor(store, store, policy, clock, { batchSize: 300, plantPolicy: PLANT_TRAFFIC_POLICY }).rebuild();
        assert.deepEqual(await dumpWorkflows(store), live);
      } finally {
        await store.close();
        await opened.cleanup();
      }
    });

    it('commits a workflow step handed over by another thread together with the intake group', async (t) => {
      const opened = await kind.open(t);
      if (opened === undefined) return;
      const { store } = opened;
      try {
        const clock = new ManualClock('2026-03-02T06:00:00.000Z');
        const [release, confirmation] = p2pTraffic({ lines: 1 });
        const committer = new GroupCommitter(store, clock);
        await committer.submit([release!]);
        // A processor whose steps go through the committer, as the workflow thread's do.
        const processor = new WorkflowProcessor(store, store, policy, clock, { commitStep: (step) => committer.submitStep(step) });
        const [, processed] = await Promise.all([committer.submit([confirmation!]), processor.catchUp()]);
        assert.ok(processed >= 1);
        await processor.catchUp();
        assert.equal(await store.processedUpTo(), await store.headSequence());
        const [line] = await store.linesOfPurchaseOrder(String((release!.data as { poNumber: string }).poNumber));
        assert.equal(line?.confirmation?.status, 'accepted');
        const types = (await store.readFrom(0, 100)).map((s) => s.event.type);
        assert.deepEqual(types.slice(0, 2), ['po.released', 'supplier.confirmation']);
        assert.ok(types.includes('sla.started'), 'the derived event was appended with the step');
      } finally {
        await store.close();
        await opened.cleanup();
      }
    });

    it('reads v1 and v2 confirmations alike: the same story in either version gives the same projections, and the log keeps what was sent', async (t) => {
      const results: { lines: string; exceptions: string }[] = [];
      for (const version of [1, 2] as const) {
        const opened = await kind.open(t);
        if (opened === undefined) return;
        const { store } = opened;
        try {
          const clock = new ManualClock('2026-03-02T06:00:00.000Z');
          const story = confirmationStory(version);
          await runLive(store, story, clock);
          const dump = await dumpWorkflows(store);
          results.push(dump);
          for (const event of story) assert.deepEqual((await store.find(event.source, event.id))?.event, event, `${event.id} stored as sent`);
          await new WorkflowProcessor(store, store, policy, clock).rebuild();
          assert.deepEqual(await dumpWorkflows(store), dump, 'a rebuild reads the log the same way');
        } finally {
          await store.close();
          await opened.cleanup();
        }
      }
      const [fromV1, fromV2] = results;
      assert.equal(fromV2?.lines, fromV1?.lines);
      assert.equal(fromV2?.exceptions, fromV1?.exceptions);
      const messages = (JSON.parse(fromV1!.exceptions) as { code: string; message: string }[]).filter((e) => e.code === 'confirmation_mismatch').map((e) => e.message);
      assert.deepEqual(messages.sort(), [
        'supplier SUP-0042 confirmed 480 EA of the 500 ordered; promised 2026-03-20, 4 day(s) after the need-by date 2026-03-16 on PO 4500077001 line 10',
        'supplier SUP-0042 rejected the line on PO 4500077001 line 30',
      ]);
    });

    it('drives a line with a split delivery from a v2 confirmation mixed into v1 traffic', async (t) => {
      const opened = await kind.open(t);
      if (opened === undefined) return;
      const { store } = opened;
      try {
        const clock = new ManualClock('2026-03-02T06:00:00.000Z');
        const traffic = p2pTraffic({ lines: 6, seed: 5 });
        const split = releaseEvent('4500077002');
        const v2 = confirmationEvent('conf-77002', 2, '4500077002', [
          { line: 10, status: 'accepted', schedule: [{ promisedDate: '2026-03-12', quantity: '300' }, { promisedDate: '2026-03-23', quantity: '200' }] },
          { line: 20, status: 'changed', quantity: '500', schedule: [{ promisedDate: '2026-03-12', quantity: '250' }, { promisedDate: '2026-03-16', quantity: '200' }] },
        ]);
        await runLive(store, [...traffic.slice(0, 10), split, v2, ...traffic.slice(10)], clock);
        const lines = await store.linesOfPurchaseOrder('4500077002');
        assert.deepEqual(lines.map((l) => [l.line, l.confirmation?.status, l.confirmation?.schedule]), [
          [10, 'accepted', [{ promisedDate: '2026-03-12', quantity: '300' }, { promisedDate: '2026-03-23', quantity: '200' }]],
          [20, 'changed', [{ promisedDate: '2026-03-12', quantity: '250' }, { promisedDate: '2026-03-16', quantity: '200' }]],
          [30, undefined, undefined],
        ]);
        const mismatches = (await store.listExceptions({ code: 'confirmation_mismatch', poNumber: '4500077002' }, 10)).items.map((e) => e.message).sort();
        assert.deepEqual(mismatches, [
          'supplier SUP-0042 promised 200 EA on 2026-03-23, 7 day(s) after the need-by date 2026-03-16 on PO 4500077002 line 10',
          'supplier SUP-0042 scheduled 450 EA in deliveries but confirmed 500 on PO 4500077002 line 20',
        ]);
        const confirmed = (await store.listLines({}, 500)).items.filter((l) => l.poNumber !== '4500077002' && l.confirmation !== undefined);
        assert.ok(confirmed.length > 0, 'the v1 traffic around it was confirmed too');
        // Governance counts each confirmation in the version it was sent in, not the one the workflow reads.
        const confirmations = (await store.flows()).filter((f) => f.type === 'supplier.confirmation');
        assert.deepEqual(confirmations.find((f) => f.dataversion === 2)?.events, 1);
        assert.ok((confirmations.find((f) => f.dataversion === 1)?.events ?? 0) > 0);
      } finally {
        await store.close();
        await opened.cleanup();
      }
    });

    it('catches, after a restart, a copy of an invoice that bills another PO line than the original (from the links), and a rebuild agrees', async (t) => {
      const opened = await kind.open(t);
      if (opened === undefined) return;
      let store = opened.store;
      try {
        const story = receivedOnTwoLines();
        const original = story.invoice('INV-1', [{ line: 10, quantity: '100', unitPrice: '12.5000' }], { id: 'ap-1' });
        const copy = story.invoice('INV-1', [{ line: 20, quantity: '100', unitPrice: '12.5000' }], { id: 'ap-1-rekeyed' });
        const inputs = story.log.filter((s) => s.event.source !== '/millrace' && s !== copy).map((s) => s.event);
        const clock = new ManualClock(T0);
        for (const event of inputs) await new GroupCommitter(store, clock).submit([event]);
        await new WorkflowProcessor(store, store, policy, clock).catchUp();
        await store.close();

        // A new process: nothing in memory knows INV-1; the link from its key to the original does.
        store = await opened.reopen();
        await new GroupCommitter(store, clock).submit([copy.event]);
        await new WorkflowProcessor(store, store, policy, clock).catchUp();
        assert.deepEqual((await store.listExceptions({ code: 'duplicate_invoice' }, 10)).items.map((e) => [e.code, e.poNumber, e.line]), [['duplicate_invoice', '4500012345', 20]]);
        const ap = (await store.readFrom(0, 1000)).filter((s) => s.event.type === 'finance.posting' && s.event.data.kind === 'ap_liability');
        assert.deepEqual(ap.map((s) => [s.event.data.line, s.event.data.amount]), [[10, '1250.00']]);
        const documentKey = billingDocumentKey(original.event) ?? '';
        const [originalSequence] = (await store.readFrom(0, 1000)).filter((s) => s.event.id === 'ap-1').map((s) => s.sequence);
        assert.deepEqual(await store.linkedSequences([documentKey]), [originalSequence]);

        const live = await dumpWorkflows(store);
        await new WorkflowProcessor(store, store, policy, clock, { batchSize: 3 }).rebuild();
        assert.deepEqual(await dumpWorkflows(store), live);
        assert.deepEqual(await store.linkedSequences([documentKey]), [originalSequence]);
      } finally {
        await store.close();
        await opened.cleanup();
      }
    });

    it('keeps deadlines across a restart and fires each one once', async (t) => {
      const opened = await kind.open(t);
      if (opened === undefined) return;
      let store = opened.store;
      try {
        const clock = new ManualClock('2026-03-02T06:00:00.000Z');
        const [release] = p2pTraffic({ lines: 1 });
        const committer = new GroupCommitter(store, clock);
        await committer.submit([release!]);
        await new WorkflowProcessor(store, store, policy, clock).catchUp();
        await store.close();

        store = await opened.reopen();
        clock.current = '2026-03-03T07:00:00.000Z';
        const again = new GroupCommitter(store, clock);
        const scheduler = new DeadlineScheduler(store, again, clock);
        assert.equal(await scheduler.fireDue(), 1, 'the confirmation deadline fires after the restart');
        assert.equal(await scheduler.fireDue(), 0, 'firing again before processing adds nothing');
        const processor = new WorkflowProcessor(store, store, policy, clock);
        await processor.catchUp();
        assert.equal(await scheduler.fireDue(), 0, 'a breached deadline is no longer due');
        const late = await store.listExceptions({ code: 'late_confirmation' }, 10);
        assert.equal(late.items.length, 1);
        const breaches = (await store.readFrom(0, 100)).filter((s) => s.event.type === 'sla.breached');
        assert.equal(breaches.length, 1);
      } finally {
        await store.close();
        await opened.cleanup();
      }
    });
  });
}

describe('two hub processes on one PostgreSQL store', () => {
  it('let one process lead the workflows at a time, and a deadline fires once', async (t) => {
    const opened = await postgres.open(t);
    if (opened === undefined) return;
    const a = opened.store;
    const b = await opened.reopen();
    try {
      const clock = new ManualClock('2026-03-02T06:00:00.000Z');
      const [release] = p2pTraffic({ lines: 1 });
      await new GroupCommitter(a, clock).submit([release!]);
      const leads = await Promise.all([a.tryLeadWorkflows(), b.tryLeadWorkflows()]);
      assert.deepEqual(leads.filter(Boolean).length, 1, 'exactly one leader');
      assert.equal(await a.tryLeadWorkflows(), leads[0], 'leadership is kept');
      await new WorkflowProcessor(a, a, policy, clock).catchUp();
      clock.current = '2026-03-04T00:00:00.000Z';
      // Both schedulers see the same due deadline (a leader change at the wrong moment).
      const fired = await Promise.all([new DeadlineScheduler(a, new GroupCommitter(a, clock), clock).fireDue(), new DeadlineScheduler(b, new GroupCommitter(b, clock), clock).fireDue()]);
      assert.equal(fired[0] + fired[1], 1, 'one breach appended, the other a duplicate');
      const leader = leads[0] === true ? a : b;
      await new WorkflowProcessor(leader, leader, policy, clock).catchUp();
      assert.equal((await leader.listExceptions({ code: 'late_confirmation' }, 10)).items.length, 1);
      // When the leader goes away, the other process takes over.
      await leader.close();
      const other = leader === a ? b : a;
      assert.equal(await other.tryLeadWorkflows(), true);
    } finally {
      await a.close().catch(() => undefined);
      await b.close().catch(() => undefined);
      await opened.cleanup();
    }
  });
  it('apply each event once when the lead changes hands on a dropped connection and comes back: a step from a stale cursor is refused', async (t) => {
    if (!(await needPostgres(t))) return;
    const schema = uniqueSchema('mr_wf_lead');
    const application = `mr_lead_${process.pid}_${Math.floor(Math.random() * 1e6).toString(36)}`;
    const url = new URL(POSTGRES_URL);
    url.searchParams.set('schema', schema);
    const b = await PostgresStore.open({ url: url.toString() });
    // Hub A's connections carry a name, so its backends can be ended as a PostgreSQL restart would.
    url.searchParams.set('application_name', application);
    const a = await PostgresStore.open({ url: url.toString() });
    const admin = new pg.Client({ connectionString: POSTGRES_URL });
    await admin.connect();
    try {
      const clock = new ManualClock('2026-03-02T06:00:00.000Z');
      const traffic = p2pTraffic({ lines: 20, seed: 5, spacingMinutes: 30 });
      const third = Math.floor(traffic.length / 3);
      const committer = new GroupCommitter(a, clock);
      const submitAll = (events: readonly CloudEvent[]) => Promise.all(events.map((event) => committer.submit([event])));
      const untilLeads = async (store: PostgresStore) => {
        while (!(await store.tryLeadWorkflows())) await new Promise((resolve) => setTimeout(resolve, 20));
      };
      assert.equal(await a.tryLeadWorkflows(), true);
      const processorA = new WorkflowProcessor(a, a, policy, clock, { batchSize: 64 });
      await submitAll(traffic.slice(0, third));
      await processorA.catchUp();

      // A's backends are ended (its lead with them); B takes the lead and applies what came since.
      await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [application]);
      await untilLeads(b);
      await submitAll(traffic.slice(third, 2 * third));
      await new WorkflowProcessor(b, b, policy, clock, { batchSize: 64 }).catchUp();
      await b.close();

      // A leads again, with the cursor and lines it held in memory. Before, its step re-applied
      // B's events: the governance flows counted them twice (13 shipments instead of 7).
      await submitAll(traffic.slice(2 * third));
      await untilLeads(a);
      await assert.rejects(processorA.catchUp(), /refused: the stored cursor is at \d+/);
      await processorA.catchUp();
      const live = await dumpWorkflows(a);
      await new WorkflowProcessor(a, a, policy, clock, { batchSize: 500 }).rebuild();
      assert.deepEqual(await dumpWorkflows(a), live, 'the projections are those of one pass over the log');

      // A stale step that rides with intake (the workflow thread's way) is left out; the intake commits.
      const cursor = await a.processedUpTo();
      const stale = { from: cursor - 1, upTo: cursor, derived: [], receivedTime: clock.current, lines: [], exceptionEvents: [], links: [] };
      const extra = { ...traffic[0]!, id: 'late-arrival' };
      const group = await a.commitGroup([[extra]], clock.current, [stale]);
      assert.equal(group.outcomes[0]?.kind, 'appended');
      assert.deepEqual(group.steps, [undefined]);
      assert.equal(await a.processedUpTo(), cursor);
    } finally {
      await admin.end();
      await a.close().catch(() => undefined);
      await b.close().catch(() => undefined);
      await dropSchema(schema);
    }
  });
});
