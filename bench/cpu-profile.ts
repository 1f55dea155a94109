// Summarises a V8 .cpuprofile (from `node --cpu-prof`, which `--profile <dir>` turns on for the
// server processes): where the server spends its time, by area, by function's own time and by
// function including callees. Run: node --import tsx bench/cpu-profile.ts <file> [top].
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly children?: readonly number[];
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export interface Share {
  readonly name: string;
  readonly ms: number;
  readonly percent: number;
}

export interface ProfileSummary {
  readonly totalMs: number;
  /** Sampled time minus `(idle)`; every percentage is of this. */
  readonly busyMs: number;
  /** Self time grouped by package or project folder; `(idle)` is time the process waited. */
  readonly areas: readonly Share[];
  readonly selfTop: readonly Share[];
  /** Time in a function and everything it called, each sample counted once per function. */
  readonly inclusiveTop: readonly Share[];
}

export function summariseProfile(path: string, top = 25): ProfileSummary {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

  const selfMicros = new Map<number, number>();
  profile.samples.forEach((id, index) => selfMicros.set(id, (selfMicros.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0)));
  const totalMicros = [...selfMicros.values()].reduce((sum, value) => sum + value, 0);
  let idleMicros = 0;
  for (const [id, micros] of selfMicros) if (byId.get(id)?.callFrame.functionName === '(idle)') idleMicros += micros;
  const busyMicros = Math.max(1, totalMicros - idleMicros);

  const areas = new Map<string, number>();
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  for (const [id, micros] of selfMicros) {
    const node = byId.get(id);
    if (node === undefined || node.callFrame.functionName === '(idle)') continue;
    add(areas, areaOf(node), micros);
    add(self, labelOf(node), micros);
    // A recursive function (canonicalJson) appears several times on one stack: count it once.
    const onStack = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at);
      if (frame !== undefined) onStack.add(labelOf(frame));
    }
    for (const label of onStack) add(inclusive, label, micros);
  }
  const shares = (map: Map<string, number>, limit: number) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, limit)
      .map(([name, micros]) => ({ name, ms: micros / 1000, percent: (100 * micros) / busyMicros }));
  const structural = /^\((root|program)\) /;
  return {
    totalMs: totalMicros / 1000,
    busyMs: busyMicros / 1000,
    areas: shares(areas, 20),
    selfTop: shares(self, top),
    inclusiveTop: shares(new Map([...inclusive].filter(([label]) => !structural.test(label))), top),
  };
}

function add(map: Map<string, number>, key: string, micros: number): void {
  map.set(key, (map.get(key) ?? 0) + micros);
}

function labelOf(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  // V8 names a regular expression's compiled code after its whole source, which can be kilobytes.
  const name = functionName === '' ? '(anonymous)' : functionName.length > 80 ? `${functionName.slice(0, 77)}...` : functionName;
  if (url === '') return name.startsWith('(') ? `${name} ` : `${name} [native or generated]`;
  return `${name} ${shortUrl(url)}:${lineNumber + 1}`;
}

function shortUrl(url: string): string {
  const modules = url.lastIndexOf('/node_modules/');
  if (modules >= 0) return url.slice(modules + '/node_modules/'.length);
  const project = /\/(dist|src|bench)\/(.*)$/.exec(url);
  return project === null ? url : `${project[1]}/${project[2]}`;
}

/** Which package or project folder a frame belongs to; V8's own buckets keep their names. */
function areaOf(node: ProfileNode): string {
  const { functionName, url } = node.callFrame;
  if (url === '') return functionName.startsWith('(') ? functionName : 'native / generated code (ajv validators, builtins)';
  if (url.startsWith('node:')) return 'node core (http, net, streams, crypto)';
  const modules = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (modules?.[1] !== undefined) return modules[1];
  const project = /\/(dist|src|bench)\/([^/]+)/.exec(url);
  if (project?.[2] !== undefined) return `millrace ${project[1]}/${project[2]}`;
  return url;
}

export function formatProfile(summary: ProfileSummary): string {
  const lines = [`sampled ${summary.totalMs.toFixed(0)} ms, busy (not idle) ${summary.busyMs.toFixed(0)} ms; percentages are of busy time`, '', 'self time by area:'];
  const row = (share: Share) => `  ${share.percent.toFixed(1).padStart(5)}%  ${share.ms.toFixed(0).padStart(7)} ms  ${share.name}`;
  lines.push(...summary.areas.map(row), '', 'self time by function:', ...summary.selfTop.map(row));
  lines.push('', 'time including callees:', ...summary.inclusiveTop.map(row));
  return lines.join('\n');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [file, top] = process.argv.slice(2);
  if (file === undefined) {
    process.stderr.write('usage: node --import tsx bench/cpu-profile.ts <file.cpuprofile> [top]\n');
    process.exit(2);
  }
  process.stdout.write(`${formatProfile(summariseProfile(file, top === undefined ? 25 : Number(top)))}\n`);
}
