// `millrace x12` as an integration team runs it: to-events on golden files, exit statuses,
// and from-event printing an 850 whose control numbers never repeat for the partner.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../support/cli.js';

const MANIFEST = ['--manifest', 'examples/millrace.yaml'];

describe('millrace x12', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'millrace-x12-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('to-events --json prints the events, the 997 and the diagnostics, exit 0 when every set is accepted', () => {
    const result = runCli(['x12', 'to-events', 'test/fixtures/x12/multi-interchange.edi', '--json', ...MANIFEST]);
    assert.equal(result.status, 0, result.stderr);
    const json = JSON.parse(result.stdout) as { events: { type: string }[]; ack: string; diagnostics: unknown[] };
    assert.deepEqual(json.events.map((e) => e.type), ['supplier.confirmation', 'shipment.dispatched', 'invoice.received']);
    assert.equal(json.ack.match(/^ISA/gm)?.length, 2, 'one acknowledgement interchange per interchange read');
    assert.deepEqual(json.diagnostics, []);
  });

  it('to-events reads a file as the hub route does: UTF-8 when it is UTF-8, else ISO-8859-1', () => {
    // An item id with an é, written by a UTF-8 translator and by a Latin-1 one: both are ITM-ÉTAU.
    const order = readFileSync('test/fixtures/x12/850-004010-erp-order.edi', 'utf8').replace('ITM-10023', 'ITM-ÉTAU');
    const itemIds = (encoding: BufferEncoding) => {
      const file = join(dir, `order-${encoding}.edi`);
      writeFileSync(file, Buffer.from(order, encoding));
      const result = runCli(['x12', 'to-events', file, '--json', ...MANIFEST]);
      assert.equal(result.status, 0, result.stdout + result.stderr);
      const json = JSON.parse(result.stdout) as { events: { data: { lines: { itemId: string }[] } }[] };
      return json.events.flatMap((e) => e.data.lines.map((l) => l.itemId));
    };
    assert.deepEqual(itemIds('utf8'), ['ITM-ÉTAU', 'ITM-20031']);
    assert.deepEqual(itemIds('latin1'), ['ITM-ÉTAU', 'ITM-20031']);
  });

  it('to-events exits 1 when a set is rejected, 2 for input it cannot use', () => {
    assert.equal(runCli(['x12', 'to-events', 'test/fixtures/x12/bad-ge-count.edi', ...MANIFEST]).status, 1);
    // An interchange rejected by a TA1 with no set in it (text after the last IEA) is a rejection too.
    const trailing = join(dir, 'trailing.edi');
    writeFileSync(trailing, `${readFileSync('test/fixtures/x12/855-004010-confirmation.edi', 'utf8')}END OF TRANSMISSION\n`);
    const tail = runCli(['x12', 'to-events', trailing, ...MANIFEST]);
    assert.equal(tail.status, 1, tail.stdout);
    assert.match(tail.stdout, /TA1\*000000000\*000000\*0000\*R\*022~/);
    const notX12 = join(dir, 'not.edi');
    writeFileSync(notX12, 'UNB+UNOC:3+SENDER+RECEIVER');
    const unusable = runCli(['x12', 'to-events', notX12, ...MANIFEST]);
    assert.equal(unusable.status, 2);
    assert.match(unusable.stderr, /malformed_x12/);
    assert.equal(runCli(['x12', 'to-events', join(dir, 'missing.edi'), ...MANIFEST]).status, 2);
    assert.equal(runCli(['x12', 'to-events', 'test/fixtures/x12/855-004010-confirmation.edi', '--partner', 'sup-0042', ...MANIFEST]).status, 2);
  });

  it('from-event prints an 850 for the partner whose control number is never repeated,', () => {
    const store = `sqlite:${join(dir, 'hub.db')}`;
    const args = ['x12', 'from-event', 'contracts/purchasing/po.released/examples/v1.valid.standard-usd.json', '--partner', 'sup-0107', '--store', store, ...MANIFEST];
    const first = runCli(args);
    const second = runCli(args);
    assert.equal(first.status, 0, first.stderr);
    const isa13 = (text: string) => text.slice(0, 106).split('*')[13];
    assert.deepEqual([isa13(first.stdout), isa13(second.stdout)], ['000000001', '000000002']);
    assert.match(first.stdout, /^ISA\*00\* {10}\*00\* {10}\*ZZ\*MILLRACEHUB {4}\*ZZ\*NORTHFAST {6}\*/);
    assert.match(first.stdout, /ST\*850\*0001~/);
  });
});
