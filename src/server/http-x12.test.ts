// POST /v1/inbound/x12 on a real SQLite store: what a supplier's translator and a buyer's ERP
// see when they send X12 to the hub.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { TestHub } from '../../test/support/hub.js';
import { callHub, startTestHub } from '../../test/support/hub.js';

const fixture = (name: string) => readFileSync(new URL(`../../test/fixtures/x12/${name}`, import.meta.url), 'utf8');

interface X12Answer {
  accepted: { id: string; type: string; sequence: number }[];
  duplicates: { id: string }[];
  rejected: { controlNumbers: { interchange: string; group: string; set: string }; transactionSet: string; raw: string; reason: string; code: string; eventId: string | null }[];
  ack: string;
  ta1?: string;
  diagnostics: { level: string; code: string; segment: string; position: number }[];
}

describe('POST /v1/inbound/x12', () => {
  let t: TestHub;
  const key = (who: string) => t.keys.get(who) ?? '';
  const send = async (who: string, text: string, contentType = 'application/edi-x12', query = '') => {
    const response = await t.hub.http.inject({ method: 'POST', url: `/v1/inbound/x12${query}`, headers: { authorization: `Bearer ${key(who)}`, 'content-type': contentType }, payload: text });
    return { status: response.statusCode, body: response.json<X12Answer & { code?: string }>() };
  };
  const head = () => t.store.headSequence();

  before(async () => {
    t = await startTestHub();
    // The buyer's ERP releases the PO as an 850: the suppliers' documents below refer to it.
    const released = await send('system:erp-core', fixture('850-004010-erp-order.edi'));
    assert.equal(released.status, 200, JSON.stringify(released.body));
    assert.deepEqual(released.body.accepted.map((a) => a.type), ['po.released']);
  });
  after(() => t.close());

  it("takes a buyer ERP's 850 as po.released from its own source, with a 997 that accepts it", async () => {
    const stored = await t.store.find('/systems/erp-core', 'x12:ZZ:ERPCORE:000005001:5001:0001');
    assert.equal(stored?.event.type, 'po.released');
    assert.equal((stored?.event.data as { supplierId: string }).supplierId, 'SUP-0107');
  });

  it('accepts an 855 from the partner and answers with a 997 (or a 999 when asked for 005010)', async () => {
    const answer = await send('partner:sup-0107', fixture('855-004010-confirmation.edi'));
    assert.equal(answer.status, 200);
    assert.deepEqual([answer.body.accepted.length, answer.body.duplicates.length, answer.body.rejected.length], [1, 0, 0]);
    assert.match(answer.body.ack, /AK5\*A~\nAK9\*A\*1\*1\*1~/);
    const v2 = await send('partner:sup-0107', fixture('855-005010-schedule-999.edi'), 'text/plain', '?ack=999');
    assert.equal(v2.body.accepted.length, 1);
    assert.match(v2.body.ack, /ST\*999\*0001\*005010X231A1~\nAK1\*PR\*1202\*005010~\nAK2\*855\*0001~\nIK5\*A~/);
  });

  it('answers the same interchange sent twice as a duplicate, storing nothing the second time', async () => {
    const text = fixture('856-004010-ship-notice.edi');
    const first = await send('partner:sup-0107', text);
    assert.equal(first.body.accepted.length, 1);
    const before = await head();
    const again = await send('partner:sup-0107', text);
    assert.equal(again.status, 200);
    assert.deepEqual([again.body.accepted.length, again.body.duplicates.map((d) => d.id)], [0, ['x12:ZZ:NORTHFAST:000001301:1301:0001']]);
    assert.match(again.body.ack, /AK5\*A~/);
    assert.equal(await head(), before);
    // The acknowledgements' own control numbers never repeat for the partner.
    const isa13 = (ack: string) => /^ISA(?:\*[^*]*){12}\*(\d{9})/.exec(ack)?.[1];
    assert.notEqual(isa13(first.body.ack), isa13(again.body.ack));
  });

  it('rejects the same control numbers with different content as event_conflict for that set (AK5 R 5) and keeps the first', async () => {
    const text = fixture('855-004010-confirmation.edi');
    const changed = text.replace('ACK*IQ*30*BX*068*20260314~', 'ACK*IQ*35*BX*068*20260314~');
    const before = await head();
    const answer = await send('partner:sup-0107', changed);
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.body.rejected.map((r) => [r.code, r.eventId, r.controlNumbers.set]), [['event_conflict', 'x12:ZZ:NORTHFAST:000001201:1201:0001', '0001']]);
    assert.match(answer.body.rejected[0]?.raw ?? '', /^ST\*855\*0001~\nBAK/);
    assert.match(answer.body.ack, /AK2\*855\*0001~\nAK5\*R\*5~\nAK9\*R\*1\*1\*0~/);
    assert.equal(await head(), before);
    const kept = await t.store.find('/partners/sup-0107', 'x12:ZZ:NORTHFAST:000001201:1201:0001');
    assert.match(JSON.stringify(kept?.event.data), /"quantity":"30"/);
  });

  it('accepts the good sets of an interchange and reports the bad ones with their text, nothing half-applied', async () => {
    const text = fixture('bad-dates.edi');
    const before = await head();
    const answer = await send('partner:sup-0107', text);
    assert.deepEqual(answer.body.accepted.map((a) => a.id), ['x12:ZZ:NORTHFAST:000001606:1606:0002']);
    assert.deepEqual(answer.body.rejected.map((r) => [r.transactionSet, r.controlNumbers.set, r.code]), [['810', '0001', 'x12_syntax']]);
    assert.match(answer.body.rejected[0]?.raw ?? '', /BIG\*20260230\*INV-77813/);
    assert.match(answer.body.ack, /AK3\*BIG\*2\*\*8~\nAK4\*1\*373\*8\*20260230~/);
    // The hub's own derived events (the invoice's match) may follow; from the partner, exactly one.
    const stored = (await t.store.readFrom(before, 100)).filter((e) => e.event.source === '/partners/sup-0107');
    assert.deepEqual(stored.map((e) => e.event.id), ['x12:ZZ:NORTHFAST:000001606:1606:0002']);
    assert.equal(await t.store.find('/partners/sup-0107', 'x12:ZZ:NORTHFAST:000001606:1606:0001'), undefined);
  });

  it("refuses a set about another supplier's or an unknown PO (forbidden_object) and takes the rest", async () => {
    const text = fixture('855-004010-confirmation.edi').replaceAll('000001201', '000001701').replaceAll('1201', '1701');
    const twoSets = text.replace('GE*1*1701~', 'ST*855*0002~\nBAK*00*AC*9999999999*20260302~\nPO1*10*1*EA*1**BP*X~\nACK*IA*1*EA*068*20260312~\nCTT*1~\nSE*6*0002~\nGE*2*1701~');
    const answer = await send('partner:sup-0107', twoSets);
    assert.deepEqual(answer.body.accepted.map((a) => a.id), ['x12:ZZ:NORTHFAST:000001701:1701:0001']);
    assert.deepEqual(answer.body.rejected.map((r) => r.code), ['forbidden_object']);
    assert.match(answer.body.ack, /AK9\*P\*2\*2\*1~/);
  });

  it('stores an 810 with BIG07 CR as invoice.credited with positive amounts, however the sender signed them, and refuses a DR', async () => {
    const credited = {
      creditMemoNumber: 'CM-77812-1', supplierId: 'SUP-0107', currency: 'USD', creditDate: '2026-03-20', invoiceNumber: 'INV-77812', totalAmount: '201.96', taxAmount: '14.96',
      lines: [
        { poNumber: '4500012345', line: 10, quantity: '20', uom: 'EA', unitPrice: '4.25' },
        { poNumber: '4500012345', line: 20, quantity: '2', uom: 'BOX', unitPrice: '51.00' },
      ],
    };
    // Negative IT102, IT104, TDS01 and TXI02 (the sample): a credit either way, never a new invoice.
    const signed = await send('partner:sup-0107', fixture('810-004010-credit-memo.edi'));
    assert.equal(signed.status, 200, JSON.stringify(signed.body));
    assert.deepEqual([signed.body.accepted.map((a) => a.type), signed.body.rejected], [['invoice.credited'], []]);
    assert.match(signed.body.ack, /AK2\*810\*0001~\nAK5\*A~/);
    const stored = await t.store.find('/partners/sup-0107', 'x12:ZZ:NORTHFAST:000001450:1450:0001');
    assert.deepEqual([stored?.event.type, JSON.parse(JSON.stringify(stored?.event.data))], ['invoice.credited', credited]);
    // The same credit memo with unsigned amounts: before, it was stored as invoice.received, a new liability.
    const unsigned = fixture('810-004010-credit-memo.edi').replaceAll('1450', '1460').replaceAll('*-', '*').replace('CM-77812-1', 'CM-77812-2');
    const plain = await send('partner:sup-0107', unsigned);
    assert.deepEqual(plain.body.accepted.map((a) => [a.id, a.type]), [['x12:ZZ:NORTHFAST:000001460:1460:0001', 'invoice.credited']]);
    const second = await t.store.find('/partners/sup-0107', 'x12:ZZ:NORTHFAST:000001460:1460:0001');
    assert.deepEqual(JSON.parse(JSON.stringify(second?.event.data)), { ...credited, creditMemoNumber: 'CM-77812-2' });
    // A debit memo is refused with its code named, and nothing is stored.
    const before = await head();
    const debit = await send('partner:sup-0107', unsigned.replaceAll('1460', '1461').replace('***CR~', '***DR~'));
    assert.deepEqual(debit.body.rejected.map((r) => [r.code, r.controlNumbers.set]), [['x12_syntax', '0001']]);
    assert.match(debit.body.rejected[0]?.reason ?? '', /BIG07 \(transaction type\) "DR" \(debit memo\) is not mapped/);
    assert.match(debit.body.ack, /AK3\*BIG\*2\*\*8~\nAK4\*7\*640\*7\*DR~\nAK5\*R\*5~/);
    assert.equal(await head(), before);
  });

  it('refuses with 403 forbidden_x12_sender an interchange whose ISA sender is not the caller, storing nothing', async () => {
    const before = await head();
    const answer = await send('partner:sup-0042', fixture('810-005010-invoice.edi'));
    assert.equal(answer.status, 403);
    assert.equal(answer.body.code, 'forbidden_x12_sender');
    assert.equal(await head(), before);
  });

  it('answers an envelope error with a TA1 and no 997, storing nothing', async () => {
    const before = await head();
    const answer = await send('partner:sup-0107', fixture('bad-iea-missing.edi'));
    assert.equal(answer.status, 200);
    assert.match(answer.body.ta1 ?? '', /TA1\*000001603\*260302\*1015\*R\*023~/);
    assert.equal(answer.body.ack, '');
    assert.equal(answer.body.rejected.length, 1);
    assert.equal(await head(), before);
  });

  it('takes an interchange padded with Ctrl-Z or NULs, and answers text after the last IEA with a TA1 022 instead of refusing the file', async () => {
    const numbered = (n: string) => fixture('855-004010-confirmation.edi').replaceAll('000001201', `00000${n}`).replaceAll('1201', n);
    // A DOS end-of-file mark and a VAN's NUL block padding are layout, not a second interchange.
    const padded = await send('partner:sup-0107', `${numbered('1901')}\u001a\u0000\u0000`);
    assert.equal(padded.status, 200, JSON.stringify(padded.body));
    assert.deepEqual([padded.body.accepted.map((a) => a.id), padded.body.ta1, padded.body.diagnostics], [['x12:ZZ:NORTHFAST:000001901:1901:0001'], undefined, []]);
    // Text that is no interchange is reported, addressed to the file's sender; the interchange before it still goes in.
    const trailing = await send('partner:sup-0107', `${numbered('1902')}END OF TRANSMISSION\n`);
    assert.equal(trailing.status, 200, JSON.stringify(trailing.body));
    assert.deepEqual(trailing.body.accepted.map((a) => a.id), ['x12:ZZ:NORTHFAST:000001902:1902:0001']);
    assert.match(trailing.body.ta1 ?? '', /^ISA\*00\* {10}\*00\* {10}\*ZZ\*MILLRACEHUB {4}\*ZZ\*NORTHFAST {6}\*.*\nTA1\*000000000\*000000\*0000\*R\*022~/);
    assert.deepEqual(
      trailing.body.diagnostics.map((d) => [d.code, d.segment, d.position]),
      [['TA1:022', 'ISA', 13]],
    );
    assert.match(JSON.stringify(trailing.body.diagnostics), /after interchange 000001902, expected an ISA segment or the end of the file at character 378, found \\"END OF TRANSMISSION/);
  });

  it('rejects an interchange or a group whose control number repeats an earlier one of the same file, and acknowledges only what it stored', async () => {
    const text = fixture('855-004010-confirmation.edi');
    const isa = text.split('\n')[0] ?? '';
    const group = text.split('\n').filter((line) => !line.startsWith('ISA') && !line.startsWith('IEA')).join('\n');
    const changed = group.replace('ACK*IQ*30*BX*068*20260314~', 'ACK*IQ*35*BX*068*20260314~');
    const id = (n: string) => `x12:ZZ:NORTHFAST:00000${n}:1201:0001`;
    // The same ISA13 twice: the second is a TA1 025. Before, both sets got AK5 R 5 (event_conflict)
    // although the first was stored, and both were quarantined.
    const interchanges = await send('partner:sup-0107', `${isa.replace('000001201', '000002101')}\n${group}IEA*1*000002101~\n${isa.replace('000001201', '000002101')}\n${changed}IEA*1*000002101~\n`);
    assert.deepEqual(interchanges.body.accepted.map((a) => a.id), [id('2101')]);
    assert.deepEqual(interchanges.body.rejected.map((r) => [r.code, r.controlNumbers.interchange]), [['x12_envelope', '000002101']]);
    assert.match(interchanges.body.ack, /AK5\*A~\nAK9\*A\*1\*1\*1~/);
    assert.match(interchanges.body.ta1 ?? '', /TA1\*000002101\*260302\*1015\*R\*025~/);
    // The same GS06 twice in one interchange: the second group is rejected (AK9 R 6 in 004010).
    // With the same content it was taken as a resend, acknowledged A without being stored again.
    const groups = await send('partner:sup-0107', `${isa.replace('000001201', '000002102')}\n${group}${group}IEA*2*000002102~\n`);
    assert.deepEqual([groups.body.accepted.map((a) => a.id), groups.body.duplicates], [[id('2102')], []]);
    assert.deepEqual(groups.body.rejected.map((r) => r.code), ['x12_syntax']);
    assert.match(groups.body.ack, /AK5\*A~\nAK9\*A\*1\*1\*1~\nSE\*6\*0001~\nST\*997\*0002~\nAK1\*PR\*1201~\nAK2\*855\*0001~\nAK5\*R~\nAK9\*R\*1\*1\*0\*6~/);
    assert.deepEqual(JSON.parse(JSON.stringify((await t.store.find('/partners/sup-0107', id('2102')))?.event.data)), JSON.parse(JSON.stringify((await t.store.find('/partners/sup-0107', id('2101')))?.event.data)));
    // 005010 has a code of its own for it: 19.
    const invoice = fixture('810-005010-invoice.edi').replaceAll('000001401', '000002103').replace('INV-77812', 'INV-2103');
    const invoiceGroup = invoice.split('\n').filter((line) => !line.startsWith('ISA') && !line.startsWith('IEA')).join('\n');
    const twice = await send('partner:sup-0107', `${invoice.split('\n')[0] ?? ''}\n${invoiceGroup}${invoiceGroup}IEA*2*000002103~\n`);
    assert.match(twice.body.ack, /AK9\*R\*1\*1\*0\*19~/);
  });

  it('refuses a body that is not X12 (400 malformed_x12) and JSON (415)', async () => {
    assert.equal((await send('partner:sup-0107', 'hello')).body.code, 'malformed_x12');
    const json = await callHub(t, 'POST', '/v1/inbound/x12', key('partner:sup-0107'), { not: 'x12' });
    assert.equal(json.status, 415);
    assert.deepEqual(json.body.accepted, ['application/edi-x12', 'text/plain']);
  });

  it('keeps a rejected set in quarantine with its file, and a retry after the fix takes it in', async () => {
    const text = fixture('855-004010-confirmation.edi').replaceAll('000001201', '000001801').replaceAll('1201', '1801').replaceAll('4500012345', '4500018018');
    const answer = await send('partner:sup-0107', text);
    const [rejected] = answer.body.rejected as (X12Answer['rejected'][number] & { quarantineId?: string })[];
    assert.equal(rejected?.code, 'forbidden_object');
    assert.ok(rejected?.quarantineId !== undefined, JSON.stringify(answer.body.rejected));
    const operator = t.keys.get('operator:ap-lead')!;
    const listed = await callHub(t, 'GET', '/v1/quarantine?channel=x12&status=held', operator);
    const entry = (listed.body.items as { id: string; source: string; reason: { code: string } }[]).find((e) => e.id === rejected.quarantineId);
    assert.deepEqual(entry && { source: entry.source, code: entry.reason.code }, { source: '/partners/sup-0107', code: 'forbidden_object' });
    // Still failing while the PO is unknown; the ERP then releases it to SUP-0107, and the retry takes the set in.
    const early = await callHub(t, 'POST', `/v1/quarantine/${rejected.quarantineId}/retry`, operator, {});
    assert.equal(early.body.status, 'held', JSON.stringify(early.body));
    const po = {
      specversion: '1.0',
      id: 'erp-po-18018',
      source: '/systems/erp-core',
      type: 'po.released',
      time: new Date().toISOString(),
      data: { poNumber: '4500018018', supplierId: 'SUP-0107', buyerPlant: 'P01', currency: 'USD', lines: [{ line: 10, itemId: 'ITM-10023', quantity: '500', uom: 'EA', unitPrice: '12.5000', needBy: '2026-12-16' }] },
    };
    assert.equal((await callHub(t, 'POST', '/v1/events', t.keys.get('system:erp-core')!, po)).status, 202);
    await t.hub.settle();
    const retried = await callHub(t, 'POST', `/v1/quarantine/${rejected.quarantineId}/retry`, operator, {});
    assert.equal(retried.status, 200, JSON.stringify(retried.body));
    assert.equal(retried.body.status, 'accepted');
    assert.ok((await t.store.find('/partners/sup-0107', 'x12:ZZ:NORTHFAST:000001801:1801:0001')) !== undefined);
  });
});
