// Long intake work (the rows of a large CSV file, the sets of a large X12 interchange, the events
// of a large batch) runs a slice at a time, with a turn of the event loop between slices, so the
// hub keeps answering health checks and other requests meanwhile. Small inputs never pause: their
// cost is unchanged. The result is the one the work gives at once; nothing is committed before
// the last slice, so a submission stays all-or-nothing.
import type { Steps } from '../core/index.js';
import { runSteps } from '../core/index.js';

export interface Pacing {
  /** Units (rows, sets, events) of work between two pauses. */
  readonly every: number;
  /** Gives the event loop a turn (`setImmediate` in the hub). */
  pause(): Promise<void>;
}

/** Runs steps to their result, pausing each time `pacing.every` more units are done; without pacing, at once. */
export async function runPaced<T>(steps: Steps<T>, pacing: Pacing | undefined): Promise<T> {
  if (pacing === undefined) return runSteps(steps);
  let done = 0;
  for (;;) {
    const step = steps.next();
    if (step.done === true) return step.value;
    done += step.value;
    if (done >= pacing.every) {
      done = 0;
      await pacing.pause();
    }
  }
}

/** `items.map(make)`, pausing each time `pacing.every` items are made. */
export function mapPaced<T, U>(items: readonly T[], make: (item: T) => U, pacing: Pacing | undefined): Promise<U[]> {
  return runPaced(mapInSteps(items, make), pacing);
}

function* mapInSteps<T, U>(items: readonly T[], make: (item: T) => U): Steps<U[]> {
  const made: U[] = [];
  for (const item of items) {
    made.push(make(item));
    yield 1;
  }
  return made;
}
