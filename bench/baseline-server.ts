// The ingest baseline: the least a competent service does for the same request at the same
// durability (Fastify 5, ajv 2020 envelope + goods.received schemas, SQLite WAL synchronous=FULL,
// group commit per event-loop turn, 202 after commit). No auth, no dedupe, no authority.
import { pathToFileURL } from 'node:url';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import formats from 'ajv-formats';
import Database from 'better-sqlite3';
import Fastify, { type FastifyInstance } from 'fastify';
import { collectStartupGarbage } from '../src/bootstrap/startup-garbage.js';
import { keepTickShape } from '../src/bootstrap/tick-shape.js';
import { TurnQueue } from './turn-queue.js';

// ajv-formats is CommonJS: under NodeNext its default import is the module, whose `default` is the plugin.
const addFormats = formats.default;

const dateTime = { type: 'string', format: 'date-time' } as const;
const text = { type: 'string', minLength: 1, maxLength: 256 } as const;
const identifier = { type: 'string', minLength: 1, maxLength: 64 } as const;
const quantity = { type: 'string', pattern: '^(0|[1-9][0-9]*)(\\.[0-9]+)?$', maxLength: 40 } as const;
const plant = { type: 'string', pattern: '^[A-Z0-9][A-Z0-9-]{0,15}$' } as const;

const ENVELOPE_SCHEMA = {
  type: 'object',
  required: ['specversion', 'id', 'source', 'type', 'time', 'data'],
  properties: {
    specversion: { const: '1.0' },
    id: text,
    source: { ...text, format: 'uri-reference' },
    type: { type: 'string', pattern: '^[a-z][a-z0-9]*(\\.[a-z][a-z0-9_]*)+$' },
    time: dateTime,
    data: { type: 'object' },
    datacontenttype: { enum: ['application/json', 'application/cloudevents+json'] },
    dataschema: { type: 'string', format: 'uri' },
    subject: text,
    correlationid: text,
    dataversion: { type: 'integer', minimum: 1 },
    plant,
  },
  // Other CloudEvents extension attributes: scalar values only.
  additionalProperties: { type: ['string', 'integer', 'boolean'] },
} as const;

const GOODS_RECEIVED_SCHEMA = {
  type: 'object',
  required: ['receiptId', 'plant', 'lines'],
  additionalProperties: false,
  properties: {
    receiptId: identifier,
    plant,
    shipmentId: identifier,
    receivedAt: dateTime,
    lines: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['poNumber', 'line', 'quantity', 'uom'],
        additionalProperties: false,
        properties: {
          poNumber: identifier,
          line: { type: 'integer', minimum: 1 },
          quantity,
          uom: { type: 'string', pattern: '^[A-Z][A-Z0-9_]{0,9}$' },
          rejectedQuantity: quantity,
          reversal: { type: 'boolean' },
          reversesReceiptId: identifier,
        },
      },
    },
  },
} as const;

const receiptEntry = { type: 'object', properties: { id: { type: 'string' }, source: { type: 'string' }, sequence: { type: 'integer' } } } as const;

/** The 202 body: the same as the hub's, serialised the same way (fast-json-stringify). */
export const RECEIPT_SCHEMA = {
  type: 'object',
  properties: { accepted: { type: 'array', items: receiptEntry }, duplicates: { type: 'array', items: receiptEntry } },
} as const;

const refusalSchema = { type: 'object', additionalProperties: true } as const;

interface EventLike {
  readonly id: string;
  readonly source: string;
  readonly type: string;
  readonly data: unknown;
}

/** Every append of one event-loop turn shares one transaction, hence one fsync. */
class GroupCommitLog {
  private readonly db: Database.Database;
  private readonly turns: TurnQueue<readonly string[], number[]>;

  constructor(path: string) {
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.exec('CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY, body TEXT NOT NULL)');
    const insert = this.db.prepare<[string]>('INSERT INTO events (body) VALUES (?)');
    const commitGroup = this.db.transaction((group: readonly (readonly string[])[]) => group.map((bodies) => bodies.map((body) => Number(insert.run(body).lastInsertRowid))));
    this.turns = new TurnQueue((group) => commitGroup(group));
  }

  append(bodies: readonly string[]): Promise<number[]> {
    return this.turns.submit(bodies);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

/** Fastify as the baseline uses it: its default JSON parser for the CloudEvents media types, the hub's limits. */
export function skeletonApp(): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: 5 * 1024 * 1024, keepAliveTimeout: 65_000 });
  app.addContentTypeParser(
    ['application/cloudevents+json', 'application/cloudevents-batch+json'],
    { parseAs: 'string' },
    app.getDefaultJsonParser('error', 'error'),
  );
  return app;
}

export interface BaselineServer {
  readonly app: FastifyInstance;
  close(): Promise<void>;
}

export function buildBaselineServer(dbPath: string): BaselineServer {
  const ajv = new Ajv2020({ strict: true, allowUnionTypes: true });
  addFormats(ajv);
  const validateEnvelope = ajv.compile(ENVELOPE_SCHEMA);
  const dataValidators = new Map<string, ValidateFunction>([['goods.received', ajv.compile(GOODS_RECEIVED_SCHEMA)]]);
  const log = new GroupCommitLog(dbPath);

  const app = skeletonApp();
  app.post('/v1/events', { schema: { response: { 202: RECEIPT_SCHEMA, 422: refusalSchema } } }, async (request, reply) => {
    const candidates: unknown[] = Array.isArray(request.body) ? request.body : [request.body];
    if (candidates.length === 0) return reply.code(422).send({ error: 'empty batch' });
    for (const candidate of candidates) {
      if (!validateEnvelope(candidate)) return reply.code(422).send({ error: 'envelope', errors: validateEnvelope.errors });
      const event = candidate as unknown as EventLike;
      const validateData = dataValidators.get(event.type);
      if (validateData === undefined) return reply.code(422).send({ error: `no contract for ${event.type}` });
      if (!validateData(event.data)) return reply.code(422).send({ error: 'data', errors: validateData.errors });
    }
    const events = candidates as EventLike[];
    const sequences = await log.append(events.map((event) => JSON.stringify(event)));
    const accepted = events.map((event, index) => ({ id: event.id, source: event.source, sequence: sequences[index] }));
    return reply.code(202).send({ accepted, duplicates: [] });
  });

  return {
    app,
    close: async () => {
      await app.close();
      log.close();
    },
  };
}

/** As a child process: listens on a free port, prints {"listening": url} once ready, stops on SIGTERM/SIGINT. */
async function serveAsChild(server: BaselineServer): Promise<void> {
  const url = await server.app.listen({ host: '127.0.0.1', port: 0 });
  // As `millrace serve` does once it listens (docs/adr/0066): every server is measured from a
  // heap without its start's garbage, the baseline's too (its two schemas leave little).
  collectStartupGarbage();
  process.stdout.write(`${JSON.stringify({ listening: url })}\n`);
  const stop = () => {
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

/** `node --import tsx <script> <db file>`: builds the server on that file and serves it (see serveAsChild). */
export function runAsChild(script: string, build: (dbPath: string) => BaselineServer | Promise<BaselineServer>): void {
  // As the millrace command does first (docs/adr/0074): no server's nextTick may fall to V8's slow path.
  keepTickShape();
  const dbPath = process.argv[2];
  if (dbPath === undefined) {
    process.stderr.write(`usage: node --import tsx ${script} <db file>\n`);
    process.exit(2);
  }
  Promise.resolve(build(dbPath))
    .then(serveAsChild)
    .catch((error: unknown) => {
      process.stderr.write(`${String(error)}\n`);
      process.exit(1);
    });
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) runAsChild('bench/baseline-server.ts', buildBaselineServer);
