// Instants as the contracts accept them (RFC 3339), read into epoch milliseconds.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isAfter, toMs, utc } from '../../src/core/time.js';

describe('toMs', () => {
  it('reads an instant with an offset, a fraction, or lower-case separators', () => {
    assert.equal(toMs('2026-03-02T08:15:00-05:00'), Date.UTC(2026, 2, 2, 13, 15, 0));
    assert.equal(toMs('2026-03-02t13:15:00.25z'), Date.UTC(2026, 2, 2, 13, 15, 0, 250));
  });

  it('reads a leap second as second 59 of its minute, in its own day and before the next minute', () => {
    assert.equal(toMs('2016-12-31T23:59:60Z'), Date.UTC(2016, 11, 31, 23, 59, 59));
    assert.equal(toMs('2016-12-31T23:59:60.5Z'), Date.UTC(2016, 11, 31, 23, 59, 59, 500));
    // The same leap second seen from UTC-03:00.
    assert.equal(toMs('2016-12-31T20:59:60-03:00'), Date.UTC(2016, 11, 31, 23, 59, 59));
    assert.equal(utc('2016-12-31T23:59:60Z'), '2016-12-31T23:59:59.000Z');
    assert.ok(isAfter('2017-01-01T00:00:00Z', '2016-12-31T23:59:60Z'));
  });

  it('refuses what is not an instant, naming it', () => {
    for (const text of ['yesterday', '2016-12-31T23:59:61Z', '2016-12-31T23:60:60Z', '2016-12-31 23:59:60']) {
      assert.throws(() => toMs(text), { message: `not an RFC 3339 instant: ${text}` });
    }
  });
});
