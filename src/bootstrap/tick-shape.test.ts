// What keepTickShape is for, shown on V8 itself (docs/adr/0074): a full collection while no tick
// object is alive leaves the inline caches of process.nextTick's tick literal megamorphic for good;
// with one tick object kept, they stay monomorphic. V8's %DebugPrint (which needs
// --allow-natives-syntax, hence a child process) prints each cache's state.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';

const MODULE = fileURLToPath(new URL('./tick-shape.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'millrace-tick-shape-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** nextTick's feedback after ticks, an idle full collection, and more ticks; keeping the shape or not. */
function nextTickFeedback(keep: boolean): { feedback: string; kept: string[] } {
  const probe = `
const { keepTickShape, keptTickObject } = await import(${JSON.stringify(MODULE)});
if (${String(keep)}) keepTickShape();
const pause = () => new Promise((resolve) => setTimeout(resolve, 5));
await pause();
const noop = () => {};
for (let i = 0; i < 100; i += 1) process.nextTick(noop);
await pause();
globalThis.gc();
for (let i = 0; i < 100; i += 1) process.nextTick(noop);
await pause();
const kept = keptTickObject();
process.stdout.write(JSON.stringify(kept === undefined ? [] : Object.getOwnPropertySymbols(kept).map(String)) + '\\n');
%DebugPrint(process.nextTick);
`;
  // %DebugPrint writes through C's buffered stdout; into a pipe (which Node makes non-blocking) its
  // tail was lost in 2 runs of 5. A file takes it whole.
  const file = join(dir, `feedback-${String(keep)}.txt`);
  const fd = openSync(file, 'w');
  try {
    execFileSync(process.execPath, ['--expose-gc', '--allow-natives-syntax', '--import', 'tsx', '--input-type=module', '-e', probe], { stdio: ['ignore', fd, 'pipe'] });
  } finally {
    closeSync(fd);
  }
  const out = readFileSync(file, 'utf8');
  const [first = '[]', ...rest] = out.split('\n');
  return { kept: JSON.parse(first) as string[], feedback: rest.join('\n') };
}

const literalCaches = (feedback: string) => feedback.split('\n').filter((line) => line.includes('DefineKeyedOwnPropertyInLiteral'));

describe('keepTickShape', () => {
  it('without it, an idle full collection leaves the tick literal megamorphic (the fault, on this Node)', () => {
    const caches = literalCaches(nextTickFeedback(false).feedback);
    assert.equal(caches.length, 4, `nextTick's tick literal has four caches, one per key:\n${caches.join('\n')}`);
    assert.ok(
      caches.some((line) => line.includes('MEGAMORPHIC')),
      `this Node no longer shows the fault; keepTickShape may be unneeded (docs/adr/0074):\n${caches.join('\n')}`,
    );
  });

  it('keeps a tick object, and with it every cache of the tick literal monomorphic through the collection', () => {
    const { feedback, kept } = nextTickFeedback(true);
    assert.deepEqual(kept, ['Symbol(async_id_symbol)', 'Symbol(trigger_async_id_symbol)'], 'the kept object is a tick object');
    const caches = literalCaches(feedback);
    assert.equal(caches.length, 4);
    for (const line of caches) assert.match(line, /MONOMORPHIC/);
  });
});
