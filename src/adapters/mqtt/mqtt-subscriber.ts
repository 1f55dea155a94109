// MQTT 5 in: the hub subscribes to the manifest's topic filters at QoS 1 in a persistent
// session (stable client id, clean start off, a session expiry), so what plants publish while
// the hub is down waits at the broker. Each PUBACK goes out only after the message is committed
// or kept in quarantine (mqtt.js customHandleAcks); messages are taken one at a time, in order.
// When the store fails the message is left unacknowledged and the connection is dropped: the
// broker sends it again when the hub reconnects, and the door's dedupe absorbs any copy.
// Hubs sharing a store take turns: the session is held by the one hub that holds its lead.
// The session keeps its subscriptions across restarts: a filter removed from the manifest is
// unsubscribed at the next connect, from the filters recorded in the store (ADR 0063).
import mqtt from 'mqtt';
import type { IPublishPacket, MqttClient } from 'mqtt';
import type { Lead, MqttSessionStore } from '../../ports/index.js';

export interface MqttEdgeIntake {
  filters(): string[];
  receive(topic: string, payload: Uint8Array): Promise<unknown>;
  /**
   * Told before each connection to the broker: another hub on the store may have held the session
   * meanwhile, so what the intake keeps in memory of the store (publishers' positions) is stale.
   */
  sessionResumed?(): void;
}

export interface MqttSubscriberOptions {
  readonly url: string;
  readonly clientId: string;
  readonly sessionExpirySeconds: number;
  readonly onError: (error: unknown, context: string) => void;
  readonly reconnectMs?: number;
  /** Told true once subscribed after each connect, false when the connection drops (and at start). */
  readonly onConnection?: (up: boolean) => void;
  /**
   * The session's lead among the hubs sharing the store (PostgreSQL): the broker keeps one session
   * per client id and gives it to the client that connected last, so hubs on one manifest would
   * take it from each other every reconnect period. The hub connects only while it holds the lead,
   * tries to take it every `reconnectMs` while it does not, and disconnects when it loses it.
   * Without it the hub always connects (one hub per SQLite file).
   */
  readonly lead?: Lead;
  /** Told when this hub starts or stops holding the lead (an operator wants to know which hub reads). */
  readonly onNotice?: (message: string) => void;
  /**
   * Where the filters the session was last subscribed to are kept (the hub's store). The broker
   * keeps a persistent session's subscriptions and cannot list them: without this record a filter
   * removed from the manifest stays subscribed, and its messages keep coming.
   */
  readonly session?: MqttSessionStore;
}

/** MQTT 5 reason code for a PUBACK: success. */
const SUCCESS = 0;

export class MqttSubscriber {
  private client: MqttClient | undefined;
  private connected: Promise<void> | undefined;
  /** The loop that takes turns with the other hubs (with a lead only). */
  private leading: Promise<void> | undefined;
  private stopped = false;
  /** Wakes the loop from its wait when the hub stops. */
  private wake: () => void = () => undefined;

  constructor(
    private readonly intake: MqttEdgeIntake,
    private readonly options: MqttSubscriberOptions,
  ) {}

  /** Connects (retrying in the background until the broker answers) and subscribes; with a lead, only while it holds it. */
  start(): void {
    this.options.onConnection?.(false);
    let resolveReady = (): void => undefined;
    this.connected = new Promise((resolve) => {
      resolveReady = resolve;
    });
    if (this.options.lead === undefined) this.client = this.connect(resolveReady);
    else this.leading = this.takeTurns(this.options.lead, resolveReady);
  }

  /**
   * Connects while this hub holds the session's lead: tries to take it every reconnect period, and
   * ends the connection (keeping the session) as soon as a check finds it lost. A short overlap is
   * possible (the Lead port has no fencing): the broker then gives the session to the later client,
   * and what the other had in flight comes again to the holder, answered as a duplicate.
   */
  private async takeTurns(lead: Lead, ready: () => void): Promise<void> {
    const period = this.options.reconnectMs ?? 1_000;
    const named = `mqtt session ${this.options.clientId}`;
    let leading: boolean | undefined;
    while (!this.stopped) {
      const held = await lead.tryLead();
      if (this.stopped) break;
      if (held !== leading) {
        if (!held) this.options.onNotice?.(`${named}: another hub on the store holds it (or the store does not answer); this hub tries to take it over every ${period} ms`);
        else if (leading === false) this.options.onNotice?.(`${named}: this hub holds it now`);
      }
      if (held && this.client === undefined) this.client = this.connect(ready);
      if (!held && this.client !== undefined) {
        if (leading === true) this.options.onNotice?.(`${named}: this hub lost its lead (its hold on the store ended); it disconnects and tries to take it again every ${period} ms`);
        await this.disconnect();
      }
      leading = held;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, period);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  private connect(ready: () => void): MqttClient {
    const filters = this.intake.filters();
    const onConnection = this.options.onConnection;
    const client = mqtt.connect(this.options.url, {
      protocolVersion: 5,
      clientId: this.options.clientId,
      clean: false,
      properties: { sessionExpiryInterval: this.options.sessionExpirySeconds },
      reconnectPeriod: this.options.reconnectMs ?? 1_000,
      // Subscriptions are renewed on every connect below; the session keeps them meanwhile.
      resubscribe: false,
      customHandleAcks: (topic, payload, packet: IPublishPacket, done) => {
        if (clearsRetained(packet)) {
          this.options.onNotice?.(`mqtt: the retained message of ${topic} was cleared (an empty retained message); nothing to take`);
          done(SUCCESS);
          return;
        }
        this.intake.receive(topic, payload).then(
          () => done(SUCCESS),
          (error: unknown) => {
            this.options.onError(error, `mqtt message on ${topic} not processed; the broker will send it again`);
            // No PUBACK: drop the connection so the broker redelivers on reconnect.
            done(error instanceof Error ? error : new Error(String(error)));
            client.stream.destroy();
          },
        );
      },
    });
    // A broker that is down fails every reconnect the same way: say it when it changes.
    let lastProblem = '';
    // A publisher that sends at QoS 0 gets no redelivery from the broker, but what arrives is
    // still taken (customHandleAcks covers QoS 1 and 2 only); a store failure loses it, and says so.
    client.handleMessage = (packet, callback) => {
      if (packet.qos !== 0 || clearsRetained(packet)) return callback();
      this.intake.receive(packet.topic, typeof packet.payload === 'string' ? new TextEncoder().encode(packet.payload) : packet.payload).then(
        () => callback(),
        (error: unknown) => {
          this.options.onError(error, `mqtt QoS 0 message on ${packet.topic} not processed and lost (publish at QoS 1 to have it resent)`);
          callback();
        },
      );
    };
    client.on('error', (error) => {
      if (error.message !== lastProblem) this.options.onError(error, `mqtt broker ${this.options.url}; reconnecting`);
      lastProblem = error.message;
    });
    // Before each connection's first message: another hub may have held the session meanwhile.
    client.on('connect', () => this.intake.sessionResumed?.());
    client.on('connect', () => {
      lastProblem = '';
      void this.subscribe(client, filters).then(
        () => {
          onConnection?.(true);
          ready();
        },
        // The connection stays up without its subscriptions; the next reconnect tries again.
        (error: unknown) => this.options.onError(error, `mqtt subscribe to ${filters.join(', ')}`),
      );
    });
    client.on('close', () => onConnection?.(false));
    return client;
  }

  /**
   * Ends the subscriptions of filters the manifest no longer has, then subscribes to its filters
   * and records them. What the broker had queued for a removed filter before the unsubscribe still
   * comes, and is kept in quarantine as an unmapped topic: it was published while the hub
   * subscribed to it. A store that does not answer does not hold the subscribe up: the removed
   * filters are then ended at a later connect (nothing is recorded meanwhile, so none is forgotten).
   */
  private async subscribe(client: MqttClient, filters: string[]): Promise<void> {
    const clientId = this.options.clientId;
    const session = await this.recordedSession(clientId);
    const removed = (session?.before ?? []).filter((filter) => !filters.includes(filter));
    if (removed.length > 0) {
      // An UNSUBACK never fails: a filter the session no longer has is answered "no subscription".
      await client.unsubscribeAsync(removed);
      this.options.onNotice?.(
        `mqtt session ${clientId}: unsubscribed from ${removed.join(', ')}, no longer in the manifest's mqtt.topics; what the broker had kept for it comes once more and is kept in quarantine (mqtt_unmapped_topic)`,
      );
    }
    // rh 1: retained messages only when the subscription is new. With the default (0) the broker
    // sent a topic's retained message again on every reconnect and restart: an unmappable one
    // went to the quarantine each time and, once its publisher had moved on, raised a false
    // sequence_reset (and a gap after it). rap (retain as published): the retain flag comes as
    // the publisher set it, so the clearing of a retained message is told from an empty message
    // (clearsRetained).
    await client.subscribeAsync(filters, { qos: 1, rh: 1, rap: true });
    if (session === undefined || session.before?.join('\u0000') === filters.join('\u0000')) return;
    await session.store.recordSessionFilters(clientId, filters).catch((error: unknown) => {
      this.options.onError(error, `mqtt session ${clientId}: recording its filters; tried again at the next connect`);
    });
  }

  /** The session's recorded filters (undefined `before`: none yet), or undefined when there is no store or it does not answer. */
  private async recordedSession(clientId: string): Promise<{ store: MqttSessionStore; before: readonly string[] | undefined } | undefined> {
    const store = this.options.session;
    if (store === undefined) return undefined;
    try {
      return { store, before: await store.sessionFilters(clientId) };
    } catch (error) {
      this.options.onError(error, `mqtt session ${clientId}: reading the filters it was subscribed to; a filter removed from the manifest is unsubscribed at a later connect`);
      return undefined;
    }
  }

  /** Ends the connection and keeps the session: the broker holds what arrives for whichever hub connects next. */
  private async disconnect(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client === undefined) return;
    await client.endAsync(false).catch(() => client.endAsync(true));
    this.options.onConnection?.(false);
  }

  /** Resolves once the hub is subscribed (tests wait for it before publishing). */
  ready(): Promise<void> {
    return this.connected ?? Promise.resolve();
  }

  /** Disconnects and keeps the session: the broker holds what arrives until the hub is back. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake();
    await this.leading;
    await this.disconnect();
    // Last: a hub taking over connects once nothing of ours is in flight.
    await this.options.lead?.release();
  }
}

/**
 * An empty payload with the retain flag: the MQTT way to delete a topic's retained message, which
 * the broker forwards to the subscribers as well. It carries no fact; quarantined, it was an entry
 * no retry could ever take (ADR 0054). An empty payload without the flag is still a message.
 */
function clearsRetained(packet: { retain: boolean; payload: Buffer | string }): boolean {
  return packet.retain && packet.payload.length === 0;
}
