// A rehearsal's clock follows the events' times, a leap second (RFC 3339's 23:59:60) included.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_CONTRACTS_DIR } from './config.js';
import { loadContracts } from './hub.js';
import { RehearsalClock, runRehearsal } from './rehearsal.js';

function released(time: string) {
  return {
    specversion: '1.0',
    id: 'po-1',
    source: '/systems/erp-core',
    type: 'po.released',
    time,
    correlationid: 'PO-4500012345',
    data: { poNumber: '4500012345', supplierId: 'SUP-0042', buyerPlant: 'P01', currency: 'USD', lines: [{ line: 10, itemId: 'ITEM-1', quantity: '10', uom: 'EA', unitPrice: '2.50', needBy: '2017-01-15' }] },
  };
}

describe('rehearsal', () => {
  it('moves its clock to a leap second as to second 59 of that minute, never back', () => {
    const clock = new RehearsalClock();
    clock.set('2016-12-31T23:59:60Z');
    assert.equal(clock.now().toISOString(), '2016-12-31T23:59:59.000Z');
    clock.set('2016-12-31T23:00:00Z');
    assert.equal(clock.now().toISOString(), '2016-12-31T23:59:59.000Z');
  });

  it('starts the timers of an event timed at a leap second from its time', async () => {
    const contracts = loadContracts(DEFAULT_CONTRACTS_DIR);
    for (const [time, started] of [
      ['2016-12-31T23:59:59Z', '2016-12-31T23:59:59.000Z'],
      ['2016-12-31T23:59:60Z', '2016-12-31T23:59:59.000Z'],
    ] as const) {
      const report = await runRehearsal(contracts, undefined, { entries: [{ line: 1, event: released(time) }] });
      assert.equal(report.accepted, 1, JSON.stringify(report.rejected));
      assert.deepEqual(
        report.derived.filter((event) => event.type === 'sla.started').map((event) => event.time),
        [started],
      );
    }
  });
});
