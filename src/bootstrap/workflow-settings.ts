// How a running hub's workflows read and step, in one place: the hub (its thread or its event
// loop) and the workflow benchmark, which measures a hub's processor, use the same figures.

/**
 * Events per live workflow step. Small: a step's commit waits behind intake's, and a fresh
 * event shows in its workflow once its step commits.
 */
export const LIVE_WORKFLOW_BATCH_SIZE = 500;

/**
 * SQLite's page cache on the workflow thread's connection, in MiB (docs/adr/0045). With
 * 1,000,000 open PO lines the default 256 MiB filled and made a quarter of the process's peak
 * (1,064-1,080 MiB; 874 MiB at 64, 830 at 16), and catching up ran as fast at 16 as at 256:
 * the line states it loads are found by key, and the OS's own cache holds the file.
 */
export const WORKFLOWS_PAGE_CACHE_MIB = 64;
