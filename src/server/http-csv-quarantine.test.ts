// CSV files through the HTTP door and the quarantine they feed, on the real SQLite adapter.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { CsvEventReport, CsvFileReport, CsvQuarantineReport, QuarantineView } from '../app/index.js';
import { SqliteStore } from '../bootstrap/index.js';
import type { TestHub } from '../../test/support/hub.js';
import { callHub, startTestHub } from '../../test/support/hub.js';

const FIXTURES = new URL('../../test/fixtures/csv/', import.meta.url);
const MANIFEST = new URL('millrace.yaml', FIXTURES).pathname;

function fixture(name: string): Buffer {
  return readFileSync(new URL(name, FIXTURES));
}

async function sendCsv(t: TestHub, mapping: string, body: Buffer, key: string, filename?: string) {
  const response = await t.hub.http.inject({
    method: 'POST',
    url: `/v1/inbound/csv/${mapping}${filename === undefined ? '' : `?filename=${filename}`}`,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'text/csv; charset=utf-8' },
    payload: body,
  });
  return { status: response.statusCode, body: response.json<FileAnswer>() };
}

/** A file report (200, 207) or a problem (4xx). */
type FileAnswer = CsvFileReport & { code?: string; detail?: string; line?: number; quarantineId?: string };

/** An entry, or a page of them, as the quarantine API answers. */
function entryOf(body: Record<string, unknown>): QuarantineView {
  return body as unknown as QuarantineView;
}
function itemsOf(body: Record<string, unknown>): QuarantineView[] {
  return body.items as QuarantineView[];
}

describe('CSV files at POST /v1/inbound/csv/:mapping', () => {
  let t: TestHub;
  before(async () => {
    t = await startTestHub({ manifestPath: MANIFEST });
  });
  after(() => t.close());
  const wms = () => t.keys.get('system:wms-p02')!;
  const operator = () => t.keys.get('operator:ap-lead')!;

  it('reports the rows a spreadsheet export leaves blank (delimiters only, or nothing) by line, and reads the others', async () => {
    // Rows of delimiters only (;;;;;;;;) were dropped without a word: the report's 3 rows did not
    // add up to the file's 7 lines after the header, and nothing said which were left out.
    const answer = await sendCsv(t, 'wms-p02-receipts', fixture('wms-p02-receipts-blank-rows.csv'), wms(), 'wms-p02-receipts-blank-rows.csv');
    assert.equal(answer.status, 200);
    assert.equal(answer.body.rows, 3);
    assert.deepEqual(answer.body.blankRows, [4, 6, 7, 8]);
    assert.deepEqual(answer.body.accepted.map((e: CsvEventReport) => [e.id, e.lines]), [
      ['wms-p02-receipts/WE-1901', [2, 3]],
      ['wms-p02-receipts/WE-1902', [5]],
    ]);
    assert.deepEqual(answer.body.quarantined, []);
  });

  it('turns a WMS goods-receipt export with decimal commas and DD.MM.YYYY dates into one event per receipt', async () => {
    const answer = await sendCsv(t, 'wms-p02-receipts', fixture('wms-p02-receipts.csv'), wms(), 'wms-p02-receipts.csv');
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.body.accepted.map((e: CsvEventReport) => [e.id, e.lines]), [
      ['wms-p02-receipts/WE-1001', [2, 3]],
      ['wms-p02-receipts/WE-1002', [4]],
    ]);
    assert.deepEqual(answer.body.quarantined, []);
    assert.deepEqual(answer.body.blankRows, []);
    const stored = await t.store.find('/systems/wms-p02', 'wms-p02-receipts/WE-1001');
    assert.deepEqual(stored?.event.data, {
      receiptId: 'WE-1001',
      plant: 'P02',
      receivedAt: '2026-03-02T08:15:00-06:00',
      lines: [
        { poNumber: 'PO-7001', line: 10, quantity: '1200.000', uom: 'EA' },
        { poNumber: 'PO-7001', line: 20, quantity: '12.5', uom: 'BOX', rejectedQuantity: '0.5' },
      ],
    });
    assert.equal(stored?.event.time, '2026-03-02T08:15:00-06:00');
  });

  it('answers a resent file with duplicates and stores nothing new', async () => {
    const head = await t.store.headSequence();
    const answer = await sendCsv(t, 'wms-p02-receipts', fixture('wms-p02-receipts.csv'), wms());
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.body.accepted, []);
    assert.deepEqual(answer.body.duplicates.map((e: CsvEventReport) => e.id), ['wms-p02-receipts/WE-1001', 'wms-p02-receipts/WE-1002']);
    await t.hub.settle();
    const log = await t.store.readFrom(head, 100);
    assert.deepEqual(log.filter((s) => s.event.source === '/systems/wms-p02'), [], 'no new inbound event');
  });

  it('takes the good rows of a file and quarantines each bad one with its line, column and reason', async () => {
    const answer = await sendCsv(t, 'wms-p02-receipts', fixture('wms-p02-receipts-bad.csv'), wms(), 'wms-p02-receipts-bad.csv');
    assert.equal(answer.status, 207);
    assert.deepEqual(answer.body.accepted.map((e: CsvEventReport) => [e.id, e.lines]), [
      ['wms-p02-receipts/WE-2001', [2]],
      ['wms-p02-receipts/WE-2006', [7, 8]],
    ]);
    const problems = answer.body.quarantined.map((q: CsvQuarantineReport) => q.problems.map((p: { message: string; code: string }) => p.message));
    assert.deepEqual(problems, [
      ['line 3, column "Datum": "31.02.2026 07:45" is not a valid date (DD.MM.YYYY HH:mm)'],
      ['line 4, column "Menge": "1.2.3" is not a decimal (decimal separator ",", thousands separator ".")'],
      ['line 5: 5 value(s), the header has 9 column(s) (missing "Menge" and after)'],
      ['line 6, column "Abgelehnt": "-1": goods.received contract: lines/0/rejectedQuantity must match pattern "^(0|[1-9][0-9]*)(\\.[0-9]+)?$"'],
    ]);
    assert.deepEqual(answer.body.quarantined.map((q: CsvQuarantineReport) => q.problems[0]!.code), ['not_date', 'not_decimal', 'field_count', 'contract_violation']);
    // Each entry keeps the header and its own raw line, byte for byte, with the source and the mapping.
    const entry = await callHub(t, 'GET', `/v1/quarantine/${answer.body.quarantined[1]!.quarantineId}`, operator());
    assert.equal(entry.status, 200);
    assert.equal(Buffer.from(String(entry.body.rawBase64), 'base64').toString('utf8'), 'Beleg;Datum;Bestellung;Pos;Material;Menge;ME;Abgelehnt;Bemerkung\r\nWE-2003;03.03.2026 08:00;PO-7103;10;MX-10023;1.2.3;ST;;\r\n');
    assert.equal(entry.body.source, '/systems/wms-p02');
    assert.equal(entry.body.ref, 'wms-p02-receipts');
    assert.equal(entry.body.name, 'wms-p02-receipts-bad.csv');
    assert.equal(entry.body.status, 'held');
    assert.deepEqual(entryOf(entry.body).context.lineMap, [1, 4]);
  });

  it('quarantines a row that rejects more than it received at its rejected-quantity column, as any contract violation, and takes the others', async () => {
    const csv = [
      'Beleg;Datum;Bestellung;Pos;Material;Menge;ME;Abgelehnt;Bemerkung',
      'WE-2101;04.03.2026 07:30;PO-7201;10;MX-10023;5;ST;8;Zahlendreher',
      'WE-2102;04.03.2026 07:40;PO-7202;10;MX-10023;5;ST;5;alles beschaedigt',
      '',
    ].join('\r\n');
    const answer = await sendCsv(t, 'wms-p02-receipts', Buffer.from(csv), wms(), 'wms-p02-receipts-rejected.csv');
    assert.equal(answer.status, 207);
    assert.deepEqual(answer.body.accepted.map((e: CsvEventReport) => [e.id, e.lines]), [['wms-p02-receipts/WE-2102', [3]]]);
    assert.deepEqual(answer.body.quarantined.map((q: CsvQuarantineReport) => q.problems), [
      [
        {
          line: 2,
          column: 'Abgelehnt',
          value: '8',
          code: 'contract_violation',
          message: `line 2, column "Abgelehnt": "8": goods.received contract: lines/0/rejectedQuantity must not be more than the line's quantity (8 rejected of 5 received)`,
        },
      ],
    ]);
    assert.equal(await t.store.find('/systems/wms-p02', 'wms-p02-receipts/WE-2101'), undefined);
  });

  it('reads a windows-1252 export with umlauts, and quarantines an unknown item code and a unit the item is not kept in', async () => {
    const answer = await sendCsv(t, 'wms-p02-movements', fixture('wms-p02-movements-1252.csv'), wms());
    assert.equal(answer.status, 207);
    assert.equal(answer.body.file.encoding, 'windows-1252');
    const stored = await t.store.find('/systems/wms-p02', 'wms-p02-movements/BW-502');
    assert.deepEqual(stored?.event.data, { movementId: 'BW-502', plant: 'P02', itemId: 'ITM-20077', quantity: '3.5', uom: 'BOX', reason: 'issue', storageLocation: 'Außenlager Nord' });
    assert.equal((await t.store.find('/systems/wms-p02', 'wms-p02-movements/BW-501'))?.event.data.quantity, '1440');
    assert.deepEqual(
      answer.body.quarantined.map((q: CsvQuarantineReport) => [q.lines, q.problems[0]!.code, q.problems[0]!.message]),
      [
        [[4], 'unknown_item_code', 'line 4, column "Material": item code "MX-99999" is not in masterData.itemCodes.wms-p02'],
        [[5], 'unit_not_convertible', 'line 5, column "ME": ITM-10023 is not kept in KG; masterData.unitConversions.ITM-10023 has EA, BOX'],
      ],
    );
  });

  it('refuses a file with invalid UTF-8 as a whole, naming the line and byte, and quarantines all of it', async () => {
    const bytes = fixture('wms-p02-receipts-invalid-utf8.csv');
    const answer = await sendCsv(t, 'wms-p02-receipts', bytes, wms());
    assert.equal(answer.status, 422);
    assert.equal(answer.body.code, 'csv_unreadable');
    assert.equal(answer.body.line, 3);
    assert.match(String(answer.body.detail), /line 3: byte 0xFC at offset 172 is not valid UTF-8; .*windows-1252/);
    const entry = await callHub(t, 'GET', `/v1/quarantine/${String(answer.body.quarantineId)}`, operator());
    assert.deepEqual(Buffer.from(String(entry.body.rawBase64), 'base64'), bytes);
    assert.equal((await t.store.find('/systems/wms-p02', 'wms-p02-receipts/WE-3001')), undefined, 'nothing of the file is stored');
  });

  it('reads a UTF-8 file with a byte order mark, and derives ids from the file when the mapping has no key', async () => {
    const answer = await sendCsv(t, 'mes-p01-production', fixture('mes-p01-production-bom.csv'), t.keys.get('system:mes-p01')!);
    assert.equal(answer.status, 200);
    assert.equal(answer.body.file.bom, true);
    const [first, second] = answer.body.accepted;
    assert.equal(first!.id, `mes-p01-production/${String(answer.body.file.sha256).slice(0, 16)}:2`);
    const stored = await t.store.find('/systems/mes-p01', second!.id);
    assert.deepEqual(stored?.event.data, { productionOrder: 'PRD-88002', plant: 'P01', goodQuantity: '1000.5', scrapQuantity: '0', uom: 'EA', completedAt: '2026-03-02T16:05:00-05:00', final: true });
    const resend = await sendCsv(t, 'mes-p01-production', fixture('mes-p01-production-bom.csv'), t.keys.get('system:mes-p01')!);
    assert.deepEqual(resend.body.duplicates.map((e: CsvEventReport) => e.id), [first!.id, second!.id]);
  });

  it('quarantines a corrected receipt sent under the same document number as a conflict, keeping the first', async () => {
    const changed = fixture('wms-p02-receipts.csv').toString('utf8').replace('WE-1002;02.03.2026 09:40;PO-7002;10;MX-10023;48;', 'WE-1002;02.03.2026 09:40;PO-7002;10;MX-10023;50;');
    const answer = await sendCsv(t, 'wms-p02-receipts', Buffer.from(changed), wms());
    assert.equal(answer.status, 207);
    assert.deepEqual(answer.body.duplicates.map((e: CsvEventReport) => e.id), ['wms-p02-receipts/WE-1001']);
    assert.equal(answer.body.quarantined[0]!.problems[0]!.code, 'event_conflict');
    assert.equal(((await t.store.find('/systems/wms-p02', 'wms-p02-receipts/WE-1002'))?.event.data.lines as { quantity: string }[])[0]?.quantity, '48');
  });

  it('refuses an export whose lines end with CR alone, quarantining it whole, instead of answering 200 with no rows', async () => {
    const classicMac = Buffer.from(fixture('wms-p02-receipts.csv').toString('utf8').replaceAll('WE-100', 'WE-400').replaceAll('\r\n', '\r'));
    const answer = await sendCsv(t, 'wms-p02-receipts', classicMac, wms(), 'mac.csv');
    assert.equal(answer.status, 422, JSON.stringify(answer.body));
    assert.equal(answer.body.code, 'csv_unreadable');
    assert.match(String(answer.body.detail), /line 1: the lines end with CR alone/);
    const entry = await callHub(t, 'GET', `/v1/quarantine/${answer.body.quarantineId ?? ''}`, operator());
    assert.equal(entry.status, 200);
    assert.equal(await t.store.find('/systems/wms-p02', 'wms-p02-receipts/WE-4001'), undefined);
  });

  it('lets only the mapping source send its files, and answers unknown mappings and media types with problems', async () => {
    const other = await sendCsv(t, 'wms-p02-receipts', fixture('wms-p02-receipts.csv'), t.keys.get('system:wms-p01')!);
    assert.equal(other.status, 403);
    assert.equal(other.body.code, 'forbidden_source');
    assert.equal((await sendCsv(t, 'no-such-mapping', fixture('wms-p02-receipts.csv'), wms())).body.code, 'not_found');
    const json = await t.hub.http.inject({ method: 'POST', url: '/v1/inbound/csv/wms-p02-receipts', headers: { authorization: `Bearer ${wms()}`, 'content-type': 'application/xml' }, payload: '<a/>' });
    assert.equal(json.statusCode, 415);
    assert.ok((json.json<{ accepted: string[] }>().accepted).includes('text/csv'));
    const commas = await sendCsv(t, 'wms-p02-receipts', Buffer.from('Beleg,Datum,Menge\nWE-1,01.01.2026 00:00,1\n'), wms());
    assert.equal(commas.status, 422);
    assert.match(String(commas.body.detail), /line 1: the header lacks column\(s\) "Beleg", "Datum", .*\(found "Beleg,Datum,Menge"\); check the delimiter \(";"\)/);
    const missing = await sendCsv(t, 'wms-p02-receipts', Buffer.from('Beleg;Datum;Menge\nWE-1;01.01.2026 00:00;1\n'), wms());
    assert.match(String(missing.body.detail), /line 1: the header lacks column\(s\) "Bestellung", "Pos", "ME", "Abgelehnt" that mapping wms-p02-receipts reads/);
  });
});

describe('the quarantine API', () => {
  let dir: string;
  let store: SqliteStore;
  let t: TestHub;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'millrace-quarantine-'));
    store = new SqliteStore(join(dir, 'hub.db'));
    t = await startTestHub({ manifestPath: MANIFEST, store });
  });
  after(async () => {
    await t.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const operator = () => t.keys.get('operator:ap-lead')!;

  it('retries a row after the manifest learns the missing item code, and the row goes in with the id the file gave it', async () => {
    const answer = await sendCsv(t, 'wms-p02-movements', fixture('wms-p02-movements-1252.csv'), t.keys.get('system:wms-p02')!);
    const unknownItem = String(answer.body.quarantined[0]!.quarantineId);
    const stillBad = await callHub(t, 'POST', `/v1/quarantine/${unknownItem}/retry`, operator());
    assert.equal(stillBad.status, 200);
    assert.equal(stillBad.body.status, 'held', 'nothing changed yet');
    assert.equal(entryOf(stillBad.body).attempts[0]!.outcome, 'still_failing');
    assert.equal(entryOf(stillBad.body).reason.code, 'unknown_item_code');
    // The governance board adds the code; the hub restarts on the same store with the new manifest.
    await t.close();
    const fixed = join(dir, 'millrace.yaml');
    writeFileSync(fixed, readFileSync(MANIFEST, 'utf8').replace('"MX-20077": ITM-20077 }', '"MX-20077": ITM-20077, "MX-99999": ITM-99999 }'));
    t = await startTestHub({ manifestPath: fixed, store });
    const retried = await callHub(t, 'POST', `/v1/quarantine/${unknownItem}/retry`, operator());
    assert.equal(retried.status, 200);
    assert.equal(retried.body.status, 'accepted');
    const attempts = entryOf(retried.body).attempts;
    assert.equal(attempts.length, 2);
    assert.equal(attempts[1]!.by, 'operator:ap-lead');
    assert.deepEqual(attempts[1]!.accepted!.map((e) => e.id), ['wms-p02-movements/BW-503']);
    assert.equal((await t.store.find('/systems/wms-p02', 'wms-p02-movements/BW-503'))?.event.data.itemId, 'ITM-99999');
    const again = await callHub(t, 'POST', `/v1/quarantine/${unknownItem}/retry`, operator());
    assert.equal(again.status, 409);
    assert.equal(again.body.code, 'quarantine_entry_closed');
  });

  it('discards an entry only with a reason and an operator key, and keeps it listed with who, when and why', async () => {
    const page = await callHub(t, 'GET', '/v1/quarantine?status=held&channel=csv', operator());
    const entry = itemsOf(page.body).find((item: QuarantineView) => item.reason.code === 'unit_not_convertible');
    assert.ok(entry);
    assert.equal((await callHub(t, 'POST', `/v1/quarantine/${entry.id}/discard`, t.keys.get('viewer:plant-manager')!, { reason: 'x' })).status, 403);
    assert.equal((await callHub(t, 'POST', `/v1/quarantine/${entry.id}/discard`, operator(), {})).status, 400);
    const discarded = await callHub(t, 'POST', `/v1/quarantine/${entry.id}/discard`, operator(), { reason: 'KG count booked by mistake; reversed in the WMS' });
    assert.equal(discarded.status, 200);
    assert.equal(discarded.body.status, 'discarded');
    const last = entryOf(discarded.body).attempts.at(-1);
    assert.deepEqual([last!.action, last!.by, last!.note], ['discard', 'operator:ap-lead', 'KG count booked by mistake; reversed in the WMS']);
    const listed = await callHub(t, 'GET', '/v1/quarantine?status=discarded', operator());
    assert.deepEqual(itemsOf(listed.body).map((item: QuarantineView) => item.id), [entry.id]);
    assert.equal((await callHub(t, 'POST', `/v1/quarantine/${entry.id}/retry`, operator())).status, 409);
  });

  it('retries a whole unreadable file once the mapping declares the encoding the plant really exports, and every receipt goes in', async () => {
    const answer = await sendCsv(t, 'wms-p02-receipts', fixture('wms-p02-receipts-invalid-utf8.csv'), t.keys.get('system:wms-p02')!);
    const id = String(answer.body.quarantineId);
    await t.close();
    const fixed = join(dir, 'millrace.yaml');
    // The receipts export is ANSI after all.
    writeFileSync(fixed, readFileSync(fixed, 'utf8').replace('    eventType: goods.received\n', '    eventType: goods.received\n    encoding: windows-1252\n'));
    t = await startTestHub({ manifestPath: fixed, store });
    const retried = await callHub(t, 'POST', `/v1/quarantine/${id}/retry`, operator());
    assert.equal(retried.body.status, 'accepted');
    assert.deepEqual((entryOf(retried.body).attempts[0]?.accepted ?? []).map((e) => e.id), ['wms-p02-receipts/WE-3001', 'wms-p02-receipts/WE-3002']);
  });

  it('retries an unreadable file after a mapping fix: what now reads goes in, a row that still fails becomes an entry of its own', async () => {
    const commas = Buffer.from('Bewegung,Datum,Material,Menge,ME,BWA,Lagerort\nBW-601,06.03.2026,MX-10023,7,ST,101,\nBW-602,06.03.2026,MX-55555,1,ST,101,\n', 'latin1');
    const answer = await sendCsv(t, 'wms-p02-movements', commas, t.keys.get('system:wms-p02')!);
    assert.equal(answer.status, 422);
    await t.close();
    const fixed = join(dir, 'millrace.yaml');
    writeFileSync(fixed, readFileSync(fixed, 'utf8').replace('eventType: inventory.movement\n    encoding: windows-1252\n    delimiter: ";"', 'eventType: inventory.movement\n    encoding: windows-1252\n    delimiter: ","'));
    t = await startTestHub({ manifestPath: fixed, store });
    const retried = await callHub(t, 'POST', `/v1/quarantine/${String(answer.body.quarantineId)}/retry`, operator());
    const entry = entryOf(retried.body);
    assert.equal(entry.status, 'reprocessed');
    const attempt = entry.attempts[0]!;
    assert.deepEqual(attempt.accepted?.map((e) => e.id), ['wms-p02-movements/BW-601']);
    assert.equal(attempt.requarantined?.length, 1);
    const rest = entryOf((await callHub(t, 'GET', `/v1/quarantine/${attempt.requarantined[0]!}`, operator())).body);
    assert.deepEqual([rest.status, rest.reason.code, rest.reason.problems[0]?.line], ['held', 'unknown_item_code', 3]);
    assert.equal(Buffer.from(rest.rawBase64, 'base64').toString('latin1'), 'Bewegung,Datum,Material,Menge,ME,BWA,Lagerort\nBW-602,06.03.2026,MX-55555,1,ST,101,\n');
  });

  it('shows a system its own entries only and operators all of them, paged newest first', async () => {
    const wms = await callHub(t, 'GET', '/v1/quarantine', t.keys.get('system:wms-p02')!);
    assert.ok(itemsOf(wms.body).length > 0);
    assert.ok(itemsOf(wms.body).every((item: QuarantineView) => item.source === '/systems/wms-p02'));
    const mes = await callHub(t, 'GET', '/v1/quarantine', t.keys.get('system:mes-p01')!);
    assert.deepEqual(mes.body.items, []);
    const someone = itemsOf(wms.body)[0]!.id;
    assert.equal((await callHub(t, 'GET', `/v1/quarantine/${someone}`, t.keys.get('partner:sup-0042')!)).status, 404);
    const first = await callHub(t, 'GET', '/v1/quarantine?limit=1', operator());
    const second = await callHub(t, 'GET', `/v1/quarantine?limit=1&after=${String(first.body.next)}`, operator());
    assert.ok(Number(String(itemsOf(first.body)[0]!.id).slice(2)) > Number(String(itemsOf(second.body)[0]!.id).slice(2)));
  });
});
