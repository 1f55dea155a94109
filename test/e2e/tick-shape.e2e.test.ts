// The hub's own process keeps process.nextTick off V8's slow path (docs/adr/0074): after it
// listens (and has made its start-up collection, docs/adr/0066) and after another full collection
// on an idle thread, the inline caches of nextTick's tick literal are still monomorphic. A probe
// loaded with --import reads them with V8's %DebugPrint; src/bootstrap/tick-shape.test.ts shows
// that the same reading finds them megamorphic when no tick object is kept.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { assertBuilt, BIN, ROOT } from '../support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'millrace-tick-shape-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const END = '--- end of nextTick feedback ---';

// Once the hub prints the address it listens on: a full collection with no tick alive, ticks, and
// nextTick's feedback printed; then the hub is stopped.
const PROBE = `
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
setFlagsFromString('--allow-natives-syntax');
const debugPrint = new Function('value', '%DebugPrint(value)');
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc');
setFlagsFromString('--no-expose-gc');
const write = process.stdout.write.bind(process.stdout);
const pause = () => new Promise((resolve) => setTimeout(resolve, 20));
let probed = false;
process.stdout.write = (chunk, ...rest) => {
  if (!probed && String(chunk).includes('"listening"')) {
    probed = true;
    setTimeout(async () => {
      gc();
      await pause();
      for (let i = 0; i < 100; i += 1) process.nextTick(() => {});
      await pause();
      debugPrint(process.nextTick);
      write(${JSON.stringify(`${END}\n`)});
    }, 20);
  }
  return write(chunk, ...rest);
};
`;

it('millrace serve keeps the caches of nextTick monomorphic through a full collection after it listens', async () => {
  assertBuilt();
  const probe = join(dir, 'probe.mjs');
  writeFileSync(probe, PROBE);
  // The hub's output goes to a file: %DebugPrint writes through C's buffered stdout, whose tail a
  // pipe (non-blocking under Node) can lose; the file has it whole once the process has exited.
  const outFile = join(dir, 'out.txt');
  const fd = openSync(outFile, 'w');
  const child = spawn(
    process.execPath,
    [`--import=${probe}`, BIN, 'serve', '--port', '0', '--manifest', join(ROOT, 'examples', 'millrace.yaml'), '--store', `sqlite:${join(dir, 'hub.db')}`, '--workflows', 'off', '--deliveries', 'off'],
    { cwd: dir, stdio: ['ignore', fd, 'pipe'] },
  );
  closeSync(fd);
  let errors = '';
  child.stderr?.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  let exitCode: number | null | undefined;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code) => {
      exitCode = code;
      resolve();
    }),
  );
  for (let waited = 0; !readFileSync(outFile, 'utf8').includes(END); waited += 50) {
    if (exitCode !== undefined) throw new Error(`serve exited with ${exitCode}:\n${errors}`);
    if (waited > 30_000) throw new Error(`no feedback printed in 30 s:\n${errors}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  child.kill('SIGTERM');
  await exited;
  const out = readFileSync(outFile, 'utf8');
  const caches = out.split('\n').filter((line) => line.includes('DefineKeyedOwnPropertyInLiteral'));
  assert.equal(caches.length, 4, `nextTick's tick literal has four caches, one per key:\n${out.slice(0, 2000)}`);
  for (const line of caches) assert.match(line, /MONOMORPHIC/);
});
