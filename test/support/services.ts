// Real services for integration tests. On a machine without one, its tests skip with a
// visible message; under CI=true a missing service is a failure, never a silent skip.
import { existsSync } from 'node:fs';
import type { TestContext } from 'node:test';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect as connectNats } from '@nats-io/transport-node';
import mqtt from 'mqtt';
import pg from 'pg';

export const POSTGRES_URL = process.env.MILLRACE_TEST_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/test';
export const MQTT_URL = process.env.MILLRACE_TEST_MQTT ?? 'mqtt://127.0.0.1:1883';
export const NATS_URL = process.env.MILLRACE_TEST_NATS ?? 'nats://127.0.0.1:4222';

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

async function probeMqtt(): Promise<string | undefined> {
  try {
    const client = await mqtt.connectAsync(MQTT_URL, { protocolVersion: 5, connectTimeout: 3000, reconnectPeriod: 0 });
    await client.endAsync();
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

async function probeNats(): Promise<string | undefined> {
  try {
    const connection = await connectNats({ servers: NATS_URL, timeout: 3000 });
    try {
      // JetStream must be enabled (nats-server -js), not only the core server.
      await (await jetstreamManager(connection)).getAccountInfo();
      return undefined;
    } finally {
      await connection.close();
    }
  } catch (error) {
    return (error as Error).message;
  }
}

const SERVICES = {
  postgres: { name: 'PostgreSQL', url: () => POSTGRES_URL, probe: probePostgres },
  mqtt: { name: 'the MQTT broker (Mosquitto)', url: () => MQTT_URL, probe: probeMqtt },
  nats: { name: 'NATS with JetStream', url: () => NATS_URL, probe: probeNats },
} as const;

/** Resolves true when the service answers; otherwise skips the test with the reason, or throws under CI=true. */
async function needService(t: TestContext, service: keyof typeof SERVICES): Promise<boolean> {
  const { name, url, probe: run } = SERVICES[service];
  let probe = probes.get(service);
  if (probe === undefined) {
    probe = run();
    probes.set(service, probe);
  }
  const problem = await probe;
  if (problem === undefined) return true;
  const message = `${name} at ${url()} is not reachable (${problem})`;
  if (inCi) throw new Error(`${message}; CI=true requires it`);
  process.stderr.write(`SKIP: ${message}\n`);
  t.skip(message);
  return false;
}

/** Resolves true when PostgreSQL answers. Otherwise skips the test with the reason, or throws under CI=true. */
export function needPostgres(t: TestContext): Promise<boolean> {
  return needService(t, 'postgres');
}

/** Resolves true when the MQTT 5 broker answers (Mosquitto at 127.0.0.1:1883; MILLRACE_TEST_MQTT elsewhere). */
export function needMqtt(t: TestContext): Promise<boolean> {
  return needService(t, 'mqtt');
}

/** Resolves true when NATS with JetStream answers (127.0.0.1:4222; MILLRACE_TEST_NATS elsewhere). */
export function needNats(t: TestContext): Promise<boolean> {
  return needService(t, 'nats');
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
