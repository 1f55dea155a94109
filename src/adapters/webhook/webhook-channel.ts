// Webhook deliveries: an HTTP POST of the event in CloudEvents structured mode, signed with
// HMAC-SHA256 over "<unix seconds>.<body>" (docs/delivery.md has the receiver's recipe), with a
// timeout per attempt. Maps the answer to delivered / retryable / permanent; retries are the
// runner's business.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { AttemptResult } from '../../core/index.js';
import { deliveredBody, traceContextOf } from '../../core/index.js';
import type { DeliveryAttempt, DeliveryChannel } from '../../ports/index.js';
import { passableTraceContext } from '../telemetry/w3c-trace-context.js';

export const DELIVERY_ID_HEADER = 'millrace-delivery-id';
export const SIGNATURE_HEADER = 'millrace-signature';

/** `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`. */
export function signatureHeader(secret: string, unixSeconds: number, body: string): string {
  return `t=${unixSeconds},v1=${createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex')}`;
}

/**
 * The receiver's check: the header's HMAC matches the body as received, and its timestamp is
 * within `toleranceSeconds` of the receiver's clock (an old signed request replayed later is
 * refused). Compares in constant time.
 */
export function verifySignature(header: string, body: string, secret: string, nowUnixSeconds: number, toleranceSeconds = 300): boolean {
  const parts = new Map(header.split(',').map((part) => part.trim().split('=', 2) as [string, string]));
  const t = Number(parts.get('t'));
  const given = parts.get('v1');
  if (!Number.isInteger(t) || given === undefined || !/^[0-9a-f]{64}$/.test(given)) return false;
  if (Math.abs(nowUnixSeconds - t) > toleranceSeconds) return false;
  const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest();
  return timingSafeEqual(expected, Buffer.from(given, 'hex'));
}

export interface WebhookChannelOptions {
  /** Secret values by the name the manifest's `channel.secret` gives (resolved at start-up). */
  readonly secrets: ReadonlyMap<string, string>;
  readonly userAgent: string;
}

/**
 * Worth another attempt: the receiver is busy or overloaded (408, 425, 429), or any 5xx, the
 * server's side broken for now. Every 5xx, not the common four: a CDN or gateway in front of
 * an ERP answers 520-524 while its origin is down, a full disk is 507, and docs/delivery.md
 * promises 5xx retried; dead-lettering those stopped the key at the first outage (ADR 0048).
 */
function retryable(status: number): boolean {
  return status === 408 || status === 425 || status === 429 || (status >= 500 && status <= 599);
}

export class WebhookChannel implements DeliveryChannel {
  constructor(private readonly options: WebhookChannelOptions) {}

  async send(attempt: DeliveryAttempt): Promise<AttemptResult> {
    const { channel } = attempt.subscription;
    if (channel.url === undefined) return { kind: 'permanent', error: 'the webhook channel has no url' };
    const body = deliveredBody(attempt.stored);
    const headers: Record<string, string> = {
      'content-type': 'application/cloudevents+json',
      'user-agent': this.options.userAgent,
      [DELIVERY_ID_HEADER]: attempt.deliveryId,
      'millrace-attempt': String(attempt.attempt),
    };
    const signed = signedHeaders(attempt, this.options.secrets, body);
    if (!signed.ok) return signed.failure;
    Object.assign(headers, signed.headers);
    return postDelivery(channel.url, headers, body, attempt);
  }
}

/**
 * Signs `body` with the subscription's secret when it names one: the signature header, or a
 * permanent failure when the secret's value is not configured.
 */
export function signedHeaders(
  attempt: DeliveryAttempt,
  secrets: ReadonlyMap<string, string>,
  body: string,
): { readonly ok: true; readonly headers: Record<string, string> } | { readonly ok: false; readonly failure: AttemptResult } {
  const name = attempt.subscription.channel.secret;
  if (name === undefined) return { ok: true, headers: {} };
  const secret = secrets.get(name);
  if (secret === undefined) return { ok: false, failure: { kind: 'permanent', error: `secret ${name} is not configured` } };
  return { ok: true, headers: { [SIGNATURE_HEADER]: signatureHeader(secret, Math.floor(attempt.now.getTime() / 1000), body) } };
}

/**
 * One HTTP POST of a delivery, its answer mapped to delivered / retryable / permanent: 2xx is
 * delivered; 408, 425, 429 and 5xx, timeouts and network errors are worth another attempt (with
 * the receiver's Retry-After); other 4xx and redirects are not.
 */
export async function postDelivery(url: string, headers: Record<string, string>, body: string, attempt: DeliveryAttempt): Promise<AttemptResult> {
  // W3C Trace Context: the delivery span's when tracing is on, else the one stored with the event
  // (the sender's, which the envelope does not check as strictly as a header must be).
  const trace = attempt.trace ?? passableTraceContext(traceContextOf(attempt.stored.event));
  if (trace !== undefined) {
    headers.traceparent = trace.traceparent;
    if (trace.tracestate !== undefined) headers.tracestate = trace.tracestate;
  }
  try {
    const response = await fetch(url, { method: 'POST', headers, body, redirect: 'manual', signal: AbortSignal.timeout(attempt.timeoutMs) });
    // Only the status matters; drop the body so the connection can be reused.
    await response.body?.cancel().catch(() => undefined);
    if (response.status >= 200 && response.status < 300) return { kind: 'delivered' };
    const error = `HTTP ${response.status} from ${shownUrl(url)}`;
    if (retryable(response.status)) {
      const retryAfterMs = retryAfterOf(response.headers.get('retry-after'), attempt.now);
      return { kind: 'retryable', error, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
    }
    return { kind: 'permanent', error: response.status >= 300 && response.status < 400 ? `${error} (redirects are not followed: fix the url)` : error };
  } catch (error) {
    const name = (error as { name?: unknown }).name;
    if (name === 'TimeoutError' || name === 'AbortError') return { kind: 'retryable', error: `no answer from ${shownUrl(url)} within ${attempt.timeoutMs} ms` };
    const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
    const reason = typeof cause?.code === 'string' ? cause.code : typeof cause?.message === 'string' ? cause.message : (error as Error).message;
    // The reason may repeat the URL whole (fetch's refusal of one with credentials does).
    return { kind: 'retryable', error: `cannot reach ${shownUrl(url)}: ${String(reason).replaceAll(url, shownUrl(url))}` };
  }
}

/**
 * A receiver's URL as an attempt's reason shows it (lastError, GET /v1/deliveries, the warn log):
 * without user and password, and with each query value replaced by an ellipsis, since receivers
 * take tokens there (`?token=...`). The names stay, so the operator sees which URL it was.
 */
function shownUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return '(the subscription url)';
  }
  const query = [...parsed.searchParams.keys()].map((name) => `${name}=…`).join('&');
  return `${parsed.protocol}//${parsed.host}${parsed.pathname}${query === '' ? '' : `?${query}`}`;
}

/** Retry-After in seconds or as an HTTP date, in milliseconds from now. */
function retryAfterOf(value: string | null, now: Date): number | undefined {
  if (value === null) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now.getTime());
}
