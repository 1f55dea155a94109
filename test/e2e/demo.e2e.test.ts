// `millrace demo` as a user runs it, on a small scenario: every figure of its report is checked
// against counts recomputed from the generator's own traffic for the same seed, never against
// fixed numbers.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { GovernanceComparison } from '../../src/core/index.js';
import { expectedOutcome, generateScenario, ownerOfException, pointToPointComparison } from '../../src/core/index.js';
import { runCli, startServe } from '../support/cli.js';

interface Report {
  scenario: { seed: number; days: number; plants: number; suppliers: number; purchaseOrders: number; poLines: number; messages: number; events: number };
  door: Record<string, Record<string, { messages: number; events: number }>>;
  unexpected: unknown[];
  match: { invoices: number; matched: number };
  exceptions: { raised: number; resolved: number; byCode: Record<string, { raised: number }>; byOwner: Record<string, { raised: number }> };
  stuck: { stage: string; count: number }[];
  lagBreachesByPlant: Record<string, number>;
  governance: { events: number; governedEvents: number; flows: number; governedFlows: number };
  quarantine: { entries: number; byChannel: Record<string, number> };
  deliveries: { delivered: number; duringMaintenance: number; badSignatures: number };
  worthALook: { poNumber: string; line: number; code: string; lineage: string }[];
  comparison: GovernanceComparison;
  dashboard: string;
  operatorKey: string;
  manifest: string;
}

const SMALL = { seed: 11, days: 1, plants: 2, suppliers: 20 };

describe('millrace demo (small scenario)', () => {
  let dir: string;
  let report: Report;
  let stderr: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'millrace-demo-'));
    const result = runCli(['demo', '--days', '1', '--plants', '2', '--suppliers', '20', '--seed', String(SMALL.seed), '--exit', '--json', '--port', '0', '--data-dir', join(dir, 'demo')]);
    assert.equal(result.status, 0, result.stderr);
    report = JSON.parse(result.stdout) as Report;
    stderr = result.stderr;
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const scenario = generateScenario(SMALL);
  const expected = expectedOutcome(scenario);

  it('runs the scenario the flags ask for and shows its progress on stderr', () => {
    assert.deepEqual({ seed: report.scenario.seed, days: report.scenario.days, plants: report.scenario.plants, suppliers: report.scenario.suppliers }, SMALL);
    assert.equal(report.scenario.messages, scenario.messages.length);
    assert.equal(report.scenario.poLines, scenario.lines.length);
    assert.match(stderr, /day 1\/1: \d+\/\d+ messages sent/);
  });

  it('gives every message of every channel the answer governance requires, the faults included', () => {
    assert.deepEqual(report.unexpected, []);
    const door: Record<string, { messages: number; events: number }> = {};
    for (const [channel, outcomes] of Object.entries(report.door)) for (const [outcome, counts] of Object.entries(outcomes)) door[`${channel}:${outcome}`] = counts;
    assert.deepEqual(door, expected.door);
    // The faults the old story showed are folded into the scenario: each is there and answered.
    for (const fault of ['http:conflict', 'http:forbidden', 'http:contract_violation', 'x12:x12_envelope', 'x12:accepted', 'csv:accepted']) assert.ok((door[fault]?.messages ?? 0) > 0, `${fault} in ${JSON.stringify(door)}`);
  });

  it('raises the exceptions the traffic calls for, each with the owning team', () => {
    const raised = Object.fromEntries(Object.entries(report.exceptions.byCode).map(([code, g]) => [code, g.raised]));
    assert.deepEqual(raised, expected.exceptionsByCode);
    const owners: Record<string, number> = {};
    for (const [code, n] of Object.entries(expected.exceptionsByCode)) owners[ownerOfException(code)] = (owners[ownerOfException(code)] ?? 0) + n;
    assert.deepEqual(Object.fromEntries(Object.entries(report.exceptions.byOwner).map(([owner, g]) => [owner, g.raised])), owners);
    for (const look of report.worthALook) assert.equal(look.lineage, `${report.dashboard}v1/lineage?correlation=${encodeURIComponent(`${look.poNumber}/${look.line}`)}`);
  });

  it('matches the invoices whose goods came, holds the ones still waiting, and flags the late data per plant', () => {
    assert.equal(report.match.invoices, expected.invoices.lines);
    assert.equal(report.match.matched, expected.invoices.matched);
    // The rest are held for their receipt or blocked by a price variance.
    assert.equal(report.match.invoices - report.match.matched, expected.invoices.held + (expected.exceptionsByCode.price_variance ?? 0));
    assert.deepEqual(report.lagBreachesByPlant, Object.fromEntries(Object.entries(expected.lagBreaches).map(([source, n]) => [source.replace('/systems/wms-', '').toUpperCase(), n])));
  });

  it('governs every accepted event, quarantines the broken X12 envelope, and delivers every receipt to the ERP outside its maintenance window', () => {
    const accepted = Object.values(expected.acceptedByType).reduce((total, n) => total + n, 0);
    assert.equal(report.governance.events, accepted);
    assert.equal(report.governance.governedEvents, accepted);
    assert.equal(report.governance.governedFlows, report.governance.flows);
    assert.equal(report.quarantine.byChannel.x12, expected.door['x12:x12_envelope']?.events);
    assert.equal(report.deliveries.delivered, expected.acceptedByType['goods.received']);
    assert.equal(report.deliveries.duringMaintenance, 0);
    assert.equal(report.deliveries.badSignatures, 0);
  });

  it('compares with the point-to-point baseline computed from the same traffic', () => {
    const manual = report.exceptions.raised - report.exceptions.resolved;
    const flagged = Object.values(report.lagBreachesByPlant).reduce((total, n) => total + n, 0);
    const baseline = pointToPointComparison(scenario, { manualExceptions: manual, refusalsUnanswered: 0, lagBreachesFlagged: flagged });
    const { hoursToDetectStuckGovernedMeasured: _measured, ...comparison } = report.comparison as GovernanceComparison & { hoursToDetectStuckGovernedMeasured: unknown };
    assert.deepEqual(comparison, JSON.parse(JSON.stringify(baseline)));
    assert.ok(baseline.invoicesFailingMatch.pointToPoint >= baseline.invoicesFailingMatch.governed);
  });

  it('prints an operator key for the dashboard and writes a manifest that passes millrace lint', () => {
    assert.match(report.operatorKey, /^mr_[a-z0-9]{12}_/);
    assert.match(report.dashboard, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    const lint = runCli(['lint', report.manifest]);
    assert.equal(lint.status, 0, lint.stdout + lint.stderr);
  });

  it('empties only a folder of its own: one holding other files, or a file, is refused and left as it was', () => {
    const small = ['demo', '--days', '1', '--plants', '2', '--suppliers', '20', '--exit', '--json', '--no-progress', '--port', '0'];
    // Before, `--data-dir .` in a project deleted the whole project (rmSync, recursive).
    const project = join(dir, 'project');
    mkdirSync(join(project, 'src'), { recursive: true });
    writeFileSync(join(project, 'notes.txt'), 'precious\n');
    writeFileSync(join(project, 'src', 'main.ts'), 'export {};\n');
    const refused = runCli([...small, '--data-dir', project]);
    assert.equal(refused.status, 1, refused.stderr);
    assert.match(refused.stderr, /^millrace: invalid_request: --data-dir .*project holds what the demo did not write \(notes\.txt, src\)/);
    assert.deepEqual(readdirSync(project).sort(), ['notes.txt', 'src']);
    assert.equal(readFileSync(join(project, 'notes.txt'), 'utf8'), 'precious\n');
    const file = join(dir, 'a-file');
    writeFileSync(file, 'precious\n');
    const notAFolder = runCli([...small, '--data-dir', file]);
    assert.equal(notAFolder.status, 1, notAFolder.stderr);
    assert.match(notAFolder.stderr, /^millrace: invalid_request: --data-dir .*a-file is a file, not a folder/);
    assert.equal(readFileSync(file, 'utf8'), 'precious\n');
    // The folder of an earlier demo is emptied and used again.
    const again = runCli([...small, '--data-dir', join(dir, 'demo')]);
    assert.equal(again.status, 0, again.stderr);
    assert.deepEqual(readdirSync(join(dir, 'demo')).filter((f) => !f.startsWith('millrace.db')).sort(), ['keys.json', 'millrace.yaml']);
  });

  it('refuses a folder whose store a hub is serving, and takes it again once that hub has stopped', async () => {
    const small = ['demo', '--days', '1', '--plants', '2', '--suppliers', '20', '--exit', '--json', '--no-progress', '--port', '0'];
    const served = join(dir, 'served');
    mkdirSync(served);
    const hub = await startServe(['--manifest', 'examples/millrace.yaml', '--store', `sqlite:${join(served, 'millrace.db')}`]);
    try {
      // Emptying the folder would delete the store under the running hub.
      const refused = runCli([...small, '--data-dir', served]);
      assert.equal(refused.status, 1, refused.stderr);
      assert.match(refused.stderr, /^millrace: store_unavailable: cannot demo .*served\/millrace\.db: millrace serve \(pid \d+, since [^)]+\) holds it: stop it first\n$/);
      assert.equal((await fetch(`${hub.url}/healthz`)).status, 200, 'the hub serves on');
    } finally {
      hub.child.kill('SIGTERM');
      await hub.exited;
    }
    // The hold the hub left beside its store (millrace.db-hold) is no reason to refuse the folder.
    assert.ok(readdirSync(served).includes('millrace.db-hold'));
    const again = runCli([...small, '--data-dir', served]);
    assert.equal(again.status, 0, again.stderr);
  });

  it('refuses a scenario outside its limits with a usage error', () => {
    const result = runCli(['demo', '--suppliers', '5', '--exit', '--port', '0', '--data-dir', join(dir, 'bad')]);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /--suppliers must be a whole number from 20 to 9999, got "5"/);
  });
});
