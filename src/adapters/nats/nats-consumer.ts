// NATS JetStream in: each durable consumer the manifest declares is read message by message;
// a message is acked only after the hub has committed it (or kept it in quarantine). The hub's
// log is the durable store, not the stream: a Debian nats-server 2.9 acks before fsync. A
// crash before the ack makes JetStream redeliver after ack_wait, and the door's dedupe on
// source + id absorbs the copy. A store failure naks the message for a later redelivery.
import type { ConsumerMessages, JetStreamManager, JsMsg } from '@nats-io/jetstream';
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { connect } from '@nats-io/transport-node';
import type { NatsConsumerDeclaration } from '../../core/index.js';
import { parseDeliveryDuration } from '../../core/index.js';

export interface NatsEdgeIntake {
  consumers(): readonly NatsConsumerDeclaration[];
  receive(consumerId: string, subject: string, payload: Uint8Array): Promise<unknown>;
}

export interface NatsConsumersOptions {
  readonly url: string;
  readonly onError: (error: unknown, context: string) => void;
  /** Wait before reconnecting or re-reading after a failure. */
  readonly retryMs?: number;
  /** Told, per consumer id, true while its durable consumer is being read and false while the hub retries (and at start). */
  readonly onReading?: (consumerId: string, up: boolean) => void;
}

const NANOS_PER_MS = 1_000_000;

export class NatsConsumers {
  private connection: NatsConnection | undefined;
  private readonly reading = new Set<ConsumerMessages>();
  private loops: Promise<void>[] = [];
  private stopped = false;
  /** Wakes the loops from their wait between retries when the hub stops. */
  private readonly wake = new Set<() => void>();

  constructor(
    private readonly intake: NatsEdgeIntake,
    private readonly options: NatsConsumersOptions,
  ) {}

  /** Starts reading every consumer in the background; connection failures are retried. */
  start(): void {
    this.stopped = false;
    this.loops = this.intake.consumers().map((consumer) => this.run(consumer));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const wake of [...this.wake]) wake();
    for (const messages of this.reading) messages.stop();
    await Promise.all(this.loops);
    await this.connection?.close().catch(() => undefined);
    this.connection = undefined;
  }

  private async connectOnce(): Promise<NatsConnection> {
    if (this.connection === undefined || this.connection.isClosed()) {
      this.connection = await connect({ servers: this.options.url, name: 'millrace-hub', maxReconnectAttempts: -1 });
    }
    return this.connection;
  }

  private async run(consumer: NatsConsumerDeclaration): Promise<void> {
    const retryMs = this.options.retryMs ?? 1_000;
    // A missing stream or server fails the same way every second: say it when it changes.
    let lastProblem = '';
    const reading = (up: boolean): void => this.options.onReading?.(consumer.id, up);
    reading(false);
    while (!this.stopped) {
      try {
        const connection = await this.connectOnce();
        await ensureConsumer(await jetstreamManager(connection), consumer, parseDeliveryDuration(consumer.ackWait) ?? 30_000);
        // Without abort_on_missing_resource, a consumer deleted under the hub (by an operator, or
        // with its stream) is pulled from forever in silence; aborting lets the loop log it and
        // create the consumer again (its stream from the start: the door answers duplicates).
        const messages = await (await jetstream(connection).consumers.get(consumer.stream, consumer.durable)).consume({ max_messages: 64, abort_on_missing_resource: true });
        lastProblem = '';
        reading(true);
        this.reading.add(messages);
        try {
          for await (const message of messages) {
            if (this.stopped) break;
            await this.handle(consumer, message);
          }
        } finally {
          this.reading.delete(messages);
          reading(false);
        }
      } catch (error) {
        if (this.stopped) return;
        const problem = error instanceof Error ? error.message : String(error);
        if (problem !== lastProblem) this.options.onError(error, `nats consumer ${consumer.id} (${consumer.stream}/${consumer.durable}); retrying every ${retryMs} ms`);
        lastProblem = problem;
      }
      if (!this.stopped) {
        await new Promise<void>((resolve) => {
          const wake = (): void => {
            clearTimeout(timer);
            this.wake.delete(wake);
            resolve();
          };
          const timer = setTimeout(wake, retryMs);
          this.wake.add(wake);
        });
      }
    }
  }

  private async handle(consumer: NatsConsumerDeclaration, message: JsMsg): Promise<void> {
    try {
      await this.intake.receive(consumer.id, message.subject, message.data);
    } catch (error) {
      // Not kept: ask for a redelivery later instead of acking.
      this.options.onError(error, `nats message ${consumer.stream}#${message.seq} not processed; it will be redelivered`);
      message.nak(this.options.retryMs ?? 1_000);
      return;
    }
    // A lost ack only means a redelivery, which dedupes: do not stop the consumer for it.
    await message.ackAck().catch((error: unknown) => this.options.onError(error, `ack of ${consumer.stream}#${message.seq}`));
  }
}

/** The durable consumer, created when missing: explicit acks, from the start of the stream. */
async function ensureConsumer(manager: JetStreamManager, consumer: NatsConsumerDeclaration, ackWaitMs: number): Promise<void> {
  try {
    await manager.consumers.info(consumer.stream, consumer.durable);
    return;
  } catch {
    // Not there yet (or the stream is missing: add says which).
  }
  await manager.consumers.add(consumer.stream, {
    durable_name: consumer.durable,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: ackWaitMs * NANOS_PER_MS,
    ...(consumer.filterSubject === undefined ? {} : { filter_subject: consumer.filterSubject }),
  });
}
