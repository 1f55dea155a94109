// What `millrace report` does (declared in report.command.ts): the KPIs of GET /v1/kpis in the
// terminal, read from a hub's store.
import type { KpiAnswer } from '../app/index.js';
import { KpiQueries, PlantQueries } from '../app/index.js';
import { loadSetup, openStore, processEnvironment, systemClock } from '../bootstrap/index.js';
import type { DurationStats, GroupKpis, RecoveryStats } from '../core/index.js';
import { isMillraceError, plantPolicy, plantSettingsOf } from '../core/index.js';
import type { CommonOptions } from './flags.js';
import { configFlags, integer, printJson, usageError } from './flags.js';

export interface ReportOptions extends CommonOptions {
  readonly days?: string;
  readonly window?: string;
  readonly from?: string;
  readonly to?: string;
}

export async function report(options: ReportOptions): Promise<void> {
  const days = options.days === undefined ? undefined : integer('--days', options.days, [1, 366]);
  const setup = loadSetup(configFlags(options), processEnvironment(), 'on first use');
  const store = await openStore(setup.config.store, 'reader');
  try {
    // The same sources as GET /v1/kpis: the log for sync lag, the plant workflows for inventory accuracy.
    const inventory = new PlantQueries(store, store, setup.manifest, plantPolicy(plantSettingsOf(setup.manifest)));
    const queries = new KpiQueries(store, setup.manifest, setup.contracts.registry.catalog(), systemClock, { log: store, inventory });
    const answer = await queries
      .kpis(
        { kind: 'operator', id: 'cli', role: 'viewer' },
        {
          ...(options.from === undefined ? {} : { from: options.from }),
          ...(options.to === undefined ? {} : { to: options.to }),
          ...(days === undefined ? {} : { days }),
          ...(options.window === undefined ? {} : { window: options.window }),
        },
      )
      .catch(windowFlagError);
    if (options.json === true) printJson(answer);
    else printReport(answer);
  } finally {
    await store.close();
  }
}

/**
 * The window's refusals (GET /v1/kpis answers them 400) are the flags' usage errors here, named as
 * flags: the window is checked before anything is read, so nothing else is refused with these codes.
 */
function windowFlagError(error: unknown): never {
  if (isMillraceError(error) && (error.code === 'invalid_request' || error.code === 'window_conflict')) usageError(error.message.replace(/^(from|to|window|days) /, '--$1 '));
  throw error;
}

const minutes = (m: number | null): string => (m === null ? '-' : m < 120 ? `${Math.round(m)} min` : `${(m / 60).toFixed(1)} h`);
const share = (r: number | null): string => (r === null ? '-' : `${(r * 100).toFixed(1)}%`);
const latency = (s: DurationStats): string => `${minutes(s.medianMinutes)} median, ${minutes(s.p90Minutes)} p90 (${s.count})`;
const recovery = (r: RecoveryStats): string => `${latency(r)} [${r.automatic} by the hub, ${r.byHand} by hand; ${r.openAtEnd} still open at the end]`;

function printReport(k: KpiAnswer): void {
  const out = process.stdout;
  out.write(`KPIs from ${k.window.from} to ${k.window.to}\n\n`);
  const group = (name: string, g: Omit<GroupKpis, 'exceptions' | 'grir'>, own?: Pick<GroupKpis, 'exceptions' | 'grir'>) => {
    out.write(
      `  ${name.padEnd(14)} confirmation ${latency(g.confirmationLatency).padEnd(34)} match ${share(g.match.firstTimeRate)} first time, ${share(g.match.finalRate)} final (${plural(g.match.invoices, 'invoice')}, ${plural(g.match.lines.billed, 'line')}${g.match.settled === 0 ? '' : `; ${g.match.settled} settled by a credit memo, not rated`})  ASN before receipt ${share(g.asnBeforeReceipt.rate)}\n`,
    );
    const extra = [`milestone lag ${latency(g.milestoneLag)}`];
    if (own !== undefined) extra.push(`exceptions ${own.exceptions.raised} raised, ${own.exceptions.open} open, recovery ${recovery(own.exceptions.recovery)}`);
    const balance = Object.entries(own?.grir.openBalance ?? {}).map(([currency, amount]) => `${amount} ${currency}`);
    if (balance.length > 0) extra.push(`GR/IR ${balance.join(', ')}`);
    out.write(`  ${''.padEnd(14)} ${extra.join('; ')}\n`);
  };
  group('all', k);
  for (const [plant, g] of Object.entries(k.byPlant)) group(`plant ${plant}`, g, g);
  for (const [supplier, g] of Object.entries(k.bySupplier)) group(supplier, g, g);
  out.write(`\nExceptions: ${k.exceptions.raised} raised, ${k.exceptions.resolved} resolved; recovery ${recovery(k.exceptions.recovery)}\n`);
  for (const [owner, g] of Object.entries(k.exceptions.byOwner)) {
    out.write(`  ${owner.padEnd(24)} ${String(g.raised).padStart(5)} raised ${String(g.open).padStart(5)} open${g.oldestOpenHours === null ? '' : `, oldest ${g.oldestOpenHours.toFixed(1)} h`}\n`);
  }
  const balances = Object.entries(k.grir.openBalance).map(([currency, amount]) => `${amount} ${currency}`);
  out.write(`\nOpen GR/IR: ${balances.length === 0 ? 'none' : balances.join(', ')} on ${k.grir.lines} line(s)${k.grir.oldestOpenDays === null ? '' : `, oldest ${k.grir.oldestOpenDays.toFixed(1)} days`}\n`);
  const steps = k.funnel.steps.map((s) => `${s.reached} ${s.step}${s.firstTime === undefined ? '' : ` (${s.firstTime} first time)`}`);
  out.write(`P2P funnel of the ${k.funnel.lines} PO line(s) released in the window: ${steps.join(' > ')}\n`);
  const counted = (k.inventory?.accuracy ?? []).filter((a) => a.accuracyPercent !== undefined);
  if (counted.length > 0) {
    const plants = counted.map((a) => `${a.plant} ${a.accuracyPercent ?? ''}% of ${a.itemsCompared} item(s) (count of ${a.asOf ?? '-'})`);
    out.write(`Inventory accuracy against the latest counts: ${plants.join(', ')}\n`);
  }
  out.write(`Under governance: ${share(k.governance.flowShare)} of ${k.governance.flows} flows, ${share(k.governance.eventShare)} of ${k.governance.events} events\n`);
  if (k.syncLag.length > 0) out.write(`\nSync lag per source (events received in the window${k.syncLagTruncated ? ', its latest 200,000' : ''}):\n`);
  for (const s of k.syncLag) {
    const policy = s.maxLag === undefined ? 'no maxLag' : `maxLag ${Object.entries(s.maxLag).map(([type, limit]) => `${type} ${limit}`).join(', ')}${s.withinPolicy === true ? ', within' : ', BREACHED'}`;
    out.write(`  ${s.source.padEnd(24)} ${String(s.events).padStart(7)} events ${String(s.lagBreaches).padStart(5)} late (${share(s.breachRate)}), lag ${minutes(s.medianLagMinutes)} median, ${minutes(s.p90LagMinutes)} p90, ${minutes(s.worstLagMinutes)} worst (${policy})\n`);
  }
}

/** `1 invoice`, `2 invoices`. */
function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
