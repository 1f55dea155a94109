// What the router's "not found" means: a path the hub does not serve (404), or one it serves
// with other methods (405 with `Allow`, RFC 9110 15.5.6). Fastify sends both to its not-found
// handler; without this, `DELETE /v1/kpis` answered 404 as if there were no KPIs. docs/adr/0036.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Problem } from './problem.js';
import { SHOWN_URL_CHARACTERS, shownValue } from '../../core/index.js';
import { problem, sendProblem } from './problem.js';

/** The methods a route may be declared with; HEAD comes with every GET route (Fastify's exposeHeadRoutes). */
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

/** The methods some route of `app` takes at this request URL (its query is ignored), in a fixed order. */
export function methodsAt(app: FastifyInstance, url: string): string[] {
  return METHODS.filter((method) => app.findRoute({ method, url }) !== null);
}

/**
 * The not-found handler. Answered before authentication, as an unknown path is: which methods
 * a path takes is public (/openapi.json), and a key is no use until the method is right.
 */
export function notFoundOrNotAllowed(app: FastifyInstance): (request: FastifyRequest, reply: FastifyReply) => FastifyReply {
  return (request, reply) => {
    const path = request.url.split('?')[0] ?? request.url;
    const allow = methodsAt(app, request.url);
    // A route of this very method that sent the caller here (an unknown dashboard file) is a 404.
    let answer: Problem;
    if (allow.length === 0 || allow.includes(request.method)) {
      answer = problem('not_found', `no route ${request.method} ${shownValue(request.url, SHOWN_URL_CHARACTERS)}`, {}, request.url);
    } else {
      reply.header('allow', allow.join(', '));
      answer = problem('method_not_allowed', `${request.method} ${shownValue(path, SHOWN_URL_CHARACTERS)} is not served: the path takes ${allow.join(', ')}`, { allow }, request.url);
    }
    return sendProblem(reply, answer);
  };
}
