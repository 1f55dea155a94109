// Round trips: an 850 the hub generates for a supplier reads back, through the inbound 850
// mapper, to the canonical data it was made from.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { CloudEvent } from '../../core/envelope.js';
import { generate850 } from '../../core/x12/x12-850.generator.js';
import { readX12Events } from '../../core/x12/x12-inbound.js';
import type { X12Directory } from '../../core/x12/x12-mapping.js';

const HUB = { qualifier: 'ZZ', id: 'MILLRACEHUB' };
const PARTNER = { qualifier: '01', id: '123456789' };
/** Read back as if the hub's 850 came from the buyer's ERP: the data must be the same. */
const directory: X12Directory = {
  party: (q, id) => (q === HUB.qualifier && id === HUB.id ? { kind: 'system', id: 'erp-core', source: '/systems/erp-core', supplierId: undefined } : undefined),
  receiver: () => undefined,
  itemId: () => undefined,
  supplierId: () => undefined,
};

function roundTrip(event: CloudEvent, options: { version?: '004010' | '005010'; delimiters?: { element: string; component: string; repetition: string; segment: string } } = {}) {
  const generated = generate850({ event, hub: HUB, partner: PARTNER, controlNumber: 42, now: '2026-03-02T10:20:00Z', ...options });
  const reading = readX12Events(generated.text, directory);
  const set = reading.interchanges[0]?.groups[0]?.sets[0];
  assert.deepEqual(reading.diagnostics, [], generated.text);
  return { generated, data: set?.event?.data };
}

function without(data: Record<string, unknown>, dropped: readonly string[]): Record<string, unknown> {
  const copy = structuredClone(data) as Record<string, unknown> & { lines: Record<string, unknown>[] };
  for (const path of dropped) {
    const parts = path.split('/');
    if (parts.length === 1) delete copy[path];
    else delete copy.lines[Number(parts[1])]?.[parts[2] ?? ''];
  }
  return copy;
}

describe('850 round trip', () => {
  const folder = new URL('../../../contracts/purchasing/po.released/examples/', import.meta.url);
  for (const name of readdirSync(folder).filter((n) => n.startsWith('v1.valid.'))) {
    it(`reads back the shipped example ${name} field for field (apart from what the 850 does not carry)`, () => {
      const example = JSON.parse(readFileSync(new URL(name, folder), 'utf8')) as Record<string, unknown>;
      const event = { specversion: '1.0', id: 'x', source: '/systems/erp-core', type: 'po.released', time: '2026-03-02T08:00:00Z', ...example } as CloudEvent;
      const { generated, data } = roundTrip(event);
      assert.deepEqual(data, without(event.data, generated.dropped));
    });
  }

  it('generates control numbers, counts and the partner ids into the envelope', () => {
    const event = { specversion: '1.0', id: 'x', source: '/systems/erp-core', type: 'po.released', time: '2026-03-02T08:00:00Z', data: { poNumber: 'PO-1', supplierId: 'SUP-0107', buyerPlant: 'P01', currency: 'EUR', lines: [{ line: 1, itemId: 'ITM-1', quantity: '2', uom: 'BOX', unitPrice: '3.50', needBy: '2026-04-01' }] } } as CloudEvent;
    const text = generate850({ event, hub: HUB, partner: PARTNER, controlNumber: 42, now: '2026-03-02T10:20:00Z' }).text;
    assert.equal(text.split('~\n')[0], 'ISA*00*          *00*          *ZZ*MILLRACEHUB    *01*123456789      *260302*1020*U*00401*000000042*0*P*:');
    assert.match(text, /GS\*PO\*MILLRACEHUB\*123456789\*20260302\*1020\*42\*X\*004010~\nST\*850\*0001~\nBEG\*00\*SA\*PO-1\*\*20260302~/);
    assert.match(text, /PO1\*1\*2\*BX\*3.50\*\*BP\*ITM-1~\nDTM\*002\*20260401~\nCTT\*1~\nSE\*9\*0001~\nGE\*1\*42~\nIEA\*1\*000000042~\n$/);
  });

  const po = (data: Record<string, unknown>, line: Record<string, unknown> = {}): CloudEvent => ({ specversion: '1.0', id: 'x', source: '/systems/erp-core', type: 'po.released', time: '2026-03-02T08:00:00Z', data: { poNumber: 'PO-1', supplierId: 'SUP-0107', buyerPlant: 'P01', currency: 'EUR', lines: [{ line: 1, itemId: 'ITM-1', quantity: '2', uom: 'EA', unitPrice: '3.50', needBy: '2026-04-01', ...line }], ...data } });
  const make = (event: CloudEvent) => generate850({ event, hub: HUB, partner: PARTNER, controlNumber: 42, now: '2026-03-02T10:20:00Z' });

  it('refuses a part number, PO number or party id holding a delimiter instead of sending another part number', () => {
    // Before: ITM*1 went out as PO1*...*BP*ITM*1 and was read back as part ITM; ITM~1 broke the set.
    for (const itemId of ['ITM*1', 'ITM~1', 'ITM:1', 'ITM^1']) {
      assert.throws(() => make(po({}, { itemId })), { code: 'invalid_request', message: new RegExp(`PO107 \\(lines/0/itemId\\) "ITM\\${itemId[3]}1" holds`) });
    }
    assert.throws(() => make(po({ poNumber: 'PO*7' })), { code: 'invalid_request', message: /BEG03 \(poNumber\)/ });
    assert.throws(() => make(po({ supplierId: 'SUP~7' })), { code: 'invalid_request', message: /N102 \(supplierId\)/ });
    assert.throws(() => make(po({ supplierId: 'S' })), { message: /N104 \(supplierId\) "S" has 1 characters; the element takes 2 to 80/ });
  });

  it('refuses ids and amounts longer than their elements, after dropping trailing zeros that change no value', () => {
    assert.throws(() => make(po({ poNumber: 'P'.repeat(23) })), { message: /BEG03 \(poNumber\) "P{23}" has 23 characters; the element takes 1 to 22/ });
    assert.throws(() => make(po({}, { itemId: 'I'.repeat(49) })), { message: /PO107 .* has 49 characters; the element takes 1 to 48/ });
    assert.throws(() => make(po({}, { quantity: '0.33333333333333333333' })), { message: /PO102 \(lines\/0\/quantity\) 0.33333333333333333333 has 21 digits; the element takes 15/ });
    assert.throws(() => make(po({}, { unitPrice: '1234567890123456789' })), { message: /PO104 .* has 19 digits; the element takes 17/ });
    assert.match(make(po({}, { quantity: '12.500000000000000000', unitPrice: '3.50' })).text, /PO1\*1\*12.5\*EA\*3.50\*\*BP\*ITM-1~/);
    assert.match(make(po({ poNumber: 'P'.repeat(22) }, { itemId: 'I'.repeat(48), quantity: '123456789012345' })).text, /PO1\*1\*123456789012345\*/);
  });

  it('writes line breaks and tabs of a description as spaces and never cuts a character in two', () => {
    const text = make(po({}, { description: 'line one\r\nline two\ttab' })).text;
    assert.match(text, /PID\*F\*\*\*\*line one {2}line two tab~\n/);
    const long = make(po({}, { description: `${'A'.repeat(79)}\u{1F600}B` })).text;
    assert.match(long, new RegExp(`PID\\*F\\*\\*\\*\\*A{79}\u{1F600}~`, 'u'));
  });

  it('reads back any po.released it generates, in 004010 and 005010, with any delimiters (property)', () => {
    const decimal = fc.tuple(fc.integer({ min: 1, max: 99999 }), fc.option(fc.integer({ min: 0, max: 9999 }), { nil: undefined })).map(([w, f]) => (f === undefined ? String(w) : `${w}.${String(f).padStart(4, '0')}`));
    const date = fc.date({ min: new Date('2020-01-01T00:00:00Z'), max: new Date('2035-12-31T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10));
    const code = fc.stringMatching(/^[A-Z][A-Z0-9-]{0,11}$/);
    // N104 takes 2 to 80 characters: a one-character supplier id is refused (see above).
    const party = fc.stringMatching(/^[A-Z][A-Z0-9-]{1,11}$/);
    const line = fc.record({ itemId: code, quantity: decimal, uom: fc.constantFrom('EA', 'BOX', 'KG', 'PAL', 'M2'), unitPrice: decimal, needBy: date, description: fc.option(fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9 ,.()-]{0,30}[A-Za-z0-9]$/), { nil: undefined }) });
    const delimiters = fc.constantFrom(
      { element: '*', component: ':', repetition: '^', segment: '~' },
      { element: '|', component: '>', repetition: '{', segment: '\n' },
      { element: '^', component: '\\', repetition: '@', segment: "'" },
    );
    fc.assert(
      fc.property(code, party, fc.constantFrom('P01', 'US-DET'), fc.constantFrom('USD', 'EUR', 'JPY'), fc.array(line, { minLength: 1, maxLength: 5 }), fc.constantFrom('004010' as const, '005010' as const), delimiters, (poNumber, supplierId, buyerPlant, currency, lines, version, d) => {
        const data = { poNumber, supplierId, buyerPlant, currency, lines: lines.map((l, i) => ({ line: (i + 1) * 10, ...Object.fromEntries(Object.entries(l).filter(([, v]) => v !== undefined)) })) };
        const event = { specversion: '1.0', id: 'x', source: '/systems/erp-core', type: 'po.released', time: '2026-03-02T08:00:00Z', data } as CloudEvent;
        const { data: back } = roundTrip(event, { version, delimiters: d });
        const expected = { ...data, lines: data.lines.map((l) => Object.fromEntries(['line', 'itemId', 'quantity', 'uom', 'unitPrice', 'description', 'needBy'].filter((k) => k in l).map((k) => [k, (l as Record<string, unknown>)[k]]))) };
        assert.deepEqual(back, expected);
      }),
      { numRuns: 150 },
    );
  });
});
