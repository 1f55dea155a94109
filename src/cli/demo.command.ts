// `millrace demo`: the hub on a fresh embedded store, fed through its real HTTP door by the
// systems and partners of the example manifest, with the faults the door must catch.
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { issueKey, loadSetup, processEnvironment, systemClock } from '../bootstrap/index.js';
import type { Principal } from '../core/index.js';
import { startServer, stopOnSignals } from '../server/index.js';
import { DEMO_PO, demoStory } from './demo-story.js';
import { printJson } from './flags.js';

const EXAMPLE_MANIFEST = fileURLToPath(new URL('../../examples/millrace.yaml', import.meta.url));

interface DemoOptions {
  readonly exit?: boolean;
  readonly json?: boolean;
  readonly port: string;
  readonly dataDir: string;
}

interface StepResult {
  readonly what: string;
  readonly sender: string;
  readonly expected: string;
  readonly status: number;
  readonly outcome: string;
  readonly detail: string;
}

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('Run the hub on a fresh embedded store and send it a procure-to-pay story with faults')
    .option('--exit', 'stop after the report instead of serving until Ctrl-C')
    .option('--json', 'print the report as JSON')
    .option('--port <n>', 'port for the hub (0 picks a free one)', '8080')
    .option('--data-dir <dir>', 'data folder, emptied at start', './millrace-data/demo')
    .action(async (options: DemoOptions) => {
      const dataDir = resolve(options.dataDir);
      rmSync(dataDir, { recursive: true, force: true });
      const setup = loadSetup({ manifestPath: EXAMPLE_MANIFEST, store: `sqlite:${join(dataDir, 'millrace.db')}`, port: options.port, logLevel: 'warn', deliveries: 'off' }, processEnvironment());
      const server = await startServer(setup, { logger: false });
      const keys = new Map<string, string>();
      const keyFor = async (sender: string): Promise<string> => {
        const known = keys.get(sender);
        if (known !== undefined) return known;
        const [kind, id] = sender.split(':') as [Principal['kind'], string];
        const issued = await issueKey(server.hub.store, { kind, id }, systemClock, 'demo');
        keys.set(sender, issued.key);
        return issued.key;
      };

      const results: StepResult[] = [];
      for (const step of demoStory(systemClock.now())) {
        const batch = Array.isArray(step.body);
        const response = await fetch(`${server.url}/v1/events`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${await keyFor(step.sender)}`,
            'content-type': batch ? 'application/cloudevents-batch+json' : 'application/cloudevents+json',
          },
          body: JSON.stringify(step.body),
        });
        const body = (await response.json()) as Record<string, unknown>;
        results.push({ what: step.what, sender: step.sender, expected: step.expect, status: response.status, ...outcomeOf(response.status, body) });
      }
      // The hub processes after each commit; let it finish, then read the PO as an AP lead would.
      await server.hub.settle();
      const viewer = await issueKey(server.hub.store, { kind: 'operator', id: 'demo-viewer', role: 'viewer' }, systemClock, 'demo');
      const po = (await (await fetch(`${server.url}/v1/workflows/p2p/${DEMO_PO}`, { headers: { authorization: `Bearer ${viewer.key}` } })).json()) as {
        lines: { line: number; stage: string; openGrir: string; currency: string; postings: { kind: string; amount: string; currency: string }[] }[];
      };
      const coverage = (await (await fetch(`${server.url}/v1/governance/coverage`, { headers: { authorization: `Bearer ${viewer.key}` } })).json()) as {
        totals: DemoReport['governance'];
      };
      const inLog = await server.hub.store.readFrom(0, 10_000);
      const report = {
        url: server.url,
        store: setup.config.store,
        steps: results,
        inboundEvents: inLog.filter((s) => s.event.source !== '/millrace').length,
        derivedEvents: inLog.filter((s) => s.event.source === '/millrace').map((s) => s.event.type),
        governance: coverage.totals,
        purchaseOrder: { poNumber: DEMO_PO, lines: po.lines.map((l) => ({ line: l.line, stage: l.stage, openGrir: l.openGrir, postings: l.postings.map((p) => ({ kind: p.kind, amount: p.amount, currency: p.currency })) })) },
        asExpected: results.every((r) => r.outcome === r.expected),
      };
      if (options.json === true) printJson(report);
      else printReport(report);

      if (options.exit === true) {
        await server.stop();
        return;
      }
      process.stdout.write(`\nThe hub keeps serving at ${server.url} (OpenAPI at ${server.url}/openapi.json). Ctrl-C to stop.\n`);
      await stopOnSignals(server);
    });
}

function outcomeOf(status: number, body: Record<string, unknown>): { outcome: string; detail: string } {
  if (status === 202) {
    const accepted = (body.accepted as unknown[]).length;
    const duplicates = (body.duplicates as unknown[]).length;
    return duplicates > 0 && accepted === 0
      ? { outcome: 'duplicate', detail: 'already in the log; nothing stored twice' }
      : { outcome: 'accepted', detail: `${accepted} event(s) durably committed` };
  }
  const code = String(body.code);
  const outcome = code === 'event_conflict' ? 'conflict' : code.startsWith('forbidden') ? 'forbidden' : code;
  const violations = (body.violations as { pointer: string; message: string }[] | undefined) ?? [];
  const denials = (body.denials as { rule: string; message: string }[] | undefined) ?? [];
  // The manifest rule says why a type is refused; for an object, the message names the object.
  const denial = code === 'forbidden_object' ? denials[0]?.message : denials[0]?.rule;
  const detail = violations.length > 0 ? violations.map((v) => `${v.pointer} ${v.message}`).join('; ') : (denial ?? String(body.detail));
  return { outcome, detail };
}

interface DemoReport {
  url: string;
  store: string;
  steps: StepResult[];
  inboundEvents: number;
  derivedEvents: string[];
  /** GET /v1/governance/coverage totals. */
  governance: { flows: number; governedFlows: number; flowShare: number; events: number; governedEvents: number; eventShare: number; lagBreaches: number };
  purchaseOrder: { poNumber: string; lines: { line: number; stage: string; openGrir: string; postings: { kind: string; amount: string; currency: string }[] }[] };
  asExpected: boolean;
}

function printReport(report: DemoReport): void {
  const out = process.stdout;
  out.write(`Millrace demo: hub at ${report.url}, store ${report.store}\n\n`);
  for (const step of report.steps) {
    out.write(`  ${String(step.status).padEnd(4)} ${step.outcome.padEnd(19)} ${step.what}\n`);
    out.write(`       ${step.detail}\n`);
  }
  out.write(`\nInbound events in the log: ${report.inboundEvents} (the resend and the refused messages added none)\n`);
  out.write(`Derived by the hub: ${report.derivedEvents.length} (${[...new Set(report.derivedEvents)].join(', ')})\n`);
  const g = report.governance;
  out.write(`Under governance: ${g.governedFlows} of ${g.flows} flows, ${g.governedEvents} of ${g.events} events; ${g.lagBreaches} lag breach(es) (GET /v1/governance/coverage)\n`);
  for (const line of report.purchaseOrder.lines) {
    out.write(`\nPO ${report.purchaseOrder.poNumber} line ${line.line}: ${line.stage}, open GR/IR ${line.openGrir}\n`);
    for (const p of line.postings) out.write(`  ${p.kind.padEnd(16)} ${p.amount.padStart(10)} ${p.currency}\n`);
  }
  out.write(report.asExpected ? 'Every message got the answer governance requires.\n' : 'WARNING: some answers differ from what governance requires (see above).\n');
}
