import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { afterAttempt, deliverySettingsOf, parseDeliveryDuration, retryDelayMs } from '../../../src/core/delivery/delivery-policy.js';
import { prng } from '../../support/p2p-traffic.js';

const settings = deliverySettingsOf({ id: 's', delivery: { maxAttempts: 4, initialBackoff: '10s', maxBackoff: '1m', timeout: '2s' } });

/** A seeded generator, so the jitter is reproducible. */
const seeded = prng;

describe('retry schedule', () => {
  it('reads the manifest durations, milliseconds to days', () => {
    assert.deepEqual(settings, { maxAttempts: 4, initialBackoffMs: 10_000, maxBackoffMs: 60_000, timeoutMs: 2_000 });
    assert.equal(parseDeliveryDuration('250ms'), 250);
    assert.equal(parseDeliveryDuration('2d'), 172_800_000);
    assert.equal(parseDeliveryDuration('0s'), undefined);
    assert.equal(deliverySettingsOf({ id: 's' }).maxAttempts, 8);
  });

  it('doubles the wait after each failure, within [half, full] of the nominal wait, and never beyond the cap', () => {
    const random = seeded(42);
    for (let failures = 1; failures <= 12; failures += 1) {
      const nominal = Math.min(60_000, 10_000 * 2 ** (failures - 1));
      for (let i = 0; i < 50; i += 1) {
        const delay = retryDelayMs(failures, settings, random());
        assert.ok(delay >= nominal / 2 && delay <= nominal, `failure ${failures}: ${delay} outside [${nominal / 2}, ${nominal}]`);
      }
    }
  });

  it('stays within bounds for any draw and any number of failures (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1000 }), fc.double({ min: 0, max: 1, noNaN: true }), (failures, draw) => {
        const delay = retryDelayMs(failures, settings, draw);
        return delay >= 5_000 && delay <= 60_000;
      }),
    );
  });

  it('spreads retries of many deliveries (jitter) instead of sending them back together', () => {
    const random = seeded(7);
    const delays = new Set(Array.from({ length: 20 }, () => retryDelayMs(3, settings, random())));
    assert.ok(delays.size > 10);
  });

  it('dead-letters after the last allowed attempt, and at once after a permanent error', () => {
    const now = Date.parse('2026-03-02T10:00:00Z');
    assert.equal(afterAttempt(0, { kind: 'retryable', error: 'HTTP 500' }, settings, now, 0.5).status, 'retrying');
    assert.equal(afterAttempt(2, { kind: 'retryable', error: 'HTTP 500' }, settings, now, 0.5).status, 'retrying');
    const last = afterAttempt(3, { kind: 'retryable', error: 'HTTP 500' }, settings, now, 0.5);
    assert.equal(last.status, 'dead');
    assert.equal(last.attempts, 4);
    assert.equal(afterAttempt(0, { kind: 'permanent', error: 'HTTP 410' }, settings, now, 0.5).status, 'dead');
    assert.deepEqual(afterAttempt(1, { kind: 'delivered' }, settings, now, 0.5), { status: 'delivered', attempts: 2 });
  });

  it('waits at least as long as the receiver asks (Retry-After), up to the cap', () => {
    const now = Date.parse('2026-03-02T10:00:00Z');
    const outcome = afterAttempt(0, { kind: 'retryable', error: 'HTTP 429', retryAfterMs: 45_000 }, settings, now, 0);
    assert.equal(outcome.nextAttemptAt, '2026-03-02T10:00:45.000Z');
    const capped = afterAttempt(0, { kind: 'retryable', error: 'HTTP 429', retryAfterMs: 3_600_000 }, settings, now, 0);
    assert.equal(capped.nextAttemptAt, '2026-03-02T10:01:00.000Z');
  });
});
