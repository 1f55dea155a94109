// Assembles a hub from configuration: contracts, manifest, store, use cases, HTTP server.
import { ApiKeyAuthenticator, buildHttpServer, loadContractSet } from '../adapters/index.js';
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { DeadlineScheduler, ExceptionResolution, GroupCommitter, IngestService, P2PQueries, WorkflowProcessor, WorkflowRunner } from '../app/index.js';
import type { ContractSet, Manifest } from '../core/index.js';
import { ContractRegistry, inlineRefs, p2pPolicy, p2pSettingsOf, PublishingAuthority } from '../core/index.js';
import type { Clock } from '../ports/index.js';
import type { HubConfig } from './config.js';
import type { HubStore } from './open-store.js';
import { openStore } from './open-store.js';
import { systemClock } from './system-clock.js';

export interface Hub {
  readonly config: HubConfig;
  readonly store: HubStore;
  readonly http: FastifyInstance;
  readonly registry: ContractRegistry;
  readonly manifest: Manifest;
  readonly processor: WorkflowProcessor;
  readonly runner: WorkflowRunner;
  close(): Promise<void>;
}

export interface HubOptions {
  readonly clock?: Clock;
  /** An already open store (tests); otherwise `config.store` is opened and owned by the hub. */
  readonly store?: HubStore;
  readonly logger?: boolean;
  /** Start the workflow runner (default); tests that drive the processor themselves say false. */
  readonly runWorkflows?: boolean;
}

export const PACKAGE_VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** The contracts folder, loaded once: the raw documents and the compiled registry. */
export interface Contracts {
  readonly set: ContractSet;
  readonly registry: ContractRegistry;
}

export function loadContracts(contractsDir: string): Contracts {
  const set = loadContractSet(contractsDir);
  return { set, registry: new ContractRegistry(set) };
}

/** Event types a system or partner may be granted: every contract the hub does not derive itself. */
export function publishableTypes(registry: ContractRegistry): Set<string> {
  return new Set(registry.list().filter((c) => !c.derived).map((c) => c.eventType));
}

export async function createHub(config: HubConfig, manifest: Manifest, contracts: Contracts, options: HubOptions = {}): Promise<Hub> {
  const { registry } = contracts;
  const clock = options.clock ?? systemClock;
  const store = options.store ?? (await openStore(config.store));
  const authority = new PublishingAuthority(manifest);
  const policy = p2pPolicy(p2pSettingsOf(manifest));
  // The runner needs the committer (for deadline breaches) and the committer tells the runner
  // about new events: the link is made once both exist.
  const afterCommit = { kick: (): void => undefined };
  const committer = new GroupCommitter(store, clock, { onCommitted: () => afterCommit.kick() });
  // Live steps share the thread with HTTP intake: keep them small and yield between them.
  const processor = new WorkflowProcessor(store, store, policy, clock, { batchSize: 500, yieldBetweenSteps: () => new Promise((resolve) => setImmediate(resolve)) });
  const runsWorkflows = config.workflows === 'on';
  const ingest = new IngestService({ registry, authority, committer });
  const logger = options.logger === false ? false : { level: config.logLevel };
  const http = await buildHttpServer({
    ingest,
    authenticator: new ApiKeyAuthenticator(store, clock, { cacheMs: config.credentialCacheMs }),
    bodyLimit: config.bodyLimit,
    eventSchema: inlineRefs(contracts.set.envelope, contracts.set.shared),
    ready: async () => {
      await store.headSequence();
      if (committer.backlog > 100_000) throw new Error(`commit backlog of ${committer.backlog} events`);
    },
    version: PACKAGE_VERSION,
    logger,
    workflows: { p2p: new P2PQueries(store, store, authority), resolution: new ExceptionResolution(store, committer, runsWorkflows ? processor : undefined, clock) },
  });
  const runner = new WorkflowRunner(store, processor, new DeadlineScheduler(store, committer, clock), {
    tickMs: config.workflowTickMs,
    onError: (error) => http.log.error({ err: error }, 'workflow processing failed; it will be retried on the next tick'),
  });
  afterCommit.kick = () => runner.kick();
  if (options.runWorkflows !== false && runsWorkflows) runner.start();
  const workflows = runner;
  return {
    config,
    store,
    http,
    registry,
    manifest,
    processor,
    runner: workflows,
    close: async () => {
      await workflows.stop();
      await http.close();
      if (options.store === undefined) await store.close();
    },
  };
}
