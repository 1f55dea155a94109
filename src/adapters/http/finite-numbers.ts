// Numbers that are not finite, refused where Fastify's validator lets them through. Fastify's ajv
// coerces query strings, path parameters and string values of a body to the types the route
// declares, and its coercion turns "Infinity", "-Infinity" and "1e999" into a number that then
// passes `integer`, `minimum` and `maximum` (ajv-validator/ajv#2212 and fastify/fastify#6718 were
// closed without a fix; ajv's pull requests #2626 and #2661 were open on 2026-11-29):
// `?limit=Infinity` reached SQLite's LIMIT and answered 500. A route
// whose schema declares a number gets a check after validation that answers 400 instead.
import type { preHandlerHookHandler, RouteOptions } from 'fastify';
import { MillraceError } from '../../core/index.js';

/** The parts of a request Fastify validates (and coerces), and where the request keeps them. */
const PARTS = [
  { schema: 'querystring', value: 'query' },
  { schema: 'params', value: 'params' },
  { schema: 'body', value: 'body' },
] as const;

type Part = (typeof PARTS)[number];

/** Whether a schema declares a number or an integer anywhere in it. */
function declaresNumbers(schema: unknown): boolean {
  if (Array.isArray(schema)) return schema.some(declaresNumbers);
  if (schema === null || typeof schema !== 'object') return false;
  const { type } = schema as { type?: unknown };
  if (type === 'number' || type === 'integer' || (Array.isArray(type) && (type.includes('number') || type.includes('integer')))) return true;
  return Object.values(schema).some(declaresNumbers);
}

/** The JSON pointer of the first number in `value` that is not finite, if any. */
function nonFinite(value: unknown, pointer: string): string | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : pointer;
  if (value === null || typeof value !== 'object') return undefined;
  for (const [key, item] of Object.entries(value)) {
    const found = nonFinite(item, `${pointer}/${key}`);
    if (found !== undefined) return found;
  }
  return undefined;
}

function finiteNumbers(parts: readonly Part[]): preHandlerHookHandler {
  return (request, _reply, done) => {
    for (const part of parts) {
      const pointer = nonFinite(request[part.value], '');
      // Worded as the validator words its own refusals ("querystring/limit must be <= 500").
      if (pointer !== undefined) {
        done(new MillraceError('invalid_request', `${part.schema}${pointer} must be a finite number`));
        return;
      }
    }
    done();
  };
}

/** Adds the check to a route being declared (an `onRoute` hook) whose schema declares numbers in its query, path or body. */
export function refuseNonFiniteNumbers(route: RouteOptions): void {
  // A route with a validator of its own (the intake: the contract registry checks its events, no coercion) is not Fastify's to coerce.
  if (route.validatorCompiler !== undefined) return;
  const schema = route.schema as Partial<Record<Part['schema'], unknown>> | undefined;
  const parts = PARTS.filter((part) => declaresNumbers(schema?.[part.schema]));
  if (parts.length === 0) return;
  const own = route.preHandler === undefined ? [] : Array.isArray(route.preHandler) ? route.preHandler : [route.preHandler];
  route.preHandler = [finiteNumbers(parts), ...own];
}
