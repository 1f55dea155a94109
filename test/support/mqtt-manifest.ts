// The example manifest with the MQTT part of examples/millrace-edge.yaml, made unique to one test
// run against the real broker: its own client id (the broker's session) and topic, no NATS.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import { EXAMPLE_MANIFEST } from './hub.js';
import { MQTT_URL } from './services.js';

const FRAGMENT = fileURLToPath(new URL('../../examples/millrace-edge.yaml', import.meta.url));

export interface MqttTestManifest {
  /** Unique to the run: in the client id, the topic and the publishers' client ids. */
  readonly run: string;
  /** A fresh folder holding the manifest; the test removes it. */
  readonly dir: string;
  readonly clientId: string;
  /** Line L1's completions topic of this run. */
  readonly topic: string;
  readonly manifestPath: string;
}

/** Writes the manifest into a fresh folder named from `prefix`. */
export function mqttTestManifest(prefix: string): MqttTestManifest {
  const run = `${process.pid}_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e6).toString(36)}`;
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const clientId = `millrace-test-${run}`;
  const manifestPath = join(dir, 'millrace.yaml');
  const fragment = readFileSync(FRAGMENT, 'utf8')
    .replace('url: mqtt://127.0.0.1:1883', `url: ${MQTT_URL}`)
    .replace('plants/P01/mes/+/completed', `plants/P01/mes/+/completed-${run}`)
    .replace('clientId: millrace-hub-na', `clientId: ${clientId}`)
    // No NATS in these tests: the consumer would only log that its stream is missing.
    .replace(/\nnats:[\s\S]*$/, '\n');
  writeFileSync(manifestPath, `${readFileSync(EXAMPLE_MANIFEST, 'utf8')}\n${fragment}`);
  return { run, dir, clientId, topic: `plants/P01/mes/L1/completed-${run}`, manifestPath };
}

/** Ends the broker's session of `clientId` (its subscriptions and queued messages), as a test's cleanup. */
export async function endMqttSession(clientId: string): Promise<void> {
  const session = await mqtt.connectAsync(MQTT_URL, { protocolVersion: 5, clientId, clean: true, reconnectPeriod: 0, properties: { sessionExpiryInterval: 0 } });
  await session.endAsync();
}
