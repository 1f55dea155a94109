// The drivers a hub uses only when its configuration names them (PostgreSQL, MQTT, NATS, the
// OpenTelemetry SDK), and the HTTP server only a running hub has, are not loaded by the bootstrap
// every command and `serve` start from: the drivers took about half a second of each start and
// 6 MiB of `serve`'s heap, the HTTP server 0.2 s of every other command's (docs/adr/0079). A child
// process records every package its modules import (a module resolution hook), imports the
// bootstrap, then calls the adapters' loaders: the second half shows the probe sees the drivers.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { it } from 'node:test';

const BOOTSTRAP = fileURLToPath(new URL('./index.ts', import.meta.url));
const ADAPTERS = fileURLToPath(new URL('../adapters/index.ts', import.meta.url));

/** Each package specifier resolved, on stderr (the hooks run on a thread of their own). */
const HOOKS = `
export async function resolve(specifier, context, next) {
  if (!/^(\\.|\\/|node:|file:|data:)/.test(specifier)) process.stderr.write('PACKAGE ' + specifier + '\\n');
  return next(specifier, context);
}`;

const PROBE = `
import { register } from 'node:module';
register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(HOOKS)}));
await import(${JSON.stringify(BOOTSTRAP)});
process.stderr.write('BOOTSTRAP LOADED\\n');
const adapters = await import(${JSON.stringify(ADAPTERS)});
await Promise.all([adapters.loadPostgres(), adapters.loadMqtt(), adapters.loadNatsConsumers(), adapters.loadNatsDelivery(), adapters.loadTracing(), adapters.loadHttpServer()]);
`;

const DRIVERS = ['pg', 'mqtt', '@nats-io/transport-node', '@nats-io/jetstream', '@opentelemetry/sdk-trace-base', '@opentelemetry/exporter-trace-otlp-http', '@opentelemetry/resources', 'fastify', '@fastify/swagger', '@fastify/rate-limit'];

it('the bootstrap loads no PostgreSQL, MQTT, NATS, OpenTelemetry SDK or HTTP server package; the adapters load each when asked', () => {
  const probe = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', PROBE], { encoding: 'utf8' });
  assert.equal(probe.status, 0, probe.stderr);
  const [atStart, onDemand] = probe.stderr.split('BOOTSTRAP LOADED\n').map(packagesIn) as [Set<string>, Set<string> | undefined];
  assert.ok(onDemand !== undefined, `the probe did not get past the bootstrap:\n${probe.stderr}`);
  assert.ok(atStart.has('better-sqlite3') && atStart.has('pino'), `the probe sees the bootstrap's own packages: ${[...atStart].join(', ')}`);
  assert.deepEqual(DRIVERS.filter((name) => atStart.has(name)), [], 'drivers loaded with the bootstrap');
  assert.deepEqual(DRIVERS.filter((name) => !onDemand.has(name)), [], 'drivers the loaders did not load');
});

function packagesIn(text: string): Set<string> {
  return new Set([...text.matchAll(/^PACKAGE (\S+)$/gm)].map((match) => match[1] ?? ''));
}
