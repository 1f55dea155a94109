// The floor of the intake benchmark: the baseline's skeleton (baseline-server.ts: Fastify with
// its default JSON parser, one route, one transaction per event-loop turn, 202 after the commit)
// doing the work issue 2 asks of the hub, with the hub's own parts and nothing else: the API key
// (ApiKeyAuthenticator), the contracts (ContractRegistry: envelope and data, every failing
// pointer), the manifest's publishing authority, and the store's idempotent append (dedupe index,
// conflict check, GroupCommitter). None of the hub's other layers: no hooks, problem+json,
// metrics, tracing, rate limits, master data alignment, lag marks, raw-text keeping, helper
// threads. What `serve` could reach on this machine if all of those were free.
//
// The store commits in this thread's connection, as the baseline's does, with SQLite's defaults
// where they make the floor faster (docs/benchmarks.md): a 2 MiB page cache (a 256 MiB one costs
// an allocation per new page until it is full) and a checkpoint every 1,000 WAL pages, as the
// baseline's connection does (at 10,000, each checkpoint stops the event loop ten times as long).
//
// With `--log lean` the floor appends to the lean log (lean-log.ts) instead of the hub's store:
// the same decisions and dedupe index with the least storage work, through the baseline's own
// group commit queue; the store then only holds the credentials. The distance between the two
// floors is what the hub's store and GroupCommitter cost beyond the least the issue asks.
import { pathToFileURL } from 'node:url';
import { ApiKeyAuthenticator, SqliteStore } from '../src/adapters/index.js';
import { GroupCommitter } from '../src/app/index.js';
import { loadGovernance, systemClock } from '../src/bootstrap/index.js';
import { PublishingAuthority, type CloudEvent, type Principal } from '../src/core/index.js';
import { RECEIPT_SCHEMA, runAsChild, skeletonApp, type BaselineServer } from './baseline-server.js';
import { ROOT } from './contenders.js';
import { LeanLog, leanLogPath } from './lean-log.js';

/** Where the floor appends: the hub's SQLite store, or the lean log. */
export type FloorLog = 'store' | 'lean';

const refusalSchema = { type: 'object', additionalProperties: true } as const;

export function buildFloorServer(dbPath: string, log: FloorLog = 'store', manifestPath = `${ROOT}/examples/millrace.yaml`): BaselineServer {
  const { manifest, contracts } = loadGovernance({ manifestPath }, {});
  const registry = contracts.registry.withVersionsInForce(manifest.contracts.inForce);
  const authority = new PublishingAuthority(manifest);
  const store = new SqliteStore(dbPath, { cacheMiB: 2, checkpointPages: 1_000 });
  const authenticator = new ApiKeyAuthenticator(store, systemClock);
  const lean = log === 'lean' ? new LeanLog(leanLogPath(dbPath)) : undefined;
  const committer = new GroupCommitter(store, systemClock);
  // The lean log brings the least group commit too: the baseline's queue, not the GroupCommitter.
  const submit = lean === undefined ? (events: CloudEvent[]) => committer.submit(events) : (events: CloudEvent[]) => lean.submit(events);

  const principalOf = async (authorization: string | undefined): Promise<Principal | undefined> => {
    const token = authorization?.startsWith('Bearer ') === true ? authorization.slice('Bearer '.length) : '';
    const recalled = authenticator.recall(token);
    if (recalled === false) return undefined;
    return recalled ?? authenticator.authenticate(token);
  };

  const app = skeletonApp();
  const refusals = { 401: refusalSchema, 403: refusalSchema, 409: refusalSchema, 422: refusalSchema };
  app.post('/v1/events', { schema: { response: { 202: RECEIPT_SCHEMA, ...refusals } } }, async (request, reply) => {
    const principal = await principalOf(request.headers.authorization);
    if (principal === undefined) return reply.code(401).send({ error: 'unauthenticated' });
    const candidates: unknown[] = Array.isArray(request.body) ? request.body : [request.body];
    if (candidates.length === 0) return reply.code(422).send({ error: 'empty batch' });
    const events: CloudEvent[] = [];
    for (const candidate of candidates) {
      const envelope = registry.checkEnvelope(candidate, '');
      if (!envelope.ok) return reply.code(422).send({ error: envelope.code, violations: envelope.violations });
      const decision = authority.decide(principal, envelope.event);
      if (!decision.allowed) return reply.code(403).send({ error: decision.code, message: decision.message });
      const data = registry.checkData(envelope.event, '');
      if (!data.ok) return reply.code(422).send({ error: data.code, violations: data.violations });
      events.push(envelope.event);
    }
    const outcome = await submit(events);
    if (outcome.kind === 'conflict') return reply.code(409).send({ error: 'event_conflict', conflicts: outcome.conflicts });
    const view = (e: { id: string; source: string; sequence: number }) => ({ id: e.id, source: e.source, sequence: e.sequence });
    return reply.code(202).send({
      accepted: outcome.events.filter((e) => e.status === 'accepted').map(view),
      duplicates: outcome.events.filter((e) => e.status === 'duplicate').map(view),
    });
  });

  return {
    app,
    close: async () => {
      await app.close();
      await lean?.close();
      await store.close();
    },
  };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [flag, value, ...rest] = process.argv.slice(3);
  if (flag !== undefined && (flag !== '--log' || (value !== 'lean' && value !== 'store') || rest.length > 0)) {
    process.stderr.write(`usage: node --import tsx bench/floor-server.ts <db file> [--log store|lean]\n`);
    process.exit(2);
  }
  runAsChild('bench/floor-server.ts', (dbPath) => buildFloorServer(dbPath, value === 'lean' ? 'lean' : 'store'));
}
