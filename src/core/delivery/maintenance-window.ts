// Maintenance windows: given an instant and a subscription's windows (wall-clock times in
// IANA time zones), whether deliveries must wait now, and until when. Pure: the instant is an
// argument; the time-zone rules come from Intl (the ICU data of the runtime).
import type { MaintenanceWindow } from '../governance/manifest.js';

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
const DAY_MINUTES = 24 * 60;
const MINUTE = 60_000;

interface WallTime {
  /** 0 = Monday. */
  readonly day: number;
  /** Minutes since local midnight. */
  readonly minutes: number;
  /** Milliseconds past the minute (wall clocks and UTC agree on seconds). */
  readonly ms: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterOf(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', { timeZone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** The wall-clock day and time at an instant in a zone. Throws RangeError for an unknown zone. */
function wallTime(instantMs: number, timeZone: string): WallTime {
  const parts = formatterOf(timeZone).formatToParts(instantMs);
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  const day = DAYS.indexOf(part('weekday').toLowerCase().slice(0, 3) as (typeof DAYS)[number]);
  const minutes = Number(part('hour')) * 60 + Number(part('minute'));
  return { day, minutes, ms: ((instantMs % MINUTE) + MINUTE) % MINUTE };
}

function minutesOf(clock: string): number {
  const [hours, minutes] = clock.split(':').map(Number);
  return (hours ?? 0) * 60 + (minutes ?? 0);
}

/**
 * How far (in wall-clock minutes) an instant is into one window, or undefined when outside.
 * A window opens on each listed day at `from` and runs to `to`; `to` at or before `from` runs
 * past midnight into the next day (equal: a whole day).
 */
function minutesLeft(window: MaintenanceWindow, now: WallTime): number | undefined {
  const from = minutesOf(window.from);
  const to = minutesOf(window.to);
  const length = to > from ? to - from : to + DAY_MINUTES - from;
  // Opened today, or yesterday and still running past midnight.
  for (const back of [0, 1]) {
    const openedOn = DAYS[(now.day - back + 7) % 7];
    if (openedOn === undefined || !window.days.includes(openedOn)) continue;
    const into = now.minutes + back * DAY_MINUTES - from;
    if (into >= 0 && into < length) return length - into;
  }
  return undefined;
}

/**
 * Whether an instant falls in one of the windows, and when the wait ends: the first instant
 * outside every window (back-to-back windows are waited out together). Undefined: deliver now.
 * Wall-clock semantics: a 01:00-03:00 window on the night clocks go forward lasts one hour.
 */
export function maintenanceWaitUntil(instantMs: number, windows: readonly MaintenanceWindow[]): number | undefined {
  if (windows.length === 0) return undefined;
  let at = instantMs;
  // Each step leaves one window; a week of back-to-back windows is the most there can be.
  for (let step = 0; step < 7 * windows.length + 1; step += 1) {
    let next: number | undefined;
    for (const window of windows) {
      const now = wallTime(at, window.timezone);
      const left = minutesLeft(window, now);
      if (left === undefined) continue;
      const end = endInstant(at, now, left, window.timezone);
      next = next === undefined ? end : Math.max(next, end);
    }
    if (next === undefined) return at === instantMs ? undefined : at;
    at = next;
  }
  return at;
}

/**
 * The instant the wall clock of `timeZone` shows `left` minutes after `now` (at the start of
 * that minute). Adding the minutes to the instant is right unless the zone's offset changes
 * in between (a DST switch): then correct by the difference. A wall time the switch skips
 * resolves to the instant just after the gap.
 */
function endInstant(instantMs: number, now: WallTime, left: number, timeZone: string): number {
  const naive = instantMs - now.ms + left * MINUTE;
  const target = (now.day * DAY_MINUTES + now.minutes + left) % (7 * DAY_MINUTES);
  let candidate = naive;
  for (let i = 0; i < 3; i += 1) {
    const wall = wallTime(candidate, timeZone);
    const shown = wall.day * DAY_MINUTES + wall.minutes;
    let drift = target - shown;
    if (drift > 3.5 * DAY_MINUTES) drift -= 7 * DAY_MINUTES;
    if (drift < -3.5 * DAY_MINUTES) drift += 7 * DAY_MINUTES;
    if (drift === 0) return candidate;
    candidate += drift * MINUTE;
  }
  // The clocks skip the target (spring forward): the wait ends at the first minute the wall
  // clock shows a time past it, found by halving [now, naive].
  let inside = instantMs - now.ms;
  let outside = Math.max(naive, inside + MINUTE);
  while (outside - inside > MINUTE) {
    const middle = inside + Math.floor((outside - inside) / 2 / MINUTE) * MINUTE;
    const wall = wallTime(middle, timeZone);
    const elapsed = (((wall.day * DAY_MINUTES + wall.minutes - (now.day * DAY_MINUTES + now.minutes)) % (7 * DAY_MINUTES)) + 7 * DAY_MINUTES) % (7 * DAY_MINUTES);
    if (elapsed < left) inside = middle;
    else outside = middle;
  }
  return outside;
}
