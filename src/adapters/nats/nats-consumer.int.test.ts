// The JetStream intake client against the real nats-server: a durable consumer that goes away
// while the hub reads (an operator deletes it, the plant recreates its stream) is created again,
// and the messages published meanwhile are read, with the loss of the consumer logged.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import type { NatsConsumerDeclaration } from '../../core/index.js';
import { NATS_URL, needNats } from '../../../test/support/services.js';
import { NatsConsumers } from './nats-consumer.js';

/** What the intake received, with a way to wait for one payload. */
function recordingIntake(consumer: NatsConsumerDeclaration) {
  const received: string[] = [];
  const waiters: { payload: string; resolve: () => void }[] = [];
  return {
    received,
    arrived: (payload: string) => new Promise<void>((resolve) => (received.includes(payload) ? resolve() : waiters.push({ payload, resolve }))),
    intake: {
      consumers: () => [consumer],
      receive: (_consumer: string, _subject: string, data: Uint8Array) => {
        const payload = new TextDecoder().decode(data);
        received.push(payload);
        for (const waiter of waiters.filter((w) => w.payload === payload)) waiter.resolve();
        return Promise.resolve({});
      },
    },
  };
}

describe('NATS JetStream consumers', () => {
  it('creates its durable consumer again when it is deleted, or its stream is recreated, and reads on', { timeout: 60_000 }, async (t) => {
    if (!(await needNats(t))) return;
    const run = `${process.pid}_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e6).toString(36)}`;
    const stream = `MR_CONSUMER_${run}`;
    const subject = `mr.${run}.in`;
    const connection = await connect({ servers: NATS_URL });
    const manager = await jetstreamManager(connection);
    const js = jetstream(connection);
    const declaration: NatsConsumerDeclaration = { id: 'plant', stream, durable: `hub_${run}`, filterSubject: `${subject}.>`, source: 'wms-p02', ackWait: '2s' };
    const { intake, arrived, received } = recordingIntake(declaration);
    const problems: string[] = [];
    const consumers = new NatsConsumers(intake, { url: NATS_URL, retryMs: 100, onError: (error) => problems.push((error as Error).message) });
    try {
      await manager.streams.add({ name: stream, subjects: [`${subject}.>`] });
      consumers.start();
      await js.publish(`${subject}.a`, 'm1');
      await arrived('m1');

      // Before: consume() kept pulling from the missing consumer, silently, and m2 never came.
      await manager.consumers.delete(stream, declaration.durable);
      await js.publish(`${subject}.a`, 'm2');
      await arrived('m2');
      assert.ok(problems.some((p) => /consumer (deleted|not found)/i.test(p)), `the loss is logged: ${problems.join('; ')}`);

      await manager.streams.delete(stream);
      await manager.streams.add({ name: stream, subjects: [`${subject}.>`] });
      await js.publish(`${subject}.a`, 'm3');
      await arrived('m3');
      // A consumer created again delivers the stream from its start: copies the door answers as duplicates.
      assert.deepEqual([...new Set(received)], ['m1', 'm2', 'm3']);
    } finally {
      await consumers.stop();
      await manager.streams.delete(stream).catch(() => undefined);
      await connection.close();
    }
  });
});
