// The InboundMessageStore contract, run against every adapter (SQLite, PostgreSQL): files are
// kept byte for byte, each event links to its part, a resend links to the first copy.
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { describe } from 'node:test';
import type { InboundMessageStore, NewInboundMessage } from '../../src/ports/index.js';
import { fixtureCase } from './fixture-case.js';

export interface InboundMessageFixture {
  readonly store: InboundMessageStore;
  cleanup(): Promise<void>;
}

// Every byte value (a windows-1252 export is not UTF-8), so nothing is lost on the way.
const RAW = Uint8Array.from({ length: 300 }, (_, i) => i % 256);

function file(overrides: Partial<NewInboundMessage> = {}): NewInboundMessage {
  return {
    channel: 'csv',
    source: '/systems/wms-p02',
    receivedTime: '2026-03-02T08:15:00.000Z',
    name: 'receipts.csv',
    mediaType: 'text/csv',
    sha256: 'ab'.repeat(32),
    raw: RAW,
    parts: [
      { source: '/systems/wms-p02', id: 'WE-1001', locator: 'lines 2-3', excerpt: RAW.subarray(0, 40) },
      { source: '/systems/wms-p02', id: 'WE-1002', locator: 'line 4', excerpt: RAW.subarray(40, 60) },
    ],
    ...overrides,
  };
}

export function describeInboundMessageStore(name: string, open: (t: TestContext) => Promise<InboundMessageFixture | undefined>): void {
  describe(`${name} inbound message store`, () => {
    const withFixture = fixtureCase(open);
    const withStore = (title: string, body: (store: InboundMessageStore) => Promise<void>): void => withFixture(title, (fixture) => body(fixture.store));

    withStore('keeps a file byte for byte and links each event to its part', async (store) => {
      const id = await store.inboundMessage(await store.keepInbound(file()));
      assert.ok(id !== undefined);
      assert.deepEqual([...id.raw], [...RAW]);
      assert.deepEqual([id.channel, id.source, id.name, id.mediaType, id.receivedTime, id.bytes], ['csv', '/systems/wms-p02', 'receipts.csv', 'text/csv', '2026-03-02T08:15:00.000Z', 300]);
      const links = await store.inboundOf([{ source: '/systems/wms-p02', id: 'WE-1002' }]);
      assert.equal(links.length, 1);
      assert.deepEqual([links[0]?.messageId, links[0]?.locator, links[0]?.bytes, links[0]?.eventId], [id.messageId, 'line 4', 300, 'WE-1002']);
      assert.deepEqual([...(links[0]?.excerpt ?? [])], [...RAW.subarray(40, 60)]);
    });

    withStore('links a byte-identical resend to the first copy, keeping its receipt time, and adds new links', async (store) => {
      const first = await store.keepInbound(file());
      const again = await store.keepInbound(file({ receivedTime: '2026-03-03T00:00:00.000Z', parts: [{ source: '/systems/wms-p02', id: 'WE-1003', locator: 'line 5', excerpt: RAW.subarray(0, 1) }] }));
      assert.equal(again, first);
      assert.equal((await store.inboundMessage(first))?.receivedTime, '2026-03-02T08:15:00.000Z');
      const links = await store.inboundOf([{ source: '/systems/wms-p02', id: 'WE-1001' }, { source: '/systems/wms-p02', id: 'WE-1003' }]);
      assert.deepEqual(links.map((l) => [l.eventId, l.messageId]), [['WE-1001', first], ['WE-1003', first]]);
    });

    withStore('shows an event that came in two different files with both', async (store) => {
      const one = await store.keepInbound(file());
      const other = await store.keepInbound(file({ sha256: 'cd'.repeat(32), raw: RAW.subarray(0, 100), name: 'receipts-again.csv' }));
      assert.notEqual(one, other);
      const links = await store.inboundOf([{ source: '/systems/wms-p02', id: 'WE-1001' }]);
      assert.deepEqual(links.map((l) => [l.messageId, l.name, l.bytes]), [[one, 'receipts.csv', 300], [other, 'receipts-again.csv', 100]]);
    });

    withStore('answers nothing for an unknown id or an event that came some other way', async (store) => {
      assert.equal(await store.inboundMessage('msg-999999'), undefined);
      assert.equal(await store.inboundMessage('not-an-id'), undefined);
      assert.deepEqual(await store.inboundOf([{ source: '/systems/erp-core', id: 'json-1' }]), []);
    });
  });
}
