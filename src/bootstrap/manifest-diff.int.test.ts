// `millrace diff --store` on real stores (a SQLite file, PostgreSQL): a hub's history recorded
// through the real use cases, then the census of its workflows and what a manifest change
// touches in it, the same on both.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { SqliteStore } from '../adapters/index.js';
import { PostgresStore } from '../adapters/postgres/postgres-store.js';
import type { P2PLine } from '../core/index.js';
import { IN_FLIGHT_STAGES, stageOf, subscriptionRulesOf } from '../core/index.js';
import type { EventStore, WorkflowStore } from '../ports/index.js';
import type { HubStore } from './open-store.js';
import { EXAMPLE_MANIFEST } from '../../test/support/hub.js';
import { recordExampleHistory } from '../../test/support/p2p-history.js';
import { dropSchema, needPostgres, POSTGRES_URL, uniqueSchema } from '../../test/support/services.js';
import { DEFAULT_CONTRACTS_DIR } from './config.js';
import { diffManifestFiles } from './manifest-diff.js';

type Store = EventStore & WorkflowStore;

interface StoreKind {
  readonly name: string;
  open(t: TestContext, dir: string): Promise<{ store: Store; url: string; cleanup: () => Promise<void> } | undefined>;
}

const sqlite: StoreKind = {
  name: 'SQLite',
  open: (_t, dir) => {
    const path = join(mkdtempSync(join(dir, 'store-')), 'hub.db');
    return Promise.resolve({ store: new SqliteStore(path), url: `sqlite:${path}`, cleanup: () => Promise.resolve() });
  },
};

const postgres: StoreKind = {
  name: 'PostgreSQL',
  open: async (t) => {
    if (!(await needPostgres(t))) return undefined;
    const schema = uniqueSchema('mr_diff');
    const url = new URL(POSTGRES_URL);
    url.searchParams.set('schema', schema);
    return { store: await PostgresStore.open({ url: url.toString() }), url: url.toString(), cleanup: () => dropSchema(schema) };
  },
};

// What the example history leaves in flight (5 released, 2 invoiced PO lines) and open (10
// exceptions): the census is the same on every store.
const CENSUS = {
  lines: [
    { stage: 'invoiced', supplierId: 'SUP-0042', plant: 'P01', count: 1 },
    { stage: 'invoiced', supplierId: 'SUP-0107', plant: 'P02', count: 1 },
    { stage: 'released', supplierId: 'SUP-0042', plant: 'P01', itemCategory: 'BEARINGS', count: 1 },
    { stage: 'released', supplierId: 'SUP-0042', plant: 'P01', itemCategory: 'FASTENERS', count: 1 },
    { stage: 'released', supplierId: 'SUP-0117', plant: 'P02', count: 2 },
    { stage: 'released', supplierId: 'SUP-0203', plant: 'JP-NAG', count: 1 },
  ],
  openExceptions: [
    { code: 'confirmation_mismatch', owner: 'procurement', plant: 'P02', count: 1 },
    { code: 'duplicate_invoice', owner: 'accounts-payable', plant: 'P01', count: 2 },
    { code: 'late_confirmation', owner: 'procurement', plant: 'JP-NAG', count: 1 },
    { code: 'late_confirmation', owner: 'procurement', plant: 'P02', count: 2 },
    { code: 'master_data_gap', owner: 'master-data', plant: 'JP-NAG', count: 1 },
    { code: 'master_data_gap', owner: 'master-data', plant: 'P02', count: 2 },
    { code: 'price_variance', owner: 'accounts-payable', plant: 'P02', count: 1 },
  ],
};

const sorted = <T>(items: readonly T[]): T[] => [...items].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

async function allLines(store: WorkflowStore): Promise<P2PLine[]> {
  const lines: P2PLine[] = [];
  let after: string | undefined;
  do {
    const page = await store.listLines({}, 100, after);
    lines.push(...page.items);
    after = page.next;
  } while (after !== undefined);
  return lines;
}

for (const kind of [sqlite, postgres]) {
  describe(`millrace diff --store on ${kind.name}`, () => {
    let dir: string;
    before(() => {
      dir = mkdtempSync(join(tmpdir(), 'millrace-diff-int-'));
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it('counts the in-flight PO lines by stage, supplier, plant and item category, and the open exceptions by code, owner and plant', async (t) => {
      const opened = await kind.open(t, dir);
      if (opened === undefined) return;
      const { store } = opened;
      try {
        await recordExampleHistory(store);
        const census = await store.workflowCensus(IN_FLIGHT_STAGES);
        assert.deepEqual({ lines: sorted(census.lines), openExceptions: sorted(census.openExceptions) }, CENSUS);
        // The census agrees with the lines themselves.
        const inFlight = (await allLines(store)).filter((line) => (IN_FLIGHT_STAGES as readonly string[]).includes(stageOf(line)));
        assert.equal(census.lines.reduce((n, g) => n + g.count, 0), inFlight.length);
        assert.deepEqual(sorted((await store.workflowCensus(['posted'])).lines), [{ stage: 'posted', supplierId: 'SUP-0042', plant: 'P01', count: 1 }, { stage: 'posted', supplierId: 'SUP-0311', plant: 'P01', count: 1 }]);
        assert.deepEqual((await store.workflowCensus([])).lines, []);
      } finally {
        await store.close();
        await opened.cleanup();
      }
    });

    it("says which of them a change of tolerances, SLAs, owners and a partner's rights touches", async (t) => {
      const opened = await kind.open(t, dir);
      if (opened === undefined) return;
      try {
        await recordExampleHistory(opened.store);
      } finally {
        await opened.store.close();
      }
      try {
        const proposed = join(dir, `proposed-${kind.name}.yaml`);
        const example = readFileSync(EXAMPLE_MANIFEST, 'utf8');
        const edits: [string, string][] = [
          ['  supplier_confirmation: 24h', '  supplier_confirmation: 36h'],
          ['    SUP-0500: { pricePercent: "1", priceAbsolute: "0.50" }', '    SUP-0500: { pricePercent: "1", priceAbsolute: "0.50" }\n    SUP-0042: { pricePercent: "1" }'],
          ['  master_data_gap: master-data', '  master_data_gap: master-data\n  late_confirmation: accounts-payable'],
          ['    publishes: [supplier.confirmation, shipment.dispatched, invoice.received, invoice.credited]', '    publishes: [supplier.confirmation, shipment.dispatched, invoice.credited]'],
        ];
        writeFileSync(proposed, edits.reduce((text, [from, to]) => (text.includes(from) ? text.replace(from, to) : assert.fail(`no "${from}" in the example`)), example));
        const { diff, store } = await diffManifestFiles({ oldFile: EXAMPLE_MANIFEST, newFile: proposed, contractsDir: DEFAULT_CONTRACTS_DIR, store: opened.url });
        assert.deepEqual(
          diff.changes.map((c) => `${c.kind} ${c.subject}: ${c.touches?.workflows}/${c.touches?.openExceptions}`),
          [
            // SUP-0107's one line in flight may still be invoiced.
            'publish_revoked partners[sup-0107].publishes: 1/0',
            // The 5 released lines wait for their confirmation.
            'sla_changed slas.supplier_confirmation: 5/0',
            // SUP-0042's 2 released and 1 invoiced lines may still be invoiced.
            'tolerance_changed tolerances.suppliers.SUP-0042.pricePercent: 3/0',
            // The 3 open late confirmations stay with procurement until reassigned.
            'exception_owner_changed exceptionOwners.late_confirmation: 0/3',
          ],
        );
        assert.equal(diff.breaking, false);
        assert.ok(store !== undefined && store.processedUpTo === store.headSequence && store.headSequence > 0);
        assert.deepEqual(diff.impact, {
          inFlightWorkflows: 7,
          inFlightByStage: { awaiting_po: 0, released: 5, confirmed: 0, shipped: 0, received: 0, invoiced: 2, matched: 0 },
          openExceptions: 10,
          touched: { workflows: 7, openExceptions: 3 },
          touchedByBreaking: { workflows: 0, openExceptions: 0 },
        });
      } finally {
        await opened.cleanup();
      }
    });

    it('counts the queued deliveries a narrowed or removed subscription would have withdrawn, leaving those sent and those it still matches', async (t) => {
      const opened = await kind.open(t, dir);
      if (opened === undefined) return;
      try {
        const { store } = opened;
        await recordExampleHistory(store);
        const hub = store as unknown as HubStore;
        const logged = await hub.readFrom(0, 10_000);
        const head = await hub.headSequence();
        const queue = (subscription: string, types: readonly string[]) =>
          logged.filter((e) => types.includes(e.event.type)).map((e) => ({ subscription, sequence: e.sequence, key: `k${e.sequence}`, eventType: e.event.type, eventId: e.event.id }));
        // erp-inventory, narrowed to plant P01, queued the 3 receipts; sup-0107-orders, removed, the 6 PO releases.
        const deliveries = [...queue('erp-inventory', ['goods.received']), ...queue('sup-0107-orders', ['po.released'])];
        await hub.deliveries.startDeliveryCursors(['erp-inventory', 'sup-0107-orders'], 0);
        assert.ok(await hub.deliveries.enqueueDeliveries(deliveries, [{ subscription: 'erp-inventory', from: 0, upTo: head }, { subscription: 'sup-0107-orders', from: 0, upTo: head }], new Date().toISOString()));
        const plants = logged.filter((e) => e.event.type === 'goods.received').map((e) => (e.event.data as { plant: string }).plant);
        await hub.close();
        const proposed = join(dir, `narrowed-${kind.name}.yaml`);
        const example = readFileSync(EXAMPLE_MANIFEST, 'utf8');
        const from = '    subscriber: erp-core\n    types: [goods.received, inventory.movement, inventory.snapshot, production.completed]\n';
        assert.ok(example.includes(from));
        writeFileSync(proposed, example.replace(from, `${from}    filter: { plant: P01 }\n`).replace(/ {2}- id: sup-0107-orders\n( {4}.*\n)+/, ''));
        const { diff, withdrawals } = await diffManifestFiles({ oldFile: EXAMPLE_MANIFEST, newFile: proposed, contractsDir: DEFAULT_CONTRACTS_DIR, store: opened.url });
        assert.deepEqual(diff.withdrawals.map((w) => `${w.subscription} ${w.change}`), ['erp-inventory narrowed', 'sup-0107-orders removed']);
        assert.deepEqual(withdrawals, [
          { subscription: 'erp-inventory', queued: 3, withdrawn: plants.filter((plant) => plant !== 'P01').length },
          { subscription: 'sup-0107-orders', queued: 6, withdrawn: 6 },
        ]);
        assert.ok(plants.includes('P01') && plants.some((plant) => plant !== 'P01'), 'the history has receipts of P01 and of another plant');
        // OLD is what the store's hub ran (no rules recorded yet, nothing found removed): no warning that it is not.
        assert.deepEqual((await diffManifestFiles({ oldFile: EXAMPLE_MANIFEST, newFile: proposed, contractsDir: DEFAULT_CONTRACTS_DIR, store: opened.url })).drift, []);
      } finally {
        await opened.cleanup();
      }
    });

    it("warns where OLD's subscriptions are not those the store's hub last ran: other rules, one it found removed, one OLD lacks", async (t) => {
      const opened = await kind.open(t, dir);
      if (opened === undefined) return;
      try {
        const hub = opened.store as unknown as HubStore;
        await recordExampleHistory(opened.store);
        const head = await hub.headSequence();
        await hub.deliveries.startDeliveryCursors(['erp-inventory', 'mes-orders', 'sup-0107-orders', 'wms-hook'], 0);
        // The hub runs erp-inventory narrowed to P01, found sup-0107-orders gone from its manifest,
        // and runs a wms-hook that OLD does not declare; mes-orders under OLD's own rules.
        await hub.deliveries.recordSubscriptionRules('erp-inventory', subscriptionRulesOf({ types: ['goods.received', 'inventory.movement', 'inventory.snapshot', 'production.completed'], filter: { plant: 'P01' } }));
        await hub.deliveries.recordSubscriptionRules('mes-orders', subscriptionRulesOf({ types: ['production.order.released'], filter: { plant: 'P01' } }));
        await hub.deliveries.markSubscriptionRemoved('sup-0107-orders', head);
        await hub.close();
        const { drift } = await diffManifestFiles({ oldFile: EXAMPLE_MANIFEST, newFile: EXAMPLE_MANIFEST, contractsDir: DEFAULT_CONTRACTS_DIR, store: opened.url });
        assert.deepEqual(
          drift?.map((d) => [d.subscription, d.drift]),
          [
            ['erp-inventory', 'rules_differ'],
            ['sup-0107-orders', 'removed_in_store'],
            ['wms-hook', 'not_in_old'],
          ],
        );
        assert.match(drift?.[0]?.message ?? '', /queues its deliveries under .*"plant":"P01".*, OLD declares /);
        assert.match(drift?.[1]?.message ?? '', new RegExp(`found it removed from its manifest \\(at log sequence ${head}\\)`));
      } finally {
        await opened.cleanup();
      }
    });
  });
}
