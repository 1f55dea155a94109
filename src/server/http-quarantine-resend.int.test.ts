// A file sent again while what it could not deliver still waits in quarantine. Each resend of the
// very same CSV file (or X12 interchange) used to add one more held entry, so an operator saw N
// copies of one problem; now the resend points to the entry that is held and is counted on it.
// On SQLite and PostgreSQL, through the HTTP routes.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe } from 'node:test';
import type { CsvFileReport, QuarantineView } from '../app/index.js';
import type { TestHub } from '../../test/support/hub.js';
import { callHub, onBothStores } from '../../test/support/hub.js';

const CSV_FIXTURES = new URL('../../test/fixtures/csv/', import.meta.url);
const MANIFEST = new URL('millrace.yaml', CSV_FIXTURES).pathname;
const csvFixture = (name: string): Buffer => readFileSync(new URL(name, CSV_FIXTURES));
const x12Fixture = (name: string): string => readFileSync(new URL(`../../test/fixtures/x12/${name}`, import.meta.url), 'utf8');

type FileAnswer = CsvFileReport & { code?: string; quarantineId?: string };

async function sendCsv(t: TestHub, body: Buffer, filename: string) {
  const response = await t.hub.http.inject({
    method: 'POST',
    url: `/v1/inbound/csv/wms-p02-receipts?filename=${filename}`,
    headers: { authorization: `Bearer ${t.keys.get('system:wms-p02') ?? ''}`, 'content-type': 'text/csv' },
    payload: body,
  });
  return { status: response.statusCode, body: response.json<FileAnswer>() };
}

async function sendX12(t: TestHub, text: string) {
  const response = await t.hub.http.inject({
    method: 'POST',
    url: '/v1/inbound/x12',
    headers: { authorization: `Bearer ${t.keys.get('partner:sup-0107') ?? ''}`, 'content-type': 'application/edi-x12' },
    payload: text,
  });
  return { status: response.statusCode, body: response.json<{ rejected: { code: string; quarantineId?: string }[]; ta1?: string }>() };
}

async function held(t: TestHub, channel: string): Promise<QuarantineView[]> {
  const page = await callHub(t, 'GET', `/v1/quarantine?channel=${channel}&status=held&limit=500`, t.keys.get('operator:ap-lead') ?? '');
  return page.body.items as QuarantineView[];
}

async function entry(t: TestHub, id: string): Promise<QuarantineView> {
  const answer = await callHub(t, 'GET', `/v1/quarantine/${id}`, t.keys.get('operator:ap-lead') ?? '');
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  return answer.body as unknown as QuarantineView;
}

async function csvResentAsIs(t: TestHub): Promise<void> {
  const bad = csvFixture('wms-p02-receipts-bad.csv');
  const first = await sendCsv(t, bad, 'receipts.csv');
  assert.equal(first.status, 207);
  const ids = first.body.quarantined.map((q) => q.quarantineId);
  assert.equal(ids.length, 4);
  // The plant's job sends the same export twice more (a retry after a timeout, a re-run).
  for (const resends of [1, 2]) {
    const again = await sendCsv(t, bad, 'receipts.csv');
    assert.equal(again.status, 207, 'answered as before');
    assert.deepEqual(again.body.quarantined, first.body.quarantined, 'the same rows, problems and entries');
    assert.deepEqual((await held(t, 'csv')).map((e) => e.id).sort(), [...ids].sort(), 'no entry added');
    const kept = await entry(t, ids[1] ?? '');
    assert.equal(kept.resends, resends);
    assert.deepEqual(
      kept.attempts.map((a) => [a.action, a.by, a.outcome]),
      Array.from({ length: resends }, () => ['resend', '/systems/wms-p02', 'still_failing']),
    );
    assert.equal(kept.lastReceivedTime, kept.attempts.at(-1)?.at);
    assert.equal(kept.reason.code, 'not_decimal');
  }
  // A changed file is new content: its bad rows are entries of their own (they would be retried with its digest).
  const changed = Buffer.concat([bad, Buffer.from('WE-2007;03.03.2026 08:40;PO-7107;10;MX-10023;5;ST;;\r\n')]);
  const other = await sendCsv(t, changed, 'receipts.csv');
  assert.equal(other.status, 207);
  const otherIds = other.body.quarantined.map((q) => q.quarantineId);
  assert.equal(otherIds.filter((id) => ids.includes(id)).length, 0);
  assert.equal((await held(t, 'csv')).length, 8);
  assert.equal((await entry(t, otherIds[0] ?? '')).resends, 0);
  // Once an entry is no longer held, the same content sent again is held anew.
  const discarded = await callHub(t, 'POST', `/v1/quarantine/${ids[0] ?? ''}/discard`, t.keys.get('operator:ap-lead') ?? '', { reason: 'date fixed in the WMS' });
  assert.equal(discarded.status, 200);
  const afterDiscard = await sendCsv(t, bad, 'receipts.csv');
  const [newFirst, ...rest] = afterDiscard.body.quarantined.map((q) => q.quarantineId);
  assert.ok(newFirst !== undefined && !ids.includes(newFirst));
  assert.deepEqual(rest, ids.slice(1));
}

async function unreadableResent(t: TestHub): Promise<void> {
  const bytes = csvFixture('wms-p02-receipts-invalid-utf8.csv');
  const first = await sendCsv(t, bytes, 'ansi.csv');
  const again = await sendCsv(t, bytes, 'ansi.csv');
  assert.deepEqual([first.status, again.status], [422, 422]);
  assert.equal(again.body.code, 'csv_unreadable');
  assert.equal(again.body.quarantineId, first.body.quarantineId);
  assert.equal((await held(t, 'csv')).filter((e) => e.reason.code === 'csv_unreadable').length, 1);
  assert.equal((await entry(t, String(first.body.quarantineId))).resends, 1);
}

async function x12Resent(t: TestHub): Promise<void> {
  // No IEA: the interchange is rejected whole (TA1 023) and its set is quarantined.
  const text = x12Fixture('bad-iea-missing.edi');
  const first = await sendX12(t, text);
  const again = await sendX12(t, text);
  assert.deepEqual([first.status, again.status], [200, 200]);
  assert.match(again.body.ta1 ?? '', /TA1\*000001603\*260302\*1015\*R\*023~/, 'answered as before');
  assert.ok(first.body.rejected[0]?.quarantineId !== undefined);
  assert.equal(again.body.rejected[0]?.quarantineId, first.body.rejected[0]?.quarantineId);
  assert.equal((await held(t, 'x12')).length, 1);
  const kept = await entry(t, first.body.rejected[0]?.quarantineId ?? '');
  assert.deepEqual([kept.resends, kept.attempts[0]?.by], [1, '/partners/sup-0107']);
  // The same set in another interchange (a new ISA13) is another message.
  const renumbered = await sendX12(t, text.replaceAll('000001603', '000001613'));
  assert.notEqual(renumbered.body.rejected[0]?.quarantineId, first.body.rejected[0]?.quarantineId);
  assert.equal((await held(t, 'x12')).length, 2);
}

describe('a file resent while its rejects are held in quarantine', () => {
  onBothStores('a CSV file sent again as is points to the entries it has and counts the resend; a changed file gets entries of its own', csvResentAsIs, { manifestPath: MANIFEST });
  onBothStores('an unreadable CSV file sent again keeps its one entry', unreadableResent, { manifestPath: MANIFEST });
  onBothStores('an X12 interchange sent again keeps the one entry of its rejected set', x12Resent, { manifestPath: MANIFEST });
});
