// One full garbage collection once the hub has started (docs/adr/0066).
//
// Starting a hub compiles every contract, the route schemas and the serialisers with ajv and
// fast-json-stringify. Their code generation builds thousands of short-lived objects whose first
// property is a generated name (`err208`, `_errs42`, ...), and V8 records each as a transition of
// the one map every `{}` literal starts from. That list holds at most 1,536 entries, and the
// start fills it. Under steady intake only the young generation is collected, so the list is not
// cleared: every object literal whose shape was not already there then gets a map of its own,
// made afresh each time (Node's `process.nextTick` makes one per call, several per request). A
// full collection after the start clears the dead entries (1,536 down to about 350 measured
// under load), and the shapes are cached again.
//
// Run while no tick object is alive, this collection also freed the shapes of nextTick's own tick
// literal and left its caches megamorphic for good; keepTickShape (tick-shape.ts, docs/adr/0074)
// keeps one tick object alive from the process's start, so that it no longer can.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * Collects all garbage now, old generation included. `global.gc` exists only with node's
 * `--expose-gc`; the flag, set at run time, applies to contexts created after it, so a new
 * context lends its `gc` (the process's own global is left without one).
 */
export function collectStartupGarbage(): void {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  setFlagsFromString('--no-expose-gc');
  gc();
}
