// A NATS delivery of an event whose sender stamped a trace context on it, by a hub that does not
// trace: the real JetStream server at 127.0.0.1:4222 receives the message with the context as
// W3C Trace Context allows it to be passed on. A `tracestate` with a line break failed every
// attempt before (NATS headers cannot hold one).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { connect } from '@nats-io/transport-node';
import type { StoredEvent, SubscriptionDeclaration } from '../../core/index.js';
import { NatsDeliveryChannel } from './nats-delivery-channel.js';

const URL = 'nats://127.0.0.1:4222';
const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('NATS delivery of a sender trace context', () => {
  const run = randomUUID().slice(0, 8);
  const stream = `trace_context_${run}`;
  const subject = `millrace.trace.${run}`;
  let nats: NatsConnection;
  const channel = new NatsDeliveryChannel(URL);

  before(async () => {
    nats = await connect({ servers: URL });
    await (await jetstreamManager(nats)).streams.add({ name: stream, subjects: [subject] });
  });
  after(async () => {
    await (await jetstreamManager(nats)).streams.delete(stream);
    await channel.close?.();
    await nats.close();
  });

  it('publishes the event with its traceparent and the valid members of a tracestate that holds a line break', async () => {
    const stored = {
      sequence: 7,
      receivedTime: new Date().toISOString(),
      event: { specversion: '1.0', id: 'tc-nats-1', source: '/systems/erp-core', type: 'po.released', time: new Date().toISOString(), traceparent: TRACEPARENT, tracestate: 'erp=core,x=1\r\nx-injected: yes', data: {} },
    } as unknown as StoredEvent;
    const subscription = { id: 'po-copy', subscriber: 'erp-core', types: ['po.released'], channel: { kind: 'nats', subject } } as unknown as SubscriptionDeclaration;
    const result = await channel.send({ deliveryId: 'po-copy.7', attempt: 1, subscription, stored, now: new Date(), timeoutMs: 5_000 });
    assert.deepEqual(result, { kind: 'delivered' });
    const message = (await (await jetstreamManager(nats)).streams.getMessage(stream, { last_by_subj: subject })) ?? undefined;
    assert.equal(message?.header.get('traceparent'), TRACEPARENT);
    assert.equal(message?.header.get('tracestate'), 'erp=core');
  });
});
