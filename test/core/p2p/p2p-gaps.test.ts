// What a PO line waits for, as the lineage shows it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DAY, HOUR, P2PScenario, T0 } from '../../support/p2p-scenario.js';
import { addMs } from '../../../src/core/time.js';
import { lineGaps } from '../../../src/core/p2p/p2p-gaps.js';

describe('lineage gaps of a PO line', () => {
  it('expects the confirmation within its SLA, and says when it is overdue', () => {
    const s = new P2PScenario();
    s.release([{ line: 10, quantity: '100', unitPrice: '1.00' }]);
    assert.deepEqual(lineGaps(s.line(10), addMs(T0, HOUR)), [
      { line: 10, expected: 'the supplier confirms the line', since: T0, due: addMs(T0, DAY), overdue: false, owner: 'procurement', reason: 'supplier_confirmation' },
    ]);
    assert.equal(lineGaps(s.line(10), addMs(T0, DAY))[0]?.overdue, true);
  });

  it('names the team of an open exception, and expects the invoice once goods are received', () => {
    const s = new P2PScenario();
    s.release([{ line: 10, quantity: '100', unitPrice: '1.00' }]);
    s.advance(25 * HOUR); // no confirmation: late_confirmation to procurement
    const late = lineGaps(s.line(10), s.now).find((g) => g.reason === 'late_confirmation');
    assert.equal(late?.expected, 'procurement resolves late_confirmation');
    s.confirm([{ line: 10, status: 'accepted' }]);
    s.receive('GR-1', [{ line: 10, quantity: '100' }]);
    const gaps = lineGaps(s.line(10), s.now);
    assert.deepEqual(gaps.map((g) => [g.reason, g.since]), [['awaiting_invoice', s.now]]);
  });

  it('expects a credit memo or the goods again when goods are reversed after their invoice matched', () => {
    const s = new P2PScenario();
    s.release([{ line: 10, quantity: '100', unitPrice: '1.00' }]);
    s.confirm([{ line: 10, status: 'accepted' }]);
    s.receive('GR-1', [{ line: 10, quantity: '100' }]);
    s.invoice('INV-1', [{ line: 10, quantity: '100', unitPrice: '1.00' }]);
    s.advance(HOUR).receive('GR-1R', [{ line: 10, quantity: '40', reversal: true }]);
    assert.deepEqual(lineGaps(s.line(10), s.now), [
      {
        line: 10,
        expected: 'a credit memo from SUP-0042 for the goods reversed, or the goods received again (accounts-payable follows up)',
        since: s.now,
        overdue: false,
        owner: 'accounts-payable',
        reason: 'receipt_reversed_after_match',
      },
    ]);
    s.credit('CM-1', [{ line: 10, quantity: '40', unitPrice: '1.00' }]);
    assert.deepEqual(lineGaps(s.line(10), s.now), []);
  });

  it('has nothing to wait for once the line is posted', () => {
    const s = new P2PScenario();
    s.release([{ line: 10, quantity: '100', unitPrice: '1.00' }]);
    s.confirm([{ line: 10, status: 'accepted' }]);
    s.receive('GR-1', [{ line: 10, quantity: '100' }]);
    s.invoice('INV-1', [{ line: 10, quantity: '100', unitPrice: '1.00' }]);
    assert.deepEqual(lineGaps(s.line(10), s.now), []);
  });
});
