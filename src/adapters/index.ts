// Public surface of the adapters: one entry per technology.
export { ApiKeyAuthenticator, issueKey } from './auth/api-keys.js';
export type { ApiKeyAuthenticatorOptions, IssuedKey } from './auth/api-keys.js';
export { loadContractExamples, loadContractSet, loadLayeredContractSet } from './contracts/contract-files.js';
export type { ContractExample } from './contracts/contract-files.js';
export type { HttpServerDependencies } from './http/http-server.js';
export { PROBLEM_MEDIA_TYPE, problem } from './http/problem.js';
export type { Problem } from './http/problem.js';
export { contractsFolderOf, formatProblems, loadManifestFile, readManifest } from './manifest/yaml-manifest.js';
export type { LocatedProblem, ManifestLoad } from './manifest/yaml-manifest.js';
export { MemoryEventStore } from './memory/memory-event-store.js';
export type { PostgresStore, PostgresStoreOptions } from './postgres/postgres-store.js';
export { spawnThread } from './shared/threads.js';
export { SqliteStore } from './sqlite/sqlite-store.js';
export type { SqliteStoreOptions } from './sqlite/sqlite-store.js';
export { StoreHeldError, StoreHold } from './sqlite/store-hold.js';
export { HubMetrics } from './metrics/hub-metrics.js';
export type { MetricsSources } from './metrics/hub-metrics.js';
export { DELIVERY_ID_HEADER, SIGNATURE_HEADER, signatureHeader, verifySignature, WebhookChannel } from './webhook/webhook-channel.js';
export type { WebhookChannelOptions } from './webhook/webhook-channel.js';
export { CsvDropFolders } from './csv/drop-folder.js';
export type { DropFolder, DropFolderIntake, DropFolderOptions, DropOutcome } from './csv/drop-folder.js';
export { CsvParseReader } from './csv/csv-parse-reader.js';
export { sha256Hex } from './csv/file-digest.js';
export { X12DeliveryChannel } from './x12/x12-delivery-channel.js';
export type { X12DeliveryOptions } from './x12/x12-delivery-channel.js';
export type { Tracing, TracingOptions } from './telemetry/otel-tracer.js';
export type { MqttEdgeIntake, MqttSubscriber, MqttSubscriberOptions } from './mqtt/mqtt-subscriber.js';
export type { NatsConsumers, NatsConsumersOptions, NatsEdgeIntake } from './nats/nats-consumer.js';

// The drivers a hub needs only when its configuration names them: PostgreSQL, MQTT, NATS and the
// OpenTelemetry SDK. Loading them took about half a second of every start, and `serve` had 28.5
// MiB of heap in use with them against 22.2 without, using none of them (docs/adr/0079); they
// are loaded on first use.
/** The PostgreSQL store (pg): PostgresStore, StoreNotFoundError. */
export const loadPostgres = () => import('./postgres/postgres-store.js');
/** The MQTT subscriber (mqtt). */
export const loadMqtt = () => import('./mqtt/mqtt-subscriber.js');
/** The NATS JetStream consumers (@nats-io). */
export const loadNatsConsumers = () => import('./nats/nats-consumer.js');
/** The NATS JetStream delivery channel (@nats-io): NatsDeliveryChannel, subjectOf. */
export const loadNatsDelivery = () => import('./nats/nats-delivery-channel.js');
/** Tracing with the OpenTelemetry SDK and its OTLP exporter: startTracing, OtelTracer, otlpTracesUrl. */
export const loadTracing = () => import('./telemetry/otel-tracer.js');
/** The HTTP server (Fastify and its plugins): buildHttpServer. Only a running hub has one; the other commands never load it. */
export const loadHttpServer = () => import('./http/http-server.js');
