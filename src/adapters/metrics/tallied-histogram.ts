// A Prometheus histogram whose observations are kept in plain numbers and read out by
// prom-client's registry when it is scraped. prom-client's own Histogram checks and hashes the
// labels of every observation and counts it through object properties named after the bucket
// bounds (number keys turned into strings at each call): 0.26-0.49 us an observation in a
// loop, about 1.4 us of each intake request in perf of the server (docs/adr/0076). Here an
// observation finds its bucket in a Float64Array and adds to three numbers. The exposition is
// still prom-client's: the registry reads this metric through `get()`, the same method and the
// same form it reads its own histograms through, and formats, escapes and aggregates it alike.
// src/adapters/metrics/tallied-histogram.test.ts holds the scrape text to prom-client's own
// Histogram fed the same observations.
import type { Metric, OpenMetricsContentType, PrometheusContentType, Registry } from 'prom-client';

export interface TalliedHistogramConfiguration<L extends string> {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly L[];
  /** Upper bounds in increasing order; `+Inf` is added. */
  readonly buckets: readonly number[];
  readonly registers: readonly (Registry<PrometheusContentType> | Registry<OpenMetricsContentType>)[];
}

/** One value of the metric as prom-client's registry reads it (its histograms' `get()` form). */
export interface HistogramValue {
  readonly value: number;
  readonly labels: Readonly<Record<string, string | number>>;
  readonly metricName: string;
}

/** The series of one set of label values. Keep it to observe without a lookup. */
export class HistogramSeries<L extends string> {
  /** Observations per bucket; the last one counts those above every bound. */
  private readonly counts: Float64Array;
  private sum = 0;
  private count = 0;

  constructor(
    readonly labels: Readonly<Record<L, string>>,
    private readonly bounds: Float64Array,
  ) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    if (!Number.isFinite(value)) throw new TypeError(`Value is not a valid number: ${String(value)}`);
    const bounds = this.bounds;
    let bucket = 0;
    while (bucket < bounds.length && value > (bounds[bucket] as number)) bucket += 1;
    this.counts[bucket] = (this.counts[bucket] as number) + 1;
    this.sum += value;
    this.count += 1;
  }

  /** Back to no observations (the histogram's reset). */
  zero(): void {
    this.counts.fill(0);
    this.sum = 0;
    this.count = 0;
  }

  /** Cumulative buckets, `+Inf`, sum and count, as prom-client's Histogram gives them. */
  values(name: string): HistogramValue[] {
    const values: HistogramValue[] = [];
    let cumulative = 0;
    this.bounds.forEach((bound, index) => {
      cumulative += this.counts[index] as number;
      values.push({ value: cumulative, labels: { le: bound, ...this.labels }, metricName: `${name}_bucket` });
    });
    values.push({ value: this.count, labels: { le: '+Inf', ...this.labels }, metricName: `${name}_bucket` });
    values.push({ value: this.sum, labels: { ...this.labels }, metricName: `${name}_sum` });
    values.push({ value: this.count, labels: { ...this.labels }, metricName: `${name}_count` });
    return values;
  }
}

export class TalliedHistogram<L extends string> {
  readonly name: string;
  readonly help: string;
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly labelNames: readonly L[];
  private readonly bounds: Float64Array;
  /** By label values (joined with NUL, in labelNames' order), in the order first observed. */
  private readonly series = new Map<string, HistogramSeries<L>>();

  constructor(configuration: TalliedHistogramConfiguration<L>) {
    const { buckets } = configuration;
    if (buckets.length === 0 || buckets.some((bound, index) => !Number.isFinite(bound) || (index > 0 && bound <= (buckets[index - 1] as number)))) {
      throw new TypeError(`histogram ${configuration.name}: buckets must be finite and increasing (${buckets.join(', ')})`);
    }
    this.name = configuration.name;
    this.help = configuration.help;
    this.labelNames = [...configuration.labelNames];
    this.bounds = Float64Array.from(buckets);
    // The registry takes any metric it can `get()` (and `reset()`); its type names only its own classes.
    for (const registry of configuration.registers) registry.registerMetric(this as unknown as Metric);
  }

  /** The series of these label values, made when first asked for. */
  labels(labels: Readonly<Record<L, string>>): HistogramSeries<L> {
    const key = this.labelNames.map((name) => labels[name]).join('\u0000');
    let series = this.series.get(key);
    if (series === undefined) {
      series = new HistogramSeries({ ...labels }, this.bounds);
      this.series.set(key, series);
    }
    return series;
  }

  observe(labels: Readonly<Record<L, string>>, value: number): void {
    this.labels(labels).observe(value);
  }

  /** What the registry formats: every series' buckets, sum and count. */
  get(): Promise<{ name: string; help: string; type: 'histogram'; aggregator: 'sum'; values: HistogramValue[] }> {
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values: [...this.series.values()].flatMap((series) => series.values(this.name)) });
  }

  /**
   * Every series back to no observations (the registry's resetMetrics). Unlike prom-client's
   * reset, the series stay listed, at zero: one handed out before keeps counting where it is read.
   */
  reset(): void {
    for (const series of this.series.values()) series.zero();
  }
}
