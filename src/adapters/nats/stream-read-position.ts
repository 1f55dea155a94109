// How far the hub has read a plant's JetStream stream, so that a durable consumer created again
// (deleted by an operator, lost with its stream) starts after what the hub has kept instead of at
// the stream's first message. The position only claims what the hub is sure of: every message
// below it was handled. Where it cannot be sure, it stays lower (copies, never a loss).
import type { ConsumerInfo } from '@nats-io/jetstream';

/** What the consumer's info says when the hub starts reading it. */
export type ConsumerProgress = Pick<ConsumerInfo, 'ack_floor' | 'delivered' | 'num_ack_pending'>;

/** What the hub knew of a stream before a reading: this process's position, or the one kept in the store. */
export interface KnownReadPosition {
  readonly streamCreated: string;
  resumeAt(): number;
}

export class StreamReadPosition implements KnownReadPosition {
  /**
   * The highest stream sequence handled, or known handled when the reading started. JetStream
   * delivers a consumer's first copies in stream order, so what lies below was delivered before
   * it: handled, naked (`failed`), or delivered before this reading (`unsettled`).
   */
  private highest: number;
  /** Delivered and not kept (naked): the consumer delivers them again, a new one must as well. */
  private readonly failed = new Set<number>();
  /** Where the reading began while messages delivered before it are still unacknowledged. */
  private unsettled: { readonly resumeAt: number; readonly from: number; readonly to: number; readonly count: number; readonly seen: Set<number> } | undefined;
  /** A delivery sequence the hub never saw (a pull left by a stopped run, a lost packet): resume no later. */
  private ceiling = Number.POSITIVE_INFINITY;
  private lastDelivery: number;

  private constructor(
    /** The stream's creation time: a stream deleted and added again restarts its sequences at 1. */
    readonly streamCreated: string,
    consumer: ConsumerProgress,
    known: number,
  ) {
    this.highest = Math.max(known, consumer.ack_floor.stream_seq);
    this.lastDelivery = consumer.delivered.consumer_seq;
    // Delivered before this reading and not acknowledged (a run that stopped between its commit
    // and its ack, a buffer dropped): JetStream delivers them again, and until each is handled
    // a new consumer must start at or below them.
    if (consumer.num_ack_pending > 0 && consumer.delivered.stream_seq > this.highest) {
      this.unsettled = { resumeAt: this.highest + 1, from: consumer.ack_floor.stream_seq + 1, to: consumer.delivered.stream_seq, count: consumer.num_ack_pending, seen: new Set() };
    }
  }

  /**
   * The position as the hub starts reading `consumer` on the stream created at `streamCreated`:
   * what the consumer has acknowledged, and what the hub knew of that same stream (`before`,
   * ignored for another stream).
   */
  static reading(streamCreated: string, consumer: ConsumerProgress, before: KnownReadPosition | undefined): StreamReadPosition {
    const known = before?.streamCreated === streamCreated ? before.resumeAt() - 1 : 0;
    return new StreamReadPosition(streamCreated, consumer, known);
  }

  /** The message at `streamSeq` (delivery `deliverySeq`) is kept by the hub (committed or quarantined). */
  handled(streamSeq: number, deliverySeq: number): void {
    this.delivered(deliverySeq);
    this.failed.delete(streamSeq);
    if (streamSeq > this.highest) this.highest = streamSeq;
    const unsettled = this.unsettled;
    if (unsettled !== undefined && streamSeq >= unsettled.from && streamSeq <= unsettled.to) {
      // Only the unacknowledged ones of that range come again: once as many are handled, all are.
      unsettled.seen.add(streamSeq);
      if (unsettled.seen.size >= unsettled.count) this.unsettled = undefined;
    }
  }

  /** The message at `streamSeq` was not kept (the store failed): it is naked and must be read again. */
  notHandled(streamSeq: number, deliverySeq: number): void {
    this.delivered(deliverySeq);
    this.failed.add(streamSeq);
  }

  /** The first stream sequence a consumer created again must deliver: every message below it is handled. */
  resumeAt(): number {
    return Math.min(this.highest + 1, ...this.failed, this.unsettled?.resumeAt ?? Number.POSITIVE_INFINITY, this.ceiling);
  }

  private delivered(deliverySeq: number): void {
    // JetStream numbers every delivery of a consumer, copies included (nats-server 2.9): a jump
    // means deliveries went where the hub did not read them, above what it had handled.
    if (deliverySeq > this.lastDelivery + 1) this.ceiling = Math.min(this.ceiling, this.highest + 1);
    if (deliverySeq > this.lastDelivery) this.lastDelivery = deliverySeq;
  }
}
