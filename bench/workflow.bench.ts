// `npm run bench:workflow`: the P2P workflow's throughput, in one run.
// 1. Replay: a log of about 1,000,000 P2P events (100,000 PO lines through release,
//    confirmation, shipment, receipt and invoice, with what the workflow derived) rebuilt into
//    fresh projections, against a raw read of the same log in the same process (the baseline).
// 2. Memory: a hub process taking 1,000,000 released, unconfirmed (open) PO lines live.
// 3. Live latency: `millrace serve` loaded at half the rate it sustains, while a probe times
//    each fresh PO from POST to its line showing in GET /v1/workflows/p2p/:po.
// Options: --lines N (replay, default 100000), --open N (default 1000000), --seconds S (live
// load per phase, default 6), --json.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { measureLive } from './workflow-live.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({
  options: { lines: { type: 'string' }, open: { type: 'string' }, seconds: { type: 'string' }, json: { type: 'boolean' } },
});
const lines = Number(values.lines ?? 100_000);
const openLines = Number(values.open ?? 1_000_000);
const seconds = Number(values.seconds ?? 6);
const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);

/** Runs a bench script in a child process (its memory is its own) and parses its JSON line. */
function child<T>(script: string, args: readonly string[]): T {
  const result = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'bench', script), ...args], { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 24 });
  if (result.status !== 0) throw new Error(`${script} failed (${result.status}): ${result.stderr}`);
  const line = result.stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(line) as T;
}

interface Replay {
  events: number;
  rawRead: { eventsPerSecond: number; seconds: number };
  replay: { eventsPerSecond: number; seconds: number; threads: number; maxRssMiB: number };
  replayOneThread: { eventsPerSecond: number; seconds: number; maxRssMiB: number };
}
interface Built {
  events: number;
  inbound: number;
  derived: number;
  lines: number;
  seconds: number;
}
interface OpenLines {
  openLines: number;
  processed: number;
  seconds: number;
  eventsPerSecond: number;
  maxRssMiB: number;
}

const started = performance.now();
const dir = mkdtempSync(join(tmpdir(), 'millrace-wfbench-'));
try {
  log(`building a P2P log for ${lines.toLocaleString('en')} PO lines`);
  const built = child<Built>('workflow-replay.ts', ['build', join(dir, 'replay.db'), String(lines)]);
  log(`built ${built.events.toLocaleString('en')} events in ${built.seconds.toFixed(1)} s; replaying`);
  const replay = child<Replay>('workflow-replay.ts', ['replay', join(dir, 'replay.db')]);
  rmSync(join(dir, 'replay.db'), { force: true });
  log(`replayed at ${Math.round(replay.replay.eventsPerSecond).toLocaleString('en')} events/s; ${openLines.toLocaleString('en')} open lines next`);
  const open = child<OpenLines>('workflow-open-lines.ts', [String(openLines)]);
  log(`open lines: peak ${Math.round(open.maxRssMiB)} MiB; live latency next`);
  const live = await measureLive({ seconds });

  const targets = [
    { name: 'replayEventsPerSecond', measured: replay.replay.eventsPerSecond, target: 50_000, comparison: '>=', met: replay.replay.eventsPerSecond >= 50_000 },
    { name: 'liveVisibleP99Ms', measured: live.visibleMs.p99, target: 100, comparison: '<', met: live.visibleMs.p99 < 100 },
    { name: 'openLinesPeakRssMiB', measured: open.maxRssMiB, target: 1024, comparison: '<', met: open.maxRssMiB < 1024 },
  ];
  const report = {
    settings: { lines, openLines, seconds },
    replay: { ...replay, built, ratioToRawRead: replay.replay.eventsPerSecond / replay.rawRead.eventsPerSecond },
    openLines: open,
    live,
    targets,
    allTargetsMet: targets.every((t) => t.met),
    elapsedSeconds: (performance.now() - started) / 1000,
  };
  if (values.json === true) process.stdout.write(`${JSON.stringify(report)}\n`);
  const out = values.json === true ? process.stderr : process.stdout;
  const n = (x: number) => Math.round(x).toLocaleString('en');
  out.write(`Millrace workflow benchmark (${report.elapsedSeconds.toFixed(0)} s)\n\n`);
  out.write(`replay: ${n(replay.events)} events (${n(built.inbound)} inbound, ${n(built.derived)} derived, ${n(built.lines)} PO lines) in ${replay.replay.seconds.toFixed(1)} s\n`);
  out.write(
    `  ${n(replay.replay.eventsPerSecond)} events/s with \`millrace replay\` on ${replay.replay.threads} threads (one thread in this process, V8's default heap: ${n(replay.replayOneThread.eventsPerSecond)} events/s); raw read of the same log ${n(replay.rawRead.eventsPerSecond)} events/s (ratio ${report.replay.ratioToRawRead.toFixed(2)}); peak ${n(replay.replay.maxRssMiB)} MiB (\`millrace replay\`), ${n(replay.replayOneThread.maxRssMiB)} MiB (one thread in this process)\n`,
  );
  out.write(`open lines: ${n(open.openLines)} released, unconfirmed PO lines processed live in ${open.seconds.toFixed(1)} s (${n(open.eventsPerSecond)} events/s); peak ${n(open.maxRssMiB)} MiB\n`);
  out.write(
    `live: max ${n(live.maxEventsPerSecond)} events/s with workflows on; at ${n(live.loadEventsPerSecond)} events/s, ${live.probes} probes visible in p50 ${live.visibleMs.p50.toFixed(1)} ms, p99 ${live.visibleMs.p99.toFixed(1)} ms, max ${live.visibleMs.max.toFixed(1)} ms (${live.failures} failed requests)\n\n`,
  );
  for (const t of targets) out.write(`  ${t.name.padEnd(22)} ${t.comparison} ${String(t.target).padEnd(7)} ${t.measured.toFixed(1).padStart(10)}  ${t.met ? 'pass' : 'MISSED'}\n`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
