// `millrace diff`: loads each manifest with its own contracts folder (resolved beside that
// manifest and layered on the shipped contracts) and, given a store, a census of its workflows.
// The comparison itself is the core's (diffManifests).
import { contractsFolderOf, loadManifestFile } from '../adapters/index.js';
import type { ManifestDiff, ManifestSide, WorkflowCensus } from '../core/index.js';
import { diffManifests, IN_FLIGHT_STAGES } from '../core/index.js';
import { loadContracts } from './hub.js';
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
 * contracts folder that cannot be loaded) or `store_unavailable` (a store that does not exist:
 * a SQLite file, a PostgreSQL schema; a store that cannot be opened or reached), or SchemaInputError for an unusable contract.
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
  // openStore refuses a SQLite path or PostgreSQL schema where nothing was written (it would look like an empty hub)
  // and says in one line, password masked, why a store cannot be opened.
  const store = await openStore(url, 'reader');
  try {
    const [census, processedUpTo, headSequence] = await Promise.all([store.workflowCensus(IN_FLIGHT_STAGES), store.processedUpTo(), store.headSequence()]);
    return { census, state: { processedUpTo, headSequence } };
  } finally {
    await store.close();
  }
}
