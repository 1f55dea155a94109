// The trace context of a request (its server span, registered by http-server.ts when tracing
// is on), for the intake routes to store with the events they take in.
import type { FastifyRequest } from 'fastify';
import type { TraceContext } from '../../ports/index.js';

/** The intake span's context of a request; undefined when tracing is off. */
export function traceOf(request: FastifyRequest): TraceContext | undefined {
  return request.span?.context;
}
