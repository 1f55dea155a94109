// Integration health read from a real log (SQLite in memory): only the window's events count,
// found by bisecting sequences; a window busier than the limit is measured over its latest
// events and says so; refusals are counted per source, channel and code, operators excepted.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SqliteStore } from '../adapters/index.js';
import { loadSetup } from '../bootstrap/index.js';
import type { CloudEvent, Manifest } from '../core/index.js';
import { EXAMPLE_MANIFEST } from '../../test/support/hub.js';
import { IntakeRefusals, IntegrationHealthQueries } from './integration-health-queries.js';

const NOW = Date.parse('2026-03-10T12:00:00.000Z');
const clock = { now: () => new Date(NOW) };
const viewer = { kind: 'operator', id: 'plant-manager', role: 'viewer' } as const;

function event(id: string, source: string, receivedMs: number, lagMinutes: number): CloudEvent {
  return { specversion: '1.0', id, source, type: 'po.released', time: new Date(receivedMs - lagMinutes * 60_000).toISOString(), data: {} };
}

describe('integration health from the log', () => {
  const store = new SqliteStore(':memory:');
  let manifest: Manifest;
  const refusals = new IntakeRefusals(clock);
  const health = (maxEvents?: number) => new IntegrationHealthQueries(store, store, store.quarantines, store.deliveries, manifest, refusals, clock, maxEvents === undefined ? {} : { maxEvents });

  before(async () => {
    manifest = loadSetup({ manifestPath: EXAMPLE_MANIFEST }, {}).manifest;
    // 30 events an hour apart (the last 30 minutes before now), each its own commit; then 6
    // in the last hour (55 to 5 minutes ago), lags 1..6 minutes, the first two of them X12.
    for (let i = 0; i < 30; i += 1) {
      const at = NOW - 30 * 60_000 - (30 - i) * 3_600_000;
      await store.appendBatches([[event(`old-${i}`, '/systems/erp-core', at, 1)]], new Date(at).toISOString());
    }
    for (let i = 1; i <= 6; i += 1) {
      const at = NOW - (65 - i * 10) * 60_000;
      const id = i <= 2 ? `x12:ZZ:ERPCORE:00000000${i}:${i}:0001` : `new-${i}`;
      await store.appendBatches([[event(id, '/systems/erp-core', at, i)]], new Date(at).toISOString());
    }
  });
  after(() => store.close());

  it('counts only the events received in the window, per channel, with their lag percentiles', async () => {
    const answer = await health().health(viewer, 1);
    const erp = answer.sources.find((s) => s.source === '/systems/erp-core')!;
    // X12: lags 1 and 2 (p50 = rank 1 = 1); API: lags 3..6 (p50 = rank 2 = 4, p90 = p99 = rank 4 = 6).
    assert.deepEqual(
      erp.channels.map((c) => [c.channel, c.events, c.lag.p50Minutes, c.lag.p99Minutes]),
      [['api', 4, 4, 6], ['x12', 2, 1, 2]],
    );
    assert.equal(erp.events, 6);
    assert.equal(erp.perHour, 6);
    assert.equal(answer.truncated, false);
    assert.deepEqual(answer.window, { from: '2026-03-10T11:00:00.000Z', to: '2026-03-10T12:00:00.000Z' });
    // Over 48 hours the older ones count too: 30 + 6.
    assert.equal((await health().health(viewer, 48)).sources.find((s) => s.source === '/systems/erp-core')!.events, 36);
  });

  it('measures a window busier than the limit over its latest events, and says so', async () => {
    const answer = await health(4).health(viewer, 48);
    assert.equal(answer.truncated, true);
    assert.equal(answer.sources.find((s) => s.source === '/systems/erp-core')!.events, 4);
    // The latest 4 are the API's, from 35 minutes ago on.
    assert.equal(answer.window.from, new Date(NOW - 35 * 60_000).toISOString());
  });

  it('counts refusals per source, channel and code, not those of operators', async () => {
    refusals.record({ kind: 'system', id: 'wms-p01' }, 'api', 'forbidden_event_type');
    refusals.record({ kind: 'system', id: 'wms-p01' }, 'api', 'forbidden_event_type');
    refusals.record({ kind: 'partner', id: 'sup-0107' }, 'x12', 'forbidden_x12_sender');
    refusals.record({ kind: 'operator', id: 'ap-lead', role: 'operator' }, 'api', 'invalid_request');
    assert.deepEqual(
      refusals.snapshot().map((r) => [r.source, r.channel, r.code, r.count]),
      [
        ['/systems/wms-p01', 'api', 'forbidden_event_type', 2],
        ['/partners/sup-0107', 'x12', 'forbidden_x12_sender', 1],
      ],
    );
    const wms = (await health().health(viewer, 1)).sources.find((s) => s.source === '/systems/wms-p01')!;
    assert.deepEqual([wms.status, wms.channels[0]?.refused], ['failing', 2]);
  });

  it('is for operator keys only', async () => {
    await assert.rejects(health().health({ kind: 'system', id: 'erp-core' }, 1), { code: 'forbidden_action' });
  });
});
