// A trace context as W3C Trace Context lets a vendor pass it on: what a channel sends a receiver
// (webhook headers, NATS headers) when the hub does not trace itself and forwards the context a
// sender stamped on its event. The envelope takes any string as `tracestate`: passed on as it
// came, a line break made every attempt fail and 40,000 characters drew a 431 (ADR 0058).
import { defaultTextMapGetter, defaultTextMapSetter, ROOT_CONTEXT } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import type { TraceContext } from '../../ports/index.js';

const propagator = new W3CTraceContextPropagator();

/**
 * The context read and written again by the W3C propagator: undefined for a traceparent the
 * recommendation calls invalid (version ff, an all-zero trace or parent id, not hex), which a
 * vendor must not pass on; of the tracestate, the valid list members only, at most 32 of them and
 * 512 characters, left out when none is.
 */
export function passableTraceContext(trace: TraceContext | undefined): TraceContext | undefined {
  if (trace === undefined) return undefined;
  const carrier: Record<string, string> = {};
  propagator.inject(propagator.extract(ROOT_CONTEXT, trace, defaultTextMapGetter), carrier, defaultTextMapSetter);
  const { traceparent, tracestate } = carrier;
  if (traceparent === undefined) return undefined;
  return tracestate === undefined || tracestate === '' ? { traceparent } : { traceparent, tracestate };
}
