// What a quiet spell costs a server's next seconds of load (docs/adr/0026): one server at a
// time, warmed up, then `--cycles` times: a slice of single events at 50 connections, `--idle`
// seconds without load, and another slice. The ratio is the median slice after the idle over the
// median slice before it. Run for the baseline and the hub, each with node's default options and
// with the options of the `millrace` command's shebang (commandNodeOptions()).
// Run (after npm run build): node --import tsx bench/quiet-spell.ts [--help for the options]
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { assertBuilt, commandNodeOptions, startBaseline, startHub } from './contenders.js';
import { LoadSeries, median } from './load.js';
import { numberOption, parseBenchOptions, runBench } from './options.js';
import { stopAllServers, type ServerProcess } from './server-process.js';

const USAGE = `usage: node --import tsx bench/quiet-spell.ts [options]   (after npm run build)
  --idle <s>      seconds without load between the two slices of a cycle (default 15; V8's
                  memory reducer starts after 8)
  --cycles <n>    cycles per server and options (default 3)
  --seconds <s>   seconds per slice (default 2, as bench:ingest's)
`;

async function slowdown(server: 'baseline' | 'hub', nodeOptions: readonly string[], dir: string, settings: { idle: number; cycles: number; seconds: number }): Promise<{ before: number; after: number }> {
  const db = join(dir, `${server}-${nodeOptions.length}`, 'millrace.db');
  let running: ServerProcess;
  let authorization: string | undefined;
  if (server === 'hub') {
    const hub = await startHub('quiet-spell', db, false, undefined, nodeOptions);
    running = hub.server;
    authorization = hub.authorization;
  } else {
    mkdirSync(dirname(db), { recursive: true });
    running = await startBaseline(db, undefined, nodeOptions);
  }
  try {
    const load = new LoadSeries({ url: `${running.url}/v1/events`, connections: 50, eventsPerRequest: 1, ...(authorization === undefined ? {} : { authorization }) });
    await load.warmUp(3);
    const before: number[] = [];
    const after: number[] = [];
    for (let cycle = 0; cycle < settings.cycles; cycle += 1) {
      before.push((await load.measure(settings.seconds)).eventsPerSecond);
      await new Promise((resolve) => setTimeout(resolve, settings.idle * 1000));
      after.push((await load.measure(settings.seconds)).eventsPerSecond);
    }
    return { before: median(before), after: median(after) };
  } finally {
    await running.stop();
  }
}

async function main(): Promise<void> {
  const values = parseBenchOptions(
    process.argv.slice(2),
    { idle: { type: 'string', default: '15' }, cycles: { type: 'string', default: '3' }, seconds: { type: 'string', default: '2' } },
    USAGE,
  );
  const settings = { idle: numberOption('idle', values.idle, 0), cycles: Math.floor(numberOption('cycles', values.cycles, 1)), seconds: numberOption('seconds', values.seconds, 1) };
  assertBuilt((message) => process.stderr.write(`[quiet] ${message}\n`));
  const dir = mkdtempSync(join(tmpdir(), 'millrace-quiet-'));
  try {
    for (const server of ['baseline', 'hub'] as const) {
      for (const options of [[], commandNodeOptions()]) {
        const { before, after } = await slowdown(server, options, dir, settings);
        const label = options.length === 0 ? "node's defaults" : options.join(' ');
        process.stdout.write(`${server.padEnd(9)} ${label.padEnd(28)} before ${Math.round(before)} events/s, after ${settings.idle} s idle ${Math.round(after)}: ${(after / before).toFixed(3)}\n`);
      }
    }
  } finally {
    await stopAllServers();
    rmSync(dir, { recursive: true, force: true });
  }
}

runBench('quiet-spell', USAGE, main);
