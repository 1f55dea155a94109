// Public surface of the use cases.
export { GroupCommitter } from './group-commit.js';
export type { GroupCommitOptions } from './group-commit.js';
export { IngestService } from './ingest.js';
export type { Authority, Denial, IngestDependencies, IngestReceipt } from './ingest.js';
export { DeadlineScheduler } from './deadline-scheduler.js';
export type { EventAppender } from './deadline-scheduler.js';
export { WorkflowProcessor } from './workflow-processor.js';
export type { ProcessorOptions, ReplayPartition, StepResult } from './workflow-processor.js';
export { ExceptionResolution } from './exception-resolution.js';
export { GovernanceQueries } from './governance-queries.js';
export type { CoverageAnswer } from './governance-queries.js';
export { P2PQueries } from './p2p-queries.js';
export type { ExceptionAnswer, PurchaseOrderView, TimelineEntry } from './p2p-queries.js';
export { WorkflowRunner } from './workflow-runner.js';
export type { RunnerOptions } from './workflow-runner.js';
export { principalOfSource, rehearse } from './rehearsal.js';
export type { RehearsalDependencies, RehearsalInput, RehearsalReport, SettableClock } from './rehearsal.js';
