// The CloudEvents 1.0 envelope as Millrace carries it, and the canonical form used to tell a
// harmless resend (same body) from a conflicting one (same source and id, different body).

/** A CloudEvent in structured JSON mode. Extension attributes are lower-case top-level keys. */
export interface CloudEvent {
  readonly specversion: '1.0';
  readonly id: string;
  readonly source: string;
  readonly type: string;
  readonly time: string;
  readonly data: Readonly<Record<string, unknown>>;
  readonly datacontenttype?: string;
  readonly subject?: string;
  readonly correlationid?: string;
  readonly causationid?: string;
  readonly dataversion?: number;
  readonly plant?: string;
  readonly [extension: string]: unknown;
}

/** The source of the events the hub derives itself (SLA timers, exceptions, postings, ...). */
export const MILLRACE_SOURCE = '/millrace';

/**
 * An event a workflow derives from `cause`: hub source, the workflow key as correlation id,
 * the cause as causation (its id, and its sequence so a replay can skip recorded decisions).
 */
export function derivedEvent(id: string, type: string, now: string, key: string, cause: StoredEvent, data: Record<string, unknown>, plant?: string): CloudEvent {
  return {
    specversion: '1.0',
    id,
    source: MILLRACE_SOURCE,
    type,
    time: now,
    correlationid: key,
    causationid: cause.event.id,
    causationseq: cause.sequence,
    ...(plant === undefined ? {} : { plant }),
    data,
  };
}

/** An event as the log holds it: the hub adds the global sequence number and the receipt time. */
export interface StoredEvent {
  readonly sequence: number;
  readonly receivedTime: string;
  readonly event: CloudEvent;
}

/**
 * Governance marks the hub puts on an event it accepts: `millraceungoverned` (a source in
 * observe mode published what enforce mode would refuse: the rule) and `millracelagbreach`
 * (the event came later than its source's maximum sync lag) and `millracealigned` (the local
 * codes master data mapped to canonical ids, docs/adr/0019). A client may not send them.
 */
export const GOVERNANCE_MARKS = ['millraceungoverned', 'millracelagbreach', 'millracealigned'] as const;

/**
 * Attributes the hub sets itself from its log (stored apart, added on read); a client's values
 * for them are dropped and never count as part of the body.
 */
export const HUB_ATTRIBUTES: ReadonlySet<string> = new Set(['receivedtime', 'sequence']);

/**
 * The CloudEvents distributed tracing extension: the W3C trace context an event travels in.
 * It says how the event was carried, not what it states: a client's retry comes with a new
 * `traceparent` and is still the same event (docs/adr/0018-traces-logs-and-raw-messages.md).
 */
export const TRACE_ATTRIBUTES = ['traceparent', 'tracestate'] as const;

/** What a resend is compared without: the hub's attributes, its governance marks and the trace context. */
const NOT_BODY: ReadonlySet<string> = new Set([...HUB_ATTRIBUTES, ...GOVERNANCE_MARKS, ...TRACE_ATTRIBUTES]);

/** The trace context an event carries (its `traceparent` and `tracestate` attributes), if any. */
export function traceContextOf(event: CloudEvent): { readonly traceparent: string; readonly tracestate?: string } | undefined {
  const { traceparent, tracestate } = event;
  if (typeof traceparent !== 'string') return undefined;
  return typeof tracestate === 'string' ? { traceparent, tracestate } : { traceparent };
}

/** The trace id of a W3C traceparent (`00-<trace id>-<span id>-<flags>`), for log lines. */
export function traceIdOf(trace: { readonly traceparent: string } | undefined): string | undefined {
  return trace?.traceparent.split('-')[1];
}

/** The event with the trace context it was taken in (replacing any it carried). */
export function withTraceContext(event: CloudEvent, trace: { readonly traceparent: string; readonly tracestate?: string }): CloudEvent {
  const { tracestate: _dropped, ...rest } = event;
  return { ...rest, traceparent: trace.traceparent, ...(trace.tracestate === undefined ? {} : { tracestate: trace.tracestate }) };
}

/**
 * The exact JSON text an event arrived as, when the channel had it whole (a single-event HTTP
 * body): a store keeps this text instead of serializing the parsed object again. Kept on the
 * parsed object under a symbol, which JSON, `Object.keys` and `for...in` (the validators) do
 * not see, in a record that names the object it belongs to: a spread copies the record too, and
 * a copy of the event (with the hub's marks, say) must not pass for the text. A WeakMap did the
 * same at the cost of an ephemeron per event in every scavenge, `Object.defineProperty` with a
 * call into the runtime per event (docs/benchmarks.md, tenth session).
 */
const ARRIVAL = Symbol('millrace.arrival');

interface Arrival {
  readonly event: object;
  readonly text: string;
}

/** Remembers the text a freshly parsed event was parsed from. */
export function rememberArrival<T extends object>(parsed: T, text: string): T {
  (parsed as Record<symbol, Arrival>)[ARRIVAL] = { event: parsed, text };
  return parsed;
}

/** The text an event arrived as, if a channel remembered it. */
export function arrivedAs(event: object): string | undefined {
  const arrival = (event as Record<symbol, Arrival | undefined>)[ARRIVAL];
  return arrival !== undefined && arrival.event === event ? arrival.text : undefined;
}

/** The identity of an event per CloudEvents: `source` + `id`. */
export function eventKey(event: Pick<CloudEvent, 'source' | 'id'>): string {
  return `${event.source}\u0000${event.id}`;
}

/**
 * JSON with object keys sorted at every level and hub attributes and marks removed at the top:
 * two submissions of the same event compare equal whatever the key order the sender used.
 */
export function canonicalEventJson(event: CloudEvent): string {
  const body: Record<string, unknown> = {};
  for (const key of Object.keys(event).sort()) {
    if (!NOT_BODY.has(key)) body[key] = event[key];
  }
  return canonicalJson(body);
}

export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item)).join(',')}]`;
  const record = value as Record<string, unknown>;
  const parts: string[] = [];
  for (const key of Object.keys(record).sort()) {
    const item = record[key];
    if (item === undefined) continue;
    parts.push(`${JSON.stringify(key)}:${canonicalJson(item)}`);
  }
  return `{${parts.join(',')}}`;
}

/** The contract major version an event claims; absent means 1 (DESIGN.md section 2). */
export function dataVersionOf(event: Pick<CloudEvent, 'dataversion'>): number {
  return event.dataversion ?? 1;
}
