// A path parameter that is empty or white space only, refused with 400 naming it before the route
// looks it up: `GET /v1/exceptions/` (an id left out, or a template variable left unset) matched
// `/v1/exceptions/:id` with an empty id and answered 404 "no exception " with nothing after it, as
// if an exception called "" had been looked for. No id the hub keeps is empty or blank, so nothing
// findable is refused; like an empty query filter (ADR 0041), it is the request that is wrong,
// not a resource that is missing (docs/adr/0047).
import type { preValidationHookHandler, RouteOptions } from 'fastify';
import { MillraceError } from '../../core/index.js';

/** `/v1/exceptions` for `GET /v1/exceptions/:id`: where a listing of the same things would be, if the parameter ends the path. */
function listingOf(url: string, name: string): string | undefined {
  const tail = `/:${name}`;
  return url.endsWith(tail) ? url.slice(0, -tail.length) : undefined;
}

function refuse(method: string, url: string, names: readonly string[]): preValidationHookHandler {
  return (request, _reply, done) => {
    const params = request.params as Record<string, unknown> | undefined;
    for (const name of names) {
      const value = params?.[name];
      if (typeof value !== 'string' || value.trim() !== '') continue;
      const what = value === '' ? 'is empty' : 'is blank (white space only)';
      const article = /^[aeiou]/i.test(name) ? 'an' : 'a';
      const listing = method === 'GET' ? listingOf(url, name) : undefined;
      const instead = listing !== undefined && request.server.findRoute({ method: 'GET', url: listing }) !== null ? `; to list them, GET ${listing}` : '';
      done(new MillraceError('invalid_request', `params/${name} ${what}: ${method} ${url} needs ${article} ${name} in the path${instead}`));
      return;
    }
    done();
  };
}

/** The `onRoute` hook that adds the check to every `/v1/` route whose path has parameters. */
export function refuseEmptyPathParameters(route: RouteOptions): void {
  if (!route.url.startsWith('/v1/')) return;
  const names = [...route.url.matchAll(/:([A-Za-z0-9_]+)/g)].map((match) => match[1] ?? '');
  if (names.length === 0) return;
  const method = Array.isArray(route.method) ? route.method.join(',') : route.method;
  const own = route.preValidation === undefined ? [] : Array.isArray(route.preValidation) ? route.preValidation : [route.preValidation];
  route.preValidation = [refuse(method, route.url, names), ...own];
}
