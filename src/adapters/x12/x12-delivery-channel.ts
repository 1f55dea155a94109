// X12 deliveries: each po.released a supplier subscribes to over X12 goes out as an 850, with
// a control number from that partner's durable sequence, POSTed to the partner's endpoint (an
// AS2 gateway or VAN mailbox that takes HTTP) as application/edi-x12, signed like a webhook.
import type { AttemptResult, Manifest } from '../../core/index.js';
import { X12_OUTBOUND_TYPES } from '../../core/index.js';
import type { Clock, DeliveryAttempt, DeliveryChannel, X12ControlNumbers } from '../../ports/index.js';
import { render850 } from '../../app/x12-outbound.js';
import { DELIVERY_ID_HEADER, postDelivery, signedHeaders } from '../webhook/webhook-channel.js';

export interface X12DeliveryOptions {
  readonly manifest: Pick<Manifest, 'hub' | 'partners'>;
  readonly controlNumbers: X12ControlNumbers;
  readonly clock: Clock;
  readonly secrets: ReadonlyMap<string, string>;
  readonly userAgent: string;
}

export class X12DeliveryChannel implements DeliveryChannel {
  constructor(private readonly options: X12DeliveryOptions) {}

  async send(attempt: DeliveryAttempt): Promise<AttemptResult> {
    const { channel, subscriber } = attempt.subscription;
    const event = attempt.stored.event;
    if (channel.url === undefined) return { kind: 'permanent', error: 'the x12 channel has no url' };
    if (!X12_OUTBOUND_TYPES.has(event.type)) return { kind: 'permanent', error: `${event.type} has no X12 rendering (only ${[...X12_OUTBOUND_TYPES].join(', ')})` };
    const partner = this.options.manifest.partners.find((p) => p.id === subscriber);
    if (partner === undefined) return { kind: 'permanent', error: `subscriber ${subscriber} is not a partner of the manifest` };
    let text: string;
    try {
      // A new control number per attempt: a resent 850 is a new interchange carrying the same PO.
      text = (await render850(event, partner, this.options.manifest, { controlNumbers: this.options.controlNumbers, clock: this.options.clock })).text;
    } catch (error) {
      return { kind: 'permanent', error: `cannot render the 850: ${(error as Error).message}` };
    }
    const signed = signedHeaders(attempt, this.options.secrets, text);
    if (!signed.ok) return signed.failure;
    const headers: Record<string, string> = {
      'content-type': 'application/edi-x12',
      'user-agent': this.options.userAgent,
      [DELIVERY_ID_HEADER]: attempt.deliveryId,
      'millrace-attempt': String(attempt.attempt),
      ...signed.headers,
    };
    return postDelivery(channel.url, headers, text, attempt);
  }
}
