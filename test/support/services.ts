// Real services for integration tests. On a machine without one, its tests skip with a
// visible message; under CI=true a missing service is a failure, never a silent skip.
import { existsSync } from 'node:fs';
import type { TestContext } from 'node:test';
import pg from 'pg';

export const POSTGRES_URL = process.env.MILLRACE_TEST_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/test';

const inCi = process.env.CI === 'true';
const probes = new Map<string, Promise<string | undefined>>();

async function probePostgres(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return undefined;
  } catch (error) {
    return (error as Error).message;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Resolves true when PostgreSQL answers. Otherwise skips the test with the reason, or throws
 * under CI=true.
 */
export async function needPostgres(t: TestContext): Promise<boolean> {
  let probe = probes.get('postgres');
  if (probe === undefined) {
    probe = probePostgres();
    probes.set('postgres', probe);
  }
  const problem = await probe;
  if (problem === undefined) return true;
  const message = `PostgreSQL at ${POSTGRES_URL} is not reachable (${problem})`;
  if (inCi) throw new Error(`${message}; CI=true requires it`);
  process.stderr.write(`SKIP: ${message}\n`);
  t.skip(message);
  return false;
}

/** A fresh, uniquely named schema so parallel test files never share tables. */
export function uniqueSchema(prefix: string): string {
  return `${prefix}_${process.pid}_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e6).toString(36)}`;
}

export async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await client.end();
  }
}

/** Debian's Chromium, driven by playwright-core (never a downloaded browser). */
export const CHROMIUM = '/usr/bin/chromium';

/**
 * Resolves true when Chromium is installed. Otherwise skips the test with the reason, or throws
 * under CI=true (.ci/run installs it).
 */
export function needChromium(t: TestContext): boolean {
  if (existsSync(CHROMIUM)) return true;
  const message = `${CHROMIUM} is not installed (apt-get install -y chromium)`;
  if (inCi) throw new Error(`${message}; CI=true requires it`);
  process.stderr.write(`SKIP: ${message}\n`);
  t.skip(message);
  return false;
}
