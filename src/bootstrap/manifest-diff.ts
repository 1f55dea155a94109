// `millrace diff`: loads each manifest with its own contracts folder (resolved beside that
// manifest and layered on the shipped contracts) and, given a store, a census of its workflows.
// The comparison itself is the core's (diffManifests).
import { existsSync } from 'node:fs';
import { contractsFolderOf, loadManifestFile } from '../adapters/index.js';
import type { ManifestDiff, ManifestSide, WorkflowCensus } from '../core/index.js';
import { diffManifests, IN_FLIGHT_STAGES, MillraceError } from '../core/index.js';
import { loadContracts } from './hub.js';
import type { HubStore } from './open-store.js';
import { openStore } from './open-store.js';

export interface ManifestDiffRequest {
  readonly oldFile: string;
  readonly newFile: string;
  /** The shipped contracts; each manifest's `contracts.folder` is layered on them. */
  readonly contractsDir: string;
  /** A store URL (sqlite:PATH or postgres://...) to count what the change touches there. */
  readonly store?: string;
}

export interface StoreState {
  /** The workflows' projections include every event up to this sequence (-1: a rebuild is under way). */
  readonly processedUpTo: number;
  readonly headSequence: number;
}

export interface ManifestDiffResult {
  readonly diff: ManifestDiff;
  /** With a store: how current its projections are. */
  readonly store?: StoreState;
}

/**
 * Throws MillraceError `invalid_manifest` (an unreadable manifest, one with lint errors, a
 * contracts folder that cannot be loaded) or `invalid_request` (a SQLite store that does not
 * exist), SchemaInputError for an unusable contract, or the driver's error for a store that
 * cannot be reached.
 */
export async function diffManifestFiles(request: ManifestDiffRequest): Promise<ManifestDiffResult> {
  const old = loadSide(request.oldFile, request.contractsDir);
  const next = loadSide(request.newFile, request.contractsDir);
  if (request.store === undefined) return { diff: diffManifests(old, next) };
  const { census, state } = await readCensus(request.store);
  return { diff: diffManifests(old, next, census), store: state };
}

function loadSide(file: string, contractsDir: string): ManifestSide {
  const contracts = loadContracts(contractsDir, contractsFolderOf(file));
  const { manifest } = loadManifestFile(file, contracts.registry.catalog());
  return { manifest, contracts: contracts.set };
}

async function readCensus(url: string): Promise<{ census: WorkflowCensus; state: StoreState }> {
  // Opening a SQLite path creates the file: a mistyped path would look like an empty hub.
  if (url.startsWith('sqlite:') && !existsSync(url.slice('sqlite:'.length))) {
    throw new MillraceError('invalid_request', `no store at ${url.slice('sqlite:'.length)}: give the hub's database (sqlite:PATH or postgres://...)`);
  }
  let store: HubStore;
  try {
    store = await openStore(url, 'reader');
  } catch (error) {
    throw new MillraceError('invalid_request', `cannot open the store ${redactStoreUrl(url)}: ${(error as Error).message}`);
  }
  try {
    const [census, processedUpTo, headSequence] = await Promise.all([store.workflowCensus(IN_FLIGHT_STAGES), store.processedUpTo(), store.headSequence()]);
    return { census, state: { processedUpTo, headSequence } };
  } finally {
    await store.close();
  }
}

/** A store URL without its password, fit for printing. */
export function redactStoreUrl(url: string): string {
  if (!/^postgres(ql)?:\/\//.test(url)) return url;
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return url;
  }
}
