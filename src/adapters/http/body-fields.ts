// Body fields a route does not take, refused with 400 before validation. The trap: Fastify's
// validator drops what a body schema does not declare (removeAdditional), even with
// additionalProperties false, so a misspelt or invented field changed nothing and the request
// did something else: `{"subscription": "erp", "fromSequence": 1, "dryrun": true}` replayed for
// real (ADR 0052), `{"reason": "...", "assignee": "ap"}` resolved an exception, and
// `{"reason": "...", "notify": "wms-team"}` discarded a quarantined file, without a word (ADR 0065).
import type { preValidationHookHandler } from 'fastify';
import { MillraceError, shownValue } from '../../core/index.js';

/**
 * The route's hook that refuses a JSON body's fields outside `fields` (none: the route takes no
 * body fields). With `optionalBody`, a request sent with no body at all (curl -X POST URL) is
 * taken as `{}`, every default.
 */
export function refuseUnknownFields(fields: readonly string[], options: { readonly optionalBody?: boolean } = {}): preValidationHookHandler {
  const takes = fields.length === 0 ? 'it takes no fields (send no body, or {})' : `it takes ${fields.join(', ')}`;
  return (request, _reply, done) => {
    if (options.optionalBody === true && request.body === undefined) request.body = {};
    const body = request.body;
    const unknown = body !== null && typeof body === 'object' && !Array.isArray(body) && !(body instanceof Uint8Array) ? Object.keys(body).filter((field) => !fields.includes(field)) : [];
    if (unknown.length === 0) return done();
    done(new MillraceError('invalid_request', `body/${shownValue(unknown[0] ?? '')} is not a field of ${request.method} ${request.routeOptions.url ?? ''}: ${takes}`, { parameters: unknown, accepted: fields }));
  };
}
