// Start-up order: the command line's settings, then contracts (to know the event types), then
// the manifest (checked against them), then the configuration (which the manifest's `hub:`
// section feeds).
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { contractsFolderOf, loadManifestFile } from '../adapters/index.js';
import type { LocatedProblem } from '../adapters/index.js';
import type { Manifest } from '../core/index.js';
import { MillraceError } from '../core/index.js';
import type { ConfigFlags, Environment, HubConfig } from './config.js';
import { anchoredStore, DEFAULT_CONTRACTS_DIR, deliverySecretsOf, manifestPathOf, relativeSqlitePath, resolveConfig } from './config.js';
import type { ContractCompiling, Contracts } from './hub.js';
import { loadContracts } from './hub.js';

export interface HubSetup {
  readonly config: HubConfig;
  readonly manifest: Manifest;
  /** What `millrace lint` would warn about; the hub runs anyway. */
  readonly manifestWarnings: readonly LocatedProblem[];
  readonly contracts: Contracts;
  /** Webhook secrets the manifest names, by name, as the environment gives them. */
  readonly secrets: ReadonlyMap<string, string>;
}

/** `compiling`: when the contracts are compiled (a hub's setup: all at start, refusing one that does not compile). */
export function loadSetup(flags: ConfigFlags, env: Environment, compiling: ContractCompiling = 'all at start'): HubSetup {
  // The command line's own values first: a malformed flag or MILLRACE_* value is a usage error,
  // said before any file is read (docs/adr/0037), so that a manifest that cannot be read does
  // not hide it. The manifest's hub: section is checked with them below.
  resolveConfig(flags, env);
  const governance = loadGovernance(flags, env, compiling);
  const config = resolveConfig(flags, env, governance.manifest.hub);
  refuseStoreLeftBehind(config, governance.manifest);
  return { config, ...governance, secrets: deliverySecretsOf(governance.manifest.subscriptions, env) };
}

/** The contracts and the manifest alone, for commands that describe the hub without running it. */
export function loadGovernance(flags: ConfigFlags, env: Environment, compiling: ContractCompiling = 'all at start'): Omit<HubSetup, 'config' | 'secrets'> {
  const manifestPath = manifestPathOf(flags, env);
  const contracts = loadContracts(String(flags.contractsDir ?? env.MILLRACE_CONTRACTS ?? DEFAULT_CONTRACTS_DIR), contractsFolderOf(manifestPath), compiling);
  const { manifest, warnings } = loadManifestFile(manifestPath, contracts.registry.catalog());
  return { manifest, manifestWarnings: warnings, contracts };
}

/**
 * The manifest's relative SQLite store was read from the working directory before ADR 0065. A
 * hub started from its old folder would now open a new, empty store beside the manifest and
 * leave its log behind, unannounced: refused, naming both files, while only the old one exists.
 */
function refuseStoreLeftBehind(config: HubConfig, manifest: Manifest): void {
  const declared = manifest.hub.store;
  const path = declared === undefined ? undefined : relativeSqlitePath(declared);
  if (declared === undefined || path === undefined || config.store !== anchoredStore(declared, config.manifestPath)) return;
  const now = config.store.slice('sqlite:'.length);
  const before = resolve(path);
  if (before === now || existsSync(now) || !existsSync(before)) return;
  throw new MillraceError(
    'store_unavailable',
    `the manifest's hub.store ${declared} is read from the manifest's folder: ${now} does not exist, but ${before} (the same path read from the working directory, as before ADR 0065) does: move that store beside the manifest, or write its absolute path in hub.store (sqlite:${before}) or give --store`,
  );
}
