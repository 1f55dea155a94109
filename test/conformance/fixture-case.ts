// One conformance case: opens a fresh fixture (undefined when its server is not there, the
// opener having said so), runs the case against it, and cleans up whatever the case did.
import { it, type TestContext } from 'node:test';

export interface Fixture {
  cleanup(): Promise<void>;
}

/** Runs `body` on a fresh fixture and cleans it up; nothing when `open` gives none (no server). */
export async function withFixture<F extends Fixture>(t: TestContext, open: (t: TestContext) => Promise<F | undefined>, body: (fixture: F) => Promise<void>): Promise<void> {
  const fixture = await open(t);
  if (fixture === undefined) return;
  try {
    await body(fixture);
  } finally {
    await fixture.cleanup();
  }
}

/** `it` for the cases of a conformance suite, each on a fixture of its own. */
export function fixtureCase<F extends Fixture>(open: (t: TestContext) => Promise<F | undefined>): (title: string, body: (fixture: F) => Promise<void>) => void {
  return (title, body) => {
    it(title, (t) => withFixture(t, open, body));
  };
}
