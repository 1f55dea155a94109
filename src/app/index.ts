// Public surface of the use cases.
export { GroupCommitter } from './group-commit.js';
export type { GroupCommitOptions } from './group-commit.js';
export { IngestService } from './ingest.js';
export type { Denial, IngestDependencies, IngestReceipt } from './ingest.js';
