#!/usr/bin/env -S node --min-semi-space-size=16
// Entry point of the `millrace` command. The TypeScript sources are compiled to dist/ by
// `npm ci` (the prepare script) or `npm run build`.
//
// The young generation is kept at 16 MiB per semi-space at least (V8's default range is 1-16):
// after some seconds without load, V8 shrinks it to 1 MiB at the next scavenge and takes about
// two seconds of load to grow it back, scavenging ten times as often meanwhile. A hub's first
// seconds after a quiet spell ran about 10% slower that way (docs/adr/0026). The setting must be
// given to node on its command line (NODE_OPTIONS does not take it, and set at run time it does
// not hold), hence the shebang; `node bin/millrace.js` goes without it.
import { existsSync } from 'node:fs';

const entry = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('millrace: dist/ is missing; run "npm ci" or "npm run build" first\n');
  process.exit(1);
}
// Before the start's work: one of Node's tick objects kept alive, so that a full garbage
// collection cannot leave process.nextTick on V8's slow path for good (docs/adr/0074).
const { keepTickShape } = await import(new URL('../dist/bootstrap/tick-shape.js', import.meta.url).href);
keepTickShape();
const { main } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2));
