// Instants as the contracts accept them (RFC 3339), read into epoch milliseconds.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isAfter, readInstant, toMs, utc } from '../../src/core/time.js';

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

describe('readInstant', () => {
  it('reads what a contract accepts as a date-time, a leap second at the end of a UTC day included', () => {
    assert.equal(readInstant('2026-03-02T08:15:00-05:00'), Date.UTC(2026, 2, 2, 13, 15, 0));
    assert.equal(readInstant('2026-03-02t13:15:00.25z'), Date.UTC(2026, 2, 2, 13, 15, 0, 250));
    assert.equal(readInstant('2024-02-29T00:00:00Z'), Date.UTC(2024, 1, 29));
    assert.equal(readInstant('2016-12-31T23:59:60Z'), Date.UTC(2016, 11, 31, 23, 59, 59));
    assert.equal(readInstant('2016-12-31T20:59:60-03:00'), Date.UTC(2016, 11, 31, 23, 59, 59));
  });

  it('refuses dates the calendar does not have, which Date.parse rolls over into the next month', () => {
    // Date.parse reads each of these as a day of the following month.
    for (const text of ['2026-02-30T10:00:00Z', '2026-02-29T00:00:00Z', '2026-04-31T00:00:00Z']) {
      assert.ok(!Number.isNaN(Date.parse(text)), `Date.parse takes ${text}`);
      assert.equal(readInstant(text), undefined, text);
    }
  });

  it('refuses what RFC 3339 does not allow: no offset, a date alone, hour 24, a leap second inside a day, loose layouts', () => {
    for (const text of ['2026-01-01T10:00:00', '2026-01-01', '2026-01-01T24:00:00Z', '2026-06-30T12:59:60Z', '2026-01-01 10:00:00Z', '2026-01-01T10:00:00+01', '2026-01-01T10:00Z', 'yesterday', '']) {
      assert.equal(readInstant(text), undefined, JSON.stringify(text));
    }
  });
});
