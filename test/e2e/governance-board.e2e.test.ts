// The governance board's example (examples/governance-board): its own contracts behave as
// their examples say, and the checks the README gives as a board's CI pass on it, run exactly
// as the README prints them.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadContractExamples, loadLayeredContractSet } from '../../src/adapters/index.js';
import { ContractRegistry } from '../../src/core/index.js';
import { runCli } from '../support/cli.js';
import { itChecksEachExample } from '../support/contract-examples.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BOARD = join(ROOT, 'examples', 'governance-board');
const BOARD_CONTRACTS = join(BOARD, 'contracts');

describe("a governance board's example", () => {
  const registry = new ContractRegistry(loadLayeredContractSet(join(ROOT, 'contracts'), BOARD_CONTRACTS));

  it('layers two versions of its own event type on the shipped contracts', () => {
    const versions = registry.catalog().versions.get('quality.inspection.completed');
    assert.deepEqual(versions, [1, 2]);
  });

  itChecksEachExample(registry, loadContractExamples(BOARD_CONTRACTS), BOARD_CONTRACTS);

  it("passes the README's CI check, command by command", () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const block = /<!-- board-ci -->\s*```sh\n([\s\S]*?)```/.exec(readme)?.[1];
    assert.ok(block !== undefined, 'the README has the board CI snippet');
    const commands = block
      .split('\n')
      .map((line) => line.replace(/#.*$/, '').trim())
      .filter((line) => line.startsWith('npx millrace '));
    assert.ok(commands.length >= 3, commands.join('\n'));
    for (const command of commands) {
      const result = runCli(command.replace(/^npx millrace /, '').split(/\s+/));
      assert.equal(result.status, 0, `${command}\n${result.stdout}${result.stderr}`);
    }
  });

  it('fails the diff when the pull request takes v1 out of force while the QMS still publishes the type', () => {
    const dir = mkdtempSync(join(tmpdir(), 'millrace-board-'));
    try {
      cpSync(join(BOARD, 'contracts'), join(dir, 'contracts'), { recursive: true });
      const proposed = readFileSync(join(BOARD, 'change-qms-v2.yaml'), 'utf8').replace('quality.inspection.completed: [1, 2]', 'quality.inspection.completed: [2]');
      writeFileSync(join(dir, 'millrace.yaml'), proposed);
      const result = runCli(['diff', join(BOARD, 'millrace.yaml'), join(dir, 'millrace.yaml'), '--json']);
      assert.equal(result.status, 1, result.stdout + result.stderr);
      const report = JSON.parse(result.stdout) as { breaking: boolean; changes: { kind: string; breaking: boolean; subject: string }[] };
      assert.equal(report.breaking, true);
      assert.ok(report.changes.some((c) => c.breaking && c.subject.includes('quality.inspection.completed')), JSON.stringify(report.changes));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('fails the compatibility check when the proposed version breaks the mode', () => {
    const folder = join(BOARD_CONTRACTS, 'quality', 'quality.inspection.completed');
    // v2 adds properties to a closed model: old readers (forward, full) would reject v2 events.
    const result = runCli(['contracts', 'compat', join(folder, 'v1.schema.json'), join(folder, 'v2.schema.json'), '--mode', 'full', '--json']);
    assert.equal(result.status, 1, result.stderr);
    const report = JSON.parse(result.stdout) as { compatible: boolean; changes: { path: string; breaking: boolean }[] };
    assert.equal(report.compatible, false);
    assert.deepEqual(report.changes.filter((c) => c.breaking).map((c) => c.path).sort(), ['/defects', '/inspector']);
  });
});
