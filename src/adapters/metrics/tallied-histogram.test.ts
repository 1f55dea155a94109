// The tallied histogram must scrape exactly as prom-client's own Histogram fed the same
// observations: the same lines (buckets, +Inf, sum, count), labels escaped alike, series in
// the order first observed, sums added in the same order.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Histogram, Registry, type OpenMetricsContentType, type PrometheusContentType } from 'prom-client';
import { TalliedHistogram } from './tallied-histogram.js';

const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/** Values on, between and beyond the bounds, zero and negatives included. */
const value = fc.oneof(
  fc.constantFrom(...BUCKETS),
  fc.double({ min: -1, max: 10, noNaN: true, noDefaultInfinity: true }),
  fc.double({ min: 0, max: 0.01, noNaN: true, noDefaultInfinity: true }),
  fc.constant(0),
);
/** Label values with what the text format escapes (quotes, backslashes, line breaks). */
const outcome = fc.oneof(fc.constantFrom('accepted', 'contract_violation', 'event_conflict'), fc.string({ maxLength: 12 }), fc.constantFrom('a"b', 'c\\d', 'e\nf'));

function registry(openMetrics: boolean): Registry<PrometheusContentType> | Registry<OpenMetricsContentType> {
  if (!openMetrics) return new Registry();
  const made = new Registry<OpenMetricsContentType>();
  made.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
  return made;
}

function pair(openMetrics = false) {
  const ours = registry(openMetrics);
  const theirs = registry(openMetrics);
  const configuration = { name: 'millrace_test_seconds', help: 'A test histogram, "quoted" \\ and\nbroken', labelNames: ['outcome'] as const, buckets: BUCKETS };
  return {
    ours,
    theirs,
    tallied: new TalliedHistogram({ ...configuration, registers: [ours] }),
    reference: new Histogram({ ...configuration, labelNames: [...configuration.labelNames], registers: [theirs] }),
  };
}

describe('TalliedHistogram', () => {
  it("scrapes as prom-client's Histogram fed the same observations (2,000 generated runs)", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(outcome, value), { maxLength: 60 }), fc.boolean(), async (observations, openMetrics) => {
        const { ours, theirs, tallied, reference } = pair(openMetrics);
        for (const [label, seconds] of observations) {
          tallied.observe({ outcome: label }, seconds);
          reference.observe({ outcome: label }, seconds);
        }
        assert.equal(await ours.metrics(), await theirs.metrics());
      }),
      { numRuns: 2_000 },
    );
  });

  it('counts through a series held from labels() into the same series', async () => {
    const { ours, theirs, tallied, reference } = pair();
    const accepted = tallied.labels({ outcome: 'accepted' });
    const referenceAccepted = reference.labels({ outcome: 'accepted' });
    for (const seconds of [0.0004, 0.0005, 0.003, 0.003, 2.5, 7]) {
      accepted.observe(seconds);
      referenceAccepted.observe(seconds);
    }
    tallied.observe({ outcome: 'accepted' }, 0.02);
    reference.observe({ outcome: 'accepted' }, 0.02);
    const text = await ours.metrics();
    assert.equal(text, await theirs.metrics());
    assert.match(text, /^millrace_test_seconds_bucket\{le="0.0025",outcome="accepted"\} 2$/m);
    assert.match(text, /^millrace_test_seconds_bucket\{le="0.005",outcome="accepted"\} 4$/m);
    assert.match(text, /^millrace_test_seconds_bucket\{le="\+Inf",outcome="accepted"\} 7$/m);
    assert.match(text, /^millrace_test_seconds_count\{outcome="accepted"\} 7$/m);
  });

  it('refuses a value that is not a finite number, as prom-client does, and counts nothing for it', async () => {
    const { ours, tallied } = pair();
    const series = tallied.labels({ outcome: 'accepted' });
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) assert.throws(() => series.observe(bad), TypeError);
    assert.match(await ours.metrics(), /^millrace_test_seconds_count\{outcome="accepted"\} 0$/m);
  });

  it('refuses buckets out of order', () => {
    assert.throws(() => new TalliedHistogram({ name: 'x', help: 'x', labelNames: [], buckets: [1, 0.5], registers: [] }), /buckets must be finite and increasing/);
    assert.throws(() => new TalliedHistogram({ name: 'x', help: 'x', labelNames: [], buckets: [], registers: [] }), /buckets must be finite and increasing/);
  });

  it("is zeroed by the registry's resetMetrics, and a series held before counts on", async () => {
    const { ours, tallied } = pair();
    const accepted = tallied.labels({ outcome: 'accepted' });
    accepted.observe(0.003);
    ours.resetMetrics();
    assert.match(await ours.metrics(), /^millrace_test_seconds_count\{outcome="accepted"\} 0$/m);
    accepted.observe(0.004);
    assert.match(await ours.metrics(), /^millrace_test_seconds_count\{outcome="accepted"\} 1$/m);
  });
});
