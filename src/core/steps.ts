// Work done a step at a time, so that a caller can pause between steps (the hub gives its event
// loop a turn while it reads a large file) and get the very result it would have got at once.
// Each step yields how many units (rows, transaction sets, events) it handled.

/** A computation in steps: `yield n` after handling n units; `return` the result. */
export type Steps<T> = Generator<number, T, void>;

/** Runs the steps straight to their result. */
export function runSteps<T>(steps: Steps<T>): T {
  for (;;) {
    const step = steps.next();
    if (step.done === true) return step.value;
  }
}
