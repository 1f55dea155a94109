// Query parameters a route does not declare, and parameters given more than once, refused with
// 400 before validation. The trap: Fastify's validator drops what a querystring schema does not
// declare (removeAdditional), so a filter with a typo (`/v1/exceptions?state=open` for
// `status`, `/v1/workflows/p2p?supplierId=` for `supplier`, `/v1/kpis?day=3`) answered every
// item, or the default window, as if the filter held; and a repeated one was called the wrong
// type ("querystring/days must be integer"). docs/adr/0034-unknown-query-parameters.md.
// An integer parameter must be written in decimal digits: the validator coerces with Number(),
// so `limit=1e2`, `0x10`, ` 5` or `5.0` were read as 100, 16, 5 and 5 (docs/adr/0041).
// An empty or blank value is refused, not filtered on: `?supplier=` (an unset template variable)
// answered an empty page. A value outside an enumeration is refused naming the values it may
// be: the validator said only "must be equal to one of the allowed values" (docs/adr/0041).
import type { preValidationHookHandler, RouteOptions } from 'fastify';
import { MillraceError, shownValue } from '../../core/index.js';
import { documentProblemResponse } from './schemas.js';

interface ParameterSchema {
  readonly type?: unknown;
  readonly enum?: readonly (string | number)[];
  readonly minimum?: number;
  readonly maximum?: number;
  readonly default?: string | number | boolean;
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

/**
 * Why a value that is empty or white space only is refused, if it is, and what to do instead:
 * leave the parameter out (a listing's filter then lists all; a parameter with a default takes it).
 */
function blankRefusal(name: string, schema: ParameterSchema, value: string, listing: boolean): string | undefined {
  if (value.trim() !== '') return undefined;
  const what = value === '' ? 'is empty' : 'is blank (white space only)';
  const instead =
    name === 'after' && listing
      ? 'leave it out for the first page, or give the `next` of the page before'
      : schema.default !== undefined
        ? `leave it out for its default, ${String(schema.default)}, or give a value`
        : listing
          ? 'leave it out to list all, or give a value'
          : 'leave it out, or give a value';
  return `querystring/${name} ${what}; ${instead}`;
}

/** Why a value outside an enumerated parameter's values is refused, if it is. */
function enumRefusal(name: string, schema: ParameterSchema, value: string): string | undefined {
  const allowed = schema.enum;
  if (allowed === undefined || allowed.some((one) => String(one) === value)) return undefined;
  return `querystring/${name} must be one of ${allowed.map(String).join(', ')}, not "${shownValue(value)}"`;
}

/** What a route is, for the refusals of its parameters' values. */
interface RouteKind {
  /** A read (GET): its parameters say what to read, and an empty one is refused. */
  readonly read: boolean;
  /** A paged listing: its filters narrow it, and leaving one out lists all. */
  readonly listing: boolean;
}

/** Why a parameter's value, as sent, is refused before validation, if it is. */
function valueRefusal(name: string, schema: ParameterSchema, value: string, kind: RouteKind): string | undefined {
  // Only a read's: an intake's parameters (a CSV file's `filename`) are the caller's data (ADR 0041).
  const blank = kind.read ? blankRefusal(name, schema, value, kind.listing) : undefined;
  return blank ?? (schema.type === 'integer' ? integerRefusal(name, schema, value) : enumRefusal(name, schema, value));
}

function refuse(method: string, url: string, schema: QuerySchema | undefined): preValidationHookHandler {
  const properties = schema?.properties ?? {};
  const taken = Object.keys(properties);
  const listed = taken.length === 0 ? 'none' : taken.join(', ');
  const kind: RouteKind = { read: method.split(',').some((one) => one === 'GET' || one === 'HEAD'), listing: Object.hasOwn(properties, 'after') };
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
      const refusal = typeof value === 'string' ? valueRefusal(name, declared, value, kind) : undefined;
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
