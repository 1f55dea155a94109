// What a buyer and AP rely on at POST /v1/inbound/x12: a unit price sent per hundred or per
// thousand (PO105 / IT105, basis of unit price) is read as the price of one unit of the line's
// unit of measure, so the 850, the 855 and the 810 of the same line agree and match; a basis the
// hub does not read is refused, never taken as a price per unit.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TestHub } from '../../test/support/hub.js';
import { callHub, startTestHub } from '../../test/support/hub.js';
import { interchange as x12Interchange, postX12 } from '../../test/support/x12.js';

const PO = '4500077001';

/** One 004010 interchange with one set: sender ERPCORE (850) or NORTHFAST (855, 810); `n` is its 4-digit control number. */
const interchange = (sender: 'ERPCORE' | 'NORTHFAST', set: '850' | '855' | '810', n: string, body: readonly string[]) => x12Interchange({ sender, set, n }, body);

interface Line {
  line: number;
  stage: string;
  postings: { kind: string; amount: string }[];
  openExceptions: { code: string }[];
}

describe('basis of unit price at POST /v1/inbound/x12', () => {
  let t: TestHub;
  const key = (who: string) => t.keys.get(who) ?? '';
  const send = async (who: string, payload: string) => {
    const answer = await postX12(t, who, payload);
    await t.hub.processor.catchUp();
    return answer;
  };
  const dataOf = async (source: string, id: string) => (await t.store.find(source, id))?.event.data as { lines: { line: number; unitPrice: string }[]; totalAmount?: string };

  before(async () => {
    t = await startTestHub();
  });
  after(() => t.close());

  it('reads 425 per hundred (HP) as 4.25 an EA in the 850, the 855 and the 810, which match and post 2,125.00', async () => {
    // Line 10: 425.00 per hundred EA, 500 EA = 2,125.00 (read per EA before: 212,500.00). Line 20: 2,100.00 per thousand.
    const po = await send('system:erp-core', interchange('ERPCORE', '850', '7101', [`BEG*00*SA*${PO}**20260302`, 'CUR*BY*USD', 'DTM*002*20260320', 'N1*ST*Plant P01*92*P01', 'N1*SU*Northern Fasteners*92*SUP-0107', 'PO1*10*500*EA*425*HP*BP*ITM-10023', 'PO1*20*2000*EA*2100.00*TP*BP*ITM-10023', 'CTT*2']));
    assert.deepEqual([po.accepted.map((a) => a.type), po.rejected], [['po.released'], []]);
    const released = await dataOf('/systems/erp-core', po.accepted[0]?.id ?? '');
    assert.deepEqual(released.lines.map((l) => [l.line, l.unitPrice]), [[10, '4.25'], [20, '2.10000']]);

    const confirmation = await send('partner:sup-0107', interchange('NORTHFAST', '855', '7102', [`BAK*00*AC*${PO}*20260302`, 'PO1*10*500*EA*425*HP*BP*ITM-10023', 'ACK*IA*500*EA*068*20260312', 'CTT*1']));
    assert.deepEqual([confirmation.accepted.map((a) => a.type), confirmation.rejected], [['supplier.confirmation'], []]);
    assert.deepEqual((await dataOf('/partners/sup-0107', confirmation.accepted[0]?.id ?? '')).lines.map((l) => l.unitPrice), ['4.25']);

    const receipt = await callHub(t, 'POST', '/v1/events', key('system:wms-p01'), {
      specversion: '1.0',
      id: 'gr-price-basis-1',
      source: '/systems/wms-p01',
      type: 'goods.received',
      time: '2026-03-06T07:30:00Z',
      data: { receiptId: 'GR-7101', plant: 'P01', lines: [{ poNumber: PO, line: 10, quantity: '500', uom: 'EA' }] },
    });
    assert.equal(receipt.status, 202, JSON.stringify(receipt.body));
    await t.hub.processor.catchUp();

    const invoice = await send('partner:sup-0107', interchange('NORTHFAST', '810', '7103', [`BIG*20260307*INV-7103*20260302*${PO}`, 'CUR*SE*USD', 'IT1*10*500*EA*425*HP*BP*ITM-10023', 'TDS*212500', 'CTT*1']));
    assert.deepEqual([invoice.accepted.map((a) => a.type), invoice.rejected.map((r) => r.reason)], [['invoice.received'], []]);
    assert.match(invoice.ack, /AK5\*A~/);
    const invoiced = await dataOf('/partners/sup-0107', invoice.accepted[0]?.id ?? '');
    assert.deepEqual([invoiced.lines.map((l) => l.unitPrice), invoiced.totalAmount], [['4.25'], '2125.00']);

    const state = await callHub(t, 'GET', `/v1/workflows/p2p/${PO}`, key('viewer:plant-manager'));
    assert.equal(state.status, 200, JSON.stringify(state.body));
    const line10 = (state.body.lines as Line[]).find((l) => l.line === 10)!;
    assert.deepEqual([line10.stage, line10.openExceptions, line10.postings.map((p) => [p.kind, p.amount])], ['posted', [], [['grir_accrual', '2125.00'], ['ap_liability', '2125.00']]]);
  });

  it('reads 4.25 per hundred as 0.0425 an EA: 500 EA are 21.25, not 2,125.00', async () => {
    const answer = await send('partner:sup-0107', interchange('NORTHFAST', '810', '7104', [`BIG*20260307*INV-7104*20260302*${PO}`, 'CUR*SE*USD', 'IT1*20*500*EA*4.25*HP*BP*ITM-10023', 'TDS*2125', 'CTT*1']));
    assert.deepEqual([answer.accepted.map((a) => a.type), answer.rejected.map((r) => r.reason)], [['invoice.received'], []]);
    const invoiced = await dataOf('/partners/sup-0107', answer.accepted[0]?.id ?? '');
    assert.deepEqual([invoiced.lines.map((l) => l.unitPrice), invoiced.totalAmount], [['0.0425'], '21.25']);
  });

  it('refuses a basis it does not read (retail price), a price per kilogram on a line in EA, and a price per dozen with no exact price per unit, rather than take them as prices per unit', async () => {
    const invoice = (n: string, it1: string, tds: string) => interchange('NORTHFAST', '810', n, [`BIG*20260307*INV-${n}*20260302*${PO}`, 'CUR*SE*USD', it1, `TDS*${tds}`, 'CTT*1']);
    // Each total is what the price would come to if it were read per EA: before, that is how they went in.
    const answers = [
      await send('partner:sup-0107', invoice('7111', 'IT1*10*5*EA*4.25*RT*BP*ITM-10023', '2125')),
      await send('partner:sup-0107', invoice('7112', 'IT1*10*5*EA*4.25*PK*BP*ITM-10023', '2125')),
      await send('partner:sup-0107', invoice('7113', 'IT1*10*7*EA*10.00*PD*BP*ITM-10023', '7000')),
    ];
    assert.deepEqual(
      answers.map((a) => [a.accepted.length, a.rejected.map((r) => r.code)]),
      [[0, ['x12_syntax']], [0, ['x12_syntax']], [0, ['x12_syntax']]],
    );
    const [retail, kilogram, dozen] = answers;
    assert.match(retail?.rejected[0]?.reason ?? '', /IT105 \(basis of unit price\) "RT" \(retail\) is not read/);
    assert.match(retail?.ack ?? '', /AK3\*IT1\*4\*\*8~\nAK4\*5\*639\*7\*RT~\nAK5\*R\*5~/);
    assert.match(kilogram?.rejected[0]?.reason ?? '', /IT105 \(basis of unit price\) "PK" \(price per kilogram\) is for a line in KG; this line is in EA/);
    assert.match(kilogram?.ack ?? '', /AK4\*5\*639\*7\*PK~/);
    assert.match(dozen?.rejected[0]?.reason ?? '', /IT104 \(unit price\) "10.00" per dozen \(IT105 PD\) has no exact price per EA/);
    assert.match(dozen?.ack ?? '', /AK4\*4\*212\*7\*10.00~/);
  });
});
