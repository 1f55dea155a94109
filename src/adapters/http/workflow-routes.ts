// Routes over the workflows: a PO's lines and timeline, line and exception listings, and the
// manual resolution of an exception. Translation only; the use cases hold the rules.
import type { FastifyInstance } from 'fastify';
import type { ExceptionResolution, GovernanceQueries, KpiQueries, P2PQueries } from '../../app/index.js';
import type { P2PStage, Principal } from '../../core/index.js';
import { EXCEPTION_CODES, MillraceError, P2P_STAGES, shownValue } from '../../core/index.js';
import { refuseUnknownFields } from './body-fields.js';
import { problemResponses } from './schemas.js';

export interface WorkflowRouteDependencies {
  readonly p2p: P2PQueries;
  readonly resolution: ExceptionResolution;
  readonly governance: GovernanceQueries;
  readonly kpis: KpiQueries;
}

const page = {
  limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
  after: { type: 'string', minLength: 1, description: 'The `next` value of the previous page.' },
} as const;

// The file is sent as the bytes received, never serialised: the schema is for /openapi.json.
const rawFile = { schema: { type: 'string', format: 'binary' } } as const;
const inboundFileResponse = {
  description: 'The file exactly as received, in the media type of its channel',
  headers: {
    'millrace-source': { schema: { type: 'string' }, description: 'The source that sent it' },
    'millrace-received-time': { schema: { type: 'string', format: 'date-time' }, description: 'When the hub received it' },
    'millrace-sha256': { schema: { type: 'string' }, description: 'SHA-256 of the bytes, hex' },
  },
  content: { 'application/edi-x12': rawFile, 'text/csv': rawFile },
} as const;

/** The authenticated caller of a route with `config.auth`. */
export function principalOf(request: { principal?: Principal }): Principal {
  if (request.principal === undefined) throw new MillraceError('unauthenticated', 'no credential');
  return request.principal;
}

export function registerWorkflowRoutes(app: FastifyInstance, deps: WorkflowRouteDependencies): void {
  app.get<{ Params: { poNumber: string } }>(
    '/v1/workflows/p2p/:poNumber',
    {
      config: { auth: true },
      schema: {
        summary: 'A purchase order: each line with its stage, quantities, invoices, postings, open exceptions and deadlines, and the timeline of events',
        security: [{ apiKey: [] }],
        params: { type: 'object', properties: { poNumber: { type: 'string' } }, required: ['poNumber'] },
        response: { 200: { type: 'object', additionalProperties: true }, ...problemResponses(401, 404) },
      },
    },
    async (request) => {
      const view = await deps.p2p.purchaseOrder(request.params.poNumber, principalOf(request));
      if (view === undefined) throw new MillraceError('not_found', `no purchase order ${shownValue(request.params.poNumber)}`);
      return view;
    },
  );

  app.get<{ Querystring: { stage?: P2PStage; supplier?: string; plant?: string; limit: number; after?: string } }>(
    '/v1/workflows/p2p',
    {
      config: { auth: true },
      schema: {
        summary: 'PO lines by stage, supplier and plant (paged)',
        security: [{ apiKey: [] }],
        querystring: {
          type: 'object',
          properties: { stage: { type: 'string', enum: [...P2P_STAGES] }, supplier: { type: 'string' }, plant: { type: 'string' }, ...page },
        },
        response: { 200: { type: 'object', properties: { items: { type: 'array', items: { type: 'object', additionalProperties: true } }, next: { type: 'string' } } }, ...problemResponses(400, 401) },
      },
    },
    async (request) => {
      const { stage, supplier, plant, limit, after } = request.query;
      return deps.p2p.lines(
        { ...(stage === undefined ? {} : { stage }), ...(supplier === undefined ? {} : { supplierId: supplier }), ...(plant === undefined ? {} : { plant }) },
        principalOf(request),
        limit,
        after,
      );
    },
  );

  app.get<{ Querystring: { owner?: string; code?: string; status?: 'open' | 'resolved'; supplier?: string; po?: string; limit: number; after?: string } }>(
    '/v1/exceptions',
    {
      config: { auth: true },
      schema: {
        summary: 'Exceptions by owner team, code and status, newest first (paged)',
        security: [{ apiKey: [] }],
        // `code` is an enumeration: a typo is refused naming the codes, not answered with an empty page (ADR 0047).
        querystring: {
          type: 'object',
          properties: { owner: { type: 'string' }, code: { type: 'string', enum: [...EXCEPTION_CODES] }, status: { type: 'string', enum: ['open', 'resolved'] }, supplier: { type: 'string' }, po: { type: 'string' }, ...page },
        },
        response: { 200: { type: 'object', properties: { items: { type: 'array', items: { type: 'object', additionalProperties: true } }, next: { type: 'string' } } }, ...problemResponses(400, 401) },
      },
    },
    async (request) => {
      const { owner, code, status, supplier, po, limit, after } = request.query;
      return deps.p2p.exceptions(
        {
          ...(owner === undefined ? {} : { owner }),
          ...(code === undefined ? {} : { code }),
          ...(status === undefined ? {} : { status }),
          ...(supplier === undefined ? {} : { supplierId: supplier }),
          ...(po === undefined ? {} : { poNumber: po }),
        },
        principalOf(request),
        limit,
        after,
      );
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v1/exceptions/:id',
    {
      config: { auth: true },
      schema: {
        summary: 'One exception: owner, status, age and the events behind it',
        security: [{ apiKey: [] }],
        params: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] },
        response: { 200: { type: 'object', additionalProperties: true }, ...problemResponses(401, 404) },
      },
    },
    async (request) => {
      const view = await deps.p2p.exception(request.params.id, principalOf(request));
      if (view === undefined) throw new MillraceError('not_found', `no exception ${shownValue(request.params.id)}`);
      return view;
    },
  );

  app.get(
    '/v1/governance/coverage',
    {
      config: { auth: true },
      schema: {
        summary:
          'Governance coverage: each observed flow (source x event type) with its events per contract version, whether it is declared, ' +
          'on a version in force and in enforce mode, its lag breaches; the share of flows and of events under governance (operator keys)',
        security: [{ apiKey: [] }],
        response: { 200: { type: 'object', additionalProperties: true }, ...problemResponses(401, 403) },
      },
    },
    async (request) => deps.governance.coverage(principalOf(request)),
  );

  app.get<{ Querystring: { correlation?: string; source?: string; id?: string } }>(
    '/v1/lineage',
    {
      config: { auth: true },
      schema: {
        summary:
          "A workflow's document chain: every message of a purchase order (by PO number, line key PO/LINE, or one event's source and id) " +
          'with occurred, received and processed times, its governance marks, its raw form (the X12 set or CSV rows it came in, and the file), ' +
          'its deliveries (delivered times), causation links, and the steps still expected (gaps)',
        security: [{ apiKey: [] }],
        querystring: {
          type: 'object',
          properties: { correlation: { type: 'string', minLength: 1 }, source: { type: 'string', minLength: 1 }, id: { type: 'string', minLength: 1 } },
        },
        response: { 200: { type: 'object', additionalProperties: true }, ...problemResponses(400, 401, 404) },
      },
    },
    async (request) => {
      const { correlation, source, id } = request.query;
      // Two ways of naming the workflow may disagree: refused, never one of them dropped (ADR 0039).
      if (correlation !== undefined && (source !== undefined || id !== undefined)) {
        const given = ['correlation', ...(source === undefined ? [] : ['source']), ...(id === undefined ? [] : ['id'])];
        throw new MillraceError('invalid_request', 'give ?correlation=<PO number or PO/LINE> or ?source=<source>&id=<event id>, not both', { parameters: given });
      }
      if (correlation === undefined && (source === undefined || id === undefined)) {
        throw new MillraceError('invalid_request', 'give ?correlation=<PO number or PO/LINE>, or ?source=<source>&id=<event id>');
      }
      const lineage = await deps.p2p.lineage({ ...(correlation === undefined ? {} : { correlation }), ...(source === undefined ? {} : { source }), ...(id === undefined ? {} : { id }) }, principalOf(request));
      if (lineage === undefined) {
        throw new MillraceError('not_found', correlation !== undefined ? `querystring/correlation: no purchase order or PO line ${shownValue(correlation)}` : `no workflow for ${shownValue(source ?? '')} ${shownValue(id ?? '')}`);
      }
      return lineage;
    },
  );

  app.get<{ Params: { messageId: string } }>(
    '/v1/inbound/messages/:messageId',
    {
      config: { auth: true },
      schema: {
        summary:
          'An inbound X12 or CSV file exactly as received (the lineage links each event to its part of it): for operator keys and for the partner or system that sent it',
        security: [{ apiKey: [] }],
        params: { type: 'object', properties: { messageId: { type: 'string' } }, required: ['messageId'] },
        response: { 200: inboundFileResponse, ...problemResponses(401, 404) },
      },
    },
    async (request, reply) => {
      const message = await deps.p2p.inboundMessage(request.params.messageId, principalOf(request));
      if (message === undefined) throw new MillraceError('not_found', `no inbound message ${shownValue(request.params.messageId)}`);
      return reply
        .type(message.mediaType)
        .header('millrace-source', message.source)
        .header('millrace-received-time', message.receivedTime)
        .header('millrace-sha256', message.sha256)
        .send(Buffer.from(message.raw.buffer, message.raw.byteOffset, message.raw.byteLength));
    },
  );

  app.get<{ Querystring: { oldest: number } }>(
    '/v1/stuck',
    {
      config: { auth: true },
      schema: {
        summary:
          'Where open PO lines wait: per stage (in exception, awaiting confirmation, shipment, receipt, invoice, held for receipt, awaiting match or posting) ' +
          'counts by plant, supplier and region, ageing buckets and the oldest lines (operator keys)',
        security: [{ apiKey: [] }],
        querystring: { type: 'object', properties: { oldest: { type: 'integer', minimum: 0, maximum: 100, default: 5 } } },
        response: { 200: { type: 'object', additionalProperties: true }, ...problemResponses(400, 401, 403) },
      },
    },
    async (request) => deps.kpis.stuck(principalOf(request), request.query.oldest),
  );

  app.get<{ Querystring: { from?: string; to?: string; days?: number } }>(
    '/v1/kpis',
    {
      config: { auth: true },
      schema: {
        summary:
          'KPIs over a window of business time (from and to; or from, or to, with a length; default: the last 7 days), overall and by plant and supplier: supplier confirmation latency, ' +
          'shipment timeliness (ASNs before receipt, milestone lag), match rate (first time and final), exceptions by code and owner with open age, ' +
          'recovery time, open GR/IR with its age, governance share, sync lag per source against its maxLag, and the P2P funnel (of the PO lines released in the window, ' +
          'how many were confirmed, shipped, received, invoiced, matched and posted by now, and why the rest stopped) (operator keys)',
        security: [{ apiKey: [] }],
        querystring: {
          type: 'object',
          properties: {
            from: { type: 'string', description: 'RFC 3339, the window start; default: `to` minus the length. A window is at most 366 days long, however given' },
            to: { type: 'string', description: 'RFC 3339, exclusive; default: `from` plus the length when `from` and a length (`days` or `window`) are given, else now' },
            days: { type: 'integer', minimum: 1, maximum: 366, description: 'window length in days (default 7), counted forward from `from`, else back from `to`; with both `from` and `to` it conflicts (400 window_conflict)' },
            window: { type: 'string', description: 'window length as a duration: 7d, 24h, 90m (instead of days, not with it), counted like days' },
          },
        },
        response: { 200: { type: 'object', additionalProperties: true }, ...problemResponses(400, 401, 403) },
      },
    },
    async (request) => deps.kpis.kpis(principalOf(request), request.query),
  );

  app.post<{ Params: { id: string }; Body: { reason: string } }>(
    '/v1/exceptions/:id/resolve',
    {
      config: { auth: true },
      // A field it does not take is refused, not dropped (body-fields.ts).
      preValidation: refuseUnknownFields(['reason']),
      schema: {
        summary: 'Resolve an exception by hand, saying why (operator keys only); recorded in the log as exception.resolved',
        security: [{ apiKey: [] }],
        params: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] },
        body: { type: 'object', properties: { reason: { type: 'string', minLength: 1, maxLength: 2000 } }, required: ['reason'], additionalProperties: false },
        response: { 200: { type: 'object', additionalProperties: true }, ...problemResponses(400, 401, 403, 404, 409, 415) },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      // Object-level scope first: a key that cannot see the exception learns nothing about it.
      if ((await deps.p2p.exception(request.params.id, principal)) === undefined) throw new MillraceError('not_found', `no exception ${shownValue(request.params.id)}`);
      return deps.resolution.resolve(request.params.id, request.body.reason, principal);
    },
  );
}
