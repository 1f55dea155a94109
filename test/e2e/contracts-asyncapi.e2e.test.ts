// `millrace contracts asyncapi` as a governance board's CI runs it: the catalogue on stdout or in
// a file, the same bytes every run, a board's own contract versions included, exit 2 on a
// manifest it cannot use.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { AsyncApiDocument } from '../../src/core/index.js';
import { runCli } from '../support/cli.js';

const PO_V1 = 'contracts/purchasing/po.released/v1.schema.json';

describe('millrace contracts asyncapi', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'millrace-asyncapi-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('prints the catalogue of the manifest as AsyncAPI 3.0 JSON, the same bytes on every run', () => {
    const first = runCli(['contracts', 'asyncapi', '--manifest', 'examples/millrace.yaml']);
    assert.equal(first.status, 0, first.stderr);
    assert.equal(first.stderr, '');
    const doc = JSON.parse(first.stdout) as AsyncApiDocument;
    assert.equal(doc.asyncapi, '3.0.0');
    assert.equal(Object.keys(doc.channels).length, 21);
    assert.deepEqual(Object.keys(doc.channels['invoice.received']!.messages), ['invoice.received.v1']);
    assert.deepEqual(
      doc.channels['invoice.received']!['x-millrace-publishers'].map((p) => p.source),
      ['/systems/ap-automation', '/partners/sup-0042', '/partners/sup-0107'],
    );
    // Credit memos come through AP automation, and as X12 810s with BIG07 CR from the X12 supplier (ADR 0028).
    assert.deepEqual(
      doc.channels['invoice.credited']!['x-millrace-publishers'].map((p) => p.source),
      ['/systems/ap-automation', '/partners/sup-0107'],
    );
    assert.equal(doc.operations['mes-orders.delivers.production.order.released']?.action, 'send');
    assert.equal(runCli(['contracts', 'asyncapi', '--manifest', 'examples/millrace.yaml']).stdout, first.stdout);
  });

  it('finds the manifest through MILLRACE_MANIFEST, and writes the file --out names', () => {
    const out = join(dir, 'asyncapi.json');
    const result = runCli(['contracts', 'asyncapi', '--out', out], { env: { MILLRACE_MANIFEST: 'examples/millrace.yaml' } });
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /asyncapi\.json: AsyncAPI 3\.0\.0, 21 channels, 22 messages, 29 operations\n$/);
    assert.equal(readFileSync(out, 'utf8'), runCli(['contracts', 'asyncapi', '--manifest', 'examples/millrace.yaml']).stdout);
  });

  it("includes the board's own contract versions and marks the ones contracts.inForce leaves out", () => {
    const board = join(dir, 'board');
    mkdirSync(join(board, 'contracts', 'purchasing'), { recursive: true });
    const v2 = JSON.parse(readFileSync(PO_V1, 'utf8')) as Record<string, unknown> & { properties: Record<string, unknown> };
    v2.$id = 'https://millrace.dev/contracts/po.released/v2.schema.json';
    v2['x-version'] = 2;
    v2.properties.notes = { type: 'string', maxLength: 500 };
    writeFileSync(join(board, 'contracts', 'purchasing', 'po.released.v2.schema.json'), JSON.stringify(v2));
    const manifest = join(board, 'millrace.yaml');
    const starter = readFileSync('examples/millrace.yaml', 'utf8');
    assert.ok(starter.includes('contracts:\n  compatibility: backward'));
    writeFileSync(manifest, starter.replace('contracts:\n  compatibility: backward', 'contracts:\n  folder: contracts\n  compatibility: backward\n  inForce:\n    po.released: [2]'));
    const result = runCli(['contracts', 'asyncapi', '--manifest', manifest]);
    assert.equal(result.status, 0, result.stderr);
    const doc = JSON.parse(result.stdout) as AsyncApiDocument;
    const messages = doc.channels['po.released']!.messages;
    assert.deepEqual(
      Object.values(messages).map((m) => [m.name, m['x-millrace-in-force']]),
      [
        ['po.released.v1', false],
        ['po.released.v2', true],
      ],
    );
    assert.deepEqual(doc.operations['erp-core.publishes.po.released']?.messages, [{ $ref: '#/channels/po.released/messages/po.released.v2' }]);
    assert.deepEqual((doc.components.schemas['po.released.v2'] as { properties: Record<string, unknown> }).properties.notes, { type: 'string', maxLength: 500 });
  });

  it('exits 1 with a readable message, and nothing on stdout, when the manifest is missing or has errors', () => {
    const missing = runCli(['contracts', 'asyncapi', '--manifest', join(dir, 'nope.yaml')]);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /^millrace: invalid_manifest: cannot read manifest .*nope\.yaml: .*run "millrace init"/);
    assert.equal(missing.stdout, '');
    const broken = join(dir, 'broken.yaml');
    writeFileSync(broken, readFileSync('examples/millrace.yaml', 'utf8').replace('publishes: [production.completed]', 'publishes: [production.complete]'));
    const invalid = runCli(['contracts', 'asyncapi', '--manifest', broken]);
    assert.equal(invalid.status, 1);
    assert.match(invalid.stderr, /manifest .*broken\.yaml has 1 error\(s\)/);
    assert.match(invalid.stderr, /explains each\):\n {2}.*broken\.yaml:\d+:\d+ error unknown_event_type/);
    assert.doesNotMatch(invalid.stderr, /\\n/);
    assert.equal(invalid.stdout, '');
    const unwritable = runCli(['contracts', 'asyncapi', '--manifest', 'examples/millrace.yaml', '--out', join(dir, 'no', 'such', 'dir.json')]);
    assert.equal(unwritable.status, 1);
    assert.match(unwritable.stderr, /cannot write .*dir\.json/);
  });

  it('explains itself in --help', () => {
    const help = runCli(['contracts', 'asyncapi', '--help']);
    assert.equal(help.status, 0);
    assert.match(help.stdout, /^Usage: millrace contracts asyncapi \[options\]/);
    assert.match(help.stdout, /--out <file>/);
    assert.match(help.stdout, /Exit status: 0 written, 1 no document/);
  });
});
