// Query parameters a route does not declare, and parameters given more than once, refused with
// 400 before validation. The trap: Fastify's validator drops what a querystring schema does not
// declare (removeAdditional), so a filter with a typo (`/v1/exceptions?state=open` for
// `status`, `/v1/workflows/p2p?supplierId=` for `supplier`, `/v1/kpis?day=3`) answered every
// item, or the default window, as if the filter held; and a repeated one was called the wrong
// type ("querystring/days must be integer"). docs/adr/0034-unknown-query-parameters.md.
// An integer parameter must be written in decimal digits: the validator coerces with Number(),
// so `limit=1e2`, `0x10`, ` 5` or `5.0` were read as 100, 16, 5 and 5 (docs/adr/0041).
import type { preValidationHookHandler, RouteOptions } from 'fastify';
import { MillraceError, shownValue } from '../../core/index.js';
import { documentProblemResponse } from './schemas.js';

interface ParameterSchema {
  readonly type?: unknown;
  readonly minimum?: number;
  readonly maximum?: number;
}

interface QuerySchema {
  readonly properties?: Readonly<Record<string, ParameterSchema>>;
}

/** Decimal digits, with a minus sign for a value the validator then calls too small. */
const DECIMAL_INTEGER = /^-?[0-9]+$/;

/** Why an integer parameter's text is refused before validation, if it is. */
function integerRefusal(name: string, schema: ParameterSchema, value: string): string | undefined {
  if (DECIMAL_INTEGER.test(value)) {
    // Digits past 2^53 coerce to a number that is not the one written (or to Infinity, which the
    // validator lets through): refused in the validator's words for what they are, out of range.
    if (Number.isSafeInteger(Number(value))) return undefined;
    const bound = value.startsWith('-') ? schema.minimum : schema.maximum;
    if (bound !== undefined) return `querystring/${name} must be ${value.startsWith('-') ? '>=' : '<='} ${bound}`;
  }
  const range = schema.minimum !== undefined && schema.maximum !== undefined ? `, ${schema.minimum} to ${schema.maximum}` : '';
  return `querystring/${name} must be a whole number in decimal digits${range}, not "${shownValue(value)}"`;
}

function refuse(method: string, url: string, schema: QuerySchema | undefined): preValidationHookHandler {
  const properties = schema?.properties ?? {};
  const taken = Object.keys(properties);
  const listed = taken.length === 0 ? 'none' : taken.join(', ');
  return (request, _reply, done) => {
    const query = request.query as Record<string, unknown> | undefined;
    for (const [name, value] of Object.entries(query ?? {})) {
      const declared = Object.hasOwn(properties, name) ? properties[name] : undefined;
      if (declared === undefined) {
        done(new MillraceError('invalid_request', `querystring/${shownValue(name)} is not a parameter of ${method} ${url}; it takes ${listed}`));
        return;
      }
      if (Array.isArray(value) && declared.type !== 'array') {
        done(new MillraceError('invalid_request', `querystring/${name} is given ${value.length} times; give it once`));
        return;
      }
      const refusal = declared.type === 'integer' && typeof value === 'string' ? integerRefusal(name, declared, value) : undefined;
      if (refusal !== undefined) {
        done(new MillraceError('invalid_request', refusal));
        return;
      }
    }
    done();
  };
}

/** The `onRoute` hook that adds the check to every `/v1/` route but those with a validator of their own (the intake). */
export function refuseUnknownQueryParameters(route: RouteOptions): void {
  if (!route.url.startsWith('/v1/') || route.validatorCompiler !== undefined) return;
  const method = Array.isArray(route.method) ? route.method.join(',') : route.method;
  const check = refuse(method, route.url, (route.schema as { querystring?: QuerySchema } | undefined)?.querystring);
  const own = route.preValidation === undefined ? [] : Array.isArray(route.preValidation) ? route.preValidation : [route.preValidation];
  route.preValidation = [check, ...own];
  documentProblemResponse(route, 400);
}
