// `millrace simulate` against a real `millrace serve` child process, as someone sizing a
// deployment runs it: write the scenario's manifest, serve it, issue the keys into its store,
// send the traffic; then one sender alone with its single key.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { generateScenario } from '../../src/core/index.js';
import type { ServerProcess } from '../support/cli.js';
import { runCli, startServe } from '../support/cli.js';

interface Simulation {
  senders: number;
  messages: { planned: number; sent: number };
  events: number;
  outcomes: Record<string, Record<string, number>>;
  unexpected: number;
  firstUnexpected?: unknown;
}

// Tomorrow, midnight UTC: the generator run here and the command produce the same traffic.
const START = new Date(Math.ceil(Date.now() / 86_400_000) * 86_400_000).toISOString();
const SCENARIO = ['--days', '1', '--plants', '2', '--suppliers', '20', '--seed', '5', '--start', START];
const GENERATED = { seed: 5, days: 1, plants: 2, suppliers: 20, start: START };

describe('millrace simulate', () => {
  let dir: string;
  let server: ServerProcess;
  let store: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'millrace-simulate-'));
    store = `sqlite:${join(dir, 'hub.db')}`;
    const written = runCli(['simulate', ...SCENARIO, '--write-manifest', join(dir, 'millrace.yaml')]);
    assert.equal(written.status, 0, written.stderr);
    server = await startServe(['--manifest', join(dir, 'millrace.yaml'), '--store', store]);
  });
  after(async () => {
    server.child.kill('SIGTERM');
    await server.exited;
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes a manifest that passes millrace lint', () => {
    const lint = runCli(['lint', join(dir, 'millrace.yaml')]);
    assert.equal(lint.status, 0, lint.stdout + lint.stderr);
  });

  it("sends every sender's traffic with the keys it issued, and every message gets the scenario's answer", () => {
    const keys = runCli(['simulate', ...SCENARIO, '--write-keys', join(dir, 'keys.json'), '--store', store]);
    assert.equal(keys.status, 0, keys.stderr);
    const issued = JSON.parse(readFileSync(join(dir, 'keys.json'), 'utf8')) as { keys: Record<string, string> };
    const scenario = generateScenario(GENERATED);
    const manifest = scenario.manifest as { systems: unknown[]; partners: unknown[] };
    assert.equal(Object.keys(issued.keys).length, manifest.systems.length + manifest.partners.length);

    const result = runCli(['simulate', ...SCENARIO, '--target', server.url, '--keys', join(dir, 'keys.json'), '--rate', '2000', '--run', '1', '--json']);
    assert.equal(result.status, 0, result.stdout + result.stderr);
    const simulation = JSON.parse(result.stdout) as Simulation;
    assert.equal(simulation.unexpected, 0, JSON.stringify(simulation.firstUnexpected));
    // The same generator, dated from now on: as many messages and events as the scenario holds.
    assert.equal(simulation.messages.planned, scenario.messages.length);
    assert.equal(simulation.messages.sent, scenario.messages.length);
    assert.equal(simulation.events, scenario.messages.reduce((total, m) => total + m.eventTypes.length, 0));
    const answers = (channel: string, outcome: string) => scenario.messages.filter((m) => m.channel === channel && m.expect === outcome).length;
    assert.equal(simulation.outcomes.x12?.x12_envelope ?? 0, answers('x12', 'x12_envelope'));
    assert.equal(simulation.outcomes.http?.accepted ?? 0, answers('http', 'accepted'));
    assert.equal(simulation.outcomes.csv?.accepted ?? 0, answers('csv', 'accepted'));
  });

  it('with one key, sends only that sender\'s share of the traffic', () => {
    const key = runCli(['keys', 'add', '--system', 'erp-p01', '--json', '--store', store, '--manifest', join(dir, 'millrace.yaml')]);
    assert.equal(key.status, 0, key.stderr);
    const { key: secret } = JSON.parse(key.stdout) as { key: string };
    const result = runCli(['simulate', ...SCENARIO, '--target', server.url, '--key', secret, '--as', 'system:erp-p01', '--run', '2', '--json']);
    assert.equal(result.status, 0, result.stdout + result.stderr);
    const simulation = JSON.parse(result.stdout) as Simulation;
    const scenario = generateScenario(GENERATED);
    const share = scenario.messages.filter((m) => m.sender.id === 'erp-p01');
    assert.equal(simulation.senders, 1);
    assert.equal(simulation.messages.sent, share.length);
    assert.deepEqual(simulation.outcomes, { http: { accepted: share.length } });
  });

  it('refuses a keys file whose JSON is not {"keys": {"KIND:ID": "KEY"}}, saying so in one line', () => {
    const cases: [string, RegExp][] = [
      ['null', /has no "keys" object/],
      ['{"keys": null}', /has no "keys" object/],
      ['{"keys": ["mr_x"]}', /has no "keys" object/],
      ['{"keys": {"system:erp-p01": 5}}', /"keys"\["system:erp-p01"\] must be an API key \(a string\), not 5/],
    ];
    for (const [text, message] of cases) {
      const file = join(dir, 'odd-keys.json');
      writeFileSync(file, `${text}\n`);
      const result = runCli(['simulate', ...SCENARIO, '--target', server.url, '--keys', file]);
      assert.equal(result.status, 1, `${text}: ${result.stderr}`);
      assert.match(result.stderr, message, text);
      assert.equal(result.stderr.split('\n').length, 2, `one line, no stack: ${result.stderr}`);
    }
  });

  it('refuses a key without the sender it speaks for, and a duration or a start it cannot read', () => {
    const noAs = runCli(['simulate', '--target', server.url, '--key', 'mr_x']);
    assert.equal(noAs.status, 2);
    assert.match(noAs.stderr, /--key needs --as system:ID or --as partner:ID/);
    const badDuration = runCli(['simulate', ...SCENARIO, '--target', server.url, '--key', 'mr_x', '--as', 'system:erp-p01', '--duration', 'soon']);
    assert.equal(badDuration.status, 2);
    assert.match(badDuration.stderr, /--duration must be a number with ms, s, m or h/);
    const badStart = runCli(['simulate', '--days', '1', '--start', '2026-02-30T00:00:00Z', '--target', server.url, '--key', 'mr_x', '--as', 'system:erp-p01']);
    assert.equal(badStart.status, 2);
    assert.match(badStart.stderr, /--start must be an RFC 3339 time, e\.g\. 2026-03-02T00:00:00Z, got "2026-02-30T00:00:00Z"/);
  });
});
