// Drives a server with autocannon: a warm-up, then a measured phase whose every request carries
// new events. Latencies are taken from autocannon's per-response times (fractional ms), since
// its own histogram floors them to whole milliseconds.
import autocannon, { type AutocannonRequest, type AutocannonResult } from 'autocannon';
import { BodyFactory } from './goods-received.js';

export interface LoadSpec {
  readonly url: string;
  readonly connections: number;
  /** Events per request: 1 sends application/cloudevents+json, more sends a batch. */
  readonly eventsPerRequest: number;
  readonly warmupSeconds: number;
  readonly seconds: number;
  /** `Authorization` header value, when the server wants one. */
  readonly authorization?: string;
}

export interface LoadResult {
  readonly connections: number;
  readonly eventsPerRequest: number;
  readonly seconds: number;
  readonly requests: number;
  readonly requestsPerSecond: number;
  readonly eventsPerSecond: number;
  readonly latencyMs: { readonly p50: number; readonly p99: number; readonly max: number };
  /** Requests not answered 2xx, errors and timeouts: any of them makes the figure suspect. */
  readonly failures: { readonly non2xx: number; readonly errors: number; readonly timeouts: number; readonly firstFailure?: string };
}

export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  if (spec.warmupSeconds > 0) await fire(spec, spec.warmupSeconds);
  return fire(spec, spec.seconds);
}

async function fire(spec: LoadSpec, seconds: number): Promise<LoadResult> {
  const bodies = new BodyFactory();
  const batch = spec.eventsPerRequest > 1;
  const headers: Record<string, string> = {
    'content-type': batch ? 'application/cloudevents-batch+json' : 'application/cloudevents+json',
    ...(spec.authorization === undefined ? {} : { authorization: spec.authorization }),
  };
  let firstFailure: string | undefined;
  const request: AutocannonRequest = {
    method: 'POST',
    path: '/v1/events',
    headers,
    setupRequest: (previous) => ({ ...previous, body: batch ? bodies.batch(spec.eventsPerRequest) : bodies.single() }),
    onResponse: (status, body) => {
      if ((status < 200 || status > 299) && firstFailure === undefined) firstFailure = `${status}: ${body.slice(0, 500)}`;
    },
  };
  const latencies: number[] = [];
  const instance = autocannon({ url: spec.url, connections: spec.connections, duration: seconds, timeout: 30, requests: [request] });
  instance.on('response', (_client: unknown, status: number, _bytes: number, responseTime: number) => {
    if (status >= 200 && status <= 299) latencies.push(responseTime);
  });
  const result: AutocannonResult = await instance;
  const ok = result['2xx'];
  const elapsed = result.duration > 0 ? result.duration : seconds;
  return {
    connections: spec.connections,
    eventsPerRequest: spec.eventsPerRequest,
    seconds: elapsed,
    requests: ok,
    requestsPerSecond: ok / elapsed,
    eventsPerSecond: (ok * spec.eventsPerRequest) / elapsed,
    latencyMs: percentiles(latencies),
    failures: {
      non2xx: result.non2xx,
      errors: result.errors,
      timeouts: result.timeouts,
      ...(firstFailure === undefined ? {} : { firstFailure }),
    },
  };
}

function percentiles(values: number[]): { p50: number; p99: number; max: number } {
  if (values.length === 0) return { p50: Number.NaN, p99: Number.NaN, max: Number.NaN };
  const sorted = Float64Array.from(values).sort();
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN;
  return { p50: at(0.5), p99: at(0.99), max: sorted[sorted.length - 1] ?? Number.NaN };
}
