// X12 over the hub's HTTP route, as the X12 tests send it: the golden files, a 004010
// interchange around one set, and POST /v1/inbound/x12 with a credential of the example manifest.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { TestHub } from './hub.js';
import { startTestHub } from './hub.js';

/** A file of test/fixtures/x12, as text. */
export function x12Fixture(name: string): string {
  return readFileSync(new URL(`../fixtures/x12/${name}`, import.meta.url), 'utf8');
}

/** The route's answer, as far as the tests read it. */
export interface X12Answer {
  accepted: { id: string; type: string }[];
  rejected: { controlNumbers: { set: string }; reason: string; code: string; quarantineId?: string }[];
  ack: string;
}

const FUNCTIONAL_GROUP = { '850': 'PO', '855': 'PR', '810': 'IN' } as const;

export interface InterchangeOptions {
  /** The sender's ISA06/GS02 id (ZZ qualifier): ERPCORE for the buyer's ERP, NORTHFAST for sup-0107. */
  readonly sender: string;
  readonly set: keyof typeof FUNCTIONAL_GROUP;
  /** The 4-digit control number of the interchange and its group. */
  readonly n: string;
  /** GS04, YYYYMMDD (ISA09 is its last six digits); 20260302 unless given. */
  readonly date?: string;
  /** ISA10 and GS05, HHMM; 1000 unless given. */
  readonly time?: string;
}

/** One 004010 interchange with one group and one set whose segments after ST are `body`. */
export function interchange(options: InterchangeOptions, body: readonly string[]): string {
  const { sender, set, n, date = '20260302', time = '1000' } = options;
  const segments = [`ST*${set}*0001`, ...body];
  return [
    `ISA*00*          *00*          *ZZ*${sender.padEnd(15)}*ZZ*MILLRACEHUB    *${date.slice(2)}*${time}*U*00401*00000${n}*0*P*:`,
    `GS*${FUNCTIONAL_GROUP[set]}*${sender}*MILLRACEHUB*${date}*${time}*${n}*X*004010`,
    ...segments,
    `SE*${segments.length + 1}*0001`,
    `GE*1*${n}`,
    `IEA*1*00000${n}`,
  ]
    .map((s) => `${s}~\n`)
    .join('');
}

/** POSTs a file to /v1/inbound/x12 with the key of `who` (e.g. `partner:sup-0107`); the route answers 200 even when it rejects sets. */
export async function postX12(t: TestHub, who: string, payload: string | Buffer): Promise<X12Answer> {
  const response = await t.hub.http.inject({ method: 'POST', url: '/v1/inbound/x12', headers: { authorization: `Bearer ${t.keys.get(who) ?? ''}`, 'content-type': 'application/edi-x12' }, payload });
  assert.equal(response.statusCode, 200, response.body);
  return response.json<X12Answer>();
}

/** A test hub on the example manifest that has taken the buyer's 850 for PO 4500012345 (850-004010-erp-order.edi, to SUP-0107). */
export async function startHubWithErpOrder(): Promise<TestHub> {
  const t = await startTestHub();
  assert.deepEqual((await postX12(t, 'system:erp-core', x12Fixture('850-004010-erp-order.edi'))).accepted.map((a) => a.type), ['po.released']);
  return t;
}
