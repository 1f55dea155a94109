// The demo's finance ERP: a local webhook receiver that checks each delivery's signature and
// notes when (in the scenario's time) it came, so the report can show that nothing was
// delivered during the ERP's maintenance window and what waited for its end.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Clock } from '../ports/index.js';

export interface ErpDelivery {
  readonly deliveryId: string;
  readonly eventId: string;
  readonly type: string;
  /** Scenario time at which it arrived. */
  readonly at: string;
}

export interface ErpReceiver {
  readonly url: string;
  readonly received: readonly ErpDelivery[];
  /** Deliveries refused because their signature did not verify (expected: none). */
  readonly badSignatures: number;
  close(): Promise<void>;
}

export async function startErpReceiver(secret: string, clock: Clock): Promise<ErpReceiver> {
  const received: ErpDelivery[] = [];
  let badSignatures = 0;
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      if (!verified(String(request.headers['millrace-signature'] ?? ''), body, secret)) {
        badSignatures += 1;
        response.writeHead(401).end('bad signature');
        return;
      }
      const event = JSON.parse(body) as { id: string; type: string };
      received.push({ deliveryId: String(request.headers['millrace-delivery-id'] ?? ''), eventId: event.id, type: event.type, at: clock.now().toISOString() });
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/erp/receipts`,
    received,
    get badSignatures() {
      return badSignatures;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** docs/delivery.md: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`. */
function verified(header: string, body: string, secret: string): boolean {
  const parts = Object.fromEntries(header.split(',').map((part) => part.split('=', 2) as [string, string]));
  if (parts.t === undefined || parts.v1 === undefined) return false;
  const expected = createHmac('sha256', secret).update(`${parts.t}.${body}`).digest();
  const given = Buffer.from(parts.v1, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
