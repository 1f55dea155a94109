// What an AP team relies on at POST /v1/inbound/x12: an 810 whose lines, charges, allowances
// and taxes do not add up to TDS01 is refused with both sums named, never stored as a liability
// with an inconsistent total.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TestHub } from '../../test/support/hub.js';
import { callHub } from '../../test/support/hub.js';
import { interchange, postX12, startHubWithErpOrder, x12Fixture as fixture } from '../../test/support/x12.js';

describe('810 totals at POST /v1/inbound/x12', () => {
  let t: TestHub;
  const key = (who: string) => t.keys.get(who) ?? '';
  const send = (who: string, payload: string | Buffer) => postX12(t, who, payload);
  const operator = () => key('operator:ap-lead');

  before(async () => {
    // The PO the invoices bill, released to SUP-0107 by the buyer's ERP.
    t = await startHubWithErpOrder();
  });
  after(() => t.close());

  it('refuses an 810 or a CR memo whose lines, charges, allowances and taxes do not add up to TDS01, naming both sums, and takes those that do', async () => {
    const answer = await send('partner:sup-0107', fixture('bad-810-totals.edi'));
    // 0002: lines 425.00 + fuel charge 25.00 - discount 10.00 + tax 34.00 = 474.00 (a bill-back allowance and an SAC N are not on the invoice);
    // 0003: lines rounded one by one (4.00 + 0.88); 0005: a CR memo 85.00 - 5.00 + 6.80 = 86.80.
    assert.deepEqual(answer.accepted.map((a) => [a.id.split(':').at(-1), a.type]), [['0002', 'invoice.received'], ['0003', 'invoice.received'], ['0005', 'invoice.credited']]);
    assert.deepEqual(answer.rejected.map((r) => [r.controlNumbers.set, r.code]), [['0001', 'x12_syntax'], ['0004', 'x12_syntax'], ['0006', 'x12_syntax']]);
    const [invoice, memo, percent] = answer.rejected;
    assert.match(invoice?.reason ?? '', /TDS01 \(total invoice amount\) "394700" is 3947\.00, but the invoice adds up to 3947\.40: lines 3655\.00, charges 0\.00, allowances 0\.00, taxes 292\.40/);
    assert.match(memo?.reason ?? '', /TDS01 \(total invoice amount\) "-9000" is 90\.00, but the credit memo adds up to 91\.80: lines 85\.00, charges 0\.00, allowances 0\.00, taxes 6\.80/);
    assert.match(percent?.reason ?? '', /SAC05 \(amount\) is missing: a charge or allowance on the invoice needs its amount/);
    assert.match(answer.ack, /AK2\*810\*0001~\nAK3\*TDS\*6\*\*8~\nAK4\*1\*610\*7\*394700~\nAK5\*R\*5~/);
    assert.match(answer.ack, /AK2\*810\*0004~\nAK3\*TDS\*6\*\*8~\nAK4\*1\*610\*7\*-9000~\nAK5\*R\*5~/);
    assert.match(answer.ack, /AK2\*810\*0006~\nAK3\*SAC\*6\*\*8~\nAK4\*5\*610\*2~\nAK5\*R\*5~/);
    assert.match(answer.ack, /AK9\*P\*6\*6\*3~/);
    // Nothing of the refused ones is stored; each waits in quarantine with its reason.
    assert.equal(await t.store.find('/partners/sup-0107', 'x12:ZZ:NORTHFAST:000001470:1470:0001'), undefined);
    const stored = await t.store.find('/partners/sup-0107', 'x12:ZZ:NORTHFAST:000001470:1470:0002');
    assert.deepEqual([(stored?.event.data as { totalAmount: string }).totalAmount, (stored?.event.data as { taxAmount: string }).taxAmount], ['474.00', '34.00']);
    const entry = await callHub(t, 'GET', `/v1/quarantine/${invoice?.quarantineId ?? ''}`, operator());
    assert.equal(entry.status, 200, JSON.stringify(entry.body));
    assert.deepEqual([(entry.body.reason as { code: string }).code, entry.body.status], ['x12_syntax', 'held']);
    assert.match((entry.body.reason as { message: string }).message, /adds up to 3947\.40/);
  });

  it('counts a tax given on each line and again in the summary once: the summary TXI is the invoice tax', async () => {
    /** One 004010 810 from NORTHFAST for the PO of the 850 above; `n` is its 4-digit control number. */
    const invoice = (n: string, body: readonly string[]) =>
      interchange({ sender: 'NORTHFAST', set: '810', n, date: '20260322', time: '0900' }, [`BIG*20260322*INV-${n}*20260302*4500012345`, 'CUR*SE*USD', ...body, 'CTT*2']);
    // 425.00 + 510.00 of goods, 8% sales tax: 34.00 and 40.80 on the lines, 74.80 in all; TDS 1009.80.
    const lines = ['IT1*10*100*EA*4.25**BP*ITM-10023', 'TXI*ST*34.00*8', 'IT1*20*10*BX*51.00**BP*ITM-20031', 'TXI*ST*40.80*8'];
    const both = await send('partner:sup-0107', invoice('1481', [...lines, 'TDS*100980', 'TXI*ST*74.80*8']));
    const onLines = await send('partner:sup-0107', invoice('1482', [...lines, 'TDS*100980']));
    // Counted twice, the tax would make the total 1084.60.
    const twice = await send('partner:sup-0107', invoice('1483', [...lines, 'TDS*108460', 'TXI*ST*74.80*8']));
    assert.deepEqual(
      [both, onLines, twice].map((a) => [a.accepted.map((e) => e.type), a.rejected.map((r) => r.reason.replace(/ \(TDS01 is.*/, ''))]),
      [
        [['invoice.received'], []],
        [['invoice.received'], []],
        [[], ['TDS01 (total invoice amount) "108460" is 1084.60, but the invoice adds up to 1009.80: lines 935.00, charges 0.00, allowances 0.00, taxes 74.80 (the summary TXI; the 74.80 in the IT1 loops is its detail, not added again)']],
      ],
    );
    const taxOf = async (n: string) => ((await t.store.find('/partners/sup-0107', `x12:ZZ:NORTHFAST:00000${n}:${n}:0001`))?.event.data as { taxAmount?: string; totalAmount: string } | undefined);
    for (const n of ['1481', '1482']) assert.deepEqual([(await taxOf(n))?.taxAmount, (await taxOf(n))?.totalAmount], ['74.80', '1009.80'], n);
  });

  it('takes a total rounded line by line or only at the end, and nothing a cent beyond', async () => {
    // 3 x 1.3333 + 7 x 0.125: 4.00 + 0.88 = 4.88 line by line, 4.8749 -> 4.87 at the end.
    const invoice = (n: string, tds: string) =>
      fixture('bad-810-totals.edi')
        .replaceAll('000001470', `00000${n}`)
        .replace(/GS\*IN\*NORTHFAST\*MILLRACEHUB\*20260322\*0900\*1470/, `GS*IN*NORTHFAST*MILLRACEHUB*20260322*0900*${n}`)
        .replace('GE*6*1470', `GE*1*${n}`)
        .replace(/ST\*810\*0001~[\s\S]*?(ST\*810\*0003~[\s\S]*?SE\*8\*0003~\n)[\s\S]*?(GE\*)/, '$1$2')
        .replace('TDS*488~', `TDS*${tds}~`);
    const answers = await Promise.all([['1471', '487'], ['1472', '488'], ['1473', '486'], ['1474', '489']].map(([n, tds]) => send('partner:sup-0107', invoice(n!, tds!))));
    assert.deepEqual(
      answers.map((a) => [a.accepted.length, a.rejected.map((r) => r.reason.replace(/:.*/, ''))]),
      [[1, []], [1, []], [0, ['TDS01 (total invoice amount) "486" is 4.86, but the invoice adds up to 4.88']], [0, ['TDS01 (total invoice amount) "489" is 4.89, but the invoice adds up to 4.88']]],
    );
  });
});
