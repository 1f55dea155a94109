// Governance coverage as the API shows it: the counted flows judged by the running manifest.
// The enterprise's integration map is for its own people: operator keys only.
import type { ContractCatalog, GovernanceCoverage, Manifest, Principal } from '../core/index.js';
import { governanceCoverage, MillraceError } from '../core/index.js';
import type { EventStore, WorkflowStore } from '../ports/index.js';

export type CoverageAnswer = GovernanceCoverage & {
  /** The counts cover the log up to this sequence; `headSequence` is the log's end. */
  readonly asOf: { readonly processedUpTo: number; readonly headSequence: number };
};

export class GovernanceQueries {
  constructor(
    private readonly store: WorkflowStore,
    private readonly log: EventStore,
    private readonly manifest: Manifest,
    private readonly catalog: ContractCatalog,
  ) {}

  async coverage(viewer: Principal): Promise<CoverageAnswer> {
    if (viewer.kind !== 'operator') throw new MillraceError('forbidden_action', 'governance coverage is for operator keys (millrace keys add --operator NAME)');
    const [counts, processedUpTo, headSequence] = await Promise.all([this.store.flows(), this.store.processedUpTo(), this.log.headSequence()]);
    return { ...governanceCoverage(counts, this.manifest, this.catalog), asOf: { processedUpTo: Math.max(0, processedUpTo), headSequence } };
  }
}
