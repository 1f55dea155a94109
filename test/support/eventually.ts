// Waiting in tests on what a system does in the background, never on time: poll until the thing
// is there, and fail naming what never came after a generous bound (a liveness bound, not a
// timing check).

/** Polls `check` every 50 ms until it gives a value other than undefined; fails naming `what` after `limitMs`. */
export async function eventually<T>(what: string, check: () => T | undefined | Promise<T | undefined>, limitMs = 60_000): Promise<T> {
  for (let waited = 0; waited < limitMs; waited += 50) {
    const value = await check();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`gave up waiting: ${what}`);
}
