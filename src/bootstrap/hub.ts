// Assembles a hub from configuration: contracts, manifest, store, use cases, HTTP server.
import { ApiKeyAuthenticator, CsvDropFolders, CsvParseReader, HubMetrics, loadHttpServer, loadLayeredContractSet, loadMqtt, loadNatsConsumers, loadNatsDelivery, loadTracing, sha256Hex, spawnThread, WebhookChannel, X12DeliveryChannel } from '../adapters/index.js';
import type { MqttSubscriber, NatsConsumers, NatsConsumersOptions, Tracing } from '../adapters/index.js';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { pino } from 'pino';
import type { FastifyInstance } from 'fastify';
import { CsvIntake, DeadlineScheduler, DeliveryOperations, DeliveryRunner, ExceptionResolution, GovernanceQueries, GroupCommitter, IngestService, IntakeRefusals, IntegrationHealthQueries, KpiQueries, MasterDataGate, MqttIntake, NatsIntake, P2PQueries, PlantQueries, QuarantineService, WorkflowProcessor, WorkflowRunner, X12Intake } from '../app/index.js';
import type { ChannelKind, DeliveryRunnerOptions, SequenceBreach, TooLargeRefusal } from '../app/index.js';
import type { AsyncApiDocument, CloudEvent, ContractSet, Manifest, ReaderPlan } from '../core/index.js';
import { alignerOf, asyncApiCatalogue, ContractRegistry, EventUpcaster, governanceCoverage, inlineRefs, manifestDirectory, masterDataOwnerOf, MillraceError, P2P_STAGES, p2pPolicy, p2pSettingsOf, parseDeliveryDuration, partyOfPrincipal, plantPolicy, plantSettingsOf, planReaders, PublishingAuthority, SHIPPED_UPCASTERS } from '../core/index.js';
import type { BatchOutcome, Clock, DeliveryChannel, Lead, MqttSessionStore, StreamReadPositionStore, WorkflowStep } from '../ports/index.js';
import type { HubConfig } from './config.js';
import { secretVariableOf } from './config.js';
import type { HubStore } from './open-store.js';
import { openStore, sharesLeases } from './open-store.js';
import { systemClock } from './system-clock.js';
import { LIVE_WORKFLOW_BATCH_SIZE } from './workflow-settings.js';
import type { WorkflowThreadData, WorkflowThreadMessage, WorkflowThreadReport } from './workflow-thread.js';

export interface Hub {
  readonly config: HubConfig;
  readonly store: HubStore;
  readonly http: FastifyInstance;
  /** The contracts as the door applies them: with the manifest's versions in force. */
  readonly registry: ContractRegistry;
  readonly manifest: Manifest;
  /** This thread's processor (it runs the workflows in `inline` mode; tests may drive it). */
  readonly processor: WorkflowProcessor;
  /** The delivery runner, when this hub sends deliveries (tests may drive it with `runOnce`). */
  readonly deliveries: DeliveryRunner | undefined;
  /** CSV intake (also a quarantine channel) and the quarantine; the drop folders of the manifest's mappings. */
  readonly csv: CsvIntake;
  readonly quarantine: QuarantineService;
  readonly dropFolders: CsvDropFolders;
  /** MQTT and NATS intake, running when the manifest declares them (and `edge` is not off). */
  readonly edge: Edge;
  /** Resolves once the workflows have applied everything in the log (or after `timeoutMs`). */
  settle(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export interface HubOptions {
  readonly clock?: Clock;
  /** An already open store (tests); otherwise `config.store` is opened and owned by the hub. */
  readonly store?: HubStore;
  readonly logger?: boolean;
  /**
   * Where the workflows run (when the configuration says `workflows: on`): `thread`, a worker
   * thread with its own store connection (what `serve` uses); `inline`, this thread (the
   * default, and the only choice for an in-memory store); `none`, nowhere: the caller drives
   * `hub.processor` itself.
   */
  readonly workflowMode?: 'thread' | 'inline' | 'none';
  /** Webhook secret values by the names the manifest gives (HubSetup.secrets). */
  readonly secrets?: ReadonlyMap<string, string>;
  /** Deliveries: `run` (default) on the configured tick; `manual`, only when the caller calls `runOnce` (tests). */
  readonly deliveryMode?: 'run' | 'manual';
  /** The jitter's random draw (tests pass a seeded one). */
  readonly random?: () => number;
  /** Poll the mappings' drop folders (what `serve` does); otherwise tests call `hub.dropFolders.scanOnce()`. */
  readonly watchDropFolders?: boolean;
  /** Trace into this exporter (tests: an InMemorySpanExporter), whatever `config.otlpEndpoint` says. */
  readonly spanExporter?: SpanExporter;
  /** Subscribe to the manifest's MQTT topics and NATS consumers (default true; tests that drive `receive` turn it off). */
  readonly edge?: boolean;
}

/** Tracing when the configuration (or a test) asks for it; undefined costs nothing anywhere (the SDK is not even loaded). */
async function tracingOf(config: HubConfig, options: HubOptions): Promise<Tracing | undefined> {
  if (options.spanExporter !== undefined) return (await loadTracing()).startTracing({ exporter: options.spanExporter, version: PACKAGE_VERSION });
  if (config.otlpEndpoint !== '') return (await loadTracing()).startTracing({ otlpEndpoint: config.otlpEndpoint, version: PACKAGE_VERSION });
  return undefined;
}

/** The edge channels of a hub: their intake (also quarantine channels) and, when running, their broker clients. */
export interface Edge {
  readonly mqtt: MqttIntake;
  readonly nats: NatsIntake;
  readonly mqttSubscriber?: MqttSubscriber;
  readonly natsConsumers?: NatsConsumers;
}

/**
 * Units of intake work (CSV rows, X12 sets read or mapped, batch events checked) between two turns
 * of the event loop: 20-40 ms on the 2-core reference machine (mapping a CSV row costs 40-80 us).
 * Smaller inputs never pause.
 */
const INTAKE_SLICE = 500;

export const PACKAGE_VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** The contracts folder, loaded once: the raw documents, the compiled registry and how the workflows read them. */
export interface Contracts {
  readonly set: ContractSet;
  /** Every version known; `withVersionsInForce` narrows it to the manifest's. */
  readonly registry: ContractRegistry;
  /** The projections the board's versions without an upcaster need (plain JSON: worker threads get it too). */
  readonly readers: ReaderPlan;
}

/**
 * When a command compiles the contracts: every one at start (a hub, and the commands that judge a
 * manifest, refuse one that does not compile before doing anything), or each when first used
 * (commands that check few events or none: compiling them all cost 0.24-0.36 s of such a start here, ADR 0077).
 */
export type ContractCompiling = 'all at start' | 'on first use';

/**
 * The contracts folder, plus a board's own folder (manifest `contracts.folder`) layered on it.
 * Refuses a board version the workflows could not read (docs/adr/0011), listing each one.
 */
export function loadContracts(contractsDir: string, boardFolder?: string, compiling: ContractCompiling = 'all at start'): Contracts {
  let set: ReturnType<typeof loadLayeredContractSet>;
  let registry: ContractRegistry;
  try {
    set = loadLayeredContractSet(contractsDir, boardFolder);
    registry = new ContractRegistry(set);
    if (compiling === 'all at start') registry.compileAll();
  } catch (error) {
    // compileAll's errors say so already, naming the contract.
    if (error instanceof MillraceError) throw error;
    throw new MillraceError('invalid_manifest', `cannot load the contracts: ${(error as Error).message}`);
  }
  const readers = planReaders({ shipped: set.shipped, board: set.board, shared: set.shared, upcaster: new EventUpcaster(SHIPPED_UPCASTERS) });
  if (!readers.ok) {
    const problems = readers.problems.map((problem) => problem.message);
    const hint = 'a version with no upcaster may add properties and tighten rules, never loosen them (docs/adr/0011-contract-versions-and-upcasting.md)';
    throw new MillraceError('invalid_manifest', `the contracts hold ${problems.length} version(s) the workflows cannot read:\n  ${problems.join('\n  ')}\n${hint}`, { problems });
  }
  return { set, registry, readers: readers.plan };
}

/** How the workflows read the log: the shipped upcasters, and projections for the board's versions. */
export function upcasterOf(readers: ReaderPlan): EventUpcaster {
  return new EventUpcaster(SHIPPED_UPCASTERS, readers);
}

/** The event catalogue as AsyncAPI 3.0: what `GET /asyncapi.json` serves and `millrace contracts asyncapi` prints. */
export function asyncApiOf(manifest: Manifest, contracts: Contracts): AsyncApiDocument {
  return asyncApiCatalogue({ contracts: contracts.set, manifest, hub: { version: PACKAGE_VERSION } });
}

export async function createHub(config: HubConfig, manifest: Manifest, contracts: Contracts, options: HubOptions = {}): Promise<Hub> {
  const registry = contracts.registry.withVersionsInForce(manifest.contracts.inForce);
  const clock = options.clock ?? systemClock;
  const store = options.store ?? (await openStore(config.store, options.workflowMode === 'thread' ? 'server' : 'intake', { appendThread: config.appendThread === 'on' }));
  const authority = new PublishingAuthority(manifest);
  const policy = p2pPolicy(p2pSettingsOf(manifest));
  const tracing = await tracingOf(config, options);
  const tracer = tracing?.tracer;
  const logger = pino({ level: options.logger === false ? 'silent' : config.logLevel });
  const plant = plantPolicy(plantSettingsOf(manifest));
  // A turn of the event loop: between workflow steps, and between slices of a large file or batch
  // at intake, so that health checks and other requests are answered meanwhile.
  const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
  const pacing = { every: INTAKE_SLICE, pause: turn };
  // The workflows need the committer (for deadline breaches) and the committer tells them about
  // new events: the link is made once both exist.
  const afterCommit = { kick: (): void => undefined };
  const committer = new GroupCommitter(store, clock, { onCommitted: () => afterCommit.kick() });
  // Live steps share the thread with HTTP intake: keep them small and yield between them.
  const processor = new WorkflowProcessor(store, store, policy, clock, {
    batchSize: LIVE_WORKFLOW_BATCH_SIZE,
    yieldBetweenSteps: turn,
    upcaster: upcasterOf(contracts.readers),
    logger,
    ...(tracer === undefined ? {} : { tracer }),
    plantPolicy: plant,
  });
  const mode = config.workflows === 'off' ? 'none' : (options.workflowMode ?? 'inline');
  const inline = mode === 'inline';
  const settle = async (timeoutMs = 30_000): Promise<void> => {
    if (inline) await processor.catchUp();
    for (let waited = 0; waited < timeoutMs; waited += 10) {
      // Applied up to the head, twice in a row: nothing was still being derived.
      if ((await store.processedUpTo()) >= (await store.headSequence()) && (await store.processedUpTo()) >= (await store.headSequence())) return;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };
  // Who owns a PO comes from the workflows' projection; a PO released a moment ago may not be
  // applied yet, so a miss waits (briefly) for the workflows to catch up once. Without
  // workflows a partner's events are checked by their supplier id alone.
  const ownership =
    mode === 'none'
      ? undefined
      : {
          supplierOfPurchaseOrder: async (poNumber: string) => {
            const owner = async () => (await store.linesOfPurchaseOrder(poNumber)).find((line) => line.terms !== undefined)?.terms?.supplierId;
            const known = await owner();
            if (known !== undefined || (await store.processedUpTo()) >= (await store.headSequence())) return known;
            await settle(2_000);
            return owner();
          },
        };
  // Master data alignment at the door, for every channel (docs/adr/0019); only when some source has a cross-reference table.
  const aligner = alignerOf(manifest);
  const gate = aligner.active
    ? new MasterDataGate({ aligner, quarantine: store.quarantines, appender: committer, exceptions: store, clock, owner: masterDataOwnerOf(manifest) })
    : undefined;
  const ingest = new IngestService({ registry, authority, committer, clock, pacing, ...(ownership === undefined ? {} : { ownership }), ...(gate === undefined ? {} : { alignment: gate }) });
  gate?.attach(ingest);
  const catalog = registry.catalog();
  const metrics = new HubMetrics({
    census: () => store.workflowCensus(P2P_STAGES),
    flows: () => store.flows(),
    coverage: (flows) => governanceCoverage(flows, manifest, catalog),
    deliveries: () => store.deliveries.deliveryCounts(),
    quarantine: () => store.quarantines.quarantineCounts(),
    backlog: async () => Math.max(0, (await store.headSequence()) - (await store.processedUpTo())),
  });
  // A manifest without subscriptions still needs a runner when the store has a subscription's
  // cursor: one removed from the manifest has its queued deliveries withdrawn (ADR 0052).
  const hadSubscriptions = config.deliveries !== 'off' && manifest.subscriptions.length === 0 && (await store.deliveries.subscriptionPositions()).length > 0;
  const deliveries = await deliveryRunnerOf(config, manifest, store, clock, options, hadSubscriptions, (error) => logger.error({ err: error }, 'delivery failed; it will be retried on the next tick'), {
    logger,
    onAttempt: (channel, outcome, seconds) => metrics.recordDelivery(channel, outcome, seconds),
    ...(tracer === undefined ? {} : { tracer }),
  });
  // Asynchronous channels: what they cannot accept goes to quarantine, retried through the channel.
  const quarantine = new QuarantineService(store.quarantines, clock, authority);
  // An MQTT or NATS message over the edge payload limit, or a drop folder file over its limit: counted and logged alike.
  const onTooLarge = (refused: TooLargeRefusal): void => {
    metrics.recordEdgeTooLarge(refused.channel);
    const what = refused.channel === 'csv' ? `csv drop folder file ${refused.name} over the drop folder limit` : `${refused.channel} message on ${refused.name} over the edge payload limit`;
    const where = refused.channel === 'csv' ? "; the whole file is in the drop folder's failed/ folder" : '';
    logger.warn({ channel: refused.channel, name: refused.name, bytes: refused.bytes, limitBytes: refused.limit, quarantineId: refused.quarantineId }, `${what} (${refused.bytes} > ${refused.limit} bytes): kept in quarantine as payload_too_large, its first bytes only${where}`);
  };
  const csv = new CsvIntake({ manifest, ingest, quarantine: store.quarantines, reader: new CsvParseReader(), digest: sha256Hex, clock, inbound: store.inboundMessages, pacing, onTooLarge });
  quarantine.register(csv);
  const x12 = new X12Intake({
    ingest,
    registry,
    directory: manifestDirectory(manifest),
    controlNumbers: store,
    clock,
    x12IdOf: (principal) => partyOfPrincipal(manifest, principal.kind, principal.id),
    quarantine: store.quarantines,
    inbound: { store: store.inboundMessages, digest: sha256Hex },
    pacing,
  });
  quarantine.register(x12);
  // A breach is appended with its publisher's position, beside the committer: wake the workflows for it.
  const onBreach = (b: SequenceBreach): void => {
    metrics.recordSequenceBreach(b.source, b.code === 'sequence_gap' ? 'gap' : 'reset', b.missing);
    afterCommit.kick();
  };
  const edge = await startEdge(
    manifest,
    {
      manifest,
      ingest,
      sequences: store,
      quarantine: store.quarantines,
      clock,
      onBreach,
      payloadLimit: config.edgePayloadLimit,
      digest: sha256Hex,
      onTooLarge,
    },
    options.edge !== false,
    (error, context) => logger.error({ err: error }, context),
    (channel, id, up) => metrics.recordEdgeConnection(channel, id, up),
    (message) => logger.info(message),
    store,
    store,
    natsLeadsOf(store),
    (clientId) => mqttLeadOf(store, clientId),
  );
  quarantine.register(edge.mqtt);
  quarantine.register(edge.nats);
  if (gate !== undefined) {
    quarantine.register(gate);
    // Events held for a mapping this manifest may now have go in (nothing is lost, nothing waits for a click).
    await gate.retryHeld();
  }
  const manifestDir = dirname(resolve(config.manifestPath));
  const dropFolders = new CsvDropFolders(
    csv,
    csv.mappingDeclarations().flatMap((mapping) => (mapping.dropFolder === undefined ? [] : [{ mapping: mapping.id, path: resolve(manifestDir, mapping.dropFolder) }])),
    { onError: (error, file) => logger.error({ err: error, file }, 'drop folder file not processed; it will be tried again'), maxFileBytes: config.dropFolderLimit, ...(tracer === undefined ? {} : { tracer }) },
  );
  if (options.watchDropFolders === true) dropFolders.start();
  const refusals = new IntakeRefusals(clock);
  const plantQueries = new PlantQueries(store, store, manifest, plant);
  const kpis = new KpiQueries(store, manifest, catalog, clock, { log: store, inventory: plantQueries });
  const { buildHttpServer } = await loadHttpServer();
  const http = await buildHttpServer({
    ingest,
    groups: committer,
    refusals,
    visibility: { kpis, health: new IntegrationHealthQueries(store, store, store.quarantines, store.deliveries, manifest, refusals, clock) },
    metrics,
    metricsAuth: config.metricsAuth,
    authenticator: new ApiKeyAuthenticator(store, clock, { cacheMs: config.credentialCacheMs }),
    bodyLimit: config.bodyLimit,
    eventSchema: inlineRefs(contracts.set.envelope, contracts.set.shared),
    asyncApi: asyncApiOf(manifest, contracts),
    ready: async () => {
      await store.headSequence();
      if (committer.backlog > 100_000) throw new Error(`commit backlog of ${committer.backlog} events`);
    },
    version: PACKAGE_VERSION,
    rateLimitOf: (principal) => authority.rateLimitOf(principal),
    logger,
    ...(tracer === undefined ? {} : { tracer }),
    x12,
    workflows: {
      p2p: new P2PQueries(store, store, authority, clock, store.deliveries, store.inboundMessages),
      resolution: new ExceptionResolution(store, committer, inline ? processor : undefined, clock),
      governance: new GovernanceQueries(store, store, manifest, catalog),
      kpis,
    },
    plant: plantQueries,
    deliveries: new DeliveryOperations(store.deliveries, store, manifest.subscriptions, clock, () => deliveries?.kick()),
    inbound: { csv, quarantine },
  });
  const onError = (error: unknown) => logger.error({ err: error }, 'workflow processing failed; it will be retried on the next tick');
  let stopWorkflows: () => Promise<void> = () => Promise.resolve();
  if (inline) {
    const runner = new WorkflowRunner(store, processor, new DeadlineScheduler(store, committer, clock, plant), { tickMs: config.workflowTickMs, onError });
    afterCommit.kick = () => runner.kick();
    runner.start();
    stopWorkflows = () => runner.stop();
  } else if (mode === 'thread') {
    const thread = await startWorkflowThread({ store: config.store, tickMs: config.workflowTickMs, settings: p2pSettingsOf(manifest), plantSettings: plantSettingsOf(manifest), readers: contracts.readers, otlpEndpoint: config.otlpEndpoint, logLevel: options.logger === false ? 'silent' : config.logLevel }, onError, {
      // The step rides in the next group commit: one transaction and one fsync with intake.
      step: (step) => committer.submitStep(step),
      append: (events) => committer.submit(events),
    });
    afterCommit.kick = () => thread.kick();
    stopWorkflows = () => thread.stop();
  }
  if (deliveries !== undefined) {
    await deliveries.prepare();
    const kickWorkflows = afterCommit.kick;
    afterCommit.kick = () => {
      kickWorkflows();
      deliveries.kick();
    };
    if (options.deliveryMode !== 'manual') deliveries.start();
  }
  return {
    config,
    store,
    http,
    registry,
    manifest,
    processor,
    deliveries,
    csv,
    quarantine,
    dropFolders,
    edge,
    settle,
    close: async () => {
      // Edge first: what is in flight finishes (or stays unacked for the broker to resend).
      await Promise.all([edge.mqttSubscriber?.stop(), edge.natsConsumers?.stop()]);
      await deliveries?.stop();
      await dropFolders.stop();
      await stopWorkflows();
      await http.close();
      // What is still buffered is sent before the process goes.
      await tracing?.shutdown();
      if (options.store === undefined) await store.close();
    },
  };
}

interface WorkflowThread {
  kick(): void;
  stop(): Promise<void>;
}

/** The writes the workflow thread hands to this thread, which owns the store's writes. */
interface ThreadWrites {
  step(step: WorkflowStep): Promise<unknown>;
  append(events: readonly CloudEvent[]): Promise<BatchOutcome>;
}

/** Starts src/bootstrap/workflow-thread.ts and resolves once it runs. */
async function startWorkflowThread(data: WorkflowThreadData, onError: (error: unknown) => void, writes: ThreadWrites): Promise<WorkflowThread> {
  const extension = import.meta.url.endsWith('.ts') ? 'ts' : 'js';
  const worker = spawnThread(new URL(`./workflow-thread.${extension}`, import.meta.url), data);
  let stopped: (() => void) | undefined;
  await new Promise<void>((resolve, reject) => {
    worker.once('error', reject);
    const answer = (id: number, work: Promise<BatchOutcome | undefined>) => {
      work.then(
        (outcome) => worker.postMessage({ type: 'done', id, ...(outcome === undefined ? {} : { outcome }) } satisfies WorkflowThreadMessage),
        (error: unknown) => worker.postMessage({ type: 'failed', id, message: error instanceof Error ? error.message : String(error) } satisfies WorkflowThreadMessage),
      );
    };
    worker.on('message', (message: WorkflowThreadReport) => {
      switch (message.type) {
        case 'ready':
          resolve();
          break;
        case 'error':
          onError(new Error(message.message));
          break;
        case 'step':
          answer(message.id, writes.step(message.step).then(() => undefined));
          break;
        case 'append':
          answer(message.id, writes.append(message.events));
          break;
        case 'stopped':
          stopped?.();
          break;
      }
    });
  });
  worker.on('error', onError);
  return {
    kick: () => worker.postMessage({ type: 'kick' } satisfies WorkflowThreadMessage),
    stop: async () => {
      const done = new Promise<void>((resolve) => {
        stopped = resolve;
        worker.once('exit', () => resolve());
      });
      worker.postMessage({ type: 'stop' } satisfies WorkflowThreadMessage);
      const timer = setTimeout(() => void worker.terminate(), 10_000);
      await done;
      clearTimeout(timer);
      await worker.terminate();
    },
  };
}

/**
 * The delivery runner, when this hub sends deliveries (`deliveries: on`, and subscriptions in
 * the manifest or, `hadSubscriptions`, cursors of subscriptions it no longer declares). Refuses to start when a webhook names a secret the environment does not give.
 */
async function deliveryRunnerOf(
  config: HubConfig,
  manifest: Manifest,
  store: HubStore,
  clock: Clock,
  options: HubOptions,
  hadSubscriptions: boolean,
  onError: (error: unknown) => void,
  observe: Pick<DeliveryRunnerOptions, 'logger' | 'tracer' | 'onAttempt'>,
): Promise<DeliveryRunner | undefined> {
  if (config.deliveries === 'off' || (manifest.subscriptions.length === 0 && !hadSubscriptions)) return undefined;
  const secrets = options.secrets ?? new Map<string, string>();
  const missing = manifest.subscriptions.flatMap((s) =>
    s.channel.secret === undefined || secrets.has(s.channel.secret) ? [] : [`subscriptions[id=${s.id}].channel.secret names "${s.channel.secret}": set ${secretVariableOf(s.channel.secret)}`],
  );
  if (missing.length > 0) {
    throw new MillraceError('invalid_config', `invalid configuration:\n${missing.map((p) => `  - ${p}`).join('\n')}\n(or run with --deliveries off)`, { problems: missing });
  }
  // MQTT out is not built yet: its deliveries are recorded and wait, visibly (status waiting,
  // with the reason), for a hub that has one.
  const userAgent = `millrace/${PACKAGE_VERSION}`;
  const channels = new Map<ChannelKind, DeliveryChannel>([
    ['webhook', new WebhookChannel({ secrets, userAgent })],
    ['x12', new X12DeliveryChannel({ manifest, controlNumbers: store, clock, secrets, userAgent })],
  ]);
  // The NATS client is loaded only for a manifest that delivers over NATS (ADR 0079). A delivery
  // of a subscription the manifest no longer declares is withdrawn, never sent (ADR 0052).
  if (manifest.subscriptions.some((s) => s.channel.kind === 'nats')) channels.set('nats', new (await loadNatsDelivery()).NatsDeliveryChannel(manifest.nats?.url));
  return new DeliveryRunner(store, store.deliveries, manifest.subscriptions, channels, clock, {
    tickMs: config.workflowTickMs,
    onError,
    concurrency: config.deliveryConcurrency,
    perSubscription: config.deliveryPerSubscription,
    ...observe,
    ...(options.random === undefined ? {} : { random: options.random }),
  });
}

/**
 * Who reads each NATS durable consumer among the hubs on one PostgreSQL store (a lease per stream
 * and consumer, as the workflows and the deliveries have one: ADR 0072): one hub at a time, since
 * the read position the hubs share assumes one reader (ADR 0020). A SQLite file has one hub: none
 * needed.
 */
function natsLeadsOf(store: HubStore): NatsConsumersOptions['leadOf'] {
  if (!sharesLeases(store)) return undefined;
  // Stream and consumer names cannot hold a '/': the name is one consumer's only.
  return (consumer) => store.leadNamed(`nats-consumer:${consumer.stream}/${consumer.durable}`);
}

/**
 * Who holds the MQTT session among the hubs on one PostgreSQL store (a lease, ADR 0072): the broker
 * keeps one session per client id and gives it to the client that connected last, so hubs running
 * one manifest took it from each other every second (ADR 0054). A SQLite file has one hub: none
 * needed.
 */
function mqttLeadOf(store: HubStore, clientId: string): Lead | undefined {
  return sharesLeases(store) ? store.leadNamed(`mqtt-session:${clientId}`) : undefined;
}

/**
 * The MQTT and NATS intake of the manifest, and their broker clients when `run` (they connect
 * in the background and retry until the broker answers; the hub starts either way).
 */
async function startEdge(
  manifest: Manifest,
  deps: ConstructorParameters<typeof MqttIntake>[0],
  run: boolean,
  onError: (error: unknown, context: string) => void,
  onConnection: (channel: 'mqtt' | 'nats', id: string, up: boolean) => void,
  onNotice: (message: string) => void,
  readPositions: StreamReadPositionStore,
  sessions: MqttSessionStore,
  leadOf: NatsConsumersOptions['leadOf'],
  mqttLead: (clientId: string) => Lead | undefined,
): Promise<Edge> {
  const mqtt = new MqttIntake(deps);
  const nats = new NatsIntake(deps);
  let mqttSubscriber: MqttSubscriber | undefined;
  let natsConsumers: NatsConsumers | undefined;
  if (run && manifest.mqtt !== undefined && manifest.mqtt.topics.length > 0) {
    const expiryMs = parseDeliveryDuration(manifest.mqtt.sessionExpiry) ?? 7 * 86_400_000;
    const clientId = manifest.mqtt.clientId;
    const lead = mqttLead(clientId);
    const { MqttSubscriber } = await loadMqtt();
    mqttSubscriber = new MqttSubscriber(mqtt, {
      url: manifest.mqtt.url,
      clientId,
      sessionExpirySeconds: Math.floor(expiryMs / 1000),
      onError,
      onNotice,
      onConnection: (up) => onConnection('mqtt', clientId, up),
      session: sessions,
      ...(lead === undefined ? {} : { lead }),
    });
    mqttSubscriber.start();
  }
  // With no consumers left too: the ones the hub had created for removed entries are deleted (ADR 0067).
  if (run && manifest.nats !== undefined) {
    const { NatsConsumers } = await loadNatsConsumers();
    natsConsumers = new NatsConsumers(nats, { url: manifest.nats.url, onError, onNotice, positions: readPositions, onReading: (id, up) => onConnection('nats', id, up), ...(leadOf === undefined ? {} : { leadOf }) });
    natsConsumers.start();
  }
  return { mqtt, nats, ...(mqttSubscriber === undefined ? {} : { mqttSubscriber }), ...(natsConsumers === undefined ? {} : { natsConsumers }) };
}
