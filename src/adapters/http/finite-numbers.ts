// Numbers that are not finite, refused where Fastify's validator lets them through. Fastify's ajv
// coerces query strings, path parameters and string values of a body to the types the route
// declares, and its coercion turns "Infinity", "-Infinity" and "1e999" into a number that then
// passes `integer`, `minimum` and `maximum` (ajv-validator/ajv#2212 and fastify/fastify#6718 were
// closed without a fix; ajv's pull requests #2626 and #2661 were open on 2026-11-29):
// `?limit=Infinity` reached SQLite's LIMIT and answered 500. A route
// whose schema declares a number gets a check after validation that answers 400 instead.
import { refuseOnRoute } from './request-value-rules.js';

/** Whether a schema declares a number or an integer anywhere in it. */
function declaresNumbers(schema: unknown): boolean {
  if (Array.isArray(schema)) return schema.some(declaresNumbers);
  if (schema === null || typeof schema !== 'object') return false;
  const { type } = schema as { type?: unknown };
  if (type === 'number' || type === 'integer' || (Array.isArray(type) && (type.includes('number') || type.includes('integer')))) return true;
  return Object.values(schema).some(declaresNumbers);
}

/** The `onRoute` hook for routes whose schema declares numbers in their query, path or body. */
export const refuseNonFiniteNumbers = refuseOnRoute({
  appliesTo: declaresNumbers,
  refuses: (value) => typeof value === 'number' && !Number.isFinite(value),
  detail: (where) => `${where} must be a finite number`,
});
