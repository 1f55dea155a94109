// What `millrace simulate` does (declared in simulate.command.ts): the demo's scenario generated,
// then its manifest or keys written, or its traffic sent to a running hub on the target's wall
// clock, in scenario order, as fast as `--rate` allows.
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { issueKey, openStore, systemClock } from '../bootstrap/index.js';
import type { Scenario, ScenarioMessage } from '../core/index.js';
import { generateScenario, MillraceError, readInstant, SCENARIO_LIMITS, TICK_MS } from '../core/index.js';
import { manifestYaml, publishersOf } from './demo-run.js';
import { fileProblem, integer, printJson, unusable, usageError, writeOutput } from './flags.js';
import type { SendResult } from './scenario-sender.js';
import { inParallel, principalOf, sendMessage } from './scenario-sender.js';

export interface SimulateOptions {
  readonly target?: string;
  readonly key?: string;
  readonly as?: string;
  readonly keys?: string;
  readonly rate?: string;
  readonly duration?: string;
  readonly connections: string;
  readonly writeManifest?: string;
  readonly writeKeys?: string;
  readonly store?: string;
  readonly days: string;
  readonly plants: string;
  readonly suppliers: string;
  readonly seed: string;
  readonly run: string;
  readonly start?: string;
  readonly json?: boolean;
}

export async function simulateLoad(options: SimulateOptions): Promise<void> {
  const days = integer('--days', options.days, SCENARIO_LIMITS.days);
  // The traffic is dated from the current tick on, so the target's lag rules and timers see it as live.
  const start = options.start === undefined ? new Date(Math.floor(Date.now() / TICK_MS) * TICK_MS).toISOString() : startOf(options.start);
  const scenario = generateScenario({
    seed: integer('--seed', options.seed, [0, 2 ** 31 - 1]),
    days,
    plants: integer('--plants', options.plants, SCENARIO_LIMITS.plants),
    suppliers: integer('--suppliers', options.suppliers, SCENARIO_LIMITS.suppliers),
    idBase: integer('--run', options.run, [0, 99]),
    start,
  });
  if (options.writeManifest !== undefined || options.writeKeys !== undefined) {
    if (options.writeKeys !== undefined && options.store === undefined) usageError('--write-keys needs --store URL: the store of the hub the keys are for');
    if (options.writeManifest !== undefined) writeOutput(options.writeManifest, manifestYaml(scenario));
    if (options.writeKeys !== undefined) await writeKeys(scenario, options.writeKeys, options.store as string);
    if (options.json === true) printJson({ manifest: options.writeManifest ?? null, keys: options.writeKeys ?? null });
    return;
  }
  if (options.target === undefined) usageError('--target URL is required (or --write-manifest FILE / --write-keys FILE)');
  // Every flag is checked before the keys file is read.
  const rate = options.rate === undefined ? undefined : integer('--rate', options.rate, [1, 1_000_000]);
  const durationMs = options.duration === undefined ? undefined : durationOf(options.duration);
  const connections = integer('--connections', options.connections, [1, 256]);
  const keys = keysOf(options);
  const result = await simulate(options.target.replace(/\/$/, ''), scenario, keys, { rate, durationMs, connections });
  if (options.json === true) printJson(result);
  else printSimulation(result);
  if (result.unexpected > 0) process.exitCode = 1;
}

function keysOf(options: SimulateOptions): Map<string, string> {
  if (options.keys !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(options.keys, 'utf8'));
    } catch (error) {
      unusable(`cannot read the keys file ${options.keys}: ${(error as Error).message}`);
    }
    // typeof null is 'object' too: a file of null, or "keys": null, reached Object.entries and a TypeError's stack.
    const keys = isRecord(parsed) ? parsed.keys : undefined;
    if (!isRecord(keys)) unusable(`${options.keys} has no "keys" object ({"keys": {"system:ID": KEY}})`);
    const entries = Object.entries(keys);
    const odd = entries.find(([, key]) => typeof key !== 'string');
    if (odd !== undefined) unusable(`${options.keys}: "keys"[${JSON.stringify(odd[0])}] must be an API key (a string), not ${JSON.stringify(odd[1])}`);
    return new Map(entries as [string, string][]);
  }
  if (options.key === undefined) usageError('give --keys FILE, or --key KEY with --as KIND:ID');
  if (options.as === undefined || !/^(system|partner):[A-Za-z0-9._-]+$/.test(options.as)) usageError('--key needs --as system:ID or --as partner:ID: the sender whose share of the traffic the key sends');
  return new Map([[options.as, options.key]]);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

async function writeKeys(scenario: Scenario, file: string, store: string): Promise<void> {
  // The file is opened before any key is issued: a secret is shown only once, so a key whose
  // file cannot be written would be a key nobody holds.
  let fd: number;
  try {
    fd = openSync(file, 'w', 0o600);
  } catch (error) {
    unusable(`cannot write ${file}: ${fileProblem(error, file, 'write')}`);
  }
  try {
    const hubStore = await openStore(store, 'intake');
    try {
      const keys: Record<string, string> = {};
      for (const principal of publishersOf(scenario)) keys[`${principal.kind}:${principal.id}`] = (await issueKey(hubStore, principal, systemClock, 'simulate')).key;
      writeSync(fd, JSON.stringify({ keys }, null, 2) + '\n');
    } finally {
      await hubStore.close();
    }
  } catch (error) {
    // No half-written keys file for --keys to trip over later.
    closeSync(fd);
    rmSync(file, { force: true });
    throw error;
  }
  closeSync(fd);
}

function startOf(text: string): string {
  const ms = readInstant(text);
  if (ms === undefined) usageError(`--start must be an RFC 3339 time, e.g. 2026-03-02T00:00:00Z, got "${text}"`);
  return new Date(ms).toISOString();
}

export function durationOf(text: string): number {
  const match = /^(\d+)(ms|s|m|h)$/.exec(text.trim());
  if (match === null) usageError(`--duration must be a number with ms, s, m or h, e.g. 90s, got "${text}"`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[match[2] as 'ms' | 's' | 'm' | 'h'];
  return Number(match[1]) * unit;
}

export interface SimulationResult {
  readonly target: string;
  readonly senders: number;
  readonly messages: { readonly planned: number; readonly sent: number };
  readonly events: number;
  readonly seconds: number;
  readonly messagesPerSecond: number;
  readonly eventsPerSecond: number;
  readonly latencyMs: { readonly p50: number | null; readonly p99: number | null };
  /** channel -> answer -> messages. */
  readonly outcomes: Record<string, Record<string, number>>;
  /** Messages whose answer differs from the scenario's (a target on another manifest, a throttled key, a reused --run). */
  readonly unexpected: number;
  readonly firstUnexpected?: { readonly what: string; readonly expected: string; readonly got: string; readonly detail: string };
}

async function simulate(target: string, scenario: Scenario, keys: ReadonlyMap<string, string>, limits: { rate: number | undefined; durationMs: number | undefined; connections: number }): Promise<SimulationResult> {
  const messages = scenario.messages.filter((m) => keys.has(principalOf(m)));
  if (messages.length === 0) throw new MillraceError('invalid_request', `none of the scenario's senders has a key here (keys for: ${[...keys.keys()].slice(0, 5).join(', ')})`);
  const began = Date.now();
  const deadline = limits.durationMs === undefined ? Infinity : began + limits.durationMs;
  const results: SendResult[] = [];
  const latencies: number[] = [];
  let sent = 0;
  // One tick at a time, so a PO is released before its confirmation, and so on.
  for (const tick of ticksOf(messages)) {
    if (Date.now() >= deadline) break;
    const bySender = new Map<string, ScenarioMessage[]>();
    for (const message of tick) bySender.set(principalOf(message), [...(bySender.get(principalOf(message)) ?? []), message]);
    const out = await inParallel([...bySender.entries()], limits.connections, async ([principal, own]) => {
      const done: SendResult[] = [];
      for (const message of own) {
        if (Date.now() >= deadline) break;
        if (limits.rate !== undefined) {
          const due = began + (sent++ * 1000) / limits.rate;
          if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
        } else sent += 1;
        const at = Date.now();
        done.push(await sendMessage(target, keys.get(principal) as string, message));
        latencies.push(Date.now() - at);
      }
      return done;
    });
    results.push(...out.flat());
  }
  const seconds = (Date.now() - began) / 1000;
  const outcomes: Record<string, Record<string, number>> = {};
  for (const r of results) {
    const channel = (outcomes[r.message.channel] ??= {});
    channel[r.outcome] = (channel[r.outcome] ?? 0) + 1;
  }
  const unexpected = results.filter((r) => r.outcome !== r.message.expect);
  const events = results.reduce((total, r) => total + r.message.eventTypes.length, 0);
  latencies.sort((a, b) => a - b);
  const rank = (p: number) => (latencies.length === 0 ? null : (latencies[Math.max(0, Math.ceil((p / 100) * latencies.length) - 1)] ?? null));
  const first = unexpected[0];
  return {
    target,
    senders: new Set(messages.map(principalOf)).size,
    messages: { planned: messages.length, sent: results.length },
    events,
    seconds: Math.round(seconds * 10) / 10,
    messagesPerSecond: Math.round(results.length / Math.max(seconds, 0.001)),
    eventsPerSecond: Math.round(events / Math.max(seconds, 0.001)),
    latencyMs: { p50: rank(50), p99: rank(99) },
    outcomes,
    unexpected: unexpected.length,
    ...(first === undefined ? {} : { firstUnexpected: { what: first.message.what, expected: first.message.expect, got: first.outcome, detail: first.detail } }),
  };
}

function ticksOf(messages: readonly ScenarioMessage[]): ScenarioMessage[][] {
  const ticks = new Map<string, ScenarioMessage[]>();
  for (const message of messages) ticks.set(message.at, [...(ticks.get(message.at) ?? []), message]);
  return [...ticks.values()];
}

function printSimulation(result: SimulationResult): void {
  const out = process.stdout;
  out.write(`Sent ${result.messages.sent} of ${result.messages.planned} messages (${result.events} events) from ${result.senders} sender(s) to ${result.target} in ${result.seconds} s\n`);
  out.write(`  ${result.messagesPerSecond} messages/s, ${result.eventsPerSecond} events/s; latency p50 ${result.latencyMs.p50 ?? 'n/a'} ms, p99 ${result.latencyMs.p99 ?? 'n/a'} ms\n`);
  for (const [channel, answers] of Object.entries(result.outcomes)) out.write(`  ${channel.padEnd(5)} ${Object.entries(answers).map(([a, n]) => `${a} ${n}`).join(', ')}\n`);
  if (result.firstUnexpected !== undefined) {
    const f = result.firstUnexpected;
    out.write(`  ${result.unexpected} answer(s) differ from the scenario's, first: ${f.what}: expected ${f.expected}, got ${f.got} (${f.detail})\n`);
  }
}
