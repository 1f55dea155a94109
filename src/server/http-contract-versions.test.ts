// Contract versions as a supplier and a governance board meet them over HTTP: the versions in
// force at the door, v1 and v2 confirmations (and a board's v3) driving the same workflow, and
// a board version the workflows could not read stopping the hub before it starts.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { EXAMPLE_MANIFEST, startTestHub, type TestHub } from '../../test/support/hub.js';
import { createHub, issueKey, loadSetup, systemClock } from '../bootstrap/index.js';
import type { CloudEvent } from '../core/index.js';
import { isMillraceError } from '../core/index.js';

const PO = '4500012345';
const CONTRACTS = new URL('../../contracts/', import.meta.url);

/** The example manifest with its `contracts:` section replaced. */
function writeManifest(dir: string, contracts: string): string {
  const file = join(dir, 'millrace.yaml');
  const starter = readFileSync(EXAMPLE_MANIFEST, 'utf8');
  const edited = starter.replace('contracts:\n  compatibility: backward\n', `contracts:\n  compatibility: backward\n${contracts}`);
  assert.notEqual(edited, starter, 'the example manifest has a contracts section to extend');
  writeFileSync(file, edited);
  return file;
}

function released(id: string): CloudEvent {
  return {
    specversion: '1.0',
    id,
    source: '/systems/erp-core',
    type: 'po.released',
    time: '2026-03-02T08:15:00-05:00',
    data: {
      poNumber: PO,
      supplierId: 'SUP-0042',
      buyerPlant: 'P01',
      currency: 'USD',
      lines: [10, 20, 30].map((line) => ({ line, itemId: `ITM-${line}`, quantity: '500', uom: 'EA', unitPrice: '12.5000', needBy: '2026-03-16' })),
    },
  };
}

function confirmation(id: string, dataversion: number | undefined, lines: Record<string, unknown>[]): CloudEvent {
  return {
    specversion: '1.0',
    id,
    source: '/partners/sup-0042',
    type: 'supplier.confirmation',
    time: '2026-03-02T16:40:00-05:00',
    ...(dataversion === undefined ? {} : { dataversion }),
    data: { poNumber: PO, supplierId: 'SUP-0042', lines },
  };
}

const v1 = (id: string, lines: Record<string, unknown>[] = [{ line: 10, status: 'accepted', promisedDate: '2026-03-16' }]) => confirmation(id, 1, lines);
const v2 = (id: string, lines: Record<string, unknown>[] = [{ line: 20, status: 'accepted', schedule: [{ promisedDate: '2026-03-12', quantity: '300' }, { promisedDate: '2026-03-19', quantity: '200' }] }]) =>
  confirmation(id, 2, lines);

function post(t: TestHub, key: string, body: unknown): Promise<LightMyRequestResponse> {
  return t.hub.http.inject({
    method: 'POST',
    url: '/v1/events',
    headers: { 'content-type': Array.isArray(body) ? 'application/cloudevents-batch+json' : 'application/cloudevents+json', authorization: `Bearer ${key}` },
    payload: JSON.stringify(body),
  });
}

function problemOf(response: LightMyRequestResponse, status: number, code: string): { detail: string; violations: { pointer: string; message: string; keyword: string }[] } & Record<string, unknown> {
  assert.equal(response.statusCode, status, response.body);
  assert.match(String(response.headers['content-type']), /^application\/problem\+json/);
  const body = response.json<{ detail: string; violations: { pointer: string; message: string; keyword: string }[] } & Record<string, unknown>>();
  assert.equal(body.code, code);
  assert.equal(body.status, status);
  assert.equal(body.type, `https://millrace.dev/problems/${code.replaceAll('_', '-')}`);
  return body;
}

describe('contract versions in force at the door (manifest contracts.inForce)', () => {
  let dir: string;
  let t: TestHub;
  const supplier = () => t.keys.get('partner:sup-0042')!;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'millrace-inforce-'));
    const manifestPath = writeManifest(dir, '  inForce:\n    supplier.confirmation: [2]\n');
    t = await startTestHub({ flags: { manifestPath } });
    // The PO the supplier confirms: a partner may only confirm POs issued to it (ADR 0009).
    assert.equal((await post(t, t.keys.get('system:erp-core')!, released('po-1'))).statusCode, 202);
    await t.hub.settle();
  });
  after(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('422 contract_version_not_in_force for a v1 confirmation once only v2 is in force, naming v2, storing nothing', async () => {
    const body = problemOf(await post(t, supplier(), v1('conf-v1')), 422, 'contract_version_not_in_force');
    assert.equal(body.title, 'The contract version is not in force');
    assert.equal(body.instance, '/v1/events');
    assert.deepEqual(body.violations, [{ pointer: '/dataversion', message: 'supplier.confirmation v1 is not in force; the governance manifest accepts v2', keyword: 'inForce' }]);
    assert.equal(await t.store.find('/partners/sup-0042', 'conf-v1'), undefined);
  });

  it('treats an event without dataversion as v1', async () => {
    const { dataversion: _v, ...unversioned } = v1('conf-unversioned');
    const body = problemOf(await post(t, supplier(), unversioned), 422, 'contract_version_not_in_force');
    assert.equal(body.violations[0]?.pointer, '/dataversion');
  });

  it('202 for a v2 confirmation', async () => {
    const response = await post(t, supplier(), v2('conf-v2'));
    assert.equal(response.statusCode, 202, response.body);
  });

  it('refuses a whole batch with one v1 in it, pointing at the entry', async () => {
    const body = problemOf(await post(t, supplier(), [v2('conf-v2-b'), v1('conf-v1-b')]), 422, 'contract_version_not_in_force');
    assert.deepEqual(body.violations.map((v) => v.pointer), ['/1/dataversion']);
    assert.equal(await t.store.find('/partners/sup-0042', 'conf-v2-b'), undefined);
  });

  it('answers contract_violation for a batch refused for several reasons, each violation with its keyword', async () => {
    const broken = v2('conf-v2-broken', [{ line: 20, status: 'accepted', promisedDate: '2026-03-12' }]);
    const body = problemOf(await post(t, supplier(), [v1('conf-v1-c'), broken]), 422, 'contract_violation');
    assert.deepEqual(body.violations.map((v) => [v.pointer, v.keyword]), [['/0/dataversion', 'inForce'], ['/1/data/lines/0', 'additionalProperties']]);
  });

  it('keeps unknown_event_type for a version no contract declares', async () => {
    const body = problemOf(await post(t, supplier(), confirmation('conf-v7', 7, [{ line: 10, status: 'accepted' }])), 422, 'unknown_event_type');
    assert.deepEqual(body.violations.map((v) => v.pointer), ['/dataversion']);
  });

  it('still answers authorization before versions: a warehouse may not publish confirmations of any version', async () => {
    const response = await post(t, t.keys.get('system:wms-p01')!, { ...v1('conf-wms'), source: '/systems/wms-p01' });
    problemOf(response, 403, 'forbidden_event_type');
  });
});

describe('v1, v2 and a board v3 confirmation driving the procure-to-pay workflow on its own thread', () => {
  let dir: string;
  let t: TestHub;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'millrace-versions-'));
    mkdirSync(join(dir, 'board'));
    // The board's v3: v2 plus the supplier's sales order number (EDI 855 BAK08), which no workflow reads.
    const v2Schema = JSON.parse(readFileSync(new URL('purchasing/supplier.confirmation/v2.schema.json', CONTRACTS), 'utf8'));
    const v3Schema = { ...v2Schema, $id: 'https://contracts.example-board.com/supplier.confirmation/v3.schema.json', 'x-version': 3, properties: { ...v2Schema.properties, salesOrderNumber: { type: 'string', minLength: 1, maxLength: 35 } } };
    writeFileSync(join(dir, 'board', 'supplier.confirmation.v3.schema.json'), JSON.stringify(v3Schema, null, 2));
    // As `serve` runs it: a SQLite file, the workflows on their thread, which gets the board's projections with its start-up data.
    const manifestPath = writeManifest(dir, '  folder: ./board\n');
    // The example manifest's webhook secret is not set here: this hub sends no deliveries.
    const setup = loadSetup({ manifestPath, store: `sqlite:${join(dir, 'millrace.db')}`, credentialCacheMs: 0, deliveries: 'off' }, {});
    const hub = await createHub(setup.config, setup.manifest, setup.contracts, { workflowMode: 'thread', logger: false });
    const keys = new Map<string, string>();
    for (const [kind, id] of [['system', 'erp-core'], ['partner', 'sup-0042']] as const) keys.set(`${kind}:${id}`, (await issueKey(hub.store, { kind, id }, systemClock)).key);
    keys.set('viewer:plant-manager', (await issueKey(hub.store, { kind: 'operator', id: 'plant-manager', role: 'viewer' }, systemClock)).key);
    t = { hub, store: hub.store, keys, close: () => hub.close() };
  });
  after(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads every version as v2: one promised date, a split delivery with a late part, a board v3; the log keeps what was sent', async () => {
    const erp = t.keys.get('system:erp-core')!;
    const supplier = t.keys.get('partner:sup-0042')!;
    assert.equal((await post(t, erp, released('po-1'))).statusCode, 202);
    const sent = [
      v1('conf-v1', [{ line: 10, status: 'accepted', promisedDate: '2026-03-16' }]),
      v2('conf-v2', [{ line: 20, status: 'accepted', schedule: [{ promisedDate: '2026-03-12', quantity: '300' }, { promisedDate: '2026-03-30', quantity: '200' }] }]),
      { ...confirmation('conf-v3', 3, [{ line: 30, status: 'changed', quantity: '450' }]), data: { poNumber: PO, supplierId: 'SUP-0042', salesOrderNumber: 'SO-88121', lines: [{ line: 30, status: 'changed', quantity: '450' }] } },
    ];
    for (const event of sent) assert.equal((await post(t, supplier, event)).statusCode, 202, event.id);
    await t.hub.settle();

    const view = (await t.hub.http.inject({ method: 'GET', url: `/v1/workflows/p2p/${PO}`, headers: { authorization: `Bearer ${t.keys.get('viewer:plant-manager')!}` } })).json<{
      lines: { line: number; stage: string; quantities: { confirmed?: string }; confirmation?: { status: string; schedule?: unknown } }[];
    }>();
    assert.deepEqual(
      view.lines.map((l) => [l.line, l.stage, l.quantities.confirmed, l.confirmation?.status, l.confirmation?.schedule]),
      [
        [10, 'confirmed', '500', 'accepted', [{ promisedDate: '2026-03-16' }]],
        [20, 'confirmed', '500', 'accepted', [{ promisedDate: '2026-03-12', quantity: '300' }, { promisedDate: '2026-03-30', quantity: '200' }]],
        [30, 'confirmed', '450', 'changed', undefined],
      ],
    );
    const exceptions = await t.store.listExceptions({ code: 'confirmation_mismatch' }, 10);
    assert.deepEqual(exceptions.items.map((e) => e.message).sort(), [
      'supplier SUP-0042 confirmed 450 EA of the 500 ordered on PO 4500012345 line 30',
      'supplier SUP-0042 promised 200 EA on 2026-03-30, 14 day(s) after the need-by date 2026-03-16 on PO 4500012345 line 20',
    ]);
    for (const event of sent) assert.deepEqual((await t.store.find('/partners/sup-0042', event.id))?.event, event, `${event.id} is stored as sent`);
  });
});

describe('a board version the workflows cannot read', () => {
  it('stops the hub at start-up, naming the file and the change', () => {
    const dir = mkdtempSync(join(tmpdir(), 'millrace-unreadable-'));
    try {
      mkdirSync(join(dir, 'board'));
      const v2Schema = JSON.parse(readFileSync(new URL('purchasing/supplier.confirmation/v2.schema.json', CONTRACTS), 'utf8'));
      const v3Schema = structuredClone(v2Schema);
      v3Schema.$id = 'https://contracts.example-board.com/supplier.confirmation/v3.schema.json';
      v3Schema['x-version'] = 3;
      v3Schema.properties.lines.items.properties.status.enum.push('backordered');
      const file = join(dir, 'board', 'supplier.confirmation.v3.schema.json');
      writeFileSync(file, JSON.stringify(v3Schema, null, 2));
      const manifestPath = writeManifest(dir, '  folder: ./board\n');
      assert.throws(
        () => loadSetup({ manifestPath }, {}),
        (error: unknown) => {
          assert.ok(isMillraceError(error));
          assert.equal(error.code, 'invalid_manifest');
          assert.ok(error.message.includes(`${file}: supplier.confirmation v3 cannot be read as v2, the version the workflows read`), error.message);
          assert.ok(error.message.includes('/lines/*/status enum_value_added (value "backordered" is newly allowed)'), error.message);
          return true;
        },
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
