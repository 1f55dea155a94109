// What collectStartupGarbage is for, shown on V8 itself (docs/adr/0066): once the start's
// short-lived objects have filled the transitions of the map every `{}` starts from, each object
// of a new shape gets a map of its own; after the collection, objects of one shape share one.
// V8's %HaveSameMap needs --allow-natives-syntax, hence a child process.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { it } from 'node:test';

const MODULE = fileURLToPath(new URL('./startup-garbage.ts', import.meta.url));

const PROBE = `
const { collectStartupGarbage } = await import(${JSON.stringify(MODULE)});
// As code generation does at the start: thousands of objects, each first given a new name.
for (let i = 0; i < 3000; i += 1) { const o = {}; o['generated' + i] = i; }
const make = (key) => { const o = {}; o[key] = 1; return o; };
const before = %HaveSameMap(make('before'), make('before'));
collectStartupGarbage();
const after = %HaveSameMap(make('after'), make('after'));
process.stdout.write(JSON.stringify({ before, after, gc: typeof globalThis.gc }));
`;

it('objects of one shape share one map again after the start-up collection, and gc is not left exposed', () => {
  const out = execFileSync(process.execPath, ['--allow-natives-syntax', '--import', 'tsx', '--input-type=module', '-e', PROBE], { encoding: 'utf8' });
  const { before, after, gc } = JSON.parse(out) as { before: boolean; after: boolean; gc: string };
  assert.equal(before, false, 'with the transitions full, each new object of a shape gets a map of its own (the fault)');
  assert.equal(after, true, 'after the collection the shape is cached again');
  assert.equal(gc, 'undefined', 'the process global gets no gc()');
});
