// A PO line with a long history: a blanket PO received daily for years, a line received pallet by
// pallet. One more receipt must cost about what the first did (it once walked, copied and summed
// every receipt and posting before it: 20,000 receipts took about 50 s), and the outcome must be
// what it always was.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openGrirOf, receivedOf, rejectedOf, stageOf } from '../../../src/core/p2p/p2p-state.js';
import { HOUR, P2PScenario } from '../../support/p2p-scenario.js';

/** Pallets of 7 EA at 12.50 USD; every 10th has 1 EA rejected, every 25th is reversed by a second event with the same receipt id. */
function palletStory(pallets: number): P2PScenario {
  const s = new P2PScenario();
  s.release([{ line: 10, quantity: String(pallets * 7), unitPrice: '12.5000' }]);
  s.confirm([{ line: 10, status: 'accepted' }]);
  for (let n = 1; n <= pallets; n += 1) {
    s.advance(HOUR);
    s.receive(`GR-${n}`, [{ line: 10, quantity: '7', ...(n % 10 === 0 ? { rejectedQuantity: '1' } : {}) }]);
    if (n % 25 === 0) s.receive(`GR-${n}`, [{ line: 10, quantity: '7', reversal: true }]);
  }
  return s;
}

/**
 * Counts how often the workflow reads the line's receipts so far: any field of any of them. Each
 * receipt record is seen through a proxy (a copy of the line's record of receipts copies the
 * proxies along).
 */
function countReceiptReads(s: P2PScenario): { reads: () => number } {
  const state = s.line(10);
  let reads = 0;
  const counted = Object.fromEntries(
    Object.entries(state.receipts).map(([eventId, receipt]) => [
      eventId,
      new Proxy(receipt, {
        get(target, key, receiver) {
          reads += 1;
          return Reflect.get(target, key, receiver) as unknown;
        },
      }),
    ]),
  );
  s.lines.load({ ...state, receipts: counted });
  return { reads: () => reads };
}

describe('a PO line received pallet by pallet', () => {
  it('accrues each pallet once, takes back each reversal and rebuilds byte for byte', () => {
    const s = palletStory(400);
    const line = s.line(10);
    // 400 pallets of 7, 40 of them with 1 rejected, 16 reversed (7 each).
    assert.equal(receivedOf(line).toFixed(), String(400 * 7 - 40 - 16 * 7));
    assert.equal(rejectedOf(line).toFixed(), '40');
    assert.equal(s.postings('grir_accrual').length, 400);
    assert.equal(s.postings('reversal').length, 16);
    assert.equal(openGrirOf(line).toFixed(2), (2648 * 12.5).toFixed(2));
    assert.equal(stageOf(line), 'received');
    assert.deepEqual(s.live(), s.replay());
  });

  it('matches an invoice for everything received and clears GR/IR to zero', () => {
    const s = palletStory(300);
    s.advance(HOUR);
    const received = receivedOf(s.line(10)).toFixed();
    s.invoice('INV-ALL', [{ line: 10, quantity: received, unitPrice: '12.5000' }]);
    assert.equal(s.derived('invoice.matched').length, 1);
    assert.equal(openGrirOf(s.line(10)).toFixed(2), '0.00');
    assert.deepEqual(s.live(), s.replay());
  });

  it('raises over_receipt once however many pallets come after it', () => {
    const s = palletStory(50);
    for (let n = 51; n <= 80; n += 1) s.receive(`GR-${n}`, [{ line: 10, quantity: '7' }]);
    assert.equal(s.exceptions('over_receipt').length, 1);
  });

  it('reads a bounded number of earlier receipts for each new one, not every receipt the line has had', () => {
    const s = palletStory(2000);
    const counter = countReceiptReads(s);
    // The first receipt after the line was loaded may take stock of the record once.
    s.receive('GR-first-after-load', [{ line: 10, quantity: '7' }]);
    const before = counter.reads();
    for (let n = 0; n < 5; n += 1) s.receive(`GR-later-${n}`, [{ line: 10, quantity: '7' }]);
    const perReceipt = (counter.reads() - before) / 5;
    assert.ok(perReceipt <= 10, `${perReceipt} receipt reads per new receipt on a line with 2,000`);
  });
});
