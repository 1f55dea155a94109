// The Tracer port on OpenTelemetry: spans whose parents are given explicitly as W3C trace
// contexts (from a request's headers, or stored with an event), so a trace crosses the
// durable commit, the workflow thread, a restart and the outbox. No global registration: each
// hub (and each workflow thread) owns its provider, and nothing is set up when tracing is off.
import type { Context, Link, Span, SpanKind as OtelSpanKind, Tracer as OtelApiTracer } from '@opentelemetry/api';
import { defaultTextMapGetter, defaultTextMapSetter, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { SpanAttributes, SpanHandle, SpanOptions, TraceContext, Tracer } from '../../ports/index.js';

const propagator = new W3CTraceContextPropagator();

const KINDS: Readonly<Record<NonNullable<SpanOptions['kind']>, OtelSpanKind>> = {
  server: SpanKind.SERVER,
  client: SpanKind.CLIENT,
  producer: SpanKind.PRODUCER,
  consumer: SpanKind.CONSUMER,
  internal: SpanKind.INTERNAL,
};

/** The context a W3C trace context names (the root context when it is absent or malformed). */
function contextOf(parent: TraceContext | undefined): Context {
  return parent === undefined ? ROOT_CONTEXT : propagator.extract(ROOT_CONTEXT, parent, defaultTextMapGetter);
}

class OtelSpan implements SpanHandle {
  readonly context: TraceContext;

  constructor(private readonly span: Span) {
    const carrier: Record<string, string> = {};
    propagator.inject(trace.setSpan(ROOT_CONTEXT, span), carrier, defaultTextMapSetter);
    this.context = carrier.tracestate === undefined ? { traceparent: carrier.traceparent ?? '' } : { traceparent: carrier.traceparent ?? '', tracestate: carrier.tracestate };
  }

  setAttributes(attributes: SpanAttributes): void {
    this.span.setAttributes(attributes);
  }

  fail(message: string): void {
    this.span.setStatus({ code: SpanStatusCode.ERROR, message });
  }

  end(): void {
    this.span.end();
  }
}

export class OtelTracer implements Tracer {
  constructor(private readonly tracer: OtelApiTracer) {}

  start(name: string, options: SpanOptions = {}): SpanHandle {
    const links: Link[] = [];
    for (const link of options.links ?? []) {
      const spanContext = trace.getSpanContext(contextOf(link));
      if (spanContext !== undefined) links.push({ context: spanContext });
    }
    const span = this.tracer.startSpan(
      name,
      { kind: KINDS[options.kind ?? 'internal'], ...(options.attributes === undefined ? {} : { attributes: options.attributes }), ...(links.length === 0 ? {} : { links }) },
      contextOf(options.parent),
    );
    return new OtelSpan(span);
  }
}

export interface TracingOptions {
  /** OTLP/HTTP collector: a base URL (`/v1/traces` is added) or the full traces URL. */
  readonly otlpEndpoint?: string;
  /** Where spans go instead (tests: an InMemorySpanExporter); exported as each span ends. */
  readonly exporter?: SpanExporter;
  /** The instrumentation scope's version (the hub's). */
  readonly version?: string;
}

/** A running tracer and the way to stop it (flushing what is buffered). */
export interface Tracing {
  readonly tracer: Tracer;
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

/** `http://collector:4318` -> `http://collector:4318/v1/traces`; a URL that names the path stays. */
export function otlpTracesUrl(endpoint: string): string {
  const url = new URL(endpoint);
  if (!url.pathname.endsWith('/v1/traces')) url.pathname = `${url.pathname.replace(/\/+$/, '')}/v1/traces`;
  return url.toString();
}

/** Starts a tracer provider for this process (or thread): OTLP/HTTP in batches, or the given exporter. */
export function startTracing(options: TracingOptions): Tracing {
  const processor =
    options.exporter !== undefined
      ? new SimpleSpanProcessor(options.exporter)
      : new BatchSpanProcessor(new OTLPTraceExporter({ url: otlpTracesUrl(options.otlpEndpoint ?? 'http://127.0.0.1:4318') }));
  // The service the spans belong to, as a trace backend groups them.
  const resource = resourceFromAttributes({ 'service.name': 'millrace', ...(options.version === undefined ? {} : { 'service.version': options.version }) });
  const provider = new BasicTracerProvider({ resource, spanProcessors: [processor] });
  return {
    tracer: new OtelTracer(provider.getTracer('millrace', options.version)),
    flush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}

