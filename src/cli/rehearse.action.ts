// What `millrace rehearse` does (declared in rehearse.command.ts): recorded CloudEvents run
// through a fresh in-memory hub whose clock follows the events, and what the workflows did.
import type { RehearsalInput, RehearsalReport } from '../app/index.js';
import { DEFAULT_CONTRACTS_DIR, loadContracts, loadManifestFile, runRehearsal } from '../bootstrap/index.js';
import { readInstant } from '../core/index.js';
import { printJson, readInput, usageError } from './flags.js';

export interface RehearseOptions {
  readonly events: string;
  readonly manifest?: string;
  readonly until?: string;
  readonly contracts?: string;
  readonly json?: boolean;
}

export async function rehearse(options: RehearseOptions): Promise<void> {
  if (options.until !== undefined && readInstant(options.until) === undefined) {
    usageError(`--until must be an RFC 3339 instant with an offset, e.g. 2026-03-20T00:00:00Z (got "${options.until}")`);
  }
  const text = readInput(options.events, 'utf8');
  const entries = text.split('\n').flatMap((raw, index): RehearsalInput['entries'][number][] => {
    if (raw.trim() === '') return [];
    let event: unknown;
    try {
      event = JSON.parse(raw);
    } catch (error) {
      return [{ line: index + 1, error: `line ${index + 1} is not JSON: ${(error as Error).message}` }];
    }
    // A line of null (or a string, a number, an array) is JSON with no attribute to read: the
    // rehearsal read event.id of null and stopped with a TypeError's stack.
    if (typeof event !== 'object' || event === null || Array.isArray(event)) {
      const what = event === null ? 'null' : Array.isArray(event) ? 'an array' : `a ${typeof event}`;
      return [{ line: index + 1, error: `line ${index + 1} is not a CloudEvent: a JSON object is expected, not ${what}` }];
    }
    return [{ line: index + 1, event }];
  });
  const contracts = loadContracts(options.contracts ?? DEFAULT_CONTRACTS_DIR);
  const manifest = options.manifest === undefined ? undefined : loadManifestFile(options.manifest, contracts.registry.catalog()).manifest;
  const report = await runRehearsal(contracts, manifest, { entries, ...(options.until === undefined ? {} : { until: options.until }) });
  if (options.json === true) {
    const { lines: _lines, ...document } = report;
    printJson(document);
  } else printReport(report);
}

function printReport(report: RehearsalReport): void {
  const out = (line = '') => process.stdout.write(`${line}\n`);
  out(`Accepted ${report.accepted}, duplicates ${report.duplicates}, rejected ${report.rejected.length}`);
  for (const r of report.rejected) out(`  rejected line ${r.line}${r.id === undefined ? '' : ` (${r.id})`}: ${r.reason}`);
  for (const h of report.held) out(`  held line ${h.line} (${h.id}) for master data: ${h.gaps.map((g) => `${g.kind} ${g.code} is not in ${g.table}`).join('; ')}`);
  if (report.lines.length > 0 || report.productionOrders.length === 0) {
    out();
    out('PO / line            stage        ordered   received  invoiced  stopped   matched   open GR/IR');
  }
  for (const l of report.lines) {
    const q = l.quantities;
    out(
      `${`${l.poNumber}/${l.line}`.padEnd(20)} ${l.stage.padEnd(12)} ${q.ordered.padStart(8)}  ${q.received.padStart(8)}  ${q.invoiced.padStart(8)}  ${(q.stopped ?? '0').padStart(8)}  ${q.matched.padStart(8)}  ${`${l.openGrir} ${l.currency ?? ''}`.padStart(12)}`,
    );
  }
  if (report.productionOrders.length > 0) {
    out();
    out('Production order     stage          item         ordered  completed  scrapped  received');
    for (const o of report.productionOrders) {
      const q = o.quantities;
      out(
        `${o.productionOrder.padEnd(20)} ${o.stage.padEnd(14)} ${(o.itemId ?? '').padEnd(12)} ${(q?.ordered ?? '').padStart(8)}  ${(q?.completed ?? '').padStart(9)}  ${(q?.scrapped ?? '').padStart(8)}  ${(q?.received ?? '').padStart(8)}`,
      );
      for (const c of o.components) out(`  component ${c.itemId.padEnd(12)} expected ${c.expected} ${c.uom}, issued ${c.issued} ${c.uom}${c.onBom ? '' : ' (not on the BOM)'}`);
    }
  }
  if (report.inventory.length > 0) {
    out();
    for (const a of report.inventory) out(`Inventory ${a.plant}: accuracy ${a.accuracyPercent === undefined ? 'n/a' : `${a.accuracyPercent}%`} (${a.itemsWithinTolerance} of ${a.itemsCompared} items within tolerance${a.asOf === undefined ? ', no snapshot yet' : ` of the snapshot as of ${a.asOf}`})`);
  }
  out();
  out(`Exceptions: ${report.exceptions.length} (${report.exceptions.filter((e) => e.status === 'open').length} open)`);
  for (const e of report.exceptions) out(`  ${e.status.padEnd(8)} ${e.code.padEnd(24)} -> ${e.owner.padEnd(18)} ${e.message}`);
  out();
  const byType = new Map<string, number>();
  for (const event of report.derived) byType.set(event.type, (byType.get(event.type) ?? 0) + 1);
  out(`Derived events: ${[...byType.entries()].map(([type, n]) => `${type} ${n}`).join(', ')}`);
}
