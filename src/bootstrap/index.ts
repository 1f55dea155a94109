// Public surface of the bootstrap layer: the processes (server, CLI) start from here.
export { DEFAULT_CONTRACTS_DIR, DEFAULT_STORE, deliverySecretsOf, parseByteSize, processEnvironment, resolveConfig, secretVariableOf } from './config.js';
export type { ConfigFlags, Environment, HubConfig } from './config.js';
export { asyncApiOf, createHub, loadContracts, PACKAGE_VERSION, upcasterOf } from './hub.js';
export type { Contracts, Hub, HubOptions } from './hub.js';
export { diffManifestFiles, redactStoreUrl } from './manifest-diff.js';
export type { ManifestDiffRequest, ManifestDiffResult, StoreState } from './manifest-diff.js';
export { openStore } from './open-store.js';
export type { HubStore } from './open-store.js';
export { loadGovernance, loadSetup } from './setup.js';
export type { HubSetup } from './setup.js';
export { systemClock } from './system-clock.js';
export { contractsFolderOf, issueKey, formatProblems, readManifest } from '../adapters/index.js';
export type { IssuedKey, LocatedProblem } from '../adapters/index.js';
export { SqliteStore } from '../adapters/index.js';
export { RehearsalClock, runRehearsal } from './rehearsal.js';
export { rebuildWorkflows } from './rebuild.js';
export type { RebuildResult } from './rebuild.js';
export { loadManifestFile } from '../adapters/index.js';
