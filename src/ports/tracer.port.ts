// Tracing as the use cases need it: spans for intake, processing and delivery, whose parents
// come from the trace context stored with an event (W3C Trace Context, the CloudEvents
// distributed tracing extension). The adapter is OpenTelemetry; without one nothing is traced
// and the use cases skip every tracing step (no cost on the intake path).

/** A W3C trace context: the `traceparent` (and optional `tracestate`) of a span. */
export interface TraceContext {
  readonly traceparent: string;
  readonly tracestate?: string;
}

export type SpanAttributes = Readonly<Record<string, string | number | boolean>>;

export interface SpanHandle {
  /** This span's context: what a child (stored with an event, sent in a header) names as parent. */
  readonly context: TraceContext;
  setAttributes(attributes: SpanAttributes): void;
  /** Marks the span failed with a message (an exception is not thrown). */
  fail(message: string): void;
  end(): void;
}

export interface SpanOptions {
  /** The parent span; absent or unparsable: the span starts a trace of its own. */
  readonly parent?: TraceContext;
  readonly kind?: 'server' | 'client' | 'producer' | 'consumer' | 'internal';
  readonly attributes?: SpanAttributes;
  /** Related spans that are not the parent (a sender's own context, for instance). */
  readonly links?: readonly TraceContext[];
}

/**
 * Promises: `start` never throws and never blocks on export; a span that is never ended is
 * simply not exported. Leaves out: sampling and export (the adapter's configuration).
 */
export interface Tracer {
  start(name: string, options?: SpanOptions): SpanHandle;
}

/**
 * Structured logs as the use cases write them: one object of fields (correlation id, event id,
 * trace id...) and a message. pino's logger is one.
 */
export interface EventLogger {
  debug(fields: object, message: string): void;
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}
