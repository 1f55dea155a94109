// NATS JetStream in: each durable consumer the manifest declares is read message by message;
// a message is acked only after the hub has committed it (or kept it in quarantine). The hub's
// log is the durable store, not the stream: a Debian nats-server 2.9 acks before fsync. A
// crash before the ack makes JetStream redeliver after ack_wait, and the door's dedupe on
// source + id absorbs the copy. A store failure naks the message for a later redelivery.
// A durable consumer created again starts after what the hub has read of the same stream; the
// position is written to the hub's store now and then and at stop, so a restart keeps it too.
// Hubs sharing a store take turns: each consumer is read by the one hub that holds its lead.
// A durable consumer the hub created carries its mark (the description); at start, one whose
// manifest entry is gone is deleted, so it no longer holds the stream's messages (ADR 0067).
import type { ConsumerInfo, ConsumerMessages, JetStreamManager, JsMsg } from '@nats-io/jetstream';
import { AckPolicy, DeliverPolicy, JetStreamApiCodes, JetStreamApiError, jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { connect } from '@nats-io/transport-node';
import type { NatsConsumerDeclaration } from '../../core/index.js';
import { parseDeliveryDuration } from '../../core/index.js';
import type { Lead, StreamReadMark, StreamReadPositionStore } from '../../ports/index.js';
import type { KnownReadPosition } from './stream-read-position.js';
import { StreamReadPosition } from './stream-read-position.js';

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
  /** Told where a durable consumer created again starts (an operator wants to know why the hub reads what it reads). */
  readonly onNotice?: (message: string) => void;
  /**
   * Where each consumer's read position is kept across restarts (the hub's store). Without it the
   * position lives in the process only, and a hub that starts and finds its consumer missing reads
   * the stream from its start.
   */
  readonly positions?: StreamReadPositionStore;
  /** How often a position that moved on is written (default 1 s); it is written at stop too. */
  readonly positionWriteMs?: number;
  /**
   * Each consumer's lead among the hubs sharing the store (PostgreSQL): the hub reads a consumer
   * only while it holds its lead, and tries again every `retryMs` while it does not. Its read
   * position assumes one reader: two hubs reading at once could record a position past a message
   * the other naked, which a consumer created again would then skip. Without it the hub always
   * reads (one hub per SQLite file).
   */
  readonly leadOf?: (consumer: ConsumerName) => Lead;
}

const NANOS_PER_MS = 1_000_000;

/** A durable consumer on the server: its stream and name (what a lead is named after). */
export type ConsumerName = Pick<NatsConsumerDeclaration, 'stream' | 'durable'>;

export class NatsConsumers {
  private connection: NatsConnection | undefined;
  private connecting: Promise<NatsConnection> | undefined;
  private readonly reading = new Set<ConsumerMessages>();
  private loops: Promise<void>[] = [];
  private stopped = false;
  /** Wakes the loops from their wait between retries when the hub stops. */
  private readonly wake = new Set<() => void>();
  /** Per consumer id, how far the hub has read its stream in this process: kept across readings. */
  private readonly positions = new Map<string, StreamReadPosition>();
  /** The marks the store held when this process first read them (before any reading of its own). */
  private storedMarks: Promise<Map<string, StreamReadMark>> | undefined;
  /** Per consumer id, the mark last written, so an unchanged position is not written again. */
  private readonly written = new Map<string, string>();
  private writing: Promise<void> | undefined;
  private writer: ReturnType<typeof setInterval> | undefined;
  /** Per consumer id, its lead (when the hub shares its store), released at stop. */
  private readonly leads = new Map<string, Lead>();

  constructor(
    private readonly intake: NatsEdgeIntake,
    private readonly options: NatsConsumersOptions,
  ) {}

  /**
   * Starts reading every consumer in the background, and deletes the durable consumers the hub
   * created for manifest entries that are gone; connection failures are retried.
   */
  start(): void {
    this.stopped = false;
    this.loops = [...this.intake.consumers().map((consumer) => this.run(consumer)), this.retried('deleting the durable consumers of nats.consumers entries no longer in the manifest', () => this.deleteRemoved())];
    if (this.options.positions !== undefined) {
      // A crash loses at most this interval of progress: the next start reads those messages
      // again and the door answers them as duplicates. A write per message would double the
      // fsyncs of a NATS intake that commits one message at a time.
      this.writer = setInterval(() => void this.writePositions(), this.options.positionWriteMs ?? 1_000);
      this.writer.unref();
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.writer);
    this.writer = undefined;
    for (const wake of [...this.wake]) wake();
    for (const messages of this.reading) messages.stop();
    await Promise.all(this.loops);
    // What was read up to the stop, kept for the next start (after any write under way).
    await this.writing;
    await this.writePositions();
    await this.connection?.close().catch(() => undefined);
    this.connection = undefined;
    // Last: a hub taking over reads the position just written, and nothing of ours is in flight.
    await Promise.all([...this.leads.values()].map((lead) => lead.release()));
  }

  /**
   * The hub's one connection. One connect at a time: the consumers' loops (and the deletion of
   * removed ones) start together, and each opened its own, of which all but the last were never
   * closed (a process that did not exit after stop, a connection per consumer left at the server).
   */
  private connectOnce(): Promise<NatsConnection> {
    if (this.connection !== undefined && !this.connection.isClosed()) return Promise.resolve(this.connection);
    this.connecting ??= connect({ servers: this.options.url, name: 'millrace-hub', maxReconnectAttempts: -1 })
      .then((connection) => {
        this.connection = connection;
        return connection;
      })
      .finally(() => {
        this.connecting = undefined;
      });
    return this.connecting;
  }

  private async run(consumer: NatsConsumerDeclaration): Promise<void> {
    const retryMs = this.options.retryMs ?? 1_000;
    const named = `nats consumer ${consumer.id} (${consumer.stream}/${consumer.durable})`;
    // A missing stream or server fails the same way every second: say it when it changes.
    const problems = { last: '' };
    this.options.onReading?.(consumer.id, false);
    const lead = this.leadOf(consumer);
    // Whether this hub held the lead at its last try: a change is told, not every try.
    let leading: boolean | undefined;
    while (!this.stopped) {
      const held = lead === undefined || (await lead.tryLead());
      if (lead !== undefined && held !== leading) {
        if (!held) this.options.onNotice?.(`${named}: another hub on the store reads it (or the store does not answer); this hub tries to take it over every ${retryMs} ms`);
        else if (leading === false) this.options.onNotice?.(`${named}: this hub reads it now`);
      }
      leading = held;
      if (held && !this.stopped) {
        try {
          if (!(await this.readWhileLeading(consumer, lead, retryMs, problems))) {
            this.options.onNotice?.(`${named}: this hub lost its lead (its hold on the store ended); it stops reading and tries to take it again every ${retryMs} ms`);
            leading = false;
          }
        } catch (error) {
          if (this.stopped) return;
          const problem = error instanceof Error ? error.message : String(error);
          if (problem !== problems.last) this.options.onError(error, `${named}; retrying every ${retryMs} ms`);
          problems.last = problem;
        }
      }
      if (!this.stopped) await this.pause(retryMs);
    }
  }

  /**
   * Reads the consumer until the hub stops (true) or loses its lead (false); a failure of the
   * reading is thrown. The lead is checked before each message, and every `retryMs` while none
   * comes: a hub that took it over may be reading already, and what this one pulled and did not
   * handle goes to that hub after `ackWait`.
   */
  private async readWhileLeading(consumer: NatsConsumerDeclaration, lead: Lead | undefined, retryMs: number, problems: { last: string }): Promise<boolean> {
    const connection = await this.connectOnce();
    const position = await this.startReading(await jetstreamManager(connection), consumer);
    this.positions.set(consumer.id, position);
    // Without abort_on_missing_resource, a consumer deleted under the hub (by an operator, or
    // with its stream) is pulled from forever in silence; aborting lets the loop log it and
    // create the consumer again (after what the hub has read: startReading).
    const messages = await (await jetstream(connection).consumers.get(consumer.stream, consumer.durable)).consume({ max_messages: 64, abort_on_missing_resource: true });
    problems.last = '';
    let held = true;
    const lost = (): void => {
      held = false;
      messages.stop();
    };
    const watch = lead === undefined ? undefined : setInterval(() => void lead.tryLead().then((still) => (still ? undefined : lost())), retryMs);
    this.options.onReading?.(consumer.id, true);
    this.reading.add(messages);
    try {
      for await (const message of messages) {
        if (this.stopped) break;
        if (lead !== undefined && !(await lead.tryLead())) {
          lost();
          break;
        }
        await this.handle(consumer, message, position);
      }
    } finally {
      clearInterval(watch);
      this.reading.delete(messages);
      this.options.onReading?.(consumer.id, false);
    }
    return held || this.stopped;
  }

  /** Runs `task` until it succeeds or the hub stops, every `retryMs`; a failure is logged when it changes. */
  private async retried(what: string, task: () => Promise<void>): Promise<void> {
    const retryMs = this.options.retryMs ?? 1_000;
    let last = '';
    while (!this.stopped) {
      try {
        await task();
        return;
      } catch (error) {
        if (this.stopped) return;
        const problem = error instanceof Error ? error.message : String(error);
        if (problem !== last) this.options.onError(error, `${what}; retrying every ${retryMs} ms`);
        last = problem;
      }
      await this.pause(retryMs);
    }
  }

  /**
   * Deletes each durable consumer that the hub created (its description carries the hub's mark and
   * names a consumer id this store has a read position for) and that the manifest no longer names:
   * left, it kept the stream's messages for a reader that never came back (on a stream with
   * interest or work-queue retention, for good). A consumer without the mark (made by the plant, or
   * by a hub before the mark existed) or marked for an id this store never read (another hub's) is
   * never touched. Among hubs on one store, one still reading it (an older manifest) keeps it.
   */
  private async deleteRemoved(): Promise<void> {
    const marks = await this.readStoredMarks();
    const declared = this.intake.consumers();
    const streams = new Set([...[...marks.values()].map((mark) => mark.stream), ...declared.map((consumer) => consumer.stream)]);
    if (marks.size === 0 || streams.size === 0) return;
    const manager = await jetstreamManager(await this.connectOnce());
    for (const stream of streams) {
      for (const info of await listConsumers(manager, stream)) {
        const id = createdFor(info.config.description);
        if (id === undefined || !marks.has(id) || declared.some((consumer) => consumer.stream === stream && consumer.durable === info.name)) continue;
        await this.deleteConsumer(manager, { id, stream, durable: info.name });
      }
    }
  }

  /** Deletes one consumer no longer in the manifest, unless another hub on the store reads it now. */
  private async deleteConsumer(manager: JetStreamManager, consumer: ConsumerName & { readonly id: string }): Promise<void> {
    const lead = this.options.leadOf?.(consumer);
    try {
      if (lead !== undefined && !(await lead.tryLead())) {
        this.options.onNotice?.(`nats consumer ${consumer.id}: ${consumer.stream}/${consumer.durable} is no longer in the manifest's nats.consumers, but another hub on the store reads it (an older manifest); it is left, and deleted at a later start`);
        return;
      }
      try {
        await manager.consumers.delete(consumer.stream, consumer.durable);
      } catch (error) {
        // Another hub on the store deleted it first.
        if (!(error instanceof JetStreamApiError && error.code === JetStreamApiCodes.ConsumerNotFound)) throw error;
        return;
      }
      this.options.onNotice?.(`nats consumer ${consumer.id}: deleted ${consumer.stream}/${consumer.durable}, which the hub had created for it: the manifest's nats.consumers no longer lists it, and the stream no longer keeps messages for it`);
    } finally {
      await lead?.release();
    }
  }

  /** The consumer's lead, one per consumer for the process (none when the hub does not share its store). */
  private leadOf(consumer: NatsConsumerDeclaration): Lead | undefined {
    if (this.options.leadOf === undefined) return undefined;
    let lead = this.leads.get(consumer.id);
    if (lead === undefined) {
      lead = this.options.leadOf(consumer);
      this.leads.set(consumer.id, lead);
    }
    return lead;
  }

  /** Waits `ms`, or less when the hub stops. */
  private pause(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.wake.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.wake.add(wake);
    });
  }

  /**
   * The durable consumer, created when missing (explicit acks): on a stream the hub has read, from
   * the first message it has not handled; on a stream it has not read (a first start, a stream
   * deleted and added again: its sequences start at 1 again), from the stream's start.
   */
  private async startReading(manager: JetStreamManager, consumer: NatsConsumerDeclaration): Promise<StreamReadPosition> {
    const stream = await manager.streams.info(consumer.stream);
    const before: KnownReadPosition | undefined = this.positions.get(consumer.id) ?? storedPosition((await this.readStoredMarks()).get(consumer.id), consumer);
    let info = await consumerInfo(manager, consumer);
    // A consumer created under another filter subject than the manifest's now: read as it is, it
    // went on delivering the old filter's messages only, and the position written under the new
    // filter claimed the others kept. It is created again, from the start of the stream: what the
    // old filter left out lies anywhere in it, and what was read before comes as duplicates.
    const refiltered = info !== undefined && (info.config.filter_subject ?? '') !== (consumer.filterSubject ?? '') ? (info.config.filter_subject ?? '') : undefined;
    if (refiltered !== undefined) {
      await manager.consumers.delete(consumer.stream, consumer.durable);
      info = undefined;
    }
    // The creation time tells a stream added again under the same name; sequences that went back
    // (a stream restored from an older backup) are not the stream the hub read either.
    const read = refiltered === undefined && before !== undefined && before.streamCreated === stream.created && before.resumeAt() <= stream.state.last_seq + 1 ? before : undefined;
    if (info !== undefined) info = await matchAckWait(manager, consumer, info, this.options.onNotice);
    if (info === undefined) {
      const from = read?.resumeAt() ?? 1;
      info = await addConsumer(manager, consumer, from);
      // The stream may have been deleted and added again between its info and the add: the new
      // consumer would skip the new stream's first messages. Drop it and start over.
      if (from > 1 && (await manager.streams.info(consumer.stream)).created !== stream.created) {
        await manager.consumers.delete(consumer.stream, consumer.durable).catch(() => undefined);
        throw new Error(`stream ${consumer.stream} was added again while its consumer ${consumer.durable} was being created`);
      }
      const where =
        read !== undefined
          ? `again, from stream sequence ${from}: the hub has handled every message before it`
          : refiltered !== undefined
            ? `again, from the start of the stream: it had filter subject ${refiltered || '(none)'}, the manifest says ${consumer.filterSubject ?? '(none)'}`
            : before === undefined
            ? 'from the start of the stream'
            : `from the start of the stream: it is not the stream the hub read (created ${stream.created}, last sequence ${stream.state.last_seq})`;
      this.options.onNotice?.(`nats consumer ${consumer.id}: created ${consumer.stream}/${consumer.durable} ${where}`);
    }
    return StreamReadPosition.reading(stream.created, info, read);
  }

  /** The store's marks, read once per process; a failed read is tried again at the next reading. */
  private readStoredMarks(): Promise<Map<string, StreamReadMark>> {
    const store = this.options.positions;
    if (store === undefined) return Promise.resolve(new Map<string, StreamReadMark>());
    this.storedMarks ??= store.streamReadMarks().then(
      (marks) => new Map(marks.map((mark) => [mark.consumer, mark])),
      (error: unknown) => {
        this.storedMarks = undefined;
        throw error;
      },
    );
    return this.storedMarks;
  }

  /**
   * Writes each consumer's position that moved on since its last write. One write at a time; a
   * failed one is logged and tried again at the next turn (the position in memory is unchanged).
   */
  private writePositions(): Promise<void> {
    const store = this.options.positions;
    if (store === undefined || this.writing !== undefined) return this.writing ?? Promise.resolve();
    const write = async (): Promise<void> => {
      for (const consumer of this.intake.consumers()) {
        const position = this.positions.get(consumer.id);
        if (position === undefined) continue;
        const mark: StreamReadMark = { consumer: consumer.id, stream: consumer.stream, streamCreated: position.streamCreated, filterSubject: consumer.filterSubject ?? '', resumeAt: position.resumeAt() };
        const key = `${mark.stream}\u0000${mark.streamCreated}\u0000${mark.filterSubject}\u0000${mark.resumeAt}`;
        if (this.written.get(consumer.id) === key) continue;
        try {
          await store.recordStreamRead(mark);
          this.written.set(consumer.id, key);
        } catch (error) {
          this.options.onError(error, `writing the read position of nats consumer ${consumer.id} (${consumer.stream} at ${mark.resumeAt}); tried again`);
        }
      }
    };
    this.writing = write().finally(() => {
      this.writing = undefined;
    });
    return this.writing;
  }

  private async handle(consumer: NatsConsumerDeclaration, message: JsMsg, position: StreamReadPosition): Promise<void> {
    try {
      await this.intake.receive(consumer.id, message.subject, message.data);
    } catch (error) {
      // Not kept: ask for a redelivery later instead of acking.
      this.options.onError(error, `nats message ${consumer.stream}#${message.seq} not processed; it will be redelivered`);
      position.notHandled(message.seq, message.info.deliverySequence);
      message.nak(this.options.retryMs ?? 1_000);
      return;
    }
    position.handled(message.seq, message.info.deliverySequence);
    // A lost ack only means a redelivery, which dedupes: do not stop the consumer for it.
    await message.ackAck().catch((error: unknown) => this.options.onError(error, `ack of ${consumer.stream}#${message.seq}`));
  }
}

/**
 * A mark from the store as what the hub knew of its stream, when it is about the consumer's stream
 * and filter as the manifest declares them now: a wider filter has messages below the mark that
 * were never read. (The stream's creation time is compared where the stream's info is at hand.)
 */
function storedPosition(mark: StreamReadMark | undefined, consumer: NatsConsumerDeclaration): KnownReadPosition | undefined {
  if (mark === undefined || mark.stream !== consumer.stream || mark.filterSubject !== (consumer.filterSubject ?? '')) return undefined;
  return { streamCreated: mark.streamCreated, resumeAt: () => mark.resumeAt };
}

/** The durable consumer's info, or undefined when it does not exist (other failures are thrown). */
async function consumerInfo(manager: JetStreamManager, consumer: NatsConsumerDeclaration): Promise<ConsumerInfo | undefined> {
  try {
    return await manager.consumers.info(consumer.stream, consumer.durable);
  } catch (error) {
    if (error instanceof JetStreamApiError && error.code === JetStreamApiCodes.ConsumerNotFound) return undefined;
    throw error;
  }
}

/**
 * The consumer with the manifest's `ackWait`: one created before the manifest changed kept the
 * old one (JetStream updates it in place; nothing else about the reading changes).
 */
async function matchAckWait(manager: JetStreamManager, consumer: NatsConsumerDeclaration, info: ConsumerInfo, onNotice: ((message: string) => void) | undefined): Promise<ConsumerInfo> {
  const ackWait = ackWaitNanos(consumer);
  if (info.config.ack_wait === ackWait) return info;
  const updated = await manager.consumers.update(consumer.stream, consumer.durable, { ack_wait: ackWait });
  onNotice?.(`nats consumer ${consumer.id}: ack wait of ${consumer.stream}/${consumer.durable} set to ${ackWait / NANOS_PER_MS} ms as the manifest says (it was ${(info.config.ack_wait ?? 0) / NANOS_PER_MS} ms)`);
  return updated;
}

function ackWaitNanos(consumer: NatsConsumerDeclaration): number {
  return (parseDeliveryDuration(consumer.ackWait) ?? 30_000) * NANOS_PER_MS;
}

/**
 * The mark of a durable consumer the hub created: the description names the manifest entry it was
 * created for. A description rather than the name, which is the manifest's (a plant may have chosen
 * it, and may have made the consumer itself); nats-server 2.9 has no consumer metadata.
 */
const CREATED_BY_HUB = 'millrace hub: durable consumer of nats.consumers ';

function createdByHubDescription(consumer: NatsConsumerDeclaration): string {
  return `${CREATED_BY_HUB}${consumer.id}; deleted by the hub when the manifest no longer lists it`;
}

/** The manifest entry id a consumer was created for, when the hub created it (its description carries the mark). */
function createdFor(description: string | undefined): string | undefined {
  if (description?.startsWith(CREATED_BY_HUB) !== true) return undefined;
  return /^[^\s;]+/.exec(description.slice(CREATED_BY_HUB.length))?.[0];
}

/** The consumers of a stream; none when the stream is gone. */
async function listConsumers(manager: JetStreamManager, stream: string): Promise<ConsumerInfo[]> {
  const found: ConsumerInfo[] = [];
  try {
    for await (const info of manager.consumers.list(stream)) found.push(info);
  } catch (error) {
    if (error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound) return [];
    throw error;
  }
  return found;
}

/** Creates the durable consumer, delivering from stream sequence `from` (1: the whole stream). */
async function addConsumer(manager: JetStreamManager, consumer: NatsConsumerDeclaration, from: number): Promise<ConsumerInfo> {
  return manager.consumers.add(consumer.stream, {
    durable_name: consumer.durable,
    description: createdByHubDescription(consumer),
    ack_policy: AckPolicy.Explicit,
    ...(from > 1 ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: from } : { deliver_policy: DeliverPolicy.All }),
    ack_wait: ackWaitNanos(consumer),
    ...(consumer.filterSubject === undefined ? {} : { filter_subject: consumer.filterSubject }),
  });
}
