// Public surface of the adapters: one entry per technology.
export { ApiKeyAuthenticator, issueKey } from './auth/api-keys.js';
export type { ApiKeyAuthenticatorOptions, IssuedKey } from './auth/api-keys.js';
export { loadContractExamples, loadContractSet, loadLayeredContractSet } from './contracts/contract-files.js';
export type { ContractExample } from './contracts/contract-files.js';
export { buildHttpServer } from './http/http-server.js';
export type { HttpServerDependencies } from './http/http-server.js';
export { PROBLEM_MEDIA_TYPE, problem } from './http/problem.js';
export type { Problem } from './http/problem.js';
export { contractsFolderOf, formatProblems, loadManifestFile, readManifest } from './manifest/yaml-manifest.js';
export type { LocatedProblem, ManifestLoad } from './manifest/yaml-manifest.js';
export { MemoryEventStore } from './memory/memory-event-store.js';
export { PostgresStore } from './postgres/postgres-store.js';
export type { PostgresStoreOptions } from './postgres/postgres-store.js';
export { spawnThread } from './shared/threads.js';
export { SqliteStore } from './sqlite/sqlite-store.js';
export type { SqliteStoreOptions } from './sqlite/sqlite-store.js';
export { DELIVERY_ID_HEADER, SIGNATURE_HEADER, signatureHeader, verifySignature, WebhookChannel } from './webhook/webhook-channel.js';
export type { WebhookChannelOptions } from './webhook/webhook-channel.js';
