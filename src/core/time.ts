// Instants as RFC 3339 strings. Pure arithmetic only: the core never asks what time it is.

export function toMs(instant: string): number {
  const ms = Date.parse(instant);
  if (Number.isNaN(ms)) throw new Error(`not an RFC 3339 instant: ${instant}`);
  return ms;
}

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
