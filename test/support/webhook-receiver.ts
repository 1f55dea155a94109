// A real local webhook receiver for delivery tests: it answers 2xx, fails (500), or holds the
// request without answering (a hang), as the test says, and records every request it gets.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedDelivery {
  readonly deliveryId: string;
  readonly signature: string | undefined;
  readonly contentType: string | undefined;
  readonly traceparent: string | undefined;
  readonly tracestate: string | undefined;
  readonly body: string;
  /** The event's id and correlationid, from the body. */
  readonly id: string;
  readonly correlationid: string | undefined;
}

export type ReceiverMode = 'ok' | 'fail' | 'hang';

export interface WebhookReceiver {
  readonly url: string;
  readonly received: ReceivedDelivery[];
  mode: ReceiverMode;
  /** Requests held now: not answered yet, and not given up by the sender (a timeout closes them). */
  readonly held: number;
  /** Answers (200) every request held so far. */
  release(): void;
  /** Resolves once `count` requests have come in. */
  waitFor(count: number): Promise<void>;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<WebhookReceiver> {
  const received: ReceivedDelivery[] = [];
  const held: (() => void)[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  const receiver = {
    url: '',
    received,
    mode: 'ok' as ReceiverMode,
    get held() {
      return held.length;
    },
    release: () => {
      for (const answer of held.splice(0)) answer();
    },
    waitFor: (count: number) => (received.length >= count ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ count, resolve }))),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      // CloudEvents come as JSON; an X12 delivery is an interchange (no id to read here).
      const event = (request.headers['content-type'] ?? '').startsWith('application/edi-x12') ? { id: '' } : (JSON.parse(body) as { id: string; correlationid?: string });
      const header = (name: string) => {
        const value = request.headers[name];
        return typeof value === 'string' ? value : undefined;
      };
      received.push({
        deliveryId: header('millrace-delivery-id') ?? '',
        signature: header('millrace-signature'),
        contentType: header('content-type'),
        traceparent: header('traceparent'),
        tracestate: header('tracestate'),
        body,
        id: event.id,
        correlationid: 'correlationid' in event ? event.correlationid : undefined,
      });
      for (const waiter of waiters.filter((w) => received.length >= w.count)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
      if (receiver.mode === 'fail') response.writeHead(500).end('broken');
      else if (receiver.mode === 'hang') {
        const answer = () => response.writeHead(200).end();
        held.push(answer);
        // The sender gave up (its timeout): the request is not held any more.
        response.on('close', () => {
          if (held.includes(answer)) held.splice(held.indexOf(answer), 1);
        });
      }
      else response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/millrace`;
  return receiver;
}
