// Sync lag per source over a window, on hand-built samples whose answers are worked out below.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LagSample } from '../../../src/core/kpis/sync-lag.js';
import { syncLagBySource } from '../../../src/core/kpis/sync-lag.js';

const DAY = { from: '2026-03-02T00:00:00Z', to: '2026-03-03T00:00:00Z' };
const policies: Record<string, Record<string, string>> = { '/systems/erp-core': { default: '15m' }, '/systems/wms-p01': { default: '4h' } };
const maxLagOf = (source: string) => policies[source];

const samples: LagSample[] = [
  // erp-core, in the window: lags 10, 20, 130 (marked late at the door) and 5 minutes, the last
  // one written in Detroit time (07:55-05:00 = 12:55Z, received 13:00Z).
  { source: '/systems/erp-core', time: '2026-03-02T08:00:00Z', receivedTime: '2026-03-02T08:10:00Z', lagBreach: false },
  { source: '/systems/erp-core', time: '2026-03-02T09:00:00Z', receivedTime: '2026-03-02T09:20:00Z', lagBreach: false },
  { source: '/systems/erp-core', time: '2026-03-02T10:00:00Z', receivedTime: '2026-03-02T12:10:00Z', lagBreach: true },
  { source: '/systems/erp-core', time: '2026-03-02T07:55:00-05:00', receivedTime: '2026-03-02T13:00:00Z', lagBreach: false },
  // Outside: received the moment the window ends (it is half-open), and the evening before.
  { source: '/systems/erp-core', time: '2026-03-02T20:00:00Z', receivedTime: '2026-03-03T00:00:00Z', lagBreach: true },
  { source: '/systems/erp-core', time: '2026-03-01T20:00:00Z', receivedTime: '2026-03-01T23:59:59Z', lagBreach: true },
  // A supplier without a policy, whose event has no time of its own: counted, no lag measured.
  { source: '/partners/sup-0042', receivedTime: '2026-03-02T11:00:00Z', lagBreach: false },
  // A warehouse whose clock runs three minutes ahead of the hub's: the lag is 0, not -3.
  { source: '/systems/wms-p01', time: '2026-03-02T14:03:00Z', receivedTime: '2026-03-02T14:00:00Z', lagBreach: false },
];

describe('sync lag per source', () => {
  it('counts the events received in the window, their lag against the policy, and the marks of the door', () => {
    const bySource = syncLagBySource(samples, DAY, maxLagOf);
    assert.deepEqual(bySource, [
      {
        source: '/partners/sup-0042',
        events: 1,
        lagBreaches: 0,
        breachRate: 0,
        medianLagMinutes: null,
        p90LagMinutes: null,
        worstLagMinutes: null,
        withinPolicy: null,
      },
      {
        // Lags sorted 5, 10, 20, 130: the median is the 2nd (nearest rank of 50% of 4), p90 the 4th.
        source: '/systems/erp-core',
        events: 4,
        lagBreaches: 1,
        breachRate: 0.25,
        medianLagMinutes: 10,
        p90LagMinutes: 130,
        worstLagMinutes: 130,
        maxLag: { default: '15m' },
        withinPolicy: false,
      },
      {
        source: '/systems/wms-p01',
        events: 1,
        lagBreaches: 0,
        breachRate: 0,
        medianLagMinutes: 0,
        p90LagMinutes: 0,
        worstLagMinutes: 0,
        maxLag: { default: '4h' },
        withinPolicy: true,
      },
    ]);
  });

  it('takes a window written in another offset as the same instants', () => {
    const detroit = { from: '2026-03-01T19:00:00-05:00', to: '2026-03-02T19:00:00-05:00' };
    assert.deepEqual(syncLagBySource(samples, detroit, maxLagOf), syncLagBySource(samples, DAY, maxLagOf));
  });

  it('lists no source for an empty window', () => {
    assert.deepEqual(syncLagBySource(samples, { from: '2026-03-05T00:00:00Z', to: '2026-03-06T00:00:00Z' }, maxLagOf), []);
    assert.deepEqual(syncLagBySource([], DAY, maxLagOf), []);
  });
});
