// Routes over outbound deliveries: the listing, a retry of one delivery, and replays.
// Translation only; DeliveryOperations holds the rules (operator keys, what may be retried).
import type { FastifyInstance } from 'fastify';
import type { DeliveryOperations, ReplayRequest } from '../../app/index.js';
import type { DeliveryStatus, Principal } from '../../core/index.js';
import { DELIVERY_STATUSES, MillraceError } from '../../core/index.js';
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
      config: { auth: true },
      schema: {
        summary: 'Send a dead (or waiting) delivery again now, with a fresh budget of attempts; its blocked followers follow (operator role)',
        security: [{ apiKey: [] }],
        params: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] },
        response: { 200: deliverySchema, ...problemResponses(401, 403, 404, 409) },
      },
    },
    async (request) => deliveries.retry(request.params.id, principalOf(request)),
  );

  app.post<{ Body: ReplayRequest }>(
    '/v1/replay',
    {
      config: { auth: true },
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
