// A hub's history on a real store, as `millrace diff --store` finds it: the recorded
// procure-to-pay traffic of examples/p2p-rehearsal.jsonl and the po.released examples of the
// shipped contracts, run through the real use cases (ingest, workflows, deadlines) under the
// example manifest, with a clock that follows the events.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { RehearsalReport } from '../../src/app/index.js';
import { DeadlineScheduler, GroupCommitter, IngestService, rehearse, WorkflowProcessor } from '../../src/app/index.js';
import { DEFAULT_CONTRACTS_DIR, loadContracts, loadManifestFile, RehearsalClock } from '../../src/bootstrap/index.js';
import { p2pPolicy, p2pSettingsOf, plantPolicy, plantSettingsOf, PublishingAuthority } from '../../src/core/index.js';
import type { EventStore, WorkflowStore } from '../../src/ports/index.js';
import { EXAMPLE_MANIFEST } from './hub.js';

const REHEARSAL = fileURLToPath(new URL('../../examples/p2p-rehearsal.jsonl', import.meta.url));
const PO_EXAMPLES = fileURLToPath(new URL('../../contracts/purchasing/po.released/examples', import.meta.url));

/** Every event of the history, in arrival order: the recorded traffic, then three more released POs. */
export function exampleHistory(): unknown[] {
  const recorded = readFileSync(REHEARSAL, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as unknown);
  const released = readdirSync(PO_EXAMPLES)
    .filter((name) => name.startsWith('v1.valid.'))
    .sort()
    .map((name) => JSON.parse(readFileSync(`${PO_EXAMPLES}/${name}`, 'utf8')) as unknown);
  return [...recorded, ...released];
}

export async function recordExampleHistory(store: EventStore & WorkflowStore): Promise<RehearsalReport> {
  const contracts = loadContracts(DEFAULT_CONTRACTS_DIR, undefined, 'on first use');
  const { manifest } = loadManifestFile(EXAMPLE_MANIFEST, contracts.registry.catalog());
  const clock = new RehearsalClock();
  const committer = new GroupCommitter(store, clock);
  const plant = plantPolicy(plantSettingsOf(manifest));
  return rehearse(
    {
      store,
      ingest: new IngestService({ registry: contracts.registry, authority: new PublishingAuthority(manifest), committer }),
      processor: new WorkflowProcessor(store, store, p2pPolicy(p2pSettingsOf(manifest)), clock, { plantPolicy: plant }),
      scheduler: new DeadlineScheduler(store, committer, clock, plant),
      clock,
      plantPolicy: plant,
    },
    { entries: exampleHistory().map((event, index) => ({ line: index + 1, event })) },
  );
}
