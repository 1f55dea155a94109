// What the scenario's traffic must produce, computed from the traffic alone: the door's answers
// by channel, the exceptions the procure-to-pay rules raise, the invoices that match, the lag
// breaches per source. And the same traffic through a point-to-point integration (no
// sequencing of invoices against receipts, no dedupe, no lag policy, no SLA timers), to show
// what governance changed. Assumptions of the baseline: docs/adr/0016-demo-scenario-and-baseline.md.
import { DEFAULT_EXCEPTION_OWNERS } from '../p2p/p2p-policy.js';
import type { LinePlan, Scenario } from './scenario-traffic.js';
import { HOUR } from './scenario-traffic.js';

export interface ExpectedOutcome {
  /** Messages and events per channel and door answer. */
  readonly door: Readonly<Record<string, { readonly messages: number; readonly events: number }>>;
  readonly exceptionsByCode: Readonly<Record<string, number>>;
  /** Invoice lines received (copies excluded) and matched by the end, as GET /v1/kpis counts them. */
  readonly invoices: { readonly lines: number; readonly matched: number; readonly held: number };
  /** Lag breaches per source (the plant outage's backlog). */
  readonly lagBreaches: Readonly<Record<string, number>>;
  readonly acceptedByType: Readonly<Record<string, number>>;
}

/** The team the generated manifest leaves each exception code with (the DESIGN.md defaults). */
export function ownerOfException(code: string): string {
  return (DEFAULT_EXCEPTION_OWNERS as Readonly<Record<string, string>>)[code] ?? 'unknown';
}

const count = (map: Map<string, number>, key: string, by = 1) => map.set(key, (map.get(key) ?? 0) + by);
const arrived = (ms: number | undefined, end: number): ms is number => ms !== undefined && ms < end;

export function expectedOutcome(scenario: Scenario): ExpectedOutcome {
  const end = Date.parse(scenario.end);
  const door = new Map<string, { messages: number; events: number }>();
  const acceptedByType = new Map<string, number>();
  const lagBreaches = new Map<string, number>();
  for (const message of scenario.messages) {
    const key = `${message.channel}:${message.expect}`;
    const entry = door.get(key) ?? { messages: 0, events: 0 };
    door.set(key, { messages: entry.messages + 1, events: entry.events + message.eventTypes.length });
    if (message.expect === 'accepted') for (const type of message.eventTypes) count(acceptedByType, type);
  }
  const exceptions = new Map<string, number>();
  let invoiceLines = 0;
  let matched = 0;
  let held = 0;
  const receiptsCounted = new Set<string>();
  for (const line of scenario.lines) {
    if (!arrived(line.releaseArrival, end)) continue;
    // The SLA timer fires at the deadline unless the confirmation came first; a confirmation dated after it is late too.
    const confirmedInTime = arrived(line.confirmationArrival, end) && line.confirmationArrival < line.confirmationDeadline && (line.confirmationAt ?? 0) <= line.confirmationDeadline;
    if (!confirmedInTime && line.confirmationDeadline <= end) count(exceptions, 'late_confirmation');
    if (line.confirmationChanged && arrived(line.confirmationArrival, end)) count(exceptions, 'confirmation_mismatch');
    if (arrived(line.invoiceArrival, end)) {
      invoiceLines += 1;
      if (line.invoicePrice === 'beyond') count(exceptions, 'price_variance');
      else if (arrived(line.receiptArrival, end)) matched += 1;
      else held += 1;
    }
    if (arrived(line.duplicateInvoiceArrival, end)) count(exceptions, 'duplicate_invoice');
    const receiptKey = `${line.poNumber}`;
    if (line.receiptLagBreach && arrived(line.receiptArrival, end) && !receiptsCounted.has(receiptKey)) {
      receiptsCounted.add(receiptKey);
      count(lagBreaches, `/systems/wms-${line.plant.toLowerCase()}`);
    }
  }
  return {
    door: Object.fromEntries(door),
    exceptionsByCode: Object.fromEntries(exceptions),
    invoices: { lines: invoiceLines, matched, held },
    lagBreaches: Object.fromEntries(lagBreaches),
    acceptedByType: Object.fromEntries(acceptedByType),
  };
}

export interface GovernanceComparison {
  readonly manualWork: { readonly governed: number; readonly pointToPoint: number };
  readonly duplicatePostings: { readonly avoided: number; readonly pointToPoint: number };
  readonly invoicesFailingMatch: { readonly governed: number; readonly pointToPoint: number };
  /** Hours from the moment a PO line is stuck (its confirmation overdue) to someone knowing. */
  /** Point to point only: the governed side is measured on the hub (the SLA timer's exceptions). */
  readonly hoursToDetectStuck: { readonly lines: number; readonly pointToPointMedian: number | null; readonly neverDetectedPointToPoint: number };
  /** Refused messages whose sender gets no answer: point to point, all of them; governed, as the hub answered. */
  readonly silentFailures: { readonly governed: number; readonly pointToPoint: number };
  /** Late data no one flags: point to point, every breach of a maximum lag; governed, as the hub flagged. */
  readonly lateDataUnflagged: { readonly governed: number; readonly pointToPoint: number };
}

function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.ceil(sorted.length / 2) - 1] ?? null;
}

/**
 * The same traffic, point to point: each message goes straight to the finance ERP as it comes.
 * An invoice that arrives before its receipt fails the ERP's match and waits for a clerk; every
 * resend and re-scan posts again; a stuck line is noticed only when its next document shows up;
 * refused or broken messages fail silently at the receiving end.
 */
export function pointToPointComparison(
  scenario: Scenario,
  governed: { readonly manualExceptions: number; readonly refusalsUnanswered: number; readonly lagBreachesFlagged: number },
): GovernanceComparison {
  const end = Date.parse(scenario.end);
  const lines = scenario.lines.filter((l) => arrived(l.releaseArrival, end));
  const invoiced = lines.filter((l) => arrived(l.invoiceArrival, end));
  const beforeReceipt = invoiced.filter((l) => !arrived(l.receiptArrival, end) || l.receiptArrival > (l.invoiceArrival ?? 0));
  const beyond = invoiced.filter((l) => l.invoicePrice === 'beyond');
  const rescans = lines.filter((l) => arrived(l.duplicateInvoiceArrival, end));
  const retries = lines.reduce((total, l) => total + l.postingRetries, 0);
  const expected = expectedOutcome(scenario);
  const governedFailing = (expected.exceptionsByCode.price_variance ?? 0) + expected.invoices.held;
  const refused = scenario.messages.filter((m) => m.expect === 'contract_violation' || m.expect === 'x12_envelope' || m.expect === 'conflict' || m.expect === 'forbidden').length;
  const changed = lines.filter((l) => l.confirmationChanged && arrived(l.confirmationArrival, end)).length;
  // Stuck: the confirmation is overdue. Governed: the SLA timer says so at the deadline. Point to
  // point: the next document of the line (the late confirmation itself, else the ASN) reveals it.
  const stuck = lines.filter((l) => l.confirmationDeadline <= end && !(arrived(l.confirmationArrival, end) && l.confirmationArrival < l.confirmationDeadline));
  const revealed = stuck.flatMap((l) => {
    const next = [l.confirmationArrival, l.asnArrival].filter((t): t is number => arrived(t, end)).sort((a, b) => a - b)[0];
    return next === undefined ? [] : [(next - l.confirmationDeadline) / HOUR];
  });
  const lateData = Object.values(expected.lagBreaches).reduce((total, n) => total + n, 0);
  return {
    manualWork: { governed: governed.manualExceptions, pointToPoint: beforeReceipt.length + beyond.length + rescans.length + retries + refused + changed },
    duplicatePostings: { avoided: rescans.length + retries, pointToPoint: rescans.length + retries },
    invoicesFailingMatch: { governed: governedFailing, pointToPoint: beforeReceipt.length + beyond.length + rescans.length },
    hoursToDetectStuck: {
      lines: stuck.length,
      pointToPointMedian: median(revealed),
      neverDetectedPointToPoint: stuck.length - revealed.length,
    },
    silentFailures: { governed: governed.refusalsUnanswered, pointToPoint: refused },
    lateDataUnflagged: { governed: Math.max(0, lateData - governed.lagBreachesFlagged), pointToPoint: lateData },
  };
}

export type { LinePlan };
