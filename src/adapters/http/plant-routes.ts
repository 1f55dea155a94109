// Routes over the plant workflows: a plant's inventory, a production order, a transfer.
// Translation only; PlantQueries holds who may see what.
import type { FastifyInstance } from 'fastify';
import type { PlantQueries } from '../../app/index.js';
import type { Principal } from '../../core/index.js';
import { MillraceError, shownValue } from '../../core/index.js';
import { problemResponses } from './schemas.js';

function principalOf(request: { principal?: Principal }): Principal {
  if (request.principal === undefined) throw new MillraceError('unauthenticated', 'no credential');
  return request.principal;
}

const view = { 200: { type: 'object', additionalProperties: true }, ...problemResponses(401, 404) } as const;

export function registerPlantRoutes(app: FastifyInstance, plant: PlantQueries): void {
  app.get<{ Params: { plant: string } }>(
    '/v1/inventory/:plant',
    {
      config: { auth: true },
      schema: {
        summary:
          "A plant's inventory as the hub keeps it: the position per item (sum of movements), the latest snapshot compared with it, " +
          'inventory accuracy, transfers in transit to and from the plant, and open exceptions',
        security: [{ apiKey: [] }],
        params: { type: 'object', properties: { plant: { type: 'string' } }, required: ['plant'] },
        response: view,
      },
    },
    async (request) => {
      const answer = await plant.inventory(request.params.plant, principalOf(request));
      if (answer === undefined) throw new MillraceError('not_found', `no inventory for plant ${shownValue(request.params.plant)}`);
      return answer;
    },
  );

  app.get<{ Params: { order: string } }>(
    '/v1/workflows/production/:order',
    {
      config: { auth: true },
      schema: {
        summary: 'A production order: stage, ordered, completed, scrapped and received quantities, components issued against the bill of material, postings, open deadlines and exceptions, and the timeline',
        security: [{ apiKey: [] }],
        params: { type: 'object', properties: { order: { type: 'string' } }, required: ['order'] },
        response: view,
      },
    },
    async (request) => {
      const answer = await plant.productionOrder(request.params.order, principalOf(request));
      if (answer === undefined) throw new MillraceError('not_found', `no production order ${shownValue(request.params.order)}`);
      return answer;
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v1/workflows/transfer/:id',
    {
      config: { auth: true },
      schema: {
        summary: 'A plant-to-plant transfer: shipped, received and in transit per item, its legs, open deadlines and exceptions, and the timeline',
        security: [{ apiKey: [] }],
        params: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] },
        response: view,
      },
    },
    async (request) => {
      const answer = await plant.transfer(request.params.id, principalOf(request));
      if (answer === undefined) throw new MillraceError('not_found', `no transfer ${shownValue(request.params.id)}`);
      return answer;
    },
  );
}
