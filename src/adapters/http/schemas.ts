// Response schemas shared by the routes, for the OpenAPI document.
import { PROBLEM_MEDIA_TYPE, PROBLEM_SCHEMA } from './problem.js';

export const problemResponse = {
  description: 'RFC 9457 problem details',
  content: { [PROBLEM_MEDIA_TYPE]: { schema: PROBLEM_SCHEMA } },
} as const;

/** `{ 401: problem, 404: problem, ... }` for the given statuses. */
export function problemResponses(...statuses: number[]): Record<number, typeof problemResponse> {
  return Object.fromEntries(statuses.map((status) => [status, problemResponse]));
}
