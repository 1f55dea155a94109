// Integration health on hand-built data whose right answers are worked out beside each figure.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FlowCount } from '../../../src/core/governance/coverage.js';
import type { HealthEvent, HealthInput } from '../../../src/core/visibility/integration-health.js';
import { channelOfEvent, integrationHealth } from '../../../src/core/visibility/integration-health.js';

const WINDOW = { from: '2026-03-02T00:00:00.000Z', to: '2026-03-02T04:00:00.000Z' };

const manifest: HealthInput['manifest'] = {
  systems: [
    { id: 'erp-core', kind: 'erp', publishes: ['po.released'], mode: 'enforce', roles: {}, maxLag: { default: '15m' } },
    // Expected to send at least every 12 h, and every 2 h.
    { id: 'wms-p01', kind: 'wms', plant: 'P01', publishes: ['goods.received'], mode: 'observe', roles: {}, cadence: '12h' },
    { id: 'mes-p01', kind: 'mes', plant: 'P01', publishes: ['production.completed'], mode: 'enforce', roles: {}, cadence: '2h' },
  ],
  partners: [{ id: 'sup-0042', name: 'Acme Fasteners', supplierId: 'SUP-0042', protocols: ['x12'], publishes: ['shipment.dispatched'], mode: 'enforce', maxLag: { default: '1h' } }],
  subscriptions: [
    { id: 'erp-postings', subscriber: 'erp-core', types: ['finance.posting'], channel: { kind: 'webhook', url: 'https://erp.example/hook' } },
    { id: 'sup-850', subscriber: 'sup-0042', types: ['po.released'], channel: { kind: 'x12', url: 'https://as2.example/in' } },
  ],
};

/** An event received at `received` whose own time is `lagMinutes` earlier. */
function event(source: string, channel: string, received: string, lagMinutes: number, lagBreach = false): HealthEvent {
  return { source, channel, receivedTime: received, time: new Date(Date.parse(received) - lagMinutes * 60_000).toISOString(), lagBreach };
}

function flow(source: string, events: number, lagBreaches: number, lastReceived: string): FlowCount {
  return { source, type: 'x', dataversion: 1, events, ungoverned: 0, lagBreaches, worstLagMs: 0, firstReceived: '2026-02-01T00:00:00.000Z', lastReceived };
}

describe('integration health', () => {
  const health = integrationHealth({
    now: WINDOW.to,
    window: WINDOW,
    manifest,
    flows: [flow('/systems/erp-core', 100, 3, '2026-03-02T03:10:00.000Z'), flow('/systems/wms-p01', 7, 0, '2026-03-01T18:00:00.000Z'), flow('/systems/legacy-mes', 2, 0, '2026-02-20T00:00:00.000Z'), flow('/systems/mes-p01', 40, 0, '2026-03-01T20:00:00.000Z')],
    events: [
      // ERP over the API: lags 1, 2, 3 and 40 minutes, one an hour; the last one breached its 15m.
      event('/systems/erp-core', 'api', '2026-03-02T00:10:00.000Z', 1),
      event('/systems/erp-core', 'api', '2026-03-02T01:10:00.000Z', 2),
      event('/systems/erp-core', 'api', '2026-03-02T02:10:00.000Z', 3),
      event('/systems/erp-core', 'api', '2026-03-02T03:10:00.000Z', 40, true),
      // After the window: not counted.
      event('/systems/erp-core', 'api', '2026-03-02T04:30:00.000Z', 500, true),
      // The supplier's EDI: lags 20 and 10 minutes.
      event('/partners/sup-0042', 'x12', '2026-03-02T00:30:00.000Z', 20),
      event('/partners/sup-0042', 'x12', '2026-03-02T02:30:00.000Z', 10),
    ],
    quarantine: [
      { source: '/partners/sup-0042', channel: 'x12', status: 'held', receivedTime: '2026-03-02T01:00:00.000Z' },
      // Held since before the window: still held, not quarantined in the window.
      { source: '/partners/sup-0042', channel: 'x12', status: 'held', receivedTime: '2026-02-28T01:00:00.000Z' },
      // Quarantined in the window and already fixed: counted as quarantined, not held.
      { source: '/systems/wms-p01', channel: 'csv', status: 'reprocessed', receivedTime: '2026-03-02T03:00:00.000Z' },
      // Closed before the window: not counted at all.
      { source: '/systems/erp-core', channel: 'csv', status: 'discarded', receivedTime: '2026-02-01T00:00:00.000Z' },
    ],
    refusals: [
      { source: '/partners/sup-0042', channel: 'api', code: 'forbidden_object', count: 3, lastAt: '2026-03-02T02:00:00.000Z' },
      { source: '/partners/sup-0042', channel: 'api', code: 'contract_violation', count: 1, lastAt: '2026-03-02T02:05:00.000Z' },
    ],
    refusalsSince: '2026-03-01T00:00:00.000Z',
    deliveries: [
      { subscription: 'erp-postings', status: 'pending', count: 2 },
      { subscription: 'erp-postings', status: 'retrying', count: 1 },
      { subscription: 'erp-postings', status: 'delivered', count: 10 },
      { subscription: 'sup-850', status: 'dead', count: 1 },
      { subscription: 'sup-850', status: 'blocked', count: 2 },
      { subscription: 'sup-850', status: 'delivered', count: 5 },
      { subscription: 'retired-feed', status: 'delivered', count: 3 },
      { subscription: 'retired-feed', status: 'withdrawn', count: 4 },
      { subscription: 'sup-850', status: 'withdrawn', count: 1 },
    ],
  });
  const source = (id: string) => {
    const found = health.sources.find((s) => s.source === id);
    assert.ok(found, `a row for ${id}`);
    return found;
  };

  it('lists every declared publisher and every source seen, in order', () => {
    assert.deepEqual(
      health.sources.map((s) => s.source),
      ['/partners/sup-0042', '/systems/erp-core', '/systems/legacy-mes', '/systems/mes-p01', '/systems/wms-p01'],
    );
  });

  it("measures a source's rate and lag percentiles over the window, against its declared maximum lag", () => {
    const erp = source('/systems/erp-core');
    // 4 events in 4 hours; nearest rank over [1, 2, 3, 40]: p50 = rank 2, p90 and p99 = rank 4.
    assert.equal(erp.events, 4);
    assert.equal(erp.perHour, 1);
    assert.deepEqual(erp.lag, { p50Minutes: 2, p90Minutes: 40, p99Minutes: 40 });
    assert.equal(erp.maxLagMinutes, 15);
    assert.equal(erp.status, 'late');
    assert.deepEqual(erp.problems, ['1 of 4 events later than the declared maximum lag']);
    // All-time figures come from the flows: 100 events, 3 breaches, last at 03:10.
    assert.equal(erp.totalEvents, 100);
    assert.equal(erp.totalLagBreaches, 3);
    assert.equal(erp.lastEventAt, '2026-03-02T03:10:00.000Z');
    assert.deepEqual(
      erp.channels.map((c) => [c.channel, c.events, c.lastEventAt, c.held, c.quarantined]),
      [['api', 4, '2026-03-02T03:10:00.000Z', 0, 0]],
    );
  });

  it('puts refusals and held quarantine on the channel they came through, and calls the source failing', () => {
    const supplier = source('/partners/sup-0042');
    assert.equal(supplier.status, 'failing');
    assert.deepEqual(supplier.publisher, { kind: 'partner', id: 'sup-0042', name: 'Acme Fasteners', mode: 'enforce' });
    assert.equal(supplier.maxLagMinutes, 60);
    const [api, x12] = supplier.channels;
    assert.deepEqual([api?.channel, api?.events, api?.refused, api?.refusedByCode], ['api', 0, 4, { contract_violation: 1, forbidden_object: 3 }]);
    // Two X12 events in 4 hours = 0.5 an hour; lags [10, 20]: p50 = 10, p90 = p99 = 20.
    assert.deepEqual([x12?.channel, x12?.events, x12?.perHour, x12?.lag], ['x12', 2, 0.5, { p50Minutes: 10, p90Minutes: 20, p99Minutes: 20 }]);
    // One entry quarantined in the window, two held (one from before the window).
    assert.deepEqual([x12?.quarantined, x12?.held], [1, 2]);
    assert.deepEqual(supplier.problems, ['2 messages held in quarantine', '4 requests refused since the hub started']);
  });

  it('calls a source overdue when it has been quiet for longer than its declared cadence', () => {
    // Last event 2026-03-01 20:00, now 2026-03-02 04:00: quiet for 8 h, expected every 2 h.
    const mes = source('/systems/mes-p01');
    assert.deepEqual([mes.status, mes.cadenceMinutes, mes.problems], ['overdue', 120, ['no event for 8h; expected at least every 2h']]);
  });

  it('calls a source silent when it sent nothing in the window, and says when it never sent or is not declared', () => {
    // Quiet for 10 h, within its 12 h cadence: silent, not overdue.
    const wms = source('/systems/wms-p01');
    assert.deepEqual([wms.status, wms.cadenceMinutes], ['silent', 720]);
    assert.equal(wms.lastEventAt, '2026-03-01T18:00:00.000Z');
    assert.deepEqual(wms.lag, { p50Minutes: null, p90Minutes: null, p99Minutes: null });
    assert.equal(wms.maxLagMinutes, null);
    // Its CSV entry was quarantined in the window and reprocessed: counted, not held.
    assert.deepEqual(wms.channels.map((c) => [c.channel, c.quarantined, c.held]), [['csv', 1, 0]]);
    const legacy = source('/systems/legacy-mes');
    assert.equal(legacy.publisher, undefined);
    assert.deepEqual(legacy.problems, ['sent nothing in the window', 'not declared in the manifest']);
  });

  it('gives each subscriber its backlog, blocked deliveries, dead letters and withdrawn deliveries', () => {
    // Withdrawn (ADR 0052: never sent, the manifest narrowed or removed the subscription) is
    // neither backlog nor failure, and is shown so that the operator sees what was not sent.
    assert.deepEqual(
      health.subscribers.map((s) => [s.subscription, s.subscriber, s.channel, s.backlog, s.blocked, s.dead, s.delivered, s.withdrawn, s.status]),
      [
        ['erp-postings', 'erp-core', 'webhook', 3, 0, 0, 10, 0, 'backlog'],
        ['retired-feed', 'unknown', 'unknown', 0, 0, 0, 3, 4, 'healthy'],
        ['sup-850', 'sup-0042', 'x12', 0, 2, 1, 5, 1, 'failing'],
      ],
    );
  });

  it('adds up the totals a header shows', () => {
    // Needing attention: the ERP (late), the supplier (failing), the MES (overdue), the sup-850 subscription (failing).
    assert.deepEqual(health.totals, { sources: 5, needingAttention: 4, events: 6, refused: 4, held: 2, backlog: 3, deadLetters: 1 });
  });

  it('answers for an empty store: every declared publisher silent (overdue where a cadence is declared), nothing counted', () => {
    const empty = integrationHealth({ now: WINDOW.to, window: WINDOW, manifest, flows: [], events: [], quarantine: [], refusals: [], refusalsSince: WINDOW.from, deliveries: [] });
    assert.deepEqual(
      empty.sources.map((s) => [s.source, s.status, s.problems, s.lastEventAt, s.totalEvents, s.channels.length]),
      [
        ['/partners/sup-0042', 'silent', ['has never sent an event'], null, 0, 0],
        ['/systems/erp-core', 'silent', ['has never sent an event'], null, 0, 0],
        ['/systems/mes-p01', 'overdue', ['no event yet; expected at least every 2h'], null, 0, 0],
        ['/systems/wms-p01', 'overdue', ['no event yet; expected at least every 12h'], null, 0, 0],
      ],
    );
    assert.deepEqual(empty.subscribers.map((s) => [s.subscription, s.backlog, s.dead, s.status]), [
      ['erp-postings', 0, 0, 'healthy'],
      ['sup-850', 0, 0, 'healthy'],
    ]);
    assert.deepEqual(empty.totals, { sources: 4, needingAttention: 2, events: 0, refused: 0, held: 0, backlog: 0, deadLetters: 0 });
    const nothing = integrationHealth({ now: WINDOW.to, window: WINDOW, manifest: { systems: [], partners: [], subscriptions: [] }, flows: [], events: [], quarantine: [], refusals: [], refusalsSince: WINDOW.from, deliveries: [] });
    assert.deepEqual([nothing.sources, nothing.subscribers], [[], []]);
  });

  it('refuses a window that does not end after it starts', () => {
    assert.throws(() => integrationHealth({ now: WINDOW.to, window: { from: WINDOW.to, to: WINDOW.from }, manifest, flows: [], events: [], quarantine: [], refusals: [], refusalsSince: WINDOW.from, deliveries: [] }), /must end after it starts/);
  });

  it('tells the channel from the event id: X12 control numbers, a CSV mapping, else the events API', () => {
    const mappings = new Map([['wms-receipts', 'csv'], ['line-3-completions', 'mqtt']]);
    assert.equal(channelOfEvent({ id: 'x12:ZZ:ACME:000000101:101:0001' }, mappings), 'x12');
    assert.equal(channelOfEvent({ id: 'wms-receipts/GR-1' }, mappings), 'csv');
    assert.equal(channelOfEvent({ id: 'other/GR-1' }, mappings), 'api');
    assert.equal(channelOfEvent({ id: 'erp-po-1' }, mappings), 'api');
    assert.equal(channelOfEvent({ id: 'line-3-completions/press-07/118' }, mappings), 'mqtt');
  });
});
