import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileDateFormat, decodeCsv, firstInvalidUtf8, parseDate, parseDecimal } from '../../../src/core/csv/csv-values.js';

describe('decimal cells', () => {
  const german = { separator: ',', thousands: '.' } as const;
  it('reads a decimal comma with thousands separators into a decimal string, keeping the scale', () => {
    assert.deepEqual(parseDecimal('1.234,50', german), { ok: true, value: '1234.50' });
    assert.deepEqual(parseDecimal('12,5', german), { ok: true, value: '12.5' });
    assert.deepEqual(parseDecimal('0,000', german), { ok: true, value: '0.000' });
    assert.deepEqual(parseDecimal('007', german), { ok: true, value: '7' });
  });
  it('reads an SAP trailing minus as a negative number', () => {
    assert.deepEqual(parseDecimal('5,00-', german), { ok: true, value: '-5.00' });
    assert.deepEqual(parseDecimal('-0,0', german), { ok: true, value: '0.0' });
  });
  it('refuses badly grouped numbers, two decimal points and letters, saying the format', () => {
    for (const bad of ['1.2.3', '12.34', '1,2,3', '12a', '', '1.23,4', ',5']) {
      const result = parseDecimal(bad, german);
      assert.equal(result.ok, false, bad);
    }
    const result = parseDecimal('1.2.3', { separator: '.' });
    assert.equal(result.ok, false);
    if (!result.ok) assert.equal(result.message, '"1.2.3" is not a decimal (decimal separator ".")');
  });
});

describe('date cells', () => {
  it('reads DD.MM.YYYY HH:mm in a plant time zone with the offset of that day (summer and winter)', () => {
    const pattern = compileDateFormat('DD.MM.YYYY HH:mm');
    assert.ok(typeof pattern !== 'string');
    assert.deepEqual(parseDate('02.03.2026 14:05', pattern, 'datetime', 'Europe/Berlin'), { ok: true, value: '2026-03-02T14:05:00+01:00' });
    assert.deepEqual(parseDate('02.07.2026 14:05', pattern, 'datetime', 'Europe/Berlin'), { ok: true, value: '2026-07-02T14:05:00+02:00' });
    assert.deepEqual(parseDate('02.07.2026 14:05', pattern, 'datetime', 'America/Monterrey'), { ok: true, value: '2026-07-02T14:05:00-06:00' });
  });
  it('reads the hour a clock repeats with the earlier (summer) offset and the hour it skips with the offset before the change, east and west of UTC', () => {
    const pattern = compileDateFormat('DD.MM.YYYY HH:mm');
    assert.ok(typeof pattern !== 'string');
    const read = (text: string, zone: string) => parseDate(text, pattern, 'datetime', zone);
    // Repeated hours: Berlin and Sydney (east) gave the later, winter offset.
    assert.deepEqual(read('25.10.2026 02:30', 'Europe/Berlin'), { ok: true, value: '2026-10-25T02:30:00+02:00' });
    assert.deepEqual(read('05.04.2026 02:30', 'Australia/Sydney'), { ok: true, value: '2026-04-05T02:30:00+11:00' });
    assert.deepEqual(read('01.11.2026 01:30', 'America/Detroit'), { ok: true, value: '2026-11-01T01:30:00-04:00' });
    // Skipped hours: Detroit (west) gave the offset after the change.
    assert.deepEqual(read('08.03.2026 02:30', 'America/Detroit'), { ok: true, value: '2026-03-08T02:30:00-05:00' });
    assert.deepEqual(read('29.03.2026 02:30', 'Europe/Berlin'), { ok: true, value: '2026-03-29T02:30:00+01:00' });
    // Either side of the changes, each wall time has one offset.
    assert.deepEqual(read('08.03.2026 03:00', 'America/Detroit'), { ok: true, value: '2026-03-08T03:00:00-04:00' });
    assert.deepEqual(read('01.11.2026 02:00', 'America/Detroit'), { ok: true, value: '2026-11-01T02:00:00-05:00' });
    assert.deepEqual(read('25.10.2026 03:00', 'Europe/Berlin'), { ok: true, value: '2026-10-25T03:00:00+01:00' });
  });
  it('reads M/D/YYYY as a date and as local midnight', () => {
    const pattern = compileDateFormat('M/D/YYYY');
    assert.ok(typeof pattern !== 'string');
    assert.deepEqual(parseDate('3/9/2026', pattern, 'date', 'UTC'), { ok: true, value: '2026-03-09' });
    assert.deepEqual(parseDate('3/9/2026', pattern, 'datetime', 'UTC'), { ok: true, value: '2026-03-09T00:00:00Z' });
  });
  it('reads RFC 3339 cells as they are, a leap second included, and refuses a second 61', () => {
    const pattern = compileDateFormat('RFC3339');
    assert.ok(typeof pattern !== 'string');
    assert.deepEqual(parseDate('2016-12-31T23:59:60Z', pattern, 'datetime', 'UTC'), { ok: true, value: '2016-12-31T23:59:60Z' });
    assert.deepEqual(parseDate('2026-03-02T08:15:00-05:00', pattern, 'date', 'UTC'), { ok: true, value: '2026-03-02' });
    assert.equal(parseDate('2016-12-31T23:59:61Z', pattern, 'datetime', 'UTC').ok, false);
  });
  it('refuses an RFC 3339 cell on a day the calendar does not have, instead of moving it into March', () => {
    const pattern = compileDateFormat('RFC3339');
    assert.ok(typeof pattern !== 'string');
    for (const kind of ['date', 'datetime'] as const) {
      assert.deepEqual(parseDate('2026-02-30T08:15:00Z', pattern, kind, 'UTC'), { ok: false, message: '"2026-02-30T08:15:00Z" is not an RFC 3339 date-time with offset' });
    }
    assert.equal(parseDate('2026-03-02T08:15:00', pattern, 'datetime', 'UTC').ok, false);
  });
  it('refuses impossible dates and other layouts', () => {
    const pattern = compileDateFormat('DD.MM.YYYY');
    assert.ok(typeof pattern !== 'string');
    assert.equal(parseDate('31.02.2026', pattern, 'date', 'UTC').ok, false);
    assert.equal(parseDate('2026-02-01', pattern, 'date', 'UTC').ok, false);
  });
  it('refuses a date before the zone kept standard time (01.01.1900, a common "no date") for the date it is, not for the mapping\'s time zone', () => {
    const pattern = compileDateFormat('DD.MM.YYYY HH:mm');
    assert.ok(typeof pattern !== 'string');
    // Detroit kept local mean time (-05:32:11) until 1905: no offset in whole minutes, none RFC 3339 can write.
    const result = parseDate('01.01.1900 00:00', pattern, 'datetime', 'America/Detroit');
    assert.deepEqual(result, { ok: false, message: '"01.01.1900 00:00" is before America/Detroit kept standard time (local mean time, an offset not in whole minutes): no RFC 3339 offset can be given' });
    assert.deepEqual(parseDate('01.01.1900 00:00', pattern, 'date', 'America/Detroit'), { ok: true, value: '1900-01-01' });
  });
  it('explains a format it cannot use', () => {
    assert.equal(compileDateFormat('DD.MM.'), 'date format "DD.MM." has no year');
    assert.equal(typeof compileDateFormat('DD.MMM.YYYY'), 'string');
  });
});

describe('file encodings', () => {
  it('reads windows-1252 umlauts when the mapping declares it', () => {
    const bytes = Uint8Array.from([0x4d, 0xfc, 0x6c, 0x6c, 0x65, 0x72]); // Müller
    assert.deepEqual(decodeCsv(bytes, 'windows-1252'), { ok: true, text: 'Müller', encoding: 'windows-1252', bom: false });
  });
  it('reads windows-1252 0x80-0x9F as the euro sign and curly quotes a Windows export wrote, also when the mapping says latin1', () => {
    const bytes = Uint8Array.from([0x93, 0x31, 0x32, 0x20, 0x80, 0x94]); // “12 €”
    assert.deepEqual(decodeCsv(bytes, 'windows-1252'), { ok: true, text: '“12 €”', encoding: 'windows-1252', bom: false });
    assert.deepEqual(decodeCsv(bytes, 'latin1'), { ok: true, text: '“12 €”', encoding: 'windows-1252', bom: false });
  });
  it('names the line and byte offset of invalid UTF-8 and suggests windows-1252', () => {
    const bytes = new TextEncoder().encode('a,b\nc,d\n');
    const broken = Uint8Array.from([...bytes, 0x4d, 0xfc, 0x6c, 0x0a]);
    const result = decodeCsv(broken, 'utf-8');
    assert.equal(result.ok, false);
    if (!result.ok) {
      assert.equal(result.line, 3);
      assert.equal(result.offset, 9);
      assert.match(result.message, /^line 3: byte 0xFC at offset 9 is not valid UTF-8; .*windows-1252/);
    }
  });
  it('drops a UTF-8 byte order mark and lets it win over a declared windows-1252', () => {
    const bytes = Uint8Array.from([0xef, 0xbb, 0xbf, ...new TextEncoder().encode('Größe')]);
    assert.deepEqual(decodeCsv(bytes, 'windows-1252'), { ok: true, text: 'Größe', encoding: 'utf-8', bom: true });
  });
  it('refuses UTF-16', () => {
    assert.equal(decodeCsv(Uint8Array.from([0xff, 0xfe, 0x61, 0x00]), 'utf-8').ok, false);
  });
  it('finds overlong and surrogate sequences', () => {
    assert.equal(firstInvalidUtf8(Uint8Array.from([0x61, 0xc0, 0xaf])), 1);
    assert.equal(firstInvalidUtf8(Uint8Array.from([0xed, 0xa0, 0x80])), 0);
    assert.equal(firstInvalidUtf8(new TextEncoder().encode('ok ✓ 𝄞')), undefined);
  });
});
