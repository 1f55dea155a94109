// What a change costs the intake path, told apart from the machine's mood: the baseline and
// `millrace serve --workflows off` of this tree and of an earlier commit, single events at 50
// connections, slices interleaved (baseline, this tree, baseline, the other tree, ...), and the
// ratio to the baseline for each. Run: node --import tsx bench/intake-ab.ts <git rev> [rounds]
// It checks the rev out in a temporary git worktree, builds it, and removes it at the end.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, startBaseline } from './contenders.js';
import { LoadSeries, median } from './load.js';
import { startIntake, withTreeAt } from './other-tree.js';
import { stopAllServers } from './server-process.js';

async function main(): Promise<void> {
  const [rev, roundsText = '3'] = process.argv.slice(2);
  if (rev === undefined) throw new Error('usage: node --import tsx bench/intake-ab.ts <git rev> [rounds]');
  const rounds = Number(roundsText);
  const dir = mkdtempSync(join(tmpdir(), 'millrace-ab-'));
  try {
    await withTreeAt(rev, join(dir, 'tree'), async (other) => {
      try {
        const baseline = await startBaseline(join(dir, 'baseline.db'));
        const trees = [
          { name: 'this tree', ...(await startIntake(ROOT, join(dir, 'this.db'))) },
          { name: rev, ...(await startIntake(other, join(dir, 'other.db'))) },
        ];
        const ratios = new Map<string, number[]>(trees.map((t) => [t.name, []]));
        // One series per server, its latencies pooled over the rounds (for the p99s).
        const base = new LoadSeries({ url: `${baseline.url}/v1/events`, connections: 50, eventsPerRequest: 1 });
        const series = new Map(trees.map((tree) => [tree.name, new LoadSeries({ url: `${tree.server.url}/v1/events`, connections: 50, eventsPerRequest: 1, authorization: tree.authorization })]));
        for (let round = 0; round < rounds; round += 1) {
          for (const tree of trees) {
            // A baseline slice right before each tree's: the ratio compares neighbours in time.
            const mine = series.get(tree.name) as LoadSeries;
            await base.warmUp(1);
            const b = await base.measure(4);
            await mine.warmUp(1);
            const m = await mine.measure(4);
            ratios.get(tree.name)?.push(m.eventsPerSecond / b.eventsPerSecond);
            process.stderr.write(`[ab] round ${round + 1} ${tree.name}: ${Math.round(m.eventsPerSecond)} events/s, baseline ${Math.round(b.eventsPerSecond)}\n`);
          }
        }
        const p99 = (load: LoadSeries | undefined) => `p99 ${load?.summary().latencyMs.p99.toFixed(1) ?? '?'} ms`;
        for (const [name, values] of ratios) {
          process.stdout.write(`${name.padEnd(12)} intake / baseline: median ${median(values).toFixed(2)}x (rounds ${values.map((v) => v.toFixed(2)).join(' ')}), ${p99(series.get(name))}\n`);
        }
        process.stdout.write(`${'baseline'.padEnd(12)} ${p99(base)} (all its slices)\n`);
      } finally {
        // Before the worktree goes.
        await stopAllServers();
      }
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:intake-ab failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
