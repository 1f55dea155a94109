// U+0000 in a request's query, path parameters or JSON body, refused with 400 before a route
// reaches the store: PostgreSQL takes no NUL in a text parameter ("invalid byte sequence for
// encoding UTF8: 0x00"), so `/v1/exceptions?po=%00` or `/v1/workflows/p2p/%00` answered 500
// there, while SQLite looked the text up and found nothing. No id, key or code the hub stores
// holds one (the envelope refuses control characters in ids), so nothing findable is refused.
import type { preHandlerHookHandler, RouteOptions } from 'fastify';
import { MillraceError } from '../../core/index.js';

/** The parts of a request a route's schema may declare, and where the request keeps them. */
const PARTS = [
  { schema: 'querystring', value: 'query' },
  { schema: 'params', value: 'params' },
  { schema: 'body', value: 'body' },
] as const;

type Part = (typeof PARTS)[number];

/** The JSON pointer of the first string (or member name) in `value` holding U+0000, if any. */
function nulAt(value: unknown, pointer: string): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? pointer : undefined;
  if (value === null || typeof value !== 'object') return undefined;
  for (const [key, item] of Object.entries(value)) {
    const found = key.includes('\u0000') ? `${pointer}/${key}` : nulAt(item, `${pointer}/${key}`);
    if (found !== undefined) return found;
  }
  return undefined;
}

function noNul(parts: readonly Part[]): preHandlerHookHandler {
  return (request, _reply, done) => {
    for (const part of parts) {
      const pointer = nulAt(request[part.value], '');
      // Worded as the validator words its own refusals ("querystring/limit must be <= 500").
      if (pointer !== undefined) {
        done(new MillraceError('invalid_request', `${part.schema}${pointer.replaceAll('\u0000', '\\u0000')} must not contain U+0000 (NUL)`));
        return;
      }
    }
    done();
  };
}

/** Adds the check to a route being declared (an `onRoute` hook) whose schema declares a query, path parameters or a body. */
export function refuseNulCharacters(route: RouteOptions): void {
  // A route with a validator of its own (the intake: the contract registry checks every string of its events) is left to it.
  if (route.validatorCompiler !== undefined) return;
  const schema = route.schema as Partial<Record<Part['schema'], unknown>> | undefined;
  const parts = PARTS.filter((part) => schema?.[part.schema] !== undefined);
  if (parts.length === 0) return;
  const own = route.preHandler === undefined ? [] : Array.isArray(route.preHandler) ? route.preHandler : [route.preHandler];
  route.preHandler = [noNul(parts), ...own];
}
