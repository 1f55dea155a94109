// CPU time per event of the baseline and of `millrace serve --workflows off`, both driven at the
// same fixed request rate (single events, 50 connections), read from the kernel's per-thread
// run time (/proc/<pid>/task/<tid>/schedstat). It moves much less with the machine's mood than
// a throughput ratio on two cores shared with the load generator (a few us per event between
// runs at a fixed rate), and tells which thread a change saves or costs work on.
// Run: node --import tsx bench/intake-cpu.ts [--help for the options]
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertBuilt, startBaseline, startHub } from './contenders.js';
import { LoadSeries, median } from './load.js';
import { numberOption, parseBenchOptions, runBench } from './options.js';
import { startIntake, withTreeAt } from './other-tree.js';
import { stopAllServers } from './server-process.js';

/** Nanoseconds on a CPU so far, per thread, keyed `tid name`. */
function threadTimes(pid: number): Map<string, number> {
  const times = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const name = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
      const ns = Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
      times.set(`${tid === String(pid) ? 'main' : tid} ${name}`, ns);
    } catch {
      // A thread that ended between the listing and the read.
    }
  }
  return times;
}

/** Minor page faults so far of a process, all threads (/proc/<pid>/stat, field 10). */
function minorFaults(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which is in parentheses and may hold spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[7]);
}

/** Bytes a process has caused to be written to storage so far, all threads (/proc/<pid>/io). */
function storageWrites(pid: number): { bytes: number; calls: number } {
  const io = readFileSync(`/proc/${pid}/io`, 'utf8');
  return { bytes: Number(/^write_bytes:\s+(\d+)/m.exec(io)?.[1] ?? 0), calls: Number(/^syscw:\s+(\d+)/m.exec(io)?.[1] ?? 0) };
}

/** Context switches so far of a process, all threads, voluntary (it waited) and not (it was preempted). */
function contextSwitches(pid: number): { voluntary: number; preempted: number } {
  let voluntary = 0;
  let preempted = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const status = readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8');
      voluntary += Number(/^voluntary_ctxt_switches:\s+(\d+)/m.exec(status)?.[1] ?? 0);
      preempted += Number(/^nonvoluntary_ctxt_switches:\s+(\d+)/m.exec(status)?.[1] ?? 0);
    } catch {
      // A thread that ended between the listing and the read.
    }
  }
  return { voluntary, preempted };
}

interface Sample {
  readonly events: number;
  /** Microseconds of CPU per acknowledged event, per thread, and `total`; in parentheses, other figures per event or per second. */
  readonly perEvent: Map<string, number>;
}

/** Nanoseconds on a CPU so far of this process (the load generator), all threads. */
function clientTime(): number {
  return [...threadTimes(process.pid).values()].reduce((sum, ns) => sum + ns, 0);
}

async function sample(pid: number, load: LoadSeries, seconds: number): Promise<Sample> {
  const before = threadTimes(pid);
  const faultsBefore = minorFaults(pid);
  const switchesBefore = contextSwitches(pid);
  const writesBefore = storageWrites(pid);
  const clientBefore = clientTime();
  const acknowledged = load.acknowledgedEvents;
  const slice = await load.measure(seconds);
  const after = threadTimes(pid);
  const faultsAfter = minorFaults(pid);
  const switchesAfter = contextSwitches(pid);
  const writesAfter = storageWrites(pid);
  const events = load.acknowledgedEvents - acknowledged;
  const perEvent = new Map<string, number>();
  perEvent.set('(page faults)', (faultsAfter - faultsBefore) / events);
  perEvent.set('(context switches, waited)', (switchesAfter.voluntary - switchesBefore.voluntary) / events);
  perEvent.set('(context switches, preempted)', (switchesAfter.preempted - switchesBefore.preempted) / events);
  perEvent.set('(bytes to storage)', (writesAfter.bytes - writesBefore.bytes) / events);
  perEvent.set('(write calls)', (writesAfter.calls - writesBefore.calls) / events);
  perEvent.set('(load generator)', (clientTime() - clientBefore) / 1000 / events);
  perEvent.set('(events/s)', slice.eventsPerSecond);
  let total = 0;
  for (const [thread, ns] of after) {
    const used = ns - (before.get(thread) ?? 0);
    total += used;
    // Threads of the same name other than the main one are pooled (libuv, V8 helpers).
    const key = thread.startsWith('main ') ? 'main' : thread.replace(/^\d+ /, '');
    perEvent.set(key, (perEvent.get(key) ?? 0) + used / 1000 / events);
  }
  perEvent.set('total', total / 1000 / events);
  perEvent.set('(server cores busy)', total / 1e9 / slice.seconds);
  return { events, perEvent };
}

const USAGE = `usage: node --import tsx bench/intake-cpu.ts [options]
  --rate <n>       requests per second over 50 connections, single events (default 5000);
                   0: as fast as each server answers
  --seconds <s>    measured seconds per slice (default 6)
  --rounds <n>     slices per server, taken in turns (default 3); figures are their medians
  --against <rev>  also \`serve\` of that commit, built in a temporary git worktree
  --profile <dir>  write each server's .cpuprofile to <dir> (summarise with bench/cpu-profile.ts)
`;

function parseOptions(argv: readonly string[]) {
  const values = parseBenchOptions(
    argv,
    {
      rate: { type: 'string', default: '5000' },
      seconds: { type: 'string', default: '6' },
      rounds: { type: 'string', default: '3' },
      profile: { type: 'string' },
      against: { type: 'string' },
    },
    USAGE,
  );
  return {
    rate: numberOption('rate', values.rate, 0),
    seconds: numberOption('seconds', values.seconds, 1),
    rounds: Math.floor(numberOption('rounds', values.rounds, 1)),
    profile: values.profile,
    against: values.against,
  };
}

async function main(): Promise<void> {
  const values = parseOptions(process.argv.slice(2));
  const { rate, seconds, rounds } = values;
  assertBuilt((message) => process.stderr.write(`${message}\n`));
  const dir = mkdtempSync(join(tmpdir(), 'millrace-cpu-'));
  const connections = 50;
  const load = (url: string, authorization?: string) =>
    new LoadSeries({ url: `${url}/v1/events`, connections, eventsPerRequest: 1, ...(rate > 0 ? { overallRate: rate } : {}), ...(authorization === undefined ? {} : { authorization }) });
  const measure = async (other?: string) => {
    try {
      const baseline = await startBaseline(join(dir, 'baseline.db'), values.profile);
      const hub = await startHub('intake', join(dir, 'hub.db'), false, values.profile);
      const contenders = [
        { name: 'baseline', pid: baseline.pid, load: load(baseline.url) },
        { name: 'hub', pid: hub.server.pid, load: load(hub.server.url, hub.authorization) },
      ];
      if (other !== undefined) {
        const theirs = await startIntake(other, join(dir, 'other.db'));
        contenders.push({ name: `hub at ${values.against}`, pid: theirs.server.pid, load: load(theirs.server.url, theirs.authorization) });
      }
      const samples = new Map<string, Sample[]>(contenders.map((c) => [c.name, []]));
      for (const contender of contenders) await contender.load.warmUp(2);
      for (let round = 0; round < rounds; round += 1) {
        for (const contender of contenders) samples.get(contender.name)?.push(await sample(contender.pid, contender.load, seconds));
      }
      for (const contender of contenders) report(contender.name, samples.get(contender.name) ?? []);
    } finally {
      // Before a worktree goes.
      await stopAllServers();
    }
  };
  try {
    if (values.against === undefined) await measure();
    else await withTreeAt(values.against, join(dir, 'tree'), measure);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function report(name: string, samples: readonly Sample[]): void {
  const threads = new Set(samples.flatMap((s) => [...s.perEvent.keys()]));
  process.stdout.write(`${name} (${samples.map((s) => s.events).join(' / ')} events), CPU us per event, median of ${samples.length}:\n`);
  const rows = [...threads].map((thread) => [thread, median(samples.map((s) => s.perEvent.get(thread) ?? 0))] as const).filter(([, us]) => us >= 0.05);
  rows.sort((a, b) => b[1] - a[1]);
  for (const [thread, us] of rows) process.stdout.write(`  ${us.toFixed(thread.startsWith('(') ? 2 : 1).padStart(9)}  ${thread}\n`);
}

runBench('bench/intake-cpu.ts', USAGE, main);
