// Instants as RFC 3339 strings. Pure arithmetic only: the core never asks what time it is.
import { fullFormats } from 'ajv-formats/dist/formats.js';

/**
 * Milliseconds since the epoch of an RFC 3339 date-time as the contracts accept it (T or t, a
 * fraction, Z or an offset with a colon), or undefined for text that is not one. For text from
 * outside the hub that no contract has checked (a KPI window, a CSV cell, a command's option):
 * `Date.parse` alone takes more than RFC 3339 and rolls impossible dates over (`2026-02-30` is
 * 2 March; a date without an offset is local time), so the text is first held to the same
 * checks as a contract's `dateTime` (its pattern, and ajv-formats' date-time: the calendar, and a
 * leap second only in the last minute of a UTC day).
 */
export function readInstant(text: string): number | undefined {
  return DATE_TIME.test(text) && isDateTime(text) ? parsed(text) : undefined;
}

/**
 * Milliseconds since the epoch of an instant the hub has already checked (a contract's
 * date-time, or one it wrote itself); throws for text that is no instant. It skips readInstant's
 * checks, which the intake's lag check would otherwise pay per event.
 */
export function toMs(instant: string): number {
  const ms = parsed(instant);
  if (ms === undefined) throw new Error(`not an RFC 3339 instant: ${instant}`);
  return ms;
}

/** The common contract's `dateTime` pattern (contracts/common/v1.schema.json). */
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** ajv-formats' date-time check, as the contracts run it (defined with a compare, so as an object with `validate`). */
const isDateTime = dateTimeValidator();

function dateTimeValidator(): (text: string) => boolean {
  const format = fullFormats['date-time'];
  if (typeof format !== 'object' || !('validate' in format) || typeof format.validate !== 'function') throw new Error('ajv-formats defines no date-time validator');
  return format.validate as (text: string) => boolean;
}

/**
 * `Date.parse`, and a leap second (`23:59:60Z`), which the contracts accept and `Date.parse` does
 * not, as second 59 of its minute (the epoch has no leap seconds), so that it stays in its day
 * and before the next minute.
 */
function parsed(instant: string): number | undefined {
  const ms = Date.parse(instant);
  if (!Number.isNaN(ms)) return ms;
  const leap = LEAP_SECOND.exec(instant);
  const read = leap === null ? Number.NaN : Date.parse(`${leap[1] ?? ''}59${leap[2] ?? ''}`);
  return Number.isNaN(read) ? undefined : read;
}

/** An RFC 3339 date-time whose seconds are 60: what comes before them, and the fraction and offset after. */
const LEAP_SECOND = /^(\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:)60((?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2}))$/;

/** `instant` plus `ms`, in UTC with milliseconds (`2026-03-02T13:15:00.000Z`). */
export function addMs(instant: string, ms: number): string {
  return new Date(toMs(instant) + ms).toISOString();
}

export function isAfter(a: string, b: string): boolean {
  return toMs(a) > toMs(b);
}

/** The instant in UTC with milliseconds, so two spellings of one instant compare equal as text. */
export function utc(instant: string): string {
  return new Date(toMs(instant)).toISOString();
}

/** A duration in the manifest's units, largest first: 5h12m, 2d3h, 45m (under a minute: 30s). */
export function formatDuration(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 1) return `${Math.max(0, Math.round(ms / 1000))}s`;
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const rest = minutes % 60;
  return [days > 0 ? `${days}d` : '', hours > 0 ? `${hours}h` : '', rest > 0 ? `${rest}m` : ''].join('');
}

const OFFSET_FORMATS = new Map<string, Intl.DateTimeFormat>();

/** The zone's offset from UTC at an instant, in minutes (Europe/Berlin in January: 60); undefined for an unknown zone. */
export function utcOffsetMinutes(timeZone: string, instant: number): number | undefined {
  let name: string | undefined;
  try {
    // Building a formatter costs far more than using one: one per zone, kept (CSV rows and
    // delivery attempts ask once per row and per attempt).
    let format = OFFSET_FORMATS.get(timeZone);
    if (format === undefined) {
      format = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' });
      OFFSET_FORMATS.set(timeZone, format);
    }
    name = format.formatToParts(instant).find((part) => part.type === 'timeZoneName')?.value;
  } catch {
    return undefined;
  }
  const match = /^GMT(?:([+-])(\d{2}):(\d{2}))?$/.exec(name ?? '');
  if (match === null) return undefined;
  if (match[1] === undefined) return 0;
  const minutes = Number(match[2]) * 60 + Number(match[3]);
  return match[1] === '-' ? -minutes : minutes;
}
