// MQTT 5 in: the hub subscribes to the manifest's topic filters at QoS 1 in a persistent
// session (stable client id, clean start off, a session expiry), so what plants publish while
// the hub is down waits at the broker. Each PUBACK goes out only after the message is committed
// or kept in quarantine (mqtt.js customHandleAcks); messages are taken one at a time, in order.
// When the store fails the message is left unacknowledged and the connection is dropped: the
// broker sends it again when the hub reconnects, and the door's dedupe absorbs any copy.
import mqtt from 'mqtt';
import type { MqttClient } from 'mqtt';

export interface MqttEdgeIntake {
  filters(): string[];
  receive(topic: string, payload: Uint8Array): Promise<unknown>;
}

export interface MqttSubscriberOptions {
  readonly url: string;
  readonly clientId: string;
  readonly sessionExpirySeconds: number;
  readonly onError: (error: unknown, context: string) => void;
  readonly reconnectMs?: number;
  /** Told true once subscribed after each connect, false when the connection drops (and at start). */
  readonly onConnection?: (up: boolean) => void;
}

/** MQTT 5 reason code for a PUBACK: success. */
const SUCCESS = 0;

export class MqttSubscriber {
  private client: MqttClient | undefined;
  private connected: Promise<void> | undefined;

  constructor(
    private readonly intake: MqttEdgeIntake,
    private readonly options: MqttSubscriberOptions,
  ) {}

  /** Connects (retrying in the background until the broker answers) and subscribes. */
  start(): void {
    const filters = this.intake.filters();
    const onConnection = this.options.onConnection;
    onConnection?.(false);
    const client = mqtt.connect(this.options.url, {
      protocolVersion: 5,
      clientId: this.options.clientId,
      clean: false,
      properties: { sessionExpiryInterval: this.options.sessionExpirySeconds },
      reconnectPeriod: this.options.reconnectMs ?? 1_000,
      // Subscriptions are renewed on every connect below; the session keeps them meanwhile.
      resubscribe: false,
      customHandleAcks: (topic, payload, _packet, done) => {
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
      if (packet.qos !== 0) return callback();
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
    this.connected = new Promise((resolve) => {
      client.on('connect', () => {
        // rh 1: retained messages only when the subscription is new. With the default (0) the
        // broker sent a topic's retained message again on every reconnect and restart: an
        // unmappable one went to the quarantine each time and, once its publisher had moved on,
        // raised a false sequence_reset (and a gap after it).
        lastProblem = '';
        client.subscribe(
          filters,
          { qos: 1, rh: 1 },
          (error) => {
            if (error !== null && error !== undefined) this.options.onError(error, `mqtt subscribe to ${filters.join(', ')}`);
            else {
              onConnection?.(true);
              resolve();
            }
          },
        );
      });
    });
    client.on('close', () => onConnection?.(false));
    this.client = client;
  }

  /** Resolves once the hub is subscribed (tests wait for it before publishing). */
  ready(): Promise<void> {
    return this.connected ?? Promise.resolve();
  }

  /** Disconnects and keeps the session: the broker holds what arrives until the hub is back. */
  async stop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client === undefined) return;
    await client.endAsync(false).catch(() => client.endAsync(true));
  }
}
