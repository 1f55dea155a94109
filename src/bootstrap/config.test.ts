import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MillraceError } from '../core/index.js';
import { DEFAULT_STORE, parseByteSize, resolveConfig } from './config.js';

describe('configuration', () => {
  it('uses the defaults when nothing is given: embedded SQLite, port 8080, 5 MB bodies', () => {
    const config = resolveConfig({}, {});
    assert.equal(config.store, DEFAULT_STORE);
    assert.equal(config.store, 'sqlite:./millrace-data/millrace.db');
    assert.equal(config.port, 8080);
    assert.equal(config.bodyLimit, 5 * 1024 * 1024);
  });

  it('takes a flag over the environment, the environment over the manifest, the manifest over the default', () => {
    const manifest = { port: 7000, store: 'sqlite:/m.db', bodyLimit: '1MB', logLevel: 'debug' as const };
    const env = { MILLRACE_PORT: '7100', MILLRACE_STORE: 'sqlite:/env.db' };
    const config = resolveConfig({ port: '7200' }, env, manifest);
    assert.equal(config.port, 7200);
    assert.equal(config.store, 'sqlite:/env.db');
    assert.equal(config.bodyLimit, 1024 * 1024);
    assert.equal(config.logLevel, 'debug');
    assert.equal(config.host, '127.0.0.1');
  });

  it('takes MQTT and NATS messages up to the body limit unless the edge payload limit is set (ADR 0063)', () => {
    assert.equal(resolveConfig({}, {}).edgePayloadLimit, 5 * 1024 * 1024);
    assert.equal(resolveConfig({}, {}, { bodyLimit: '1MB' }).edgePayloadLimit, 1024 * 1024);
    assert.equal(resolveConfig({}, { MILLRACE_EDGE_PAYLOAD_LIMIT: '64KB' }, { bodyLimit: '1MB', edgePayloadLimit: '256KB' }).edgePayloadLimit, 64 * 1024);
    assert.equal(resolveConfig({ edgePayloadLimit: '2MB' }, {}, { edgePayloadLimit: '256KB' }).edgePayloadLimit, 2 * 1024 * 1024);
    assert.throws(() => resolveConfig({}, {}, { edgePayloadLimit: '12 bytes' }), /manifest hub.edgePayloadLimit="12 bytes"/);
  });

  it('reads CSV drop folder files up to the body limit unless the drop folder limit is set (ADR 0067)', () => {
    assert.equal(resolveConfig({}, {}).dropFolderLimit, 5 * 1024 * 1024);
    assert.equal(resolveConfig({}, { MILLRACE_BODY_LIMIT: '1MB' }).dropFolderLimit, 1024 * 1024);
    assert.equal(resolveConfig({}, { MILLRACE_DROP_FOLDER_LIMIT: '64MB' }, { bodyLimit: '1MB', dropFolderLimit: '256KB' }).dropFolderLimit, 64 * 1024 * 1024);
    assert.equal(resolveConfig({ dropFolderLimit: '2MB' }, {}, { dropFolderLimit: '256KB' }).dropFolderLimit, 2 * 1024 * 1024);
    assert.throws(() => resolveConfig({}, {}, { dropFolderLimit: '12 bytes' }), /manifest hub.dropFolderLimit="12 bytes"/);
  });

  it("reads a relative SQLite store of the manifest's hub: section from the manifest's folder, and one given by a flag or variable from the working directory", () => {
    const manifestPath = '/etc/millrace/millrace.yaml';
    const hub = { store: 'sqlite:./data/hub.db' };
    assert.equal(resolveConfig({ manifestPath }, {}, hub).store, 'sqlite:/etc/millrace/data/hub.db');
    assert.equal(resolveConfig({}, { MILLRACE_MANIFEST: manifestPath }, { store: 'sqlite:data/hub.db' }).store, 'sqlite:/etc/millrace/data/hub.db');
    assert.equal(resolveConfig({ manifestPath }, {}, { store: 'sqlite:/var/lib/millrace/hub.db' }).store, 'sqlite:/var/lib/millrace/hub.db');
    assert.equal(resolveConfig({ manifestPath }, {}, { store: 'sqlite::memory:' }).store, 'sqlite::memory:');
    assert.equal(resolveConfig({ manifestPath, store: 'sqlite:./flag.db' }, {}, hub).store, 'sqlite:./flag.db');
    assert.equal(resolveConfig({ manifestPath }, { MILLRACE_STORE: 'sqlite:./env.db' }, hub).store, 'sqlite:./env.db');
    assert.equal(resolveConfig({ manifestPath }, {}, { store: 'postgres://u@h:5432/db' }).store, 'postgres://u@h:5432/db');
  });

  it('lists every invalid setting in one error, naming where each came from', () => {
    assert.throws(
      () => resolveConfig({ port: 'eighty' }, { MILLRACE_STORE: 'mysql://x', MILLRACE_BODY_LIMIT: '5 parsecs' }, { logLevel: 'loud' }),
      (error: unknown) => {
        assert.ok(error instanceof MillraceError);
        assert.equal(error.code, 'invalid_config');
        const problems = error.details.problems as string[];
        assert.equal(problems.length, 4);
        assert.match(error.message, /--port="eighty": must be a whole number/);
        assert.match(error.message, /MILLRACE_STORE="mysql:\/\/x": must be sqlite:PATH or postgres:/);
        assert.match(error.message, /MILLRACE_BODY_LIMIT="5 parsecs"/);
        assert.match(error.message, /manifest hub.logLevel="loud"/);
        return true;
      },
    );
  });

  it('commits appends on the event loop unless the append thread is asked for, and refuses other values', () => {
    assert.equal(resolveConfig({}, {}).appendThread, 'off');
    assert.equal(resolveConfig({}, { MILLRACE_APPEND_THREAD: 'on' }).appendThread, 'on');
    assert.equal(resolveConfig({ appendThread: 'off' }, { MILLRACE_APPEND_THREAD: 'on' }).appendThread, 'off');
    assert.throws(() => resolveConfig({ appendThread: 'yes' }, {}), /--append-thread="yes": must be on or off/);
  });

  it('leaves tracing off unless an OTLP endpoint is given, by flag, environment or manifest, in that order', () => {
    assert.equal(resolveConfig({}, {}).otlpEndpoint, '');
    const manifest = { otlpEndpoint: 'http://collector.plant:4318' };
    assert.equal(resolveConfig({}, {}, manifest).otlpEndpoint, 'http://collector.plant:4318');
    assert.equal(resolveConfig({}, { MILLRACE_OTLP_ENDPOINT: 'http://env:4318' }, manifest).otlpEndpoint, 'http://env:4318');
    assert.equal(resolveConfig({ otlpEndpoint: 'https://flag:4318/v1/traces' }, { MILLRACE_OTLP_ENDPOINT: 'http://env:4318' }, manifest).otlpEndpoint, 'https://flag:4318/v1/traces');
    assert.throws(() => resolveConfig({}, { MILLRACE_OTLP_ENDPOINT: 'collector:4318' }), /MILLRACE_OTLP_ENDPOINT="collector:4318": must be an http:\/\/ or https:\/\/ URL/);
  });

  it('leaves /metrics open unless metricsAuth asks for an operator key, by flag, environment or manifest, and refuses other values', () => {
    assert.equal(resolveConfig({}, {}).metricsAuth, 'none');
    const manifest = { metricsAuth: 'operator' };
    assert.equal(resolveConfig({}, {}, manifest).metricsAuth, 'operator');
    assert.equal(resolveConfig({}, { MILLRACE_METRICS_AUTH: 'none' }, manifest).metricsAuth, 'none');
    assert.equal(resolveConfig({ metricsAuth: 'operator' }, { MILLRACE_METRICS_AUTH: 'none' }).metricsAuth, 'operator');
    assert.throws(() => resolveConfig({}, { MILLRACE_METRICS_AUTH: 'yes' }), /MILLRACE_METRICS_AUTH="yes": must be none or operator/);
  });

  it('sends 16 deliveries at once, at most 4 of one subscription, unless the flag or the environment says otherwise', () => {
    const defaults = resolveConfig({}, {});
    assert.deepEqual([defaults.deliveryConcurrency, defaults.deliveryPerSubscription], [16, 4]);
    const env = { MILLRACE_DELIVERY_CONCURRENCY: '32', MILLRACE_DELIVERY_PER_SUBSCRIPTION: '8' };
    const fromEnv = resolveConfig({}, env);
    assert.deepEqual([fromEnv.deliveryConcurrency, fromEnv.deliveryPerSubscription], [32, 8]);
    const fromFlags = resolveConfig({ deliveryConcurrency: '6', deliveryPerSubscription: '6' }, env);
    assert.deepEqual([fromFlags.deliveryConcurrency, fromFlags.deliveryPerSubscription], [6, 6]);
  });

  it('refuses a delivery pool that is not a positive whole number, or a share per subscription larger than the pool, with the other problems', () => {
    assert.throws(
      () => resolveConfig({ port: 'eighty', deliveryConcurrency: '0' }, { MILLRACE_DELIVERY_PER_SUBSCRIPTION: '2.5' }),
      (error: unknown) => {
        assert.ok(error instanceof MillraceError);
        assert.equal(error.code, 'invalid_config');
        assert.equal((error.details.problems as string[]).length, 3);
        assert.match(error.message, /--port="eighty"/);
        assert.match(error.message, /--delivery-concurrency="0": must be a whole number from 1 to/);
        assert.match(error.message, /MILLRACE_DELIVERY_PER_SUBSCRIPTION="2.5": must be a whole number from 1 to/);
        return true;
      },
    );
    assert.throws(
      () => resolveConfig({ deliveryPerSubscription: '8' }, { MILLRACE_DELIVERY_CONCURRENCY: '4' }),
      /--delivery-per-subscription=8 is more than MILLRACE_DELIVERY_CONCURRENCY=4: a subscription cannot have more deliveries in flight than the pool has slots/,
    );
    assert.throws(() => resolveConfig({}, { MILLRACE_DELIVERY_CONCURRENCY: '2' }), /the default delivery-per-subscription=4 is more than MILLRACE_DELIVERY_CONCURRENCY=2/);
  });

  it('is frozen once resolved', () => {
    const config = resolveConfig({}, {});
    assert.ok(Object.isFrozen(config));
    assert.throws(() => {
      (config as { port: number }).port = 1;
    }, TypeError);
  });

  it('reads sizes as operators write them', () => {
    assert.equal(parseByteSize('5MB'), 5 * 1024 * 1024);
    assert.equal(parseByteSize('512kb'), 512 * 1024);
    assert.equal(parseByteSize(2048), 2048);
    assert.ok(parseByteSize('12') instanceof Error, 'below 1KB');
    assert.ok(parseByteSize('2TB') instanceof Error);
  });
});
