// One way of handing an event to a subscriber: a webhook, a NATS subject, an MQTT topic, an
// X12 interchange. The delivery runner picks the channel by the subscription's channel kind.
import type { AttemptResult, StoredEvent, SubscriptionDeclaration } from '../core/index.js';
import type { TraceContext } from './tracer.port.js';

export interface DeliveryAttempt {
  readonly deliveryId: string;
  /** 1 for the first attempt. */
  readonly attempt: number;
  readonly subscription: SubscriptionDeclaration;
  /** The logged event; the channel sends it with the hub attributes (sequence, receivedtime). */
  readonly stored: StoredEvent;
  /** The instant of the attempt (for signatures' timestamps), from the hub's clock. */
  readonly now: Date;
  /** Give up on the attempt after this long (a retryable failure). */
  readonly timeoutMs: number;
  /** The delivery span's context, for the receiver (`traceparent` header); absent when tracing is off. */
  readonly trace?: TraceContext;
}

/**
 * Promises: resolves (never rejects) with `delivered` only when the subscriber has taken the
 * event; `retryable` for what may pass (timeouts, 5xx, 429, network); `permanent` for what
 * will not until someone changes something. Leaves out: retries, ordering, windows (the runner).
 */
export interface DeliveryChannel {
  send(attempt: DeliveryAttempt): Promise<AttemptResult>;
  close?(): Promise<void>;
}
