// NATS deliveries: a subscription with `channel: { kind: nats, subject }` gets each event
// published to JetStream on its subject, with the delivery id as the message id (JetStream
// drops a copy within the stream's duplicate window) and the publish ack as the proof of
// delivery. The subject may name the event's type and plant: `millrace.{type}.{plant}`.
import type { JetStreamClient } from '@nats-io/jetstream';
import { jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { connect, headers } from '@nats-io/transport-node';
import type { AttemptResult, CloudEvent } from '../../core/index.js';
import { deliveredBody, plantsOf, traceContextOf } from '../../core/index.js';
import type { DeliveryAttempt, DeliveryChannel } from '../../ports/index.js';
import { passableTraceContext } from '../telemetry/w3c-trace-context.js';

/** The subject of an event: `{type}` and `{plant}` (the event's first plant, `none` without one) filled in. */
export function subjectOf(template: string, event: CloudEvent): string {
  return template.replaceAll('{type}', event.type).replaceAll('{plant}', plantsOf(event)[0] ?? 'none');
}

export class NatsDeliveryChannel implements DeliveryChannel {
  private readonly connections = new Map<string, Promise<{ connection: NatsConnection; js: JetStreamClient }>>();

  /** `defaultUrl`: the manifest's `nats.url`, for subscriptions without `channel.url`. */
  constructor(private readonly defaultUrl?: string) {}

  async send(attempt: DeliveryAttempt): Promise<AttemptResult> {
    const { channel } = attempt.subscription;
    const url = channel.url ?? this.defaultUrl;
    if (channel.subject === undefined) return { kind: 'permanent', error: 'the nats channel has no subject' };
    // Not a dead letter: the manifest may name the server later (the delivery is retried meanwhile).
    if (url === undefined) return { kind: 'retryable', error: 'no NATS server for this subscription: set channel.url or nats.url in the manifest' };
    const subject = subjectOf(channel.subject, attempt.stored.event);
    let client: { js: JetStreamClient };
    try {
      client = await this.client(url);
    } catch (error) {
      return { kind: 'retryable', error: `cannot reach NATS at ${url}: ${(error as Error).message}` };
    }
    try {
      // The W3C trace context travels as NATS headers, as it does as HTTP headers to a webhook.
      const trace = attempt.trace ?? passableTraceContext(traceContextOf(attempt.stored.event));
      const traceHeaders = trace === undefined ? undefined : headers();
      if (trace !== undefined && traceHeaders !== undefined) {
        traceHeaders.set('traceparent', trace.traceparent);
        if (trace.tracestate !== undefined) traceHeaders.set('tracestate', trace.tracestate);
      }
      await client.js.publish(subject, deliveredBody(attempt.stored), { msgID: attempt.deliveryId, timeout: attempt.timeoutMs, ...(traceHeaders === undefined ? {} : { headers: traceHeaders }) });
      return { kind: 'delivered' };
    } catch (error) {
      const message = (error as Error).message;
      // No stream captures the subject: the plant's stream is missing or its subjects are wrong.
      const hint = /no responders|503/i.test(message) ? ` (no JetStream stream takes subject ${subject})` : '';
      return { kind: 'retryable', error: `publish to ${subject} failed: ${message}${hint}` };
    }
  }

  async close(): Promise<void> {
    const all = [...this.connections.values()];
    this.connections.clear();
    await Promise.all(all.map(async (pending) => (await pending.catch(() => undefined))?.connection.close()));
  }

  private client(url: string): Promise<{ connection: NatsConnection; js: JetStreamClient }> {
    let pending = this.connections.get(url);
    if (pending === undefined) {
      pending = connect({ servers: url, name: 'millrace-deliveries', maxReconnectAttempts: -1 }).then((connection) => ({ connection, js: jetstream(connection) }));
      // A failed connect is not kept: the next attempt tries again.
      pending.catch(() => this.connections.delete(url));
      this.connections.set(url, pending);
    }
    return pending;
  }
}
