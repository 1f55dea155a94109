// Routes the operations dashboard reads besides the workflow routes: who the key is, the KPIs
// day by day for trend charts, and integration health. Translation only.
import type { FastifyInstance } from 'fastify';
import type { IntegrationHealthQueries, KpiQueries } from '../../app/index.js';
import { problemResponses } from './schemas.js';
import { principalOf } from './workflow-routes.js';

export interface VisibilityRouteDependencies {
  readonly kpis: KpiQueries;
  readonly health: IntegrationHealthQueries;
}

export function registerVisibilityRoutes(app: FastifyInstance, deps: VisibilityRouteDependencies): void {
  app.get(
    '/v1/me',
    {
      config: { auth: true },
      schema: {
        summary: 'Who this key belongs to: kind (system, partner, operator), id and, for operators, role (viewer or operator)',
        security: [{ apiKey: [] }],
        response: {
          200: {
            type: 'object',
            required: ['kind', 'id'],
            properties: { kind: { type: 'string', enum: ['system', 'partner', 'operator'] }, id: { type: 'string' }, role: { type: 'string', enum: ['viewer', 'operator'] } },
          },
          ...problemResponses(401),
        },
      },
    },
    (request) => {
      const { kind, id, role } = principalOf(request);
      return { kind, id, ...(role === undefined ? {} : { role }) };
    },
  );

  app.get<{ Querystring: { days: number } }>(
    '/v1/kpis/series',
    {
      config: { auth: true },
      schema: {
        summary:
          'KPIs day by day (UTC days, today last) for trend charts: confirmations and their median latency, first-time and final match rate, ' +
          'ASNs before receipt, exceptions raised, resolved and open at the end of each day (operator keys)',
        security: [{ apiKey: [] }],
        querystring: { type: 'object', properties: { days: { type: 'integer', minimum: 1, maximum: 90, default: 14 } } },
        response: { 200: { type: 'object', additionalProperties: true }, ...problemResponses(400, 401, 403) },
      },
    },
    async (request) => deps.kpis.series(principalOf(request), request.query.days),
  );

  app.get<{ Querystring: { hours: number } }>(
    '/v1/integrations/health',
    {
      config: { auth: true },
      schema: {
        summary:
          'Integration health per source system or partner and channel (events API, X12, CSV): last event, events per hour and lag percentiles over the window ' +
          'against the declared maximum lag, refusals and quarantine; per subscriber: backlog, blocked deliveries and dead letters (operator keys)',
        security: [{ apiKey: [] }],
        querystring: { type: 'object', properties: { hours: { type: 'integer', minimum: 1, maximum: 720, default: 24, description: 'The window, back from now.' } } },
        response: { 200: { type: 'object', additionalProperties: true }, ...problemResponses(400, 401, 403) },
      },
    },
    async (request) => deps.health.health(principalOf(request), request.query.hours),
  );
}
