// Checks of a request's values that Fastify's validator does not make, added to every route
// whose schema declares the parts they read (an `onRoute` hook) and run after validation: a rule
// names the first value it refuses by its JSON pointer, and the request gets a 400 worded as the
// validator words its own refusals ("querystring/limit must be <= 500"). The rules are in
// finite-numbers.ts and nul-characters.ts.
import type { preHandlerHookHandler, RouteOptions } from 'fastify';
import { MillraceError } from '../../core/index.js';

/** The parts of a request a route's schema may declare (and Fastify validates), and where the request keeps them. */
const PARTS = [
  { schema: 'querystring', value: 'query' },
  { schema: 'params', value: 'params' },
  { schema: 'body', value: 'body' },
] as const;

type Part = (typeof PARTS)[number];

export interface RequestValueRule {
  /** Whether a route whose schema declares this part (its schema given) needs the rule. */
  readonly appliesTo: (partSchema: unknown) => boolean;
  /** Whether a value is refused; member names are offered too, as strings, when `names` is set. */
  readonly refuses: (value: unknown) => boolean;
  readonly names?: boolean;
  /** What is wrong with the value at `where` (the part and its pointer). */
  readonly detail: (where: string) => string;
}

/** The JSON pointer of the first value (or member name) in `value` that the rule refuses, if any. */
function firstRefused(rule: RequestValueRule, value: unknown, pointer: string): string | undefined {
  if (rule.refuses(value)) return pointer;
  if (value === null || typeof value !== 'object') return undefined;
  for (const [key, item] of Object.entries(value)) {
    const at = `${pointer}/${key}`;
    if (rule.names === true && rule.refuses(key)) return at;
    const found = firstRefused(rule, item, at);
    if (found !== undefined) return found;
  }
  return undefined;
}

function check(rule: RequestValueRule, parts: readonly Part[]): preHandlerHookHandler {
  return (request, _reply, done) => {
    for (const part of parts) {
      const pointer = firstRefused(rule, request[part.value], '');
      if (pointer !== undefined) {
        done(new MillraceError('invalid_request', rule.detail(`${part.schema}${pointer}`)));
        return;
      }
    }
    done();
  };
}

/** The `onRoute` hook that adds the rule's check before a route's own pre-handlers. */
export function refuseOnRoute(rule: RequestValueRule): (route: RouteOptions) => void {
  return (route) => {
    // A route with a validator of its own (the intake: the contract registry checks its events) is left to it.
    if (route.validatorCompiler !== undefined) return;
    const schema = route.schema as Partial<Record<Part['schema'], unknown>> | undefined;
    const parts = PARTS.filter((part) => schema?.[part.schema] !== undefined && rule.appliesTo(schema[part.schema]));
    if (parts.length === 0) return;
    const own = route.preHandler === undefined ? [] : Array.isArray(route.preHandler) ? route.preHandler : [route.preHandler];
    route.preHandler = [check(rule, parts), ...own];
  };
}
