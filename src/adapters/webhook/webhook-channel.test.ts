// The webhook channel against a real local HTTP receiver: which answers are delivered, worth
// another attempt or permanent, and what a receiver's large or slow answer, Retry-After and
// signature check come to.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { AttemptResult, StoredEvent, SubscriptionDeclaration } from '../../core/index.js';
import { verifySignature, WebhookChannel } from './webhook-channel.js';

interface Received {
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

/** A receiver that answers each request with whatever the test set last. */
let answer: (response: ServerResponse) => void = (response) => response.writeHead(204).end();
const received: Received[] = [];
const server = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    received.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
    answer(response);
  });
});
let url = '';
before(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
});
after(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const NOW = new Date('2026-03-02T10:00:00Z');
const stored: StoredEvent = {
  sequence: 7,
  receivedTime: '2026-03-02T10:00:00.100Z',
  event: { specversion: '1.0', id: 'po-4711-r', source: '/systems/erp', type: 'po.released', time: '2026-03-02T10:00:00Z', data: { poNumber: '4711', note: 'Größe 12 – 価格 ✓' } },
};

function send(timeoutMs = 2000, to = url): Promise<AttemptResult> {
  const subscription: SubscriptionDeclaration = { id: 'portal', subscriber: 'sup', types: ['po.released'], channel: { kind: 'webhook', url: to, secret: 'hook' } };
  const channel = new WebhookChannel({ secrets: new Map([['hook', 'whsec-1']]), userAgent: 'millrace/test' });
  return channel.send({ deliveryId: 'portal.7', attempt: 1, subscription, stored, now: NOW, timeoutMs });
}

describe('what a webhook answer comes to', () => {
  it('retries every 5xx, as docs/delivery.md promises: 501, 505, 507, a CDN in front of the receiver (520-524), 599', async () => {
    for (const status of [500, 501, 502, 503, 504, 505, 507, 508, 511, 520, 521, 522, 523, 524, 599]) {
      answer = (response) => response.writeHead(status).end();
      const result = await send();
      assert.equal(result.kind, 'retryable', `HTTP ${status}`);
    }
  });

  it('retries 408, 425 and 429 and honours Retry-After in seconds or as a date', async () => {
    for (const status of [408, 425, 429]) {
      answer = (response) => response.writeHead(status, { 'retry-after': '120' }).end();
      assert.deepEqual(await send(), { kind: 'retryable', error: `HTTP ${status} from ${url}`, retryAfterMs: 120_000 });
    }
    answer = (response) => response.writeHead(503, { 'retry-after': new Date(NOW.getTime() + 90_000).toUTCString() }).end();
    const result = await send();
    assert.equal(result.kind === 'retryable' ? result.retryAfterMs : undefined, 90_000);
  });

  it("keeps a URL's credentials and query values out of what it says (lastError, the log)", async () => {
    // A receiver that takes its token in the query, or basic credentials in the URL: the reason
    // of a failed attempt is shown to operators and logged at warn.
    const secretUrl = `${url}?token=s3cr3t-t0ken&tenant=acme`;
    answer = (response) => response.writeHead(503).end();
    const failed = await send(2000, secretUrl);
    const said = failed.kind === 'delivered' ? '' : failed.error;
    assert.equal(said, `HTTP 503 from ${url}?token=…&tenant=…`);
    answer = (response) => response.writeHead(204).end();
    // fetch refuses a URL with credentials, and its own message repeats the URL whole.
    const closed = await send(2000, url.replace('http://', 'http://svc:pa55word@') + '?token=s3cr3t-t0ken');
    const reason = closed.kind === 'delivered' ? '' : closed.error;
    assert.match(reason, /^cannot reach http:\/\/127\.0\.0\.1:\d+\/hooks\?token=…: /);
    for (const text of [said, reason]) assert.ok(!/s3cr3t|pa55word|svc:/.test(text), text);
  });

  it('gives up at once on another 4xx and on a redirect, saying why', async () => {
    for (const status of [400, 401, 403, 404, 410, 413, 415, 422]) {
      answer = (response) => response.writeHead(status).end();
      assert.deepEqual(await send(), { kind: 'permanent', error: `HTTP ${status} from ${url}` });
    }
    for (const status of [301, 302, 307, 308]) {
      answer = (response) => response.writeHead(status, { location: 'http://127.0.0.1:1/elsewhere' }).end();
      const result = await send();
      assert.equal(result.kind, 'permanent');
      assert.match(result.kind === 'permanent' ? result.error : '', /redirects are not followed/);
    }
  });

  it('is delivered on a 2xx without reading a huge or slowly dripping answer to its end', async () => {
    // 500 MB offered in 1 MiB chunks, written only as fast as the client reads: a channel that read
    // the answer to its end would take all of them before the connection closes.
    let sent = 0;
    let closed: Promise<void> = Promise.resolve();
    answer = (response) => {
      closed = new Promise((resolve) => response.once('close', () => resolve()));
      response.writeHead(200, { 'content-type': 'text/plain' });
      const chunk = Buffer.alloc(1 << 20, 97);
      const more = (): void => {
        while (sent < 500 && !response.destroyed) {
          sent += 1;
          if (!response.write(chunk)) {
            response.once('drain', more);
            return;
          }
        }
        response.end();
      };
      more();
    };
    // A timeout long enough to read it all: the channel must stop by itself, not by the clock.
    assert.deepEqual(await send(60_000), { kind: 'delivered' });
    await closed;
    assert.ok(sent < 500, `the client read ${sent} of 500 MiB before it closed the connection`);
    answer = (response) => {
      response.writeHead(202);
      response.write('working');
      // The rest never comes: the status is the answer.
    };
    assert.deepEqual(await send(300), { kind: 'delivered' });
  });

  it('counts a receiver that does not answer within the timeout as retryable', async () => {
    answer = () => undefined;
    const result = await send(200);
    assert.equal(result.kind, 'retryable');
    assert.match(result.kind === 'retryable' ? result.error : '', /no answer .* within 200 ms/);
  });

  it('signs the body as sent, non-ASCII text included, so the documented check verifies it', async () => {
    answer = (response) => response.writeHead(204).end();
    received.length = 0;
    await send();
    const request = received[0];
    assert.ok(request !== undefined);
    assert.equal(request.headers['millrace-delivery-id'], 'portal.7');
    assert.ok(verifySignature(String(request.headers['millrace-signature']), request.body, 'whsec-1', NOW.getTime() / 1000));
    assert.equal((JSON.parse(request.body) as { data: { note: string } }).data.note, 'Größe 12 – 価格 ✓');
  });
});
