// Routes of the asynchronous channels' intake and their quarantine: CSV files by mapping, and
// listing, retrying and discarding quarantined messages. Translation only.
import type { FastifyInstance } from 'fastify';
import type { CsvIntake, QuarantineService } from '../../app/index.js';
import { MASTER_DATA_CHANNEL } from '../../app/index.js';
import type { Principal } from '../../core/index.js';
import { MillraceError } from '../../core/index.js';
import { traceOf } from './request-trace.js';
import type { QuarantineStatus } from '../../ports/index.js';
import { refuseUnknownFields } from './body-fields.js';
import { problemResponses } from './schemas.js';

export interface InboundRouteDependencies {
  readonly csv: CsvIntake;
  readonly quarantine: QuarantineService;
}

export const CSV_MEDIA_TYPES = ['text/csv', 'application/csv', 'text/plain', 'application/octet-stream'] as const;

function principalOf(request: { principal?: Principal }): Principal {
  if (request.principal === undefined) throw new MillraceError('unauthenticated', 'no credential');
  return request.principal;
}

const rowProblem = {
  type: 'object',
  properties: { line: { type: 'integer' }, column: { type: 'string' }, value: { type: 'string' }, code: { type: 'string' }, message: { type: 'string' } },
} as const;
const eventReport = {
  type: 'object',
  properties: { id: { type: 'string' }, source: { type: 'string' }, sequence: { type: 'integer' }, lines: { type: 'array', items: { type: 'integer' } } },
} as const;
const fileReport = {
  type: 'object',
  properties: {
    mapping: { type: 'string' },
    file: { type: 'object', additionalProperties: true },
    rows: { type: 'integer' },
    blankRows: { type: 'array', items: { type: 'integer' }, description: 'Lines left out as blank rows (empty, or delimiters only), not counted in rows' },
    accepted: { type: 'array', items: eventReport },
    duplicates: { type: 'array', items: eventReport },
    quarantined: { type: 'array', items: { type: 'object', properties: { quarantineId: { type: 'string' }, lines: { type: 'array', items: { type: 'integer' } }, problems: { type: 'array', items: rowProblem } } } },
  },
} as const;
/**
 * The channels that quarantine what they cannot accept: the CSV and X12 intakes, MQTT and NATS at
 * the edge, and the master data gate. An enumeration, so that `?channel=cvs` is refused naming
 * them rather than answered with an empty page (ADR 0047); a channel added without it here could
 * not be listed by channel, which http-query-parameters.test.ts checks.
 */
export const QUARANTINE_CHANNELS = ['csv', 'x12', 'mqtt', 'nats', MASTER_DATA_CHANNEL] as const;

const entryList = { type: 'object', properties: { items: { type: 'array', items: { type: 'object', additionalProperties: true } }, next: { type: 'string' } } } as const;
const idParam = { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] } as const;

export async function registerInboundRoutes(app: FastifyInstance, deps: InboundRouteDependencies): Promise<void> {
  // In its own context: the CSV media types are accepted on these routes only.
  await app.register((scope, _options, done) => {
    scope.addContentTypeParser([...CSV_MEDIA_TYPES], { parseAs: 'buffer' }, (_request, body, parsed) => parsed(null, body));
    scope.post<{ Params: { mapping: string }; Querystring: { filename?: string } }>(
      '/v1/inbound/csv/:mapping',
      {
        config: { auth: true },
        schema: {
          summary: 'Submit a CSV file under a manifest mapping',
          description:
            'The bytes of a CSV export (text/csv). Rows that map and pass their contract are committed; the others are quarantined with their lines and reasons. ' +
            '200: every row accepted or a duplicate; 207: some rows quarantined (see quarantined[]); 422 csv_unreadable: nothing could be read (the whole file is quarantined).',
          security: [{ apiKey: [] }],
          params: { type: 'object', properties: { mapping: { type: 'string' } }, required: ['mapping'] },
          querystring: { type: 'object', properties: { filename: { type: 'string', maxLength: 255, description: 'The file name, kept with the report and quarantine entries.' } } },
          response: { 200: fileReport, 207: fileReport, ...problemResponses(401, 403, 404, 413, 415, 422, 429, 503) },
        },
      },
      async (request, reply) => {
        const body: unknown = request.body;
        if (!(body instanceof Uint8Array)) throw new MillraceError('invalid_request', 'send the CSV file as the body (Content-Type: text/csv)');
        const report = await deps.csv.receive(principalOf(request), request.params.mapping, body, request.query.filename, traceOf(request));
        return reply.code(report.quarantined.length === 0 ? 200 : 207).send(report);
      },
    );
    done();
  });

  app.get<{ Querystring: { status?: QuarantineStatus; channel?: string; source?: string; limit: number; after?: string } }>(
    '/v1/quarantine',
    {
      config: { auth: true },
      schema: {
        summary: 'Quarantined inbound messages, newest first (paged); system and partner keys see their own only',
        security: [{ apiKey: [] }],
        querystring: {
          type: 'object',
          properties: {
            status: { type: 'string', enum: ['held', 'accepted', 'reprocessed', 'discarded'] },
            channel: { type: 'string', enum: [...QUARANTINE_CHANNELS] },
            source: { type: 'string' },
            limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
            after: { type: 'string', minLength: 1, description: 'The `next` value of the previous page.' },
          },
        },
        response: { 200: entryList, ...problemResponses(400, 401) },
      },
    },
    async (request) => {
      const { status, channel, source, limit, after } = request.query;
      return deps.quarantine.list(
        principalOf(request),
        { ...(status === undefined ? {} : { status }), ...(channel === undefined ? {} : { channel }), ...(source === undefined ? {} : { source }) },
        limit,
        after,
      );
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v1/quarantine/:id',
    {
      config: { auth: true },
      schema: { summary: 'One quarantined message: raw bytes (base64), reason, history', security: [{ apiKey: [] }], params: idParam, response: { 200: { type: 'object', additionalProperties: true }, ...problemResponses(401, 404) } },
    },
    async (request) => deps.quarantine.get(request.params.id, principalOf(request)),
  );

  app.post<{ Params: { id: string } }>(
    '/v1/quarantine/:id/retry',
    {
      config: { auth: true, optionalBody: true },
      // It takes no body fields: one sent (a mapping, a fix) is refused rather than ignored (body-fields.ts).
      preValidation: refuseUnknownFields([], { optionalBody: true }),
      schema: {
        summary: 'Run a held message again with the current manifest and mappings (operator keys)',
        security: [{ apiKey: [] }],
        params: idParam,
        body: { type: 'object', additionalProperties: false, properties: {}, description: 'None: send no body, or {}.' },
        response: { 200: { type: 'object', additionalProperties: true }, ...problemResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => deps.quarantine.retry(request.params.id, principalOf(request)),
  );

  app.post<{ Params: { id: string }; Body: { reason: string } }>(
    '/v1/quarantine/:id/discard',
    {
      config: { auth: true },
      preValidation: refuseUnknownFields(['reason']),
      schema: {
        summary: 'Discard a held message, saying why (operator keys); it stays listed with who, when and why',
        security: [{ apiKey: [] }],
        params: idParam,
        body: { type: 'object', properties: { reason: { type: 'string', minLength: 1, maxLength: 2000 } }, required: ['reason'], additionalProperties: false },
        response: { 200: { type: 'object', additionalProperties: true }, ...problemResponses(400, 401, 403, 404, 409, 415) },
      },
    },
    async (request) => deps.quarantine.discard(request.params.id, request.body.reason, principalOf(request)),
  );
}
