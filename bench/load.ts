// Drives a server with autocannon in short slices, every request carrying new events. Latencies
// are taken from autocannon's per-response times (fractional ms), since its own histogram
// floors them to whole milliseconds; they are pooled over the slices of a series.
import autocannon, { type AutocannonRequest, type AutocannonResult } from 'autocannon';
import { BodyFactory } from './goods-received.js';

export interface LoadSpec {
  readonly url: string;
  readonly connections: number;
  /** Events per request: 1 sends application/cloudevents+json, more sends a batch. */
  readonly eventsPerRequest: number;
  /** `Authorization` header value, when the server wants one. */
  readonly authorization?: string;
  /** Requests per second over all connections; unset: as fast as the server answers. */
  readonly overallRate?: number;
}

export interface LoadSlice {
  readonly seconds: number;
  readonly requests: number;
  readonly eventsPerSecond: number;
}

export interface Failures {
  readonly non2xx: number;
  readonly errors: number;
  readonly timeouts: number;
  readonly firstFailure?: string;
}

export interface LoadSummary {
  readonly connections: number;
  readonly eventsPerRequest: number;
  /** Median over the slices: robust against one slice hit by a noisy neighbour. */
  readonly eventsPerSecond: number;
  readonly requestsPerSecond: number;
  readonly slices: readonly LoadSlice[];
  /** Over every 2xx response of every slice. */
  readonly latencyMs: { readonly p50: number; readonly p99: number; readonly max: number };
  /** Requests not answered 2xx, errors and timeouts: any of them makes the figure suspect. */
  readonly failures: Failures;
}

/** One load shape against one server, measured in slices that can be interleaved with others. */
export class LoadSeries {
  private readonly bodies = new BodyFactory();
  private readonly latencies: number[] = [];
  private readonly slices: LoadSlice[] = [];
  private failures: Failures = { non2xx: 0, errors: 0, timeouts: 0 };

  constructor(private readonly spec: LoadSpec) {}

  /** Load that is not measured: JIT, caches and connections settle. */
  async warmUp(seconds: number): Promise<void> {
    if (seconds > 0) await this.fire(seconds, false);
  }

  async measure(seconds: number): Promise<LoadSlice> {
    return this.fire(seconds, true);
  }

  summary(): LoadSummary {
    const rates = this.slices.map((slice) => slice.eventsPerSecond);
    const eventsPerSecond = median(rates);
    return {
      connections: this.spec.connections,
      eventsPerRequest: this.spec.eventsPerRequest,
      eventsPerSecond,
      requestsPerSecond: eventsPerSecond / this.spec.eventsPerRequest,
      slices: this.slices,
      latencyMs: percentiles(this.latencies),
      failures: this.failures,
    };
  }

  private async fire(seconds: number, measured: boolean): Promise<LoadSlice> {
    const { url, connections, eventsPerRequest, authorization, overallRate } = this.spec;
    const batch = eventsPerRequest > 1;
    let firstFailure: string | undefined;
    const request: AutocannonRequest = {
      method: 'POST',
      path: '/v1/events',
      headers: {
        'content-type': batch ? 'application/cloudevents-batch+json' : 'application/cloudevents+json',
        ...(authorization === undefined ? {} : { authorization }),
      },
      setupRequest: (previous) => ({ ...previous, body: batch ? this.bodies.batch(eventsPerRequest) : this.bodies.single() }),
      onResponse: (status, body) => {
        if ((status < 200 || status > 299) && firstFailure === undefined) firstFailure = `${status}: ${body.slice(0, 500)}`;
      },
    };
    const latencies: number[] = [];
    const instance = autocannon({ url, connections, duration: seconds, timeout: 30, requests: [request], ...(overallRate === undefined ? {} : { overallRate }) });
    instance.on('response', (_client: unknown, status: number, _bytes: number, responseTime: number) => {
      if (status >= 200 && status <= 299) latencies.push(responseTime);
    });
    const result: AutocannonResult = await instance;
    const elapsed = result.duration > 0 ? result.duration : seconds;
    const slice = { seconds: elapsed, requests: result['2xx'], eventsPerSecond: (result['2xx'] * eventsPerRequest) / elapsed };
    // Failures count in warm-ups too: a server refusing the load must never go unnoticed.
    const first = this.failures.firstFailure ?? firstFailure;
    this.failures = {
      non2xx: this.failures.non2xx + result.non2xx,
      errors: this.failures.errors + result.errors,
      timeouts: this.failures.timeouts + result.timeouts,
      ...(first === undefined ? {} : { firstFailure: first }),
    };
    if (measured) {
      this.slices.push(slice);
      for (const latency of latencies) this.latencies.push(latency);
    }
    return slice;
  }

  /** Events acknowledged (2xx) in the measured slices. */
  get acknowledgedEvents(): number {
    return this.slices.reduce((sum, slice) => sum + slice.requests * this.spec.eventsPerRequest, 0);
  }
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? Number.NaN) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

function percentiles(values: readonly number[]): { p50: number; p99: number; max: number } {
  if (values.length === 0) return { p50: Number.NaN, p99: Number.NaN, max: Number.NaN };
  const sorted = Float64Array.from(values).sort();
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN;
  return { p50: at(0.5), p99: at(0.99), max: sorted[sorted.length - 1] ?? Number.NaN };
}
