// What a buyer relies on at POST /v1/inbound/x12: a file that is not UTF-8 is read as
// windows-1252, as a CSV export is, so the euro sign and curly quotes a Windows translator
// writes in a line's text reach the canonical event as those characters, not as C1 control
// characters; and the file is still kept exactly as its bytes came in.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Lineage } from '../app/index.js';
import type { TestHub } from '../../test/support/hub.js';
import { callHub, startTestHub } from '../../test/support/hub.js';
import { interchange, postX12 } from '../../test/support/x12.js';

describe('X12 files in windows-1252 at POST /v1/inbound/x12', () => {
  let t: TestHub;
  const operator = () => t.keys.get('operator:ap-lead') ?? '';

  before(async () => {
    t = await startTestHub();
  });
  after(() => t.close());

  it('reads 0x80 as € and 0x93/0x94 as curly quotes in an 850 line text, and keeps the set as its bytes came in', async () => {
    // The PID text as a Windows translator writes it: one byte per character, € at 0x80, “ ” at 0x93 and 0x94.
    const text = interchange({ sender: 'ERPCORE', set: '850', n: '7301' }, [
      'BEG*00*SA*4500073001**20260302',
      'CUR*BY*EUR',
      'DTM*002*20260320',
      'N1*ST*Plant P01*92*P01',
      'N1*SU*Northern Fasteners*92*SUP-0107',
      'PO1*10*500*EA*0.12**BP*ITM-10023',
      'PID*F****Hex bolt M8x40 \x93zinc\x94, 0,12 \x80 each',
      'CTT*1',
    ]);
    // Buffer's 'latin1' writes each character below U+0100 as the one byte of its code.
    const sent = Buffer.from(text, 'latin1');
    assert.ok(sent.includes(0x80) && sent.includes(0x93) && sent.includes(0x94) && !sent.includes(Buffer.from('€', 'utf8')));
    const id = 'x12:ZZ:ERPCORE:000007301:7301:0001';
    const answer = await postX12(t, 'system:erp-core', sent);
    assert.deepEqual(answer.accepted.map((a) => a.id), [id]);

    const stored = await t.store.find('/systems/erp-core', id);
    const lines = (stored?.event.data as { lines: { description?: string }[] } | undefined)?.lines;
    assert.equal(lines?.[0]?.description, 'Hex bolt M8x40 “zinc”, 0,12 € each');

    // The set's excerpt in the lineage is still the bytes sent (in base64: they are not UTF-8).
    const lineage = await callHub(t, 'GET', `/v1/lineage?source=${encodeURIComponent('/systems/erp-core')}&id=${encodeURIComponent(id)}`, operator());
    assert.equal(lineage.status, 200, JSON.stringify(lineage.body));
    const raw = (lineage.body as unknown as Lineage).messages.find((m) => m.id === id)?.raw?.[0];
    assert.ok(raw !== undefined, 'the PO links to its file');
    const set = sent.subarray(sent.indexOf('ST*850'), sent.indexOf('\nGE*'));
    assert.deepEqual(Buffer.from(raw.excerptBase64 ?? '', 'base64'), set);
  });
});
