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
        // One load series per server, its latencies pooled over the rounds (for the p99s).
        const load = (intake: { server: { url: string }; authorization: string }) =>
          new LoadSeries({ url: `${intake.server.url}/v1/events`, connections: 50, eventsPerRequest: 1, authorization: intake.authorization });
        const here = await startIntake(ROOT, join(dir, 'this.db'));
        const there = await startIntake(other, join(dir, 'other.db'));
        const trees = [
          { name: 'this tree', load: load(here), ratios: [] as number[] },
          { name: rev, load: load(there), ratios: [] as number[] },
        ];
        const base = new LoadSeries({ url: `${baseline.url}/v1/events`, connections: 50, eventsPerRequest: 1 });
        for (let round = 0; round < rounds; round += 1) {
          for (const tree of trees) {
            // A baseline slice right before each tree's: the ratio compares neighbours in time.
            const mine = tree.load;
            await base.warmUp(1);
            const b = await base.measure(4);
            await mine.warmUp(1);
            const m = await mine.measure(4);
            tree.ratios.push(m.eventsPerSecond / b.eventsPerSecond);
            process.stderr.write(`[ab] round ${round + 1} ${tree.name}: ${Math.round(m.eventsPerSecond)} events/s, baseline ${Math.round(b.eventsPerSecond)}\n`);
          }
        }
        const p99 = (series: LoadSeries) => `p99 ${series.summary().latencyMs.p99.toFixed(1)} ms`;
        for (const tree of trees) {
          const { ratios } = tree;
          process.stdout.write(`${tree.name.padEnd(12)} intake / baseline: median ${median(ratios).toFixed(2)}x (rounds ${ratios.map((v) => v.toFixed(2)).join(' ')}), ${p99(tree.load)}\n`);
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
