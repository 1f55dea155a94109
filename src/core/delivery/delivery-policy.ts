// Retry settings of a subscription and what happens after an attempt: exponential backoff
// with jitter, capped, and the dead letter after the last attempt. Pure: the caller passes
// the instant and the random draw.
import type { SubscriptionDeclaration } from '../governance/manifest.js';

export interface DeliverySettings {
  /** Attempts before a delivery is dead-lettered (the first attempt counts). */
  readonly maxAttempts: number;
  readonly initialBackoffMs: number;
  readonly maxBackoffMs: number;
  /** How long one attempt may take before it counts as failed (retryable). */
  readonly timeoutMs: number;
}

export const DEFAULT_DELIVERY_SETTINGS: DeliverySettings = { maxAttempts: 8, initialBackoffMs: 30_000, maxBackoffMs: 3_600_000, timeoutMs: 10_000 };

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `250ms`, `30s`, `10m`, `1h`, `2d`; undefined for anything else. */
export function parseDeliveryDuration(text: string): number | undefined {
  const match = /^([1-9][0-9]*)(ms|s|m|h|d)$/.exec(text.trim());
  if (match === null) return undefined;
  return Number(match[1]) * (UNIT_MS[match[2] ?? ''] ?? Number.NaN);
}

/** The subscription's `delivery:` settings over the defaults; throws on a value the schema should have refused. */
export function deliverySettingsOf(subscription: Pick<SubscriptionDeclaration, 'id' | 'delivery'>): DeliverySettings {
  const given = subscription.delivery ?? {};
  const duration = (name: 'initialBackoff' | 'maxBackoff' | 'timeout', fallback: number): number => {
    const text = given[name];
    if (text === undefined) return fallback;
    const ms = parseDeliveryDuration(text);
    if (ms === undefined) throw new Error(`subscription ${subscription.id}: delivery.${name} "${text}" is not a duration like 500ms, 30s or 10m`);
    return ms;
  };
  const initialBackoffMs = duration('initialBackoff', DEFAULT_DELIVERY_SETTINGS.initialBackoffMs);
  return {
    maxAttempts: given.maxAttempts ?? DEFAULT_DELIVERY_SETTINGS.maxAttempts,
    initialBackoffMs,
    maxBackoffMs: Math.max(initialBackoffMs, duration('maxBackoff', DEFAULT_DELIVERY_SETTINGS.maxBackoffMs)),
    timeoutMs: duration('timeout', DEFAULT_DELIVERY_SETTINGS.timeoutMs),
  };
}

/**
 * The wait before the next attempt after `failedAttempts` failures (1 after the first):
 * `initial x 2^(failures - 1)`, capped at the maximum, then "equal jitter": a uniformly drawn
 * point in the upper half, so retries of many deliveries spread out but none comes back
 * sooner than half the nominal wait. `random` is a draw in [0, 1).
 */
export function retryDelayMs(failedAttempts: number, settings: Pick<DeliverySettings, 'initialBackoffMs' | 'maxBackoffMs'>, random: number): number {
  const exponent = Math.min(Math.max(failedAttempts - 1, 0), 40);
  const nominal = Math.min(settings.maxBackoffMs, settings.initialBackoffMs * 2 ** exponent);
  const draw = Math.min(Math.max(random, 0), 1);
  return Math.floor(nominal / 2 + (nominal / 2) * draw);
}

/** What one attempt came to, as a channel reports it. */
export type AttemptResult =
  | { readonly kind: 'delivered' }
  /** Worth trying again (timeouts, 5xx, 429, network): `retryAfterMs` when the receiver said when. */
  | { readonly kind: 'retryable'; readonly error: string; readonly retryAfterMs?: number }
  /** Trying again cannot help until someone changes something (4xx, a refused message). */
  | { readonly kind: 'permanent'; readonly error: string };

/**
 * `withdrawn`: never sent, and never will be, because the manifest a hub started with no longer
 * gives the subscription this event (its types or filter narrowed, or the subscription removed).
 * Like `delivered`, it no longer holds its key's queue (ADR 0052).
 */
export type DeliveryStatus = 'pending' | 'retrying' | 'waiting' | 'delivered' | 'dead' | 'blocked' | 'withdrawn';

export const DELIVERY_STATUSES: readonly DeliveryStatus[] = ['pending', 'retrying', 'waiting', 'delivered', 'dead', 'blocked', 'withdrawn'];

/** The statuses of a delivery not sent yet: a manifest change may withdraw it (ADR 0052). */
export const OUTSTANDING_DELIVERY_STATUSES: readonly DeliveryStatus[] = ['dead', 'blocked', 'pending', 'retrying', 'waiting'];

export interface AttemptOutcome {
  readonly status: 'delivered' | 'retrying' | 'dead';
  readonly attempts: number;
  /** When to try again (retrying), as an ISO instant; absent otherwise. */
  readonly nextAttemptAt?: string;
  readonly lastError?: string;
}

/**
 * The state of a delivery after an attempt: delivered; dead after a permanent error or the
 * last allowed attempt; otherwise retrying after the backoff (or the receiver's Retry-After,
 * when it asks for longer).
 */
export function afterAttempt(attemptsBefore: number, result: AttemptResult, settings: DeliverySettings, nowMs: number, random: number): AttemptOutcome {
  const attempts = attemptsBefore + 1;
  if (result.kind === 'delivered') return { status: 'delivered', attempts };
  if (result.kind === 'permanent') return { status: 'dead', attempts, lastError: result.error };
  if (attempts >= settings.maxAttempts) return { status: 'dead', attempts, lastError: `${result.error} (attempt ${attempts} of ${settings.maxAttempts}, no more retries)` };
  const wait = Math.max(retryDelayMs(attempts, settings, random), Math.min(result.retryAfterMs ?? 0, settings.maxBackoffMs));
  return { status: 'retrying', attempts, nextAttemptAt: new Date(nowMs + wait).toISOString(), lastError: result.error };
}
