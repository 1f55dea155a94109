// A large CSV or X12 file is mapped and checked a slice at a time, with a turn of the event loop
// between slices: a health check (or any other request) that comes while the hub reads the file
// is answered before the file's answer, and the file's answer is the one it always was. Before,
// 20,000 rows held the event loop for about 5 s and 20,000 X12 sets for about 13 s, during which
// the hub answered nothing. On the real SQLite adapter and a listening server.
import assert from 'node:assert/strict';
import { get } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { CsvFileReport, X12IntakeResult } from '../app/index.js';
import type { TestHub } from '../../test/support/hub.js';
import { startTestHub } from '../../test/support/hub.js';

const CSV_MANIFEST = new URL('../../test/fixtures/csv/millrace.yaml', import.meta.url).pathname;
const ROWS = 5000;

/** A WMS receipts export: one receipt per row; two rows the mapping refuses (a bad date, a bad quantity). */
function receiptsFile(): Buffer {
  const rows = ['Beleg;Datum;Bestellung;Pos;Material;Menge;ME;Abgelehnt;Bemerkung'];
  for (let n = 1; n <= ROWS; n += 1) {
    const date = n === 7 ? '31.02.2026 08:15' : '02.03.2026 08:15';
    const quantity = n === ROWS - 1 ? '1.2.3' : '1.200,000';
    rows.push(`WE-${700000 + n};${date};PO-${600000 + n};10;MX-10023;${quantity};ST;;`);
  }
  return Buffer.from(`${rows.join('\r\n')}\r\n`);
}

/** One interchange from the buyer ERP with ROWS purchase orders (850s). */
function ordersInterchange(): string {
  const sets: string[] = [];
  for (let n = 1; n <= ROWS; n += 1) {
    const st = String(n).padStart(5, '0');
    const segments = [`ST*850*${st}`, `BEG*00*SA*46${String(n).padStart(8, '0')}**20260302`, 'CUR*BY*USD', 'DTM*002*20260320', 'N1*ST*Plant P01 Detroit*92*P01', 'N1*SU*Northern Fasteners GmbH*92*SUP-0107', 'PO1*10*500*EA*4.25**BP*ITM-10023', 'CTT*1'];
    sets.push([...segments, `SE*${segments.length + 1}*${st}`].map((segment) => `${segment}~\n`).join(''));
  }
  return (
    'ISA*00*          *00*          *ZZ*ERPCORE        *ZZ*MILLRACEHUB    *260302*1015*U*00401*000009001*0*P*:~\n' +
    `GS*PO*ERPCORE*MILLRACEHUB*20260302*1015*9001*X*004010~\n${sets.join('')}GE*${ROWS}*9001~\nIEA*1*000009001~\n`
  );
}

/** GET /healthz over a socket, as a load balancer asks. */
function healthz(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path: '/healthz' }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
    }).on('error', reject);
  });
}

/** POSTs the file and asks for /healthz together; says which answer came first, and returns the file's. */
async function fileBesideHealthCheck(t: TestHub, url: string, key: string, contentType: string, payload: string | Buffer) {
  const port = (t.hub.http.server.address() as AddressInfo).port;
  const order: string[] = [];
  const [file, health] = await Promise.all([
    t.hub.http.inject({ method: 'POST', url, headers: { authorization: `Bearer ${t.keys.get(key) ?? ''}`, 'content-type': contentType }, payload }).then((answer) => {
      order.push('file');
      return { statusCode: answer.statusCode, body: answer.body };
    }),
    healthz(port).then((status) => {
      order.push('healthz');
      return status;
    }),
  ]);
  return { order, health, file };
}

async function listening(manifestPath?: string): Promise<TestHub> {
  const t = await startTestHub({ flags: { workflows: 'off' }, ...(manifestPath === undefined ? {} : { manifestPath }) });
  await t.hub.http.listen({ host: '127.0.0.1', port: 0 });
  return t;
}

describe('a large CSV file', () => {
  let t: TestHub;
  before(async () => {
    t = await listening(CSV_MANIFEST);
  });
  after(() => t.close());

  it('leaves the hub answering a health check while its rows are mapped and checked, and is answered as a whole', async () => {
    const { order, health, file } = await fileBesideHealthCheck(t, '/v1/inbound/csv/wms-p02-receipts', 'system:wms-p02', 'text/csv', receiptsFile());
    assert.deepEqual([order, health], [['healthz', 'file'], 200]);
    const report = JSON.parse(file.body) as CsvFileReport;
    assert.equal(file.statusCode, 207);
    assert.equal(report.rows, ROWS);
    assert.equal(report.accepted.length, ROWS - 2);
    assert.deepEqual(report.accepted.slice(0, 7).map((e) => e.lines[0]), [2, 3, 4, 5, 6, 7, 9], 'in file order, line 8 refused');
    assert.deepEqual(report.quarantined.map((q) => [q.lines, q.problems[0]?.code]), [[[8], 'not_date'], [[ROWS], 'not_decimal']]);
    assert.equal(await t.store.headSequence(), ROWS - 2, 'the good rows, committed together');
  });
});

describe('a large X12 interchange', () => {
  let t: TestHub;
  before(async () => {
    t = await listening();
  });
  after(() => t.close());

  it('leaves the hub answering a health check while its sets are mapped and checked, and is acknowledged as a whole', async () => {
    const { order, health, file } = await fileBesideHealthCheck(t, '/v1/inbound/x12', 'system:erp-core', 'application/edi-x12', ordersInterchange());
    assert.deepEqual([order, health], [['healthz', 'file'], 200]);
    const result = JSON.parse(file.body) as X12IntakeResult;
    assert.equal(file.statusCode, 200);
    assert.equal(result.accepted.length, ROWS);
    assert.deepEqual([result.accepted[0]?.id, result.accepted.at(-1)?.type], ['x12:ZZ:ERPCORE:000009001:9001:00001', 'po.released']);
    assert.match(result.ack, new RegExp(`AK9\\*A\\*${ROWS}\\*${ROWS}\\*${ROWS}~`));
    assert.deepEqual(result.rejected, []);
  });
});
