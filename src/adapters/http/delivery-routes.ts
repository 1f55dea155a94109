// Routes over outbound deliveries: the listing, a retry of one delivery or of a subscription's
// dead letters at once, and replays.
// Translation only; DeliveryOperations holds the rules (operator keys, what may be retried).
import type { FastifyInstance } from 'fastify';
import type { BulkRetryRequest, DeliveryOperations, ReplayRequest } from '../../app/index.js';
import type { DeliveryStatus, Principal } from '../../core/index.js';
import { DELIVERY_STATUSES, MillraceError } from '../../core/index.js';
import { refuseUnknownFields } from './body-fields.js';
import { problemResponses } from './schemas.js';

function principalOf(request: { principal?: Principal }): Principal {
  if (request.principal === undefined) throw new MillraceError('unauthenticated', 'no credential');
  return request.principal;
}

const deliverySchema = { type: 'object', additionalProperties: true } as const;

export function registerDeliveryRoutes(app: FastifyInstance, deliveries: DeliveryOperations): void {
  app.get<{ Querystring: { status?: DeliveryStatus; subscription?: string; limit: number; after?: string } }>(
    '/v1/deliveries',
    {
      config: { auth: true },
      schema: {
        summary: 'Outbound deliveries by status and subscription, newest event first (paged; operator keys)',
        security: [{ apiKey: [] }],
        querystring: {
          type: 'object',
          properties: {
            status: { type: 'string', enum: [...DELIVERY_STATUSES] },
            subscription: { type: 'string' },
            limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
            after: { type: 'string', minLength: 1, description: 'The `next` value of the previous page.' },
          },
        },
        response: { 200: { type: 'object', properties: { items: { type: 'array', items: deliverySchema }, next: { type: 'string' } } }, ...problemResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const { status, subscription, limit, after } = request.query;
      return deliveries.list({ ...(status === undefined ? {} : { status }), ...(subscription === undefined ? {} : { subscription }) }, principalOf(request), limit, after);
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v1/deliveries/:id',
    {
      config: { auth: true },
      schema: {
        summary: 'One delivery: its status, attempts, next attempt and last error (operator keys)',
        security: [{ apiKey: [] }],
        params: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] },
        response: { 200: deliverySchema, ...problemResponses(401, 403, 404) },
      },
    },
    async (request) => deliveries.get(request.params.id, principalOf(request)),
  );

  app.post<{ Params: { id: string } }>(
    '/v1/deliveries/:id/retry',
    {
      config: { auth: true, optionalBody: true },
      // It takes no body fields: one sent (`{"force": true}`) is refused rather than ignored (body-fields.ts, ADR 0070).
      preValidation: refuseUnknownFields([], { optionalBody: true }),
      schema: {
        summary: 'Send a dead (or waiting) delivery again now, with a fresh budget of attempts; its blocked followers follow (operator role)',
        security: [{ apiKey: [] }],
        params: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] },
        body: { type: 'object', additionalProperties: false, properties: {}, description: 'None: send no body, or {}.' },
        response: { 200: deliverySchema, ...problemResponses(400, 401, 403, 404, 409, 415) },
      },
    },
    async (request) => deliveries.retry(request.params.id, principalOf(request)),
  );

  // Under the subscription, not /v1/deliveries/retry: GET /v1/deliveries/:id would take that
  // path for a delivery called "retry", and a GET on it could not answer 405 (ADR 0036, 0052).
  app.post<{ Params: { subscription: string }; Body: Omit<BulkRetryRequest, 'subscription'> | undefined }>(
    '/v1/subscriptions/:subscription/retry',
    {
      config: { auth: true, optionalBody: true },
      preValidation: refuseUnknownFields(['status', 'from', 'to', 'dryRun'], { optionalBody: true }),
      schema: {
        summary:
          "Send again now every dead (or retrying, or waiting) delivery of one subscription, optionally only those queued in a range of time, each key's blocked followers behind its head as after a single retry; the same request again requeues nothing more (operator role)",
        security: [{ apiKey: [] }],
        params: { type: 'object', properties: { subscription: { type: 'string' } }, required: ['subscription'] },
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            status: { type: 'string', enum: ['dead', 'retrying', 'waiting'], default: 'dead', description: 'The status of the deliveries to send again.' },
            from: { type: 'string', minLength: 1, description: 'Only deliveries queued (createdAt) at or after this instant (RFC 3339).' },
            to: { type: 'string', minLength: 1, description: 'Only deliveries queued before this instant (RFC 3339, exclusive).' },
            dryRun: { type: 'boolean', default: false, description: 'Say which deliveries would be sent again, and change nothing.' },
          },
        },
        response: {
          200: {
            type: 'object',
            required: ['subscription', 'status', 'dryRun', 'count', 'deliveries'],
            properties: {
              subscription: { type: 'string' },
              status: { type: 'string' },
              from: { type: 'string' },
              to: { type: 'string' },
              dryRun: { type: 'boolean' },
              count: { type: 'integer', description: 'How many deliveries were requeued (in a dry run: would be).' },
              deliveries: { type: 'array', items: deliverySchema },
            },
          },
          ...problemResponses(400, 401, 403, 415, 422),
        },
      },
    },
    async (request) => deliveries.retryMany({ ...request.body, subscription: request.params.subscription }, principalOf(request)),
  );

  app.post<{ Body: ReplayRequest }>(
    '/v1/replay',
    {
      config: { auth: true },
      preValidation: refuseUnknownFields(['subscription', 'fromSequence', 'toSequence', 'correlationId', 'dryRun']),
      schema: {
        summary: 'Re-deliver a range of the log, or one correlation id, to one subscription (new delivery ids); dryRun says what would be sent (operator role)',
        security: [{ apiKey: [] }],
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['subscription'],
          properties: {
            subscription: { type: 'string', minLength: 1 },
            // Sequences are exact integers: a larger number reached the store as it came (PostgreSQL's bigint refused 1e20 with a 500).
            fromSequence: { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER },
            toSequence: { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER },
            correlationId: { type: 'string', minLength: 1 },
            dryRun: { type: 'boolean', default: false },
          },
        },
        response: { 200: { type: 'object', additionalProperties: true }, 202: { type: 'object', additionalProperties: true }, ...problemResponses(400, 401, 403, 415, 422) },
      },
    },
    async (request, reply) => {
      const answer = await deliveries.replay(request.body, principalOf(request));
      return reply.code(answer.dryRun ? 200 : 202).send(answer);
    },
  );
}
