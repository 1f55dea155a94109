// The demo's report: what the hub says about the scenario it was fed, read through its own
// HTTP API with the operator key (KPIs, exceptions, stuck stages, governance coverage,
// quarantine), the door's answers as the senders saw them, the ERP's deliveries, and the same
// traffic through a point-to-point integration beside it.
import type { GovernanceComparison, LinePlan, Scenario } from '../core/index.js';
import { ERP_MAINTENANCE, ownerOfException, pointToPointComparison, TICK_MS } from '../core/index.js';
import type { DemoRun } from './demo-run.js';

interface Counts {
  messages: number;
  events: number;
}

export interface DemoReport {
  readonly url: string;
  readonly dashboard: string;
  readonly operatorKey: string;
  readonly dataDir: string;
  readonly manifest: string;
  readonly keysFile: string;
  readonly wallSeconds: number;
  readonly scenario: {
    readonly seed: number;
    readonly days: number;
    readonly plants: number;
    readonly suppliers: number;
    readonly from: string;
    readonly to: string;
    readonly purchaseOrders: number;
    readonly poLines: number;
    readonly messages: number;
    readonly events: number;
    readonly outage: Scenario['outage'];
  };
  /** The business-time window of the KPIs (`millrace report --from --to` gives the same figures). */
  readonly kpiWindow: { readonly from: string; readonly to: string };
  /** channel -> door answer -> messages and the events they carried. */
  readonly door: Record<string, Record<string, Counts>>;
  /** Messages whose answer differs from the one governance requires (expected: none). */
  readonly unexpected: readonly { readonly what: string; readonly at: string; readonly expected: string; readonly got: string; readonly detail: string }[];
  readonly match: { readonly invoices: number; readonly matched: number; readonly firstTime: number; readonly finalRate: number | null; readonly firstTimeRate: number | null };
  readonly exceptions: {
    readonly raised: number;
    readonly resolved: number;
    readonly byCode: Record<string, { raised: number; open: number }>;
    readonly byOwner: Record<string, { raised: number; open: number }>;
  };
  readonly stuck: readonly { readonly stage: string; readonly count: number; readonly byPlant: Record<string, number> }[];
  /** Events that reached the hub later than their source's maximum lag, per plant. */
  readonly lagBreachesByPlant: Record<string, number>;
  readonly governance: { flows: number; governedFlows: number; flowShare: number; events: number; governedEvents: number; eventShare: number; lagBreaches: number };
  readonly quarantine: { readonly entries: number; readonly byChannel: Record<string, number> };
  readonly deliveries: { readonly subscription: string; readonly delivered: number; readonly duringMaintenance: number; readonly waitedForMaintenance: number; readonly badSignatures: number };
  readonly worthALook: readonly { readonly poNumber: string; readonly line: number; readonly code: string; readonly owner: string; readonly message: string; readonly lineage: string }[];
  readonly comparison: GovernanceComparison & { readonly hoursToDetectStuckGovernedMeasured: number | null };
}

interface ExceptionItem {
  exceptionId: string;
  code: string;
  owner: string;
  status: string;
  message: string;
  poNumber?: string;
  line?: number;
  raisedAt: string;
}

export async function buildReport(run: DemoRun): Promise<DemoReport> {
  const { scenario, server, operatorKey } = run;
  const get = async <T>(path: string): Promise<T> => {
    const response = await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${operatorKey}` } });
    if (!response.ok) throw new Error(`GET ${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  };
  // KPI windows end before `to`; the closing tick fires, at the scenario's end, the deadlines
  // that passed after the last message: the window takes that tick in.
  const kpiWindow = { from: scenario.start, to: new Date(Date.parse(scenario.end) + TICK_MS).toISOString() };
  const window = `from=${encodeURIComponent(kpiWindow.from)}&to=${encodeURIComponent(kpiWindow.to)}`;
  const kpis = await get<{
    match: { lines: { billed: number; matched: number; firstTime: number; finalRate: number | null; firstTimeRate: number | null } };
    exceptions: { raised: number; resolved: number; byCode: Record<string, { raised: number; open: number }>; byOwner: Record<string, { raised: number; open: number }> };
  }>(`/v1/kpis?${window}`);
  const stuck = await get<{ stages: { stage: string; count: number; byPlant: Record<string, number> }[] }>('/v1/stuck?oldest=1');
  const coverage = await get<{ flows: { source: string; lagBreaches: number }[]; totals: DemoReport['governance'] }>('/v1/governance/coverage');
  const exceptions = await allPages<ExceptionItem>(get, '/v1/exceptions?limit=500');
  const quarantine = await allPages<{ channel: string }>(get, '/v1/quarantine?limit=500');

  const door: Record<string, Record<string, Counts>> = {};
  for (const result of run.results) {
    const channel = (door[result.message.channel] ??= {});
    const entry = (channel[result.outcome] ??= { messages: 0, events: 0 });
    entry.messages += 1;
    entry.events += result.message.eventTypes.length;
  }
  const plantOf = new Map<string, string>(scenario.enterprise.plants.flatMap((p) => [[`/systems/${p.erp}`, p.id] as const, [`/systems/${p.wms}`, p.id] as const]));
  const lagBreachesByPlant: Record<string, number> = {};
  for (const flow of coverage.flows) {
    const plant = plantOf.get(flow.source);
    if (plant !== undefined && flow.lagBreaches > 0) lagBreachesByPlant[plant] = (lagBreachesByPlant[plant] ?? 0) + flow.lagBreaches;
  }
  const byChannel: Record<string, number> = {};
  for (const entry of quarantine) byChannel[entry.channel] = (byChannel[entry.channel] ?? 0) + 1;

  const deliveredAt = new Map(run.receiver.received.map((d) => [d.eventId, d.at]));
  const arrivals = new Map<string, string>();
  for (const result of run.results) if (result.outcome === 'accepted') for (const event of result.message.events ?? []) if (event.type === 'goods.received') arrivals.set(event.id, result.message.at);

  const manual = kpis.exceptions.raised - kpis.exceptions.resolved;
  // A refusal the sender heard about is an error answer (4xx, or an X12 TA1/997 rejection); a 2xx for it is silence.
  const refusals = new Set(['contract_violation', 'x12_envelope', 'conflict', 'forbidden']);
  const refusalsUnanswered = run.results.filter((r) => refusals.has(r.message.expect) && r.outcome !== r.message.expect).length;
  const plans = new Map<string, LinePlan>(scenario.lines.map((l) => [`${l.poNumber}/${l.line}`, l]));
  const detection = exceptions
    .filter((e) => e.code === 'late_confirmation' && e.poNumber !== undefined)
    .flatMap((e) => {
      const plan = plans.get(`${e.poNumber}/${e.line}`);
      return plan === undefined ? [] : [(Date.parse(e.raisedAt) - plan.confirmationDeadline) / 3_600_000];
    })
    .sort((a, b) => a - b);

  return {
    url: server.url,
    dashboard: `${server.url}/`,
    operatorKey,
    dataDir: run.setup.config.store.replace(/^sqlite:/, '').replace(/[/\\]millrace\.db$/, ''),
    manifest: run.manifestPath,
    keysFile: run.keysPath,
    wallSeconds: Math.round(run.wallMs / 100) / 10,
    scenario: {
      seed: scenario.options.seed,
      days: scenario.options.days,
      plants: scenario.options.plants,
      suppliers: scenario.options.suppliers,
      from: scenario.start,
      to: scenario.end,
      purchaseOrders: new Set(scenario.lines.map((l) => l.poNumber)).size,
      poLines: scenario.lines.length,
      messages: scenario.messages.length,
      events: scenario.messages.reduce((total, m) => total + m.eventTypes.length, 0),
      outage: scenario.outage,
    },
    kpiWindow,
    door,
    unexpected: run.results.filter((r) => r.outcome !== r.message.expect).map((r) => ({ what: r.message.what, at: r.message.at, expected: r.message.expect, got: r.outcome, detail: r.detail })),
    // The demo counts invoice lines (its scenario's unit): the KPIs' line figures.
    match: { invoices: kpis.match.lines.billed, matched: kpis.match.lines.matched, firstTime: kpis.match.lines.firstTime, finalRate: kpis.match.lines.finalRate, firstTimeRate: kpis.match.lines.firstTimeRate },
    exceptions: { raised: kpis.exceptions.raised, resolved: kpis.exceptions.resolved, byCode: pick(kpis.exceptions.byCode), byOwner: pick(kpis.exceptions.byOwner) },
    stuck: stuck.stages.filter((s) => s.count > 0).map((s) => ({ stage: s.stage, count: s.count, byPlant: s.byPlant })),
    lagBreachesByPlant,
    governance: coverage.totals,
    quarantine: { entries: quarantine.length, byChannel },
    deliveries: {
      subscription: 'erp-finance-receipts',
      delivered: run.receiver.received.length,
      duringMaintenance: run.receiver.received.filter((d) => inMaintenance(Date.parse(d.at))).length,
      waitedForMaintenance: [...arrivals.entries()].filter(([id, at]) => inMaintenance(Date.parse(at)) && deliveredAt.has(id)).length,
      badSignatures: run.receiver.badSignatures,
    },
    worthALook: worthALook(exceptions, server.url),
    comparison: { ...pointToPointComparison(scenario, { manualExceptions: manual, refusalsUnanswered, lagBreachesFlagged: coverage.totals.lagBreaches }), hoursToDetectStuckGovernedMeasured: detection.length === 0 ? null : (detection[Math.ceil(detection.length / 2) - 1] ?? null) },
  };
}

async function allPages<T>(get: <R>(path: string) => Promise<R>, path: string): Promise<T[]> {
  const items: T[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await get<{ items: T[]; next?: string }>(after === undefined ? path : `${path}&after=${encodeURIComponent(after)}`);
    items.push(...page.items);
    if (page.next === undefined) return items;
    after = page.next;
  }
}

function pick(groups: Record<string, { raised: number; open: number }>): Record<string, { raised: number; open: number }> {
  return Object.fromEntries(Object.entries(groups).map(([key, g]) => [key, { raised: g.raised, open: g.open }]));
}

/** Whether an instant falls in the finance ERP's maintenance window (UTC, daily). */
function inMaintenance(ms: number): boolean {
  const minute = Math.floor((ms % 86_400_000) / 60_000);
  return minute >= ERP_MAINTENANCE.fromMinute && minute < ERP_MAINTENANCE.toMinute;
}

/** One open exception per code (the oldest), with its PO line's lineage. */
function worthALook(exceptions: readonly ExceptionItem[], url: string): DemoReport['worthALook'] {
  const chosen = new Map<string, ExceptionItem>();
  for (const e of [...exceptions].sort((a, b) => a.raisedAt.localeCompare(b.raisedAt))) {
    if (e.status === 'open' && e.poNumber !== undefined && !chosen.has(e.code)) chosen.set(e.code, e);
  }
  return [...chosen.values()].slice(0, 5).map((e) => ({
    poNumber: e.poNumber ?? '',
    line: e.line ?? 0,
    code: e.code,
    owner: e.owner,
    message: e.message,
    lineage: `${url}/v1/lineage?correlation=${encodeURIComponent(`${e.poNumber}/${e.line}`)}`,
  }));
}

const pct = (value: number | null) => (value === null ? 'n/a' : `${(value * 100).toFixed(1)}%`);
const hours = (value: number | null) => (value === null ? 'n/a' : `${value.toFixed(1)} h`);

export function printReport(report: DemoReport, out: NodeJS.WritableStream = process.stdout): void {
  const s = report.scenario;
  const w = (text = '') => out.write(`${text}\n`);
  w(`Millrace demo: ${s.plants} plants, ${s.suppliers} suppliers, ${s.days} day(s) from ${s.from.slice(0, 10)} (seed ${s.seed}) in ${report.wallSeconds} s`);
  w(`  ${s.purchaseOrders} purchase orders (${s.poLines} lines), ${s.messages} messages carrying ${s.events} events; warehouse of ${s.outage.plant} down ${s.outage.from.slice(11, 16)}-${s.outage.to.slice(11, 16)}Z on ${s.outage.from.slice(0, 10)}`);
  w();
  w('Events by channel and outcome (messages / events)');
  for (const [channel, outcomes] of Object.entries(report.door)) {
    w(`  ${channel.padEnd(5)} ${Object.entries(outcomes).map(([outcome, c]) => `${outcome} ${c.messages}/${c.events}`).join(', ')}`);
  }
  w(report.unexpected.length === 0 ? '  every message got the answer governance requires' : `  WARNING: ${report.unexpected.length} message(s) got another answer than expected (see --json)`);
  w();
  w(`Match: ${report.match.matched} of ${report.match.invoices} invoice lines matched (${pct(report.match.finalRate)}; first time ${pct(report.match.firstTimeRate)})`);
  w(`Exceptions: ${report.exceptions.raised} raised, ${report.exceptions.resolved} resolved automatically`);
  for (const [owner, g] of Object.entries(report.exceptions.byOwner)) w(`  ${owner.padEnd(22)} ${String(g.raised).padStart(5)} raised, ${String(g.open).padStart(5)} open`);
  for (const [code, g] of Object.entries(report.exceptions.byCode)) w(`    ${code.padEnd(22)} ${String(g.raised).padStart(3)} (${ownerOfException(code)})`);
  w(`Stuck stages (open PO lines): ${report.stuck.map((st) => `${st.stage} ${st.count}`).join(', ') || 'none'}`);
  w(`Sync-lag breaches by plant: ${Object.entries(report.lagBreachesByPlant).map(([p, n]) => `${p} ${n}`).join(', ') || 'none'}`);
  const g = report.governance;
  w(`Governance coverage: ${g.governedFlows}/${g.flows} flows (${pct(g.flowShare)}), ${g.governedEvents}/${g.events} events (${pct(g.eventShare)}), ${g.lagBreaches} lag breach(es)`);
  w(`Quarantine: ${report.quarantine.entries} entr(ies) ${JSON.stringify(report.quarantine.byChannel)}`);
  const d = report.deliveries;
  w(`ERP deliveries (${d.subscription}): ${d.delivered} delivered, ${d.duringMaintenance} during the maintenance window, ${d.waitedForMaintenance} waited for its end`);
  w();
  w('Worth a look:');
  for (const item of report.worthALook) w(`  ${item.code} (${item.owner}) PO ${item.poNumber}/${item.line}: ${item.message}\n    ${item.lineage}`);
  const c = report.comparison;
  w();
  w('What governance changed (same traffic, point to point):');
  w(`  ${'exceptions needing manual work'.padEnd(40)} ${String(c.manualWork.governed).padStart(8)} ${String(c.manualWork.pointToPoint).padStart(14)}`);
  w(`  ${'duplicate postings'.padEnd(40)} ${'0'.padStart(8)} ${String(c.duplicatePostings.pointToPoint).padStart(14)}`);
  w(`  ${'invoices failing the match'.padEnd(40)} ${String(c.invoicesFailingMatch.governed).padStart(8)} ${String(c.invoicesFailingMatch.pointToPoint).padStart(14)}`);
  w(`  ${'median time to detect a stuck PO line'.padEnd(40)} ${hours(c.hoursToDetectStuckGovernedMeasured).padStart(8)} ${hours(c.hoursToDetectStuck.pointToPointMedian).padStart(14)} (${c.hoursToDetectStuck.neverDetectedPointToPoint} never, of ${c.hoursToDetectStuck.lines})`);
  w(`  ${'refused messages nobody hears about'.padEnd(40)} ${String(c.silentFailures.governed).padStart(8)} ${String(c.silentFailures.pointToPoint).padStart(14)}`);
  w(`  ${'late data not flagged'.padEnd(40)} ${String(c.lateDataUnflagged.governed).padStart(8)} ${String(c.lateDataUnflagged.pointToPoint).padStart(14)}`);
  w(`  (governed / point to point; the baseline's assumptions: docs/adr/0016-demo-scenario-and-baseline.md)`);
  w();
  w(`Dashboard: ${report.dashboard}  operator key: ${report.operatorKey}`);
  w(`Manifest: ${report.manifest}  keys: ${report.keysFile}`);
}
