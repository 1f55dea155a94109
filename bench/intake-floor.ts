// How far the hub is from what its required work allows on this machine: the baseline, the floor
// (floor-server.ts: the baseline's skeleton with the hub's own authentication, contracts,
// authority and idempotent append, and nothing else), the same floor appending to the lean log
// (lean-log.ts: the least an idempotent append does) and `millrace serve --workflows off`, single
// events at 50 connections, slices in turns, each ratio taken against the baseline's slice of the
// same round. The distance between the floor and the hub is what the hub's other layers cost;
// between the two floors, what the hub's store costs beyond the least the issue asks for.
// Run (after npm run build): node --import tsx bench/intake-floor.ts [--rounds n] [--seconds s] [--json]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertBuilt, codeVersion, ROOT, startBaseline, startFloor } from './contenders.js';
import { LoadSeries, median, type LoadSummary } from './load.js';
import { numberOption, parseBenchOptions, runBench } from './options.js';
import { startIntake } from './other-tree.js';
import { stopAllServers, waitForQuiet, type ServerProcess } from './server-process.js';

const USAGE = `usage: node --import tsx bench/intake-floor.ts [options]   (after npm run build)
  --rounds <n>     measured slices per server, taken in turns (default 7)
  --seconds <s>    seconds per slice (default 4)
  --warmup <s>     unmeasured load per server first (default 5)
  --json           one JSON object on stdout (progress goes to stderr)
`;

interface Contender {
  readonly name: string;
  readonly server: ServerProcess;
  readonly series: LoadSeries;
}

function progress(message: string): void {
  process.stderr.write(`[floor] ${message}\n`);
}

async function main(): Promise<void> {
  const values = parseBenchOptions(
    process.argv.slice(2),
    { rounds: { type: 'string', default: '7' }, seconds: { type: 'string', default: '4' }, warmup: { type: 'string', default: '5' }, json: { type: 'boolean', default: false } },
    USAGE,
  );
  const rounds = Math.floor(numberOption('rounds', values.rounds, 1));
  const seconds = numberOption('seconds', values.seconds, 1);
  const warmup = numberOption('warmup', values.warmup, 0);
  assertBuilt(progress);
  const dir = mkdtempSync(join(tmpdir(), 'millrace-floor-'));
  try {
    const single = (url: string, authorization?: string) =>
      new LoadSeries({ url: `${url}/v1/events`, connections: 50, eventsPerRequest: 1, ...(authorization === undefined ? {} : { authorization }) });
    const baseline = await startBaseline(join(dir, 'baseline.db'));
    const floor = await startFloor(join(dir, 'floor.db'));
    const leanFloor = await startFloor(join(dir, 'floor-lean.db'), undefined, 'lean');
    const hub = await startIntake(ROOT, join(dir, 'hub.db'));
    const contenders: Contender[] = [
      { name: 'baseline', server: baseline, series: single(baseline.url) },
      { name: 'floor', server: floor.server, series: single(floor.server.url, floor.authorization) },
      { name: 'floor, lean log', server: leanFloor.server, series: single(leanFloor.server.url, leanFloor.authorization) },
      { name: 'serve --workflows off', server: hub.server, series: single(hub.server.url, hub.authorization) },
    ];
    const servers = contenders.map((c) => c.server);
    progress(`warming up each server for ${warmup} s`);
    for (const contender of contenders) await contender.series.warmUp(warmup);
    const ratios = new Map<string, number[]>(contenders.map((c) => [c.name, []]));
    for (let round = 0; round < rounds; round += 1) {
      let base = 0;
      for (const contender of contenders) {
        await waitForQuiet(servers);
        const slice = await contender.series.measure(seconds);
        if (contender.name === 'baseline') base = slice.eventsPerSecond;
        ratios.get(contender.name)?.push(slice.eventsPerSecond / base);
      }
      progress(`round ${round + 1}: ${contenders.map((c) => `${c.name} ${(ratios.get(c.name)?.at(-1) ?? 0).toFixed(2)}`).join(', ')}`);
    }
    const summaries = contenders.map((c) => ({ name: c.name, summary: c.series.summary(), ratios: ratios.get(c.name) ?? [] }));
    const failed = summaries.filter((s) => s.summary.failures.non2xx + s.summary.failures.errors + s.summary.failures.timeouts > 0);
    if (failed.length > 0) throw new Error(`requests failed: ${failed.map((s) => `${s.name}: ${JSON.stringify(s.summary.failures)}`).join('; ')}`);
    const result = {
      code: codeVersion(),
      connections: 50,
      rounds,
      secondsPerSlice: seconds,
      contenders: summaries.map((s) => ({
        name: s.name,
        eventsPerSecond: Math.round(s.summary.eventsPerSecond),
        p99Ms: round2(s.summary.latencyMs.p99),
        ratioToBaseline: round2(median(s.ratios)),
        roundRatios: s.ratios.map(round2),
      })),
    };
    if (values.json) process.stdout.write(`${JSON.stringify(result)}\n`);
    else process.stdout.write(`${summaries.map(line).join('\n')}\n`);
  } finally {
    await stopAllServers();
    rmSync(dir, { recursive: true, force: true });
  }
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

function line({ name, summary, ratios }: { name: string; summary: LoadSummary; ratios: readonly number[] }): string {
  return `${name.padEnd(22)} ${Math.round(summary.eventsPerSecond).toString().padStart(6)} events/s  p99 ${summary.latencyMs.p99.toFixed(1).padStart(5)} ms  ${median(ratios).toFixed(2)}x the baseline (rounds ${ratios.map((r) => r.toFixed(2)).join(' ')})`;
}

runBench('bench/intake-floor.ts', USAGE, main);
