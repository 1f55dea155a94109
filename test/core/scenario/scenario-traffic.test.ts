import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readX12 } from '../../../src/core/x12/x12-syntax.js';
import { expectedOutcome, pointToPointComparison } from '../../../src/core/scenario/scenario-outcome.js';
import { generateScenario, TICK_MS } from '../../../src/core/scenario/scenario-traffic.js';

describe('the demo scenario generator', () => {
  const scenario = generateScenario({ seed: 3, days: 2, plants: 3, suppliers: 40 });

  it('gives the same traffic for the same seed, and other traffic for another seed', () => {
    assert.deepEqual(generateScenario({ seed: 3, days: 2, plants: 3, suppliers: 40 }).messages, scenario.messages);
    assert.notDeepEqual(generateScenario({ seed: 4, days: 2, plants: 3, suppliers: 40 }).messages.slice(0, 20), scenario.messages.slice(0, 20));
  });

  it('delivers every message on a 15-minute tick inside the scenario, in arrival order', () => {
    const start = Date.parse(scenario.start);
    const end = Date.parse(scenario.end);
    let previous = start;
    for (const message of scenario.messages) {
      const at = Date.parse(message.at);
      assert.equal((at - start) % TICK_MS, 0, message.what);
      assert.ok(at >= previous && at < end, message.what);
      previous = at;
    }
  });

  it('sends each message through its channel, from a sender the manifest declares', () => {
    const manifest = scenario.manifest as { systems: { id: string }[]; partners: { id: string; protocols: string[] }[]; csvMappings: { id: string; source: string }[] };
    const declared = new Set([...manifest.systems.map((s) => `system:${s.id}`), ...manifest.partners.map((p) => `partner:${p.id}`)]);
    const mappings = new Map(manifest.csvMappings.map((m) => [m.id, m.source]));
    for (const message of scenario.messages) {
      assert.ok(declared.has(`${message.sender.kind}:${message.sender.id}`), message.what);
      if (message.channel === 'csv') assert.equal(mappings.get(message.csv?.mapping ?? ''), message.sender.id);
      if (message.channel === 'x12') assert.equal(readX12(message.x12 ?? '').interchanges.length, 1);
      if (message.channel === 'http') assert.equal(message.events?.length, message.eventTypes.length);
    }
    assert.deepEqual([...new Set(scenario.messages.map((m) => m.channel))].sort(), ['csv', 'http', 'x12']);
  });

  it('keeps the faults real operations have: late and changed confirmations, early, off-price and re-scanned invoices, retries', () => {
    assert.ok(scenario.lines.some((l) => l.confirmationChanged));
    assert.ok(scenario.lines.some((l) => (l.confirmationArrival ?? 0) > l.confirmationDeadline));
    assert.ok(scenario.lines.some((l) => l.invoicePrice === 'beyond'));
    assert.ok(scenario.lines.some((l) => l.invoiceArrival !== undefined && l.receiptArrival !== undefined && l.invoiceArrival < l.receiptArrival));
    for (const outcome of ['contract_violation', 'x12_envelope', 'conflict', 'forbidden']) assert.ok(scenario.messages.some((m) => m.expect === outcome), outcome);
  });

  it('derives the baseline from the traffic: every re-scan and retry is a duplicate posting point to point', () => {
    const end = Date.parse(scenario.end);
    const comparison = pointToPointComparison(scenario, { manualExceptions: 0, refusalsUnanswered: 0, lagBreachesFlagged: 0 });
    const rescans = scenario.lines.filter((l) => (l.duplicateInvoiceArrival ?? end) < end).length;
    const retries = scenario.lines.reduce((total, l) => total + l.postingRetries, 0);
    assert.equal(comparison.duplicatePostings.pointToPoint, rescans + retries);
    assert.equal(comparison.lateDataUnflagged.pointToPoint, Object.values(expectedOutcome(scenario).lagBreaches).reduce((a, b) => a + b, 0));
  });
});
