// Assembles a rehearsal hub: SQLite in memory, the shipped contracts, the manifest's rules
// (or default policies and any source when no manifest is given), a clock the events move.
import { SqliteStore } from '../adapters/index.js';
import type { RehearsalInput, RehearsalReport, SettableClock } from '../app/index.js';
import { DeadlineScheduler, GroupCommitter, IngestService, MasterDataGate, rehearse, WorkflowProcessor } from '../app/index.js';
import type { Manifest } from '../core/index.js';
import { alignerOf, masterDataOwnerOf, p2pPolicy, p2pSettingsOf, plantPolicy, plantSettingsOf, PublishingAuthority, toMs } from '../core/index.js';
import type { Contracts } from './hub.js';
import { upcasterOf } from './hub.js';

/** A clock the events move: it shows the latest time it was set to, never going back. */
export class RehearsalClock implements SettableClock {
  private current = 0;
  now(): Date {
    return new Date(this.current);
  }
  set(instant: string): void {
    this.current = Math.max(this.current, toMs(instant));
  }
}

export async function runRehearsal(contracts: Contracts, manifest: Manifest | undefined, input: RehearsalInput): Promise<RehearsalReport> {
  const store = new SqliteStore(':memory:');
  try {
    const clock = new RehearsalClock();
    const committer = new GroupCommitter(store, clock);
    const policy = p2pPolicy(manifest === undefined ? {} : p2pSettingsOf(manifest));
    const authority = manifest === undefined ? { decide: () => ({ allowed: true }) as const } : new PublishingAuthority(manifest);
    const plant = plantPolicy(manifest === undefined ? {} : plantSettingsOf(manifest));
    const processor = new WorkflowProcessor(store, store, policy, clock, { upcaster: upcasterOf(contracts.readers), plantPolicy: plant });
    // The manifest's master data alignment applies as at the door: events with an unmapped code are held, not run.
    const aligner = manifest === undefined ? undefined : alignerOf(manifest);
    const gate =
      manifest === undefined || aligner === undefined || !aligner.active
        ? undefined
        : new MasterDataGate({ aligner, quarantine: store.quarantines, appender: committer, exceptions: store, clock, owner: masterDataOwnerOf(manifest) });
    const ingest = new IngestService({ registry: contracts.registry.withVersionsInForce(manifest?.contracts.inForce), authority, committer, ...(gate === undefined ? {} : { alignment: gate }) });
    gate?.attach(ingest);
    return await rehearse(
      {
        store,
        ingest,
        processor,
        scheduler: new DeadlineScheduler(store, committer, clock, plant),
        clock,
        plantPolicy: plant,
      },
      input,
    );
  } finally {
    await store.close();
  }
}
