// What an operator relies on at POST /v1/inbound/x12: a file is kept exactly as its bytes came
// in, in whatever encoding the translator wrote it, so that it can be read and resent as
// received (the lineage's file, its digest, the quarantined copy and its retry).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Lineage } from '../app/index.js';
import type { TestHub } from '../../test/support/hub.js';
import { callHub } from '../../test/support/hub.js';
import { postX12, startHubWithErpOrder, x12Fixture as fixture } from '../../test/support/x12.js';

describe('X12 files kept as received at POST /v1/inbound/x12', () => {
  let t: TestHub;
  const key = (who: string) => t.keys.get(who) ?? '';
  const send = (who: string, payload: string | Buffer) => postX12(t, who, payload);
  const operator = () => key('operator:ap-lead');

  before(async () => {
    // The PO the invoices bill, released to SUP-0107 by the buyer's ERP.
    t = await startHubWithErpOrder();
  });
  after(() => t.close());

  it('keeps an ISO-8859-1 interchange byte for byte: the file served, its digest and the quarantined copy are what was sent', async () => {
    // A translator writing Latin-1: 0xE9 (é) in a party name, which is not UTF-8.
    const text = fixture('810-005010-invoice.edi')
      .replaceAll('000001401', '000001481')
      .replaceAll('1401', '1481')
      .replace('INV-77812', 'INV-1481')
      .replace('Example Components Inc.', 'Société Générale');
    const sent = Buffer.from(text, 'latin1');
    assert.ok(sent.includes(0xe9) && !sent.includes(Buffer.from('é', 'utf8')));
    const answer = await send('partner:sup-0107', sent);
    assert.deepEqual(answer.accepted.map((a) => a.id), ['x12:ZZ:NORTHFAST:000001481:1481:0001']);
    const lineage = await callHub(t, 'GET', `/v1/lineage?source=${encodeURIComponent('/partners/sup-0107')}&id=${encodeURIComponent('x12:ZZ:NORTHFAST:000001481:1481:0001')}`, operator());
    assert.equal(lineage.status, 200, JSON.stringify(lineage.body));
    const focus = (lineage.body as unknown as Lineage).messages.find((m) => m.id === 'x12:ZZ:NORTHFAST:000001481:1481:0001');
    const raw = focus?.raw?.[0];
    assert.ok(raw !== undefined, 'the invoice links to its file');
    // Its set is not UTF-8, so the lineage gives its bytes in base64, as received.
    const set = text.slice(text.indexOf('ST*810'), text.indexOf('\nGE*'));
    assert.equal(Buffer.from(raw.excerptBase64 ?? '', 'base64').toString('latin1'), set);
    const file = await t.hub.http.inject({ method: 'GET', url: raw.href, headers: { authorization: `Bearer ${operator()}` } });
    assert.equal(file.statusCode, 200);
    assert.deepEqual(file.rawPayload, sent);
    assert.equal(file.headers['millrace-sha256'], createHash('sha256').update(sent).digest('hex'));

    // A rejected set's quarantine entry holds the same bytes, and its retry reads them as the route did.
    const bad = Buffer.from(text.replaceAll('000001481', '000001482').replaceAll('1481', '1482').replace('TDS*394740~', 'TDS*394700~'), 'latin1');
    const refused = await send('partner:sup-0107', bad);
    const quarantineId = refused.rejected[0]?.quarantineId ?? '';
    const entry = await callHub(t, 'GET', `/v1/quarantine/${quarantineId}`, operator());
    assert.deepEqual(Buffer.from(String(entry.body.rawBase64), 'base64'), bad);
    const retried = await callHub(t, 'POST', `/v1/quarantine/${quarantineId}/retry`, operator(), {});
    assert.equal(retried.body.status, 'held', JSON.stringify(retried.body));
    assert.match(JSON.stringify(retried.body), /adds up to 3947\.40/);
  });
});
