// The lineage of a workflow that came in as X12 and CSV: each inbound message carries its raw
// form (its transaction set or rows, as sent, and a link to the whole file), on the real
// SQLite store; the stored events stay as they were.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Lineage, LineageRaw } from '../app/index.js';
import type { TestHub } from '../../test/support/hub.js';
import { callHub, startTestHub } from '../../test/support/hub.js';

const x12 = (name: string) => readFileSync(new URL(`../../test/fixtures/x12/${name}`, import.meta.url), 'utf8');
const csvFixtures = new URL('../../test/fixtures/csv/', import.meta.url);

describe('raw messages in the lineage', () => {
  describe('X12', () => {
    let t: TestHub;
    const send = async (who: string, text: string) => {
      const response = await t.hub.http.inject({ method: 'POST', url: '/v1/inbound/x12', headers: { authorization: `Bearer ${t.keys.get(who)!}`, 'content-type': 'application/edi-x12' }, payload: text });
      assert.equal(response.statusCode, 200, response.body);
    };
    before(async () => {
      t = await startTestHub();
      await send('system:erp-core', x12('850-004010-erp-order.edi'));
      await send('partner:sup-0107', x12('855-004010-confirmation.edi'));
      await t.hub.settle();
    });
    after(() => t.close());

    it('shows the 850 and 855 sets each event came from, and serves the files as received', async () => {
      const answer = await callHub(t, 'GET', '/v1/lineage?correlation=4500012345', t.keys.get('operator:ap-lead')!);
      assert.equal(answer.status, 200);
      const lineage = answer.body as unknown as Lineage;
      const inbound = lineage.messages.filter((m) => !m.derived);
      assert.deepEqual(inbound.map((m) => m.type), ['po.released', 'supplier.confirmation']);
      const [release, confirmation] = inbound.map((m) => m.raw?.[0] as LineageRaw);
      assert.equal(release?.channel, 'x12');
      assert.equal(release?.locator, 'ISA13 000005001 GS06 5001 ST02 0001 (850)');
      assert.match(release?.excerpt ?? '', /^ST\*850\*0001~[\s\S]*BEG\*00\*SA\*4500012345[\s\S]*SE\*\d+\*0001~$/);
      assert.match(confirmation?.excerpt ?? '', /^ST\*855\*0001~/);
      assert.equal(confirmation?.mediaType, 'application/edi-x12');
      // Every inbound message has its times; derived ones have none of this.
      for (const m of inbound) assert.ok(m.occurred !== '' && m.received !== '' && m.processed !== undefined, `${m.type} has occurred, received and processed`);
      assert.ok(lineage.messages.filter((m) => m.derived).every((m) => m.raw === undefined));

      const file = await t.hub.http.inject({ method: 'GET', url: confirmation.href, headers: { authorization: `Bearer ${t.keys.get('operator:ap-lead')!}` } });
      assert.equal(file.statusCode, 200);
      assert.equal(file.body, x12('855-004010-confirmation.edi'));
      assert.match(String(file.headers['content-type']), /^application\/edi-x12/);
      assert.equal(file.headers['millrace-source'], '/partners/sup-0107');

      // The sender may read its own file; another partner gets a 404, like another supplier's PO.
      const own = await t.hub.http.inject({ method: 'GET', url: confirmation.href, headers: { authorization: `Bearer ${t.keys.get('partner:sup-0107')!}` } });
      assert.equal(own.statusCode, 200);
      const other = await t.hub.http.inject({ method: 'GET', url: release.href, headers: { authorization: `Bearer ${t.keys.get('partner:sup-0107')!}` } });
      assert.equal(other.statusCode, 404);
    });

    it('documents the file it serves in /openapi.json, not only its errors', async () => {
      // The route declared 401 and 404 only: a client generated from the document had no
      // success answer for it, nor the media types the file comes in.
      const doc = (await t.hub.http.inject({ method: 'GET', url: '/openapi.json' })).json<{ paths: Record<string, { get?: { responses: Record<string, { content?: Record<string, unknown>; headers?: Record<string, unknown> }> } }> }>();
      const ok = doc.paths['/v1/inbound/messages/{messageId}']?.get?.responses['200'];
      assert.deepEqual(Object.keys(ok?.content ?? {}).sort(), ['application/edi-x12', 'text/csv']);
      assert.deepEqual(Object.keys(ok?.headers ?? {}).sort(), ['millrace-received-time', 'millrace-sha256', 'millrace-source']);
    });

    it("shows a partner the raw form of its own messages only, not the buyer's 850", async () => {
      const answer = await callHub(t, 'GET', '/v1/lineage?correlation=4500012345', t.keys.get('partner:sup-0107')!);
      assert.equal(answer.status, 200);
      const inbound = (answer.body as unknown as Lineage).messages.filter((m) => !m.derived);
      assert.deepEqual(inbound.map((m) => [m.type, m.raw?.length ?? 0]), [['po.released', 0], ['supplier.confirmation', 1]]);
    });

    // Before, a system read every publisher's raw form in a lineage: the ERP read the supplier's
    // 855 as sent, AP automation both files, while the files themselves were the sender's and
    // operators' only (GET /v1/inbound/messages/:id).
    it('shows a system the raw form of its own messages only, and operators every one', async () => {
      const rawOf = async (key: string) => {
        const answer = await callHub(t, 'GET', '/v1/lineage?correlation=4500012345', t.keys.get(key)!);
        assert.equal(answer.status, 200);
        return (answer.body as unknown as Lineage).messages.filter((m) => !m.derived).map((m) => [m.type, m.raw?.length ?? 0]);
      };
      assert.deepEqual(await rawOf('system:erp-core'), [['po.released', 1], ['supplier.confirmation', 0]]);
      assert.deepEqual(await rawOf('system:ap-automation'), [['po.released', 0], ['supplier.confirmation', 0]]);
      assert.deepEqual(await rawOf('viewer:plant-manager'), [['po.released', 1], ['supplier.confirmation', 1]]);
    });

    it('keeps the event bodies as they were, and links a resent file to the first copy', async () => {
      const stored = await t.store.find('/partners/sup-0107', 'x12:ZZ:NORTHFAST:000001201:1201:0001');
      assert.equal(Object.keys(stored!.event).some((k) => k.startsWith('raw')), false);
      await send('partner:sup-0107', x12('855-004010-confirmation.edi'));
      const links = await t.store.inboundMessages.inboundOf([{ source: '/partners/sup-0107', id: 'x12:ZZ:NORTHFAST:000001201:1201:0001' }]);
      assert.equal(links.length, 1);
    });

    it('looks the lineage up by event too, raw forms included', async () => {
      const answer = await callHub(t, 'GET', `/v1/lineage?source=${encodeURIComponent('/partners/sup-0107')}&id=${encodeURIComponent('x12:ZZ:NORTHFAST:000001201:1201:0001')}`, t.keys.get('operator:ap-lead')!);
      assert.equal(answer.status, 200);
      const lineage = answer.body as unknown as Lineage;
      const focus = lineage.messages.find((m) => m.sequence === lineage.focus);
      assert.equal(focus?.raw?.[0]?.locator, 'ISA13 000001201 GS06 1201 ST02 0001 (855)');
    });
  });

  describe('CSV', () => {
    let t: TestHub;
    before(async () => {
      t = await startTestHub({ manifestPath: new URL('millrace.yaml', csvFixtures).pathname });
    });
    after(() => t.close());

    it("shows the header and rows of each receipt, in the file's own encoding, and the whole file", async () => {
      const bytes = readFileSync(new URL('wms-p02-receipts.csv', csvFixtures));
      const sent = await t.hub.http.inject({
        method: 'POST',
        url: '/v1/inbound/csv/wms-p02-receipts?filename=wms-p02-receipts.csv',
        headers: { authorization: `Bearer ${t.keys.get('system:wms-p02')!}`, 'content-type': 'text/csv' },
        payload: bytes,
      });
      assert.equal(sent.statusCode, 200, sent.body);
      await t.hub.settle();
      const answer = await callHub(t, 'GET', '/v1/lineage?correlation=PO-7001', t.keys.get('operator:ap-lead')!);
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      const receipt = (answer.body as unknown as Lineage).messages.find((m) => m.id === 'wms-p02-receipts/WE-1001');
      const raw = receipt?.raw?.[0];
      assert.equal(raw?.locator, 'lines 2-3');
      assert.equal(raw?.name, 'wms-p02-receipts.csv');
      const lines = bytes.toString('utf8').split('\n');
      assert.equal(raw?.excerpt, `${lines[0]}\n${lines[1]}\n${lines[2]}\n`);
      const file = await t.hub.http.inject({ method: 'GET', url: raw.href, headers: { authorization: `Bearer ${t.keys.get('operator:ap-lead')!}` } });
      assert.deepEqual(file.rawPayload, bytes);
    });
  });
});
