import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ContractCatalog } from '../../../src/core/contracts/contract-registry.js';
import type { CloudEvent, StoredEvent } from '../../../src/core/envelope.js';
import { checkManifest, type Manifest } from '../../../src/core/governance/manifest.js';
import { countFlows, governanceCoverage } from '../../../src/core/governance/coverage.js';

const CATALOG: ContractCatalog = {
  versions: new Map([
    ['po.released', [1]],
    ['goods.received', [1, 2]],
    ['invoice.received', [1]],
    ['exception.raised', [1]],
  ]),
  derived: new Set(['exception.raised']),
};

function manifest(): Manifest {
  const check = checkManifest(
    {
      version: 1,
      enterprise: { name: 'Acme' },
      teams: [{ id: 'procurement' }, { id: 'accounts-payable' }, { id: 'master-data' }, { id: 'receiving-p01' }],
      domains: [
        { id: 'purchasing', owner: 'procurement', eventTypes: ['po.released'] },
        { id: 'inventory', owner: 'procurement', eventTypes: ['goods.received'] },
        { id: 'payables', owner: 'procurement', eventTypes: ['invoice.received'] },
      ],
      systems: [
        { id: 'erp', kind: 'erp', roles: { purchasing: 'record' }, publishes: ['po.released'] },
        { id: 'wms', kind: 'wms', plant: 'P01', roles: { inventory: 'record' }, publishes: ['goods.received'] },
      ],
      partners: [{ id: 'sup-1', supplierId: 'SUP-1', protocols: ['csv'], publishes: [], mode: 'observe' }],
      contracts: { inForce: { 'goods.received': [2] } },
    },
    CATALOG,
  );
  assert.ok(check.ok, JSON.stringify(check.ok ? [] : check.problems));
  return check.manifest;
}

let sequence = 0;
function stored(source: string, type: string, time: string, receivedTime: string, extra: Partial<CloudEvent> = {}): StoredEvent {
  sequence += 1;
  return { sequence, receivedTime, event: { specversion: '1.0', id: `e${sequence}`, source, type, time, data: {}, ...extra } };
}

describe('governance coverage', () => {
  const events = [
    stored('/systems/erp', 'po.released', '2026-03-02T08:00:00Z', '2026-03-02T08:01:00.000Z'),
    stored('/systems/erp', 'po.released', '2026-03-02T08:00:00Z', '2026-03-02T10:00:00.000Z', { millracelagbreach: 'late' }),
    stored('/systems/wms', 'goods.received', '2026-03-02T09:00:00Z', '2026-03-02T09:00:30.000Z', { dataversion: 2 }),
    stored('/systems/wms', 'goods.received', '2026-03-02T09:00:00Z', '2026-03-02T09:00:30.000Z'),
    stored('/partners/sup-1', 'invoice.received', '2026-03-02T09:30:00Z', '2026-03-02T09:31:00.000Z', { millraceungoverned: 'partners[id=sup-1].publishes does not list invoice.received' }),
    stored('/millrace', 'exception.raised', '2026-03-02T09:31:00Z', '2026-03-02T09:31:00.000Z'),
  ];

  it('counts each flow and version, lag breaches, ungoverned events and the worst lag; not the hub’s own events', () => {
    const counts = countFlows(events);
    assert.deepEqual(
      counts.map((c) => [c.source, c.type, c.dataversion, c.events, c.ungoverned, c.lagBreaches, c.worstLagMs]),
      [
        ['/systems/erp', 'po.released', 1, 2, 0, 1, 2 * 3_600_000],
        ['/systems/wms', 'goods.received', 2, 1, 0, 0, 30_000],
        ['/systems/wms', 'goods.received', 1, 1, 0, 0, 30_000],
        ['/partners/sup-1', 'invoice.received', 1, 1, 1, 0, 60_000],
      ],
    );
    assert.equal(counts[0]?.firstReceived, '2026-03-02T08:01:00.000Z');
    assert.equal(counts[0]?.lastReceived, '2026-03-02T10:00:00.000Z');
  });

  it('adds up the same whether the events are counted in one step or several', () => {
    const whole = countFlows(events);
    const split = [...countFlows(events.slice(0, 3)), ...countFlows(events.slice(3))];
    const total = (list: typeof whole) => list.reduce((sum, c) => sum + c.events, 0);
    assert.equal(total(split), total(whole));
  });

  it('judges each flow by the manifest: declared, version in force, enforce mode, and says why not', () => {
    const coverage = governanceCoverage(countFlows(events), manifest(), CATALOG);
    const view = coverage.flows.map((f) => ({ flow: `${f.source} ${f.type}`, governed: f.governed, gaps: f.gaps, governedEvents: f.governedEvents }));
    assert.deepEqual(view, [
      {
        flow: '/partners/sup-1 invoice.received',
        governed: false,
        gaps: ['partners[id=sup-1].publishes does not list invoice.received', 'partner sup-1 is in observe mode'],
        governedEvents: 0,
      },
      { flow: '/systems/erp po.released', governed: true, gaps: [], governedEvents: 2 },
      { flow: '/systems/wms goods.received', governed: false, gaps: ['version 1 of goods.received is not in force'], governedEvents: 1 },
    ]);
    assert.deepEqual(coverage.totals, { flows: 3, governedFlows: 1, flowShare: 1 / 3, events: 5, governedEvents: 3, eventShare: 3 / 5, lagBreaches: 1 });
    assert.deepEqual(coverage.flows[2]?.versions, [
      { dataversion: 1, events: 1, inForce: false },
      { dataversion: 2, events: 1, inForce: true },
    ]);
  });

  it('lists declared flows never seen, and counts a source the manifest does not know as ungoverned', () => {
    const stranger = countFlows([stored('/systems/legacy-mrp', 'po.released', '2026-03-02T08:00:00Z', '2026-03-02T08:00:01.000Z')]);
    const coverage = governanceCoverage(stranger, manifest(), CATALOG);
    assert.deepEqual(coverage.flows[0]?.gaps, ['the manifest declares no system or partner with source /systems/legacy-mrp']);
    assert.equal(coverage.totals.eventShare, 0);
    assert.deepEqual(coverage.silent, [
      { source: '/systems/erp', type: 'po.released' },
      { source: '/systems/wms', type: 'goods.received' },
    ]);
  });

  it('reports full coverage, not a division by zero, before any event', () => {
    const coverage = governanceCoverage([], manifest(), CATALOG);
    assert.equal(coverage.totals.flowShare, 1);
    assert.equal(coverage.totals.eventShare, 1);
  });
});
