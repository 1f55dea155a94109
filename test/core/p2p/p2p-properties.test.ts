// Invariants over many generated stories (fast-check): arrival order of receipts and invoices
// does not change the outcome, and a replay of the log rebuilds exactly the live state.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { HOUR, P2PScenario } from '../../support/p2p-scenario.js';
import { matchedOf, openExceptionsOf, openGrirOf, stageOf } from '../../../src/core/p2p/p2p-state.js';

type Arrival = { kind: 'receipt'; id: string; quantity: number } | { kind: 'invoice'; id: string; quantity: number; cents: number };

/** Receipts that add up to at most the ordered 100 and invoices that bill at most what is received. */
const story = fc
  .record({
    receipts: fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 4 }),
    invoiceShares: fc.array(fc.integer({ min: 1, max: 100 }), { minLength: 1, maxLength: 4 }),
    prices: fc.array(fc.integer({ min: 1240, max: 1260 }), { minLength: 4, maxLength: 4 }),
  })
  .map(({ receipts, invoiceShares, prices }) => {
    let left = 100;
    const receiptQuantities = receipts.map((q) => {
      const take = Math.min(q, left);
      left -= take;
      return take;
    }).filter((q) => q > 0);
    const received = receiptQuantities.reduce((a, b) => a + b, 0);
    const total = invoiceShares.reduce((a, b) => a + b, 0);
    let billed = 0;
    const invoices = invoiceShares.map((share, i) => {
      const quantity = i === invoiceShares.length - 1 ? received - billed : Math.floor((share / total) * received);
      billed += quantity;
      return { id: `INV-${i}`, quantity, cents: prices[i] ?? 1250 };
    }).filter((inv) => inv.quantity > 0);
    const arrivals: Arrival[] = [
      ...receiptQuantities.map((quantity, i) => ({ kind: 'receipt' as const, id: `GR-${i}`, quantity })),
      ...invoices.map((inv) => ({ kind: 'invoice' as const, ...inv })),
    ];
    return arrivals;
  });

/** A credit memo naming one of the story's invoices. */
type CreditedArrival = Arrival | { kind: 'credit'; id: string; invoice: string; quantity: number; cents: number };

function run(arrivals: readonly CreditedArrival[]): P2PScenario {
  const s = new P2PScenario();
  s.release([{ line: 10, quantity: '100', unitPrice: '12.5000' }]);
  s.confirm([{ line: 10, status: 'accepted' }]);
  for (const arrival of arrivals) {
    s.advance(HOUR);
    if (arrival.kind === 'receipt') s.receive(arrival.id, [{ line: 10, quantity: String(arrival.quantity) }]);
    else if (arrival.kind === 'invoice') s.invoice(arrival.id, [{ line: 10, quantity: String(arrival.quantity), unitPrice: (arrival.cents / 100).toFixed(4) }]);
    else s.credit(arrival.id, [{ line: 10, quantity: String(arrival.quantity), unitPrice: (arrival.cents / 100).toFixed(4) }], { invoiceNumber: arrival.invoice });
  }
  return s;
}

function outcome(s: P2PScenario) {
  const line = s.line(10);
  return {
    matched: Object.values(line.invoices).filter((i) => i.status === 'matched').map((i) => i.invoiceNumber).sort(),
    matchedQuantity: matchedOf(line).toFixed(),
    grir: openGrirOf(line).toFixed(),
    liabilities: s.postings('ap_liability').map((p) => `${String(p.invoiceNumber)}=${String(p.amount)}`).sort(),
    stage: stageOf(line),
  };
}

describe('P2P invariants', () => {
  it('reaches the same match outcome and GR/IR balance whatever the order receipts and invoices arrive in', () => {
    fc.assert(
      fc.property(story.chain((arrivals) => fc.tuple(fc.constant(arrivals), fc.shuffledSubarray(arrivals, { minLength: arrivals.length, maxLength: arrivals.length }))), ([inOrder, shuffled]) => {
        assert.deepEqual(outcome(run(shuffled)), outcome(run(inOrder)));
      }),
      { numRuns: 150 },
    );
  });

  it('matches every invoice and clears GR/IR once all goods are received and billed within tolerance', () => {
    fc.assert(
      fc.property(story, (arrivals) => {
        const result = outcome(run(arrivals));
        const invoices = arrivals.filter((a) => a.kind === 'invoice').map((a) => a.id).sort();
        assert.deepEqual(result.matched, invoices);
        assert.equal(result.grir, '0');
      }),
      { numRuns: 100 },
    );
  });

  it('never matches an invoice while one that came before it is held for its goods (held invoices take the goods in the order they came)', () => {
    fc.assert(
      fc.property(story.chain((arrivals) => fc.shuffledSubarray(arrivals, { minLength: arrivals.length, maxLength: arrivals.length })), (arrivals) => {
        const s = new P2PScenario();
        s.release([{ line: 10, quantity: '100', unitPrice: '12.5000' }]);
        for (const arrival of arrivals) {
          s.advance(HOUR);
          if (arrival.kind === 'receipt') s.receive(arrival.id, [{ line: 10, quantity: String(arrival.quantity) }]);
          else if (arrival.kind === 'invoice') s.invoice(arrival.id, [{ line: 10, quantity: String(arrival.quantity), unitPrice: (arrival.cents / 100).toFixed(4) }]);
          const invoices = Object.values(s.line(10).invoices);
          for (const held of invoices.filter((i) => i.status === 'held')) {
            assert.deepEqual(invoices.filter((i) => i.seq > held.seq && i.status === 'matched').map((i) => i.invoiceNumber), [], `${held.invoiceNumber} is held`);
          }
        }
        assert.deepEqual(s.replay(), s.live());
      }),
      { numRuns: 150 },
    );
  });

  /** The story above with a credit memo for some of its invoices, each naming its invoice and taking back part of it. */
  const credited = story.chain((arrivals) => {
    const invoices = arrivals.flatMap((a) => (a.kind === 'invoice' ? [a] : []));
    return fc
      .tuple(...invoices.map((invoice) => fc.option(fc.record({ share: fc.integer({ min: 1, max: invoice.quantity }), cents: fc.integer({ min: 1240, max: 1260 }) }), { nil: undefined })))
      .map((credits) => [
        ...arrivals,
        ...credits.flatMap((credit, i) => {
          const invoice = invoices[i];
          return credit === undefined || invoice === undefined ? [] : [{ kind: 'credit' as const, id: `CM-${i}`, invoice: invoice.id, quantity: credit.share, cents: credit.cents }];
        }),
      ]);
  });

  it('reaches the same outcome whatever the order, when credit memos may come before or after the invoice they name', () => {
    const withCredits = (s: P2PScenario) => ({
      ...outcome(s),
      credits: Object.values(s.line(10).credits).map((c) => `${c.creditMemoNumber}=${c.status}`).sort(),
      open: openExceptionsOf(s.line(10)).map((e) => e.code),
    });
    fc.assert(
      fc.property(credited.chain((arrivals) => fc.tuple(fc.constant(arrivals), fc.shuffledSubarray(arrivals, { minLength: arrivals.length, maxLength: arrivals.length }))), ([inOrder, shuffled]) => {
        const expected = withCredits(run(inOrder));
        // In story order every credit memo comes after its invoice and all goods: it is applied, nothing is left open.
        assert.deepEqual(expected.credits, inOrder.flatMap((a) => (a.kind === 'credit' ? [`${a.id}=applied`] : [])).sort());
        assert.deepEqual(expected.open, []);
        const s = run(shuffled);
        assert.deepEqual(withCredits(s), expected);
        assert.deepEqual(s.replay(), s.live());
      }),
      { numRuns: 150 },
    );
  });

  const step = fc.oneof(
    fc.record({ kind: fc.constant('advance' as const), hours: fc.integer({ min: 1, max: 72 }) }),
    fc.record({ kind: fc.constant('confirm' as const), status: fc.constantFrom('accepted', 'changed', 'rejected'), quantity: fc.integer({ min: 50, max: 120 }) }),
    fc.record({ kind: fc.constant('ship' as const), n: fc.integer({ min: 1, max: 3 }), quantity: fc.integer({ min: 1, max: 60 }), etaHours: fc.integer({ min: 1, max: 100 }) }),
    fc.record({ kind: fc.constant('receive' as const), n: fc.integer({ min: 1, max: 5 }), quantity: fc.integer({ min: 1, max: 70 }), rejected: fc.integer({ min: 0, max: 3 }), reversal: fc.boolean() }),
    fc.record({ kind: fc.constant('invoice' as const), n: fc.integer({ min: 1, max: 4 }), quantity: fc.integer({ min: 1, max: 80 }), cents: fc.integer({ min: 1200, max: 1300 }), resend: fc.boolean() }),
    // A credit memo naming one of the invoices, or none (then it may belong to the only one, held or matched).
    fc.record({ kind: fc.constant('credit' as const), n: fc.integer({ min: 1, max: 4 }), quantity: fc.integer({ min: 1, max: 40 }), cents: fc.integer({ min: 1200, max: 1300 }), named: fc.boolean() }),
    // A credit memo ahead of the invoice it names, the invoice some minutes later or never (then the SLA may pass).
    fc.record({ kind: fc.constant('creditAhead' as const), n: fc.integer({ min: 5, max: 6 }), quantity: fc.integer({ min: 1, max: 40 }), minutes: fc.integer({ min: 1, max: 600 }), invoiced: fc.boolean() }),
    // A revision may move the price too: the open invoices of the line are weighed again (ADR 0050).
    fc.record({ kind: fc.constant('change' as const), quantity: fc.integer({ min: 50, max: 150 }), price: fc.constantFrom('12.5000', '12.0000', '13.0000', '13.5000') }),
    fc.record({ kind: fc.constant('cancel' as const) }),
  );

  it('rebuilds the live state byte for byte by replaying the log, for any story', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.array(step, { maxLength: 25 }), (releaseFirst, steps) => {
        const s = new P2PScenario();
        const release = () => s.release([{ line: 10, quantity: '100', unitPrice: '12.5000' }, { line: 20, quantity: '10', unitPrice: '3.0000' }]);
        if (releaseFirst) release();
        let revision = 0;
        steps.forEach((st, i) => {
          switch (st.kind) {
            case 'advance':
              s.advance(st.hours * HOUR);
              break;
            case 'confirm':
              s.confirm([{ line: 10, status: st.status, ...(st.status === 'changed' ? { quantity: String(st.quantity) } : {}) }]);
              break;
            case 'ship':
              s.ship(`ASN-${st.n}`, [{ line: 10, quantity: String(st.quantity) }, { line: 20, quantity: '1' }], new Date(Date.parse(s.now) + st.etaHours * HOUR).toISOString());
              break;
            case 'receive':
              s.receive(`GR-${st.n}-${i}`, [{ line: 10, quantity: String(st.quantity), rejectedQuantity: String(Math.min(st.rejected, st.quantity)), reversal: st.reversal }]);
              break;
            case 'invoice':
              s.invoice(`INV-${st.n}`, [{ line: 10, quantity: String(st.quantity), unitPrice: (st.cents / 100).toFixed(4) }], st.resend ? { id: `resend-${i}` } : {});
              break;
            case 'credit':
              s.credit(`CM-${st.n}-${i}`, [{ line: 10, quantity: String(st.quantity), unitPrice: (st.cents / 100).toFixed(4) }], st.named ? { invoiceNumber: `INV-${st.n}` } : {});
              break;
            case 'creditAhead':
              s.credit(`CM-${st.n}-${i}`, [{ line: 10, quantity: String(st.quantity), unitPrice: '12.5000' }], { invoiceNumber: `INV-${st.n}` });
              s.advance(st.minutes * 60_000);
              if (st.invoiced) s.invoice(`INV-${st.n}`, [{ line: 10, quantity: String(st.quantity + 10), unitPrice: '12.5000' }]);
              break;
            case 'change':
              revision += 1;
              s.send('po.changed', '/systems/erp-core', {
                poNumber: '4500012345',
                supplierId: 'SUP-0042',
                buyerPlant: 'P01',
                currency: 'USD',
                revision,
                lines: [{ line: 10, itemId: 'ITM-10023', quantity: String(st.quantity), uom: 'EA', unitPrice: st.price, needBy: '2026-03-16' }],
              });
              break;
            case 'cancel':
              s.send('po.cancelled', '/systems/erp-core', { poNumber: '4500012345', lines: [10] });
              break;
          }
          if (!releaseFirst && i === Math.floor(steps.length / 2)) release();
        });
        assert.deepEqual(s.replay(), s.live());
      }),
      { numRuns: 200 },
    );
  });
});
