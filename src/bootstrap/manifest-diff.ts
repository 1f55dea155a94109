// `millrace diff`: loads each manifest with its own contracts folder (resolved beside that
// manifest and layered on the shipped contracts) and, given a store, a census of its workflows.
// The comparison itself is the core's (diffManifests).
import { contractsFolderOf, loadManifestFile } from '../adapters/index.js';
import type { DeliveryWithdrawal, ManifestDiff, ManifestSide, SubscriptionDrift, WorkflowCensus } from '../core/index.js';
import { diffManifests, IN_FLIGHT_STAGES, matchesSubscription, OUTSTANDING_DELIVERY_STATUSES, subscriptionDrift, subscriptionWithdrawals } from '../core/index.js';
import { loadContracts } from './hub.js';
import type { SubscriptionPosition } from '../ports/index.js';
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

/** With a store: a withdrawal's deliveries queued there now (not sent yet) and how many of them NEW no longer matches. */
export interface QueuedWithdrawal {
  readonly subscription: string;
  readonly queued: number;
  readonly withdrawn: number;
}

export interface ManifestDiffResult {
  readonly diff: ManifestDiff;
  /** With a store: how current its projections are. */
  readonly store?: StoreState;
  /** With a store: per subscription of `diff.withdrawals`, in their order. */
  readonly withdrawals?: readonly QueuedWithdrawal[];
  /** With a store: where OLD's subscriptions disagree with what the store's outbox recorded (OLD may not be the manifest in force). */
  readonly drift?: readonly SubscriptionDrift[];
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
  const { census, state, withdrawals, recorded } = await readCensus(request.store, subscriptionWithdrawals(old.manifest, next.manifest));
  return { diff: diffManifests(old, next, census), store: state, withdrawals, drift: subscriptionDrift(old.manifest, recorded) };
}

function loadSide(file: string, contractsDir: string): ManifestSide {
  const contracts = loadContracts(contractsDir, contractsFolderOf(file));
  const { manifest } = loadManifestFile(file, contracts.registry.catalog());
  return { manifest, contracts: contracts.set };
}

async function readCensus(
  url: string,
  withdrawals: readonly DeliveryWithdrawal[],
): Promise<{ census: WorkflowCensus; state: StoreState; withdrawals: QueuedWithdrawal[]; recorded: SubscriptionPosition[] }> {
  // openStore refuses a SQLite path or PostgreSQL schema where nothing was written (it would look like an empty hub)
  // and says in one line, password masked, why a store cannot be opened.
  const store = await openStore(url, 'reader');
  try {
    const [census, processedUpTo, headSequence, recorded] = await Promise.all([store.workflowCensus(IN_FLIGHT_STAGES), store.processedUpTo(), store.headSequence(), store.deliveries.subscriptionPositions()]);
    const queued: QueuedWithdrawal[] = [];
    for (const withdrawal of withdrawals) queued.push(await countWithdrawn(store, withdrawal));
    return { census, state: { processedUpTo, headSequence }, withdrawals: queued, recorded };
  } finally {
    await store.close();
  }
}

/** Page size of the outbox read: as the delivery runner's reconciliation reads it. */
const PAGE = 500;

/**
 * What the delivery runner's reconciliation would withdraw now (ADR 0052): the subscription's
 * deliveries not sent yet whose event NEW does not match (all of them for a removal). Read only.
 */
async function countWithdrawn(store: HubStore, withdrawal: DeliveryWithdrawal): Promise<QueuedWithdrawal> {
  let queued = 0;
  let withdrawn = 0;
  for (const status of OUTSTANDING_DELIVERY_STATUSES) {
    let after: string | undefined;
    do {
      const page = await store.deliveries.listDeliveries({ subscription: withdrawal.subscription, status }, PAGE, after);
      queued += page.items.length;
      const keeps = withdrawal.keeps;
      if (keeps === undefined) withdrawn += page.items.length;
      else if (page.items.length > 0) {
        const events = new Map((await store.eventsAt([...new Set(page.items.map((d) => d.sequence))])).map((stored) => [stored.sequence, stored.event]));
        // An event the log does not give back is left by the runner too.
        withdrawn += page.items.filter((d) => {
          const event = events.get(d.sequence);
          return event !== undefined && !matchesSubscription(keeps, event);
        }).length;
      }
      after = page.next;
    } while (after !== undefined);
  }
  return { subscription: withdrawal.subscription, queued, withdrawn };
}
