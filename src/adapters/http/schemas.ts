// Response schemas shared by the routes, for the OpenAPI document.
import type { RouteOptions } from 'fastify';
import { PROBLEM_MEDIA_TYPE, PROBLEM_SCHEMA } from './problem.js';

export const problemResponse = {
  description: 'RFC 9457 problem details',
  content: { [PROBLEM_MEDIA_TYPE]: { schema: PROBLEM_SCHEMA } },
} as const;

/** `{ 401: problem, 404: problem, ... }` for the given statuses. */
export function problemResponses(...statuses: number[]): Record<number, typeof problemResponse> {
  return Object.fromEntries(statuses.map((status) => [status, problemResponse]));
}

/**
 * For an `onRoute` hook that makes a route answer `status` whatever the route declared: adds
 * the problem response to its OpenAPI responses (the document holds the route object and reads
 * it when asked). A new schema object: routes share theirs.
 */
export function documentProblemResponse(route: RouteOptions, status: number): void {
  const schema = route.schema as { response?: Record<string, unknown> } | undefined;
  if (schema === undefined || schema.response?.[String(status)] !== undefined) return;
  route.schema = { ...schema, response: { ...schema.response, [status]: problemResponse } };
}
