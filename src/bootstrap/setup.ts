// Start-up order: the command line's settings, then contracts (to know the event types), then
// the manifest (checked against them), then the configuration (which the manifest's `hub:`
// section feeds).
import { contractsFolderOf, loadManifestFile } from '../adapters/index.js';
import type { LocatedProblem } from '../adapters/index.js';
import type { Manifest } from '../core/index.js';
import type { ConfigFlags, Environment, HubConfig } from './config.js';
import { DEFAULT_CONTRACTS_DIR, deliverySecretsOf, manifestPathOf, resolveConfig } from './config.js';
import type { Contracts } from './hub.js';
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

export function loadSetup(flags: ConfigFlags, env: Environment): HubSetup {
  // The command line's own values first: a malformed flag or MILLRACE_* value is a usage error,
  // said before any file is read (docs/adr/0037), so that a manifest that cannot be read does
  // not hide it. The manifest's hub: section is checked with them below.
  resolveConfig(flags, env);
  const governance = loadGovernance(flags, env);
  const config = resolveConfig(flags, env, governance.manifest.hub);
  return { config, ...governance, secrets: deliverySecretsOf(governance.manifest.subscriptions, env) };
}

/** The contracts and the manifest alone, for commands that describe the hub without running it. */
export function loadGovernance(flags: ConfigFlags, env: Environment): Omit<HubSetup, 'config' | 'secrets'> {
  const manifestPath = manifestPathOf(flags, env);
  const contracts = loadContracts(String(flags.contractsDir ?? env.MILLRACE_CONTRACTS ?? DEFAULT_CONTRACTS_DIR), contractsFolderOf(manifestPath));
  const { manifest, warnings } = loadManifestFile(manifestPath, contracts.registry.catalog());
  return { manifest, manifestWarnings: warnings, contracts };
}
