// One of Node's tick objects, kept alive for the life of the thread (docs/adr/0074).
//
// `process.nextTick` builds every tick as an object literal with computed keys
// (`{ [async_id_symbol]: ..., [trigger_async_id_symbol]: ..., callback, args }`), and V8 caches,
// for each of those keys, the shape the object has before it. The cache holds the shape weakly.
// A full garbage collection at a moment when no tick object is alive (the collection once the hub
// listens, docs/adr/0066, or any on an idle thread) frees the shapes; the next tick builds new
// ones, and V8 then marks the three caches megamorphic for good. From there on every tick goes
// through V8's generic path: 198 ns a call instead of 25 in a plain Node 20.20 script, and a
// request to the hub makes several. One tick object kept alive keeps its shapes, so the caches
// stay as they were.
import { executionAsyncResource } from 'node:async_hooks';

let scheduled = false;
let kept: object | undefined;

/**
 * Keeps the tick object of one `process.nextTick` callback alive. Call it before the thread does
 * its start-up work: a full collection before the tick has run could still free the shapes. The
 * tick runs once the caller's synchronous code is done (at its first `await`).
 */
export function keepTickShape(): void {
  if (scheduled) return;
  scheduled = true;
  // Inside a tick callback, the resource of the running async context is the tick object itself.
  process.nextTick(() => {
    kept = executionAsyncResource();
  });
}

/** The kept tick object, once its callback has run (for the tests). */
export function keptTickObject(): object | undefined {
  return kept;
}
