// Governance coverage: which flows (source x event type) the hub has seen, and how many of
// them, and of their events, are under governance: declared in the manifest, on a contract
// version in force, from a source in enforce mode. The counts come from the log (a projection
// kept with the workflows); the verdict is the current manifest's.
import type { ContractCatalog } from '../contracts/contract-registry.js';
import type { StoredEvent } from '../envelope.js';
import { dataVersionOf, GOVERNANCE_MARKS, MILLRACE_SOURCE } from '../envelope.js';
import { toMs } from '../time.js';
import type { Manifest, PrincipalKind, SourceMode } from './manifest.js';
import { sourceOf } from './manifest.js';

const [UNGOVERNED_MARK, LAG_MARK] = GOVERNANCE_MARKS;

/** What the log holds of one flow and contract version: counts a projection adds up. */
export interface FlowCount {
  readonly source: string;
  readonly type: string;
  readonly dataversion: number;
  readonly events: number;
  /** Events accepted only because the source was in observe mode. */
  readonly ungoverned: number;
  readonly lagBreaches: number;
  /** The longest delay seen between an event's `time` and its receipt. */
  readonly worstLagMs: number;
  readonly firstReceived: string;
  readonly lastReceived: string;
}


/** Adds up the flows of some events of the log (one projection step). */
export function countFlows(events: readonly StoredEvent[]): FlowCount[] {
  const flows = new Map<string, FlowCount>();
  for (const { event, receivedTime } of events) {
    // The hub's own events are governed by construction and are not counted.
    if (event.source === MILLRACE_SOURCE) continue;
    const dataversion = dataVersionOf(event);
    const key = `${event.source}\u0000${event.type}\u0000${dataversion}`;
    const lagMs = Math.max(0, toMs(receivedTime) - toMs(event.time));
    const before = flows.get(key);
    flows.set(key, {
      source: event.source,
      type: event.type,
      dataversion,
      events: (before?.events ?? 0) + 1,
      ungoverned: (before?.ungoverned ?? 0) + (UNGOVERNED_MARK in event ? 1 : 0),
      lagBreaches: (before?.lagBreaches ?? 0) + (LAG_MARK in event ? 1 : 0),
      worstLagMs: Math.max(before?.worstLagMs ?? 0, lagMs),
      firstReceived: before === undefined || receivedTime < before.firstReceived ? receivedTime : before.firstReceived,
      lastReceived: before === undefined || receivedTime > before.lastReceived ? receivedTime : before.lastReceived,
    });
  }
  return [...flows.values()];
}

export interface FlowCoverage {
  readonly source: string;
  readonly type: string;
  /** The system or partner behind the source, when the manifest declares it. */
  readonly publisher?: { readonly kind: PrincipalKind; readonly id: string; readonly mode: SourceMode };
  readonly events: number;
  /** Events per contract version, and whether that version is in force. */
  readonly versions: readonly { readonly dataversion: number; readonly events: number; readonly inForce: boolean }[];
  /** The manifest lets this source publish this type. */
  readonly declared: boolean;
  /** Every version seen is in force. */
  readonly approvedVersion: boolean;
  /** The source is in enforce mode. */
  readonly enforced: boolean;
  readonly governed: boolean;
  /** Why not, in words (empty when governed). */
  readonly gaps: readonly string[];
  readonly governedEvents: number;
  readonly ungovernedEvents: number;
  readonly lagBreaches: number;
  readonly worstLagMs: number;
  readonly firstReceived: string;
  readonly lastReceived: string;
}

export interface GovernanceCoverage {
  readonly flows: readonly FlowCoverage[];
  readonly totals: {
    readonly flows: number;
    readonly governedFlows: number;
    /** Share of observed flows under governance, 0..1 (1 when none was observed). */
    readonly flowShare: number;
    readonly events: number;
    readonly governedEvents: number;
    readonly eventShare: number;
    readonly lagBreaches: number;
  };
  /** Flows the manifest declares that the hub has not seen an event of. */
  readonly silent: readonly { readonly source: string; readonly type: string }[];
}

/**
 * The coverage verdict over counted flows. An event counts as governed when its flow is
 * declared and enforced, its version is in force, and it was not let in ungoverned.
 */
export function governanceCoverage(counts: readonly FlowCount[], manifest: Manifest, catalog: ContractCatalog): GovernanceCoverage {
  const publishers = new Map<string, { kind: PrincipalKind; id: string; mode: SourceMode; publishes: ReadonlySet<string> }>();
  for (const [kind, list] of [['system', manifest.systems], ['partner', manifest.partners]] as const) {
    for (const p of list) publishers.set(sourceOf(kind, p.id), { kind, id: p.id, mode: p.mode, publishes: new Set(p.publishes) });
  }
  const inForce = (type: string, version: number) => (manifest.contracts.inForce?.[type] ?? catalog.versions.get(type) ?? []).includes(version);

  const byFlow = new Map<string, FlowCount[]>();
  for (const count of counts) {
    const key = `${count.source}\u0000${count.type}`;
    byFlow.set(key, [...(byFlow.get(key) ?? []), count]);
  }
  const flows: FlowCoverage[] = [];
  for (const parts of byFlow.values()) {
    const first = parts[0];
    if (first === undefined) continue;
    const publisher = publishers.get(first.source);
    const versions = parts
      .map((p) => ({ dataversion: p.dataversion, events: p.events, inForce: inForce(p.type, p.dataversion) }))
      .sort((a, b) => a.dataversion - b.dataversion);
    const declared = publisher?.publishes.has(first.type) === true;
    const enforced = publisher?.mode === 'enforce';
    const approvedVersion = versions.every((v) => v.inForce);
    const gaps = [
      ...(publisher === undefined ? [`the manifest declares no system or partner with source ${first.source}`] : []),
      ...(publisher !== undefined && !declared ? [`${publisher.kind}s[id=${publisher.id}].publishes does not list ${first.type}`] : []),
      ...(publisher !== undefined && !enforced ? [`${publisher.kind} ${publisher.id} is in observe mode`] : []),
      ...versions.filter((v) => !v.inForce).map((v) => `version ${v.dataversion} of ${first.type} is not in force`),
    ];
    const sum = (pick: (p: FlowCount) => number) => parts.reduce((total, p) => total + pick(p), 0);
    const governedEvents = declared && enforced ? parts.filter((p) => inForce(p.type, p.dataversion)).reduce((total, p) => total + p.events - p.ungoverned, 0) : 0;
    flows.push({
      source: first.source,
      type: first.type,
      ...(publisher === undefined ? {} : { publisher: { kind: publisher.kind, id: publisher.id, mode: publisher.mode } }),
      events: sum((p) => p.events),
      versions,
      declared,
      approvedVersion,
      enforced,
      governed: gaps.length === 0,
      gaps,
      governedEvents,
      ungovernedEvents: sum((p) => p.ungoverned),
      lagBreaches: sum((p) => p.lagBreaches),
      worstLagMs: Math.max(...parts.map((p) => p.worstLagMs)),
      firstReceived: parts.map((p) => p.firstReceived).sort()[0] ?? first.firstReceived,
      lastReceived: parts.map((p) => p.lastReceived).sort().at(-1) ?? first.lastReceived,
    });
  }
  flows.sort((a, b) => a.source.localeCompare(b.source) || a.type.localeCompare(b.type));
  const seen = new Set(flows.map((f) => `${f.source}\u0000${f.type}`));
  const silent = [...publishers.entries()]
    .flatMap(([source, p]) => [...p.publishes].map((type) => ({ source, type })))
    .filter((f) => !seen.has(`${f.source}\u0000${f.type}`))
    .sort((a, b) => a.source.localeCompare(b.source) || a.type.localeCompare(b.type));
  const events = flows.reduce((total, f) => total + f.events, 0);
  const governedEvents = flows.reduce((total, f) => total + f.governedEvents, 0);
  const governedFlows = flows.filter((f) => f.governed).length;
  return {
    flows,
    totals: {
      flows: flows.length,
      governedFlows,
      flowShare: flows.length === 0 ? 1 : governedFlows / flows.length,
      events,
      governedEvents,
      eventShare: events === 0 ? 1 : governedEvents / events,
      lagBreaches: flows.reduce((total, f) => total + f.lagBreaches, 0),
    },
    silent,
  };
}
