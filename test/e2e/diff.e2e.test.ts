// `millrace diff` as a governance board's CI runs it: verdict, exit status, the JSON document,
// and with --store what a change touches in a hub's database.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SqliteStore } from '../../src/bootstrap/index.js';
import { runCli } from '../support/cli.js';
import { recordExampleHistory } from '../support/p2p-history.js';

const OLD = 'examples/millrace.yaml';
const COMPATIBLE = 'test/fixtures/manifest-diff/compatible/millrace.yaml';
const BREAKING = 'test/fixtures/manifest-diff/breaking/millrace.yaml';

interface DiffJson {
  old: string;
  new: string;
  mode: string;
  breaking: boolean;
  counts: { changes: number; breaking: number };
  changes: {
    section: string;
    kind: string;
    breaking: boolean;
    subject: string;
    message: string;
    old: unknown;
    new: unknown;
    eventTypes: string[];
    publishers: { kind: string; id: string }[];
    subscribers: { subscription: string; subscriber: string }[];
    workflows: string[];
    compatibility: { mode: string; against: number[]; compatible: boolean; changes: { path: string; kind: string; breaking: boolean; message: string }[] } | null;
    touches: { workflows: number; openExceptions: number } | null;
  }[];
  impact: null | {
    store: string;
    processedUpTo: number;
    headSequence: number;
    inFlightWorkflows: number;
    inFlightByStage: Record<string, number>;
    openExceptions: number;
    touched: { workflows: number; openExceptions: number };
    touchedByBreaking: { workflows: number; openExceptions: number };
  };
}

describe('millrace diff', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'millrace-diff-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('passes a compatible new contract version with exit 0 and says what else changed', () => {
    const result = runCli(['diff', OLD, COMPATIBLE]);
    assert.equal(result.status, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /^Contracts \(1\)\n {2}version_added +invoice\.received v2 is added and in force: backward-compatible with v1 \(1 change\(s\), none breaking\)\n/);
    assert.match(result.stdout, /publishers: partner sup-0042, partner sup-0107, system ap-automation; read by the procure-to-pay workflow/);
    assert.match(result.stdout, /SLAs \(1\)\n {2}sla_changed +receipt_after_eta: 24h -> 36h/);
    assert.match(result.stdout, /no breaking change \(backward\): 3 change\(s\): examples\/millrace\.yaml -> test\/fixtures\/manifest-diff\/compatible\/millrace\.yaml\n$/);
  });

  it('prints one stable JSON document with --json', () => {
    const result = runCli(['diff', OLD, COMPATIBLE, '--json']);
    assert.equal(result.status, 0, result.stderr);
    const json = JSON.parse(result.stdout) as DiffJson;
    assert.deepEqual(Object.keys(json), ['old', 'new', 'mode', 'breaking', 'counts', 'changes', 'impact', 'warnings']);
    assert.deepEqual([json.old, json.new, json.mode, json.breaking, json.counts, json.impact], [OLD, COMPATIBLE, 'backward', false, { changes: 3, breaking: 0 }, null]);
    const [contract, sla, folder] = json.changes;
    assert.deepEqual(Object.keys(contract!), ['section', 'kind', 'breaking', 'subject', 'message', 'old', 'new', 'eventTypes', 'publishers', 'subscribers', 'workflows', 'compatibility', 'touches']);
    assert.deepEqual([contract!.section, contract!.kind, contract!.subject, contract!.eventTypes, contract!.workflows, contract!.touches], ['contracts', 'version_added', 'invoice.received v2', ['invoice.received'], ['p2p'], null]);
    assert.deepEqual(contract!.compatibility, {
      mode: 'backward',
      against: [1],
      compatible: true,
      changes: [{ path: '/paymentReference', kind: 'property_added_to_closed_model', breaking: false, message: 'property "paymentReference" is now allowed; readers on the old closed model reject it' }],
    });
    assert.deepEqual([sla!.kind, sla!.subject, sla!.old, sla!.new, sla!.compatibility], ['sla_changed', 'slas.receipt_after_eta', '24h', '36h', null]);
    assert.deepEqual([folder!.kind, folder!.subject, folder!.old, folder!.new], ['value_changed', 'contracts.folder', null, './contracts']);
  });

  it('fails a breaking contract version with exit 1, breaking changes first', () => {
    const result = runCli(['diff', OLD, BREAKING]);
    assert.equal(result.status, 1, result.stdout + result.stderr);
    assert.match(result.stdout, /^BREAKING \(1\)\n {2}version_added +invoice\.received v2 is added and in force: NOT backward-compatible with v1: 1 breaking change\(s\) of 1\n {6}BREAKING {2}\/taxAmount {2}required_added: property "taxAmount" became required\n/);
    assert.match(result.stdout, /Authority \(1\)\n {2}mode_changed +partner sup-0311 moves to enforce/);
    assert.match(result.stdout, /BREAKING \(backward, the old manifest's mode\): 1 breaking change\(s\) of 3/);
    const json = JSON.parse(runCli(['diff', OLD, BREAKING, '--json']).stdout) as DiffJson;
    assert.deepEqual([json.breaking, json.counts], [true, { changes: 3, breaking: 1 }]);
    assert.deepEqual(json.changes.map((c) => [c.kind, c.breaking]), [['version_added', true], ['mode_changed', false], ['value_changed', false]]);
    // Read the other way round (the fixture is OLD), the version disappears while in force.
    const back = runCli(['diff', BREAKING, OLD, '--json']);
    assert.equal(back.status, 1);
    assert.deepEqual((JSON.parse(back.stdout) as DiffJson).changes.filter((c) => c.breaking).map((c) => `${c.kind} ${c.subject}`), ['version_removed invoice.received v2']);
  });

  it('gives no verdict (exit 2) for a file it cannot read, a manifest with lint errors or a missing contracts folder', () => {
    const missing = runCli(['diff', OLD, join(dir, 'nope.yaml')]);
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /^millrace: invalid_manifest: cannot read manifest .*nope\.yaml/);

    const invalid = join(dir, 'invalid.yaml');
    writeFileSync(invalid, readFileSync(OLD, 'utf8').replace('publishes: [production.completed]', 'publishes: [production.complete]'));
    const lintErrors = runCli(['diff', OLD, invalid, '--json']);
    assert.equal(lintErrors.status, 2);
    assert.equal(lintErrors.stdout, '');
    const line = readFileSync(invalid, 'utf8').split('\n').findIndex((l) => l.includes('production.complete]')) + 1;
    assert.match(lintErrors.stderr, new RegExp(`invalid\\.yaml:${line}:\\d+ error unknown_event_type: no contract declares event type production\\.complete \\(did you mean "production\\.completed"\\?\\)`));
    // The catalogue's code, and the problems one to a line as serve lists them (not a literal "\n").
    assert.match(lintErrors.stderr, /^millrace: invalid_manifest: manifest .*invalid\.yaml has 1 error\(s\) \(npx millrace lint .* explains each\):\n {2}.*invalid\.yaml:\d+:\d+ error unknown_event_type/);
    assert.doesNotMatch(lintErrors.stderr, /\\n/);

    const board = join(dir, 'board');
    mkdirSync(board);
    writeFileSync(join(board, 'millrace.yaml'), readFileSync(COMPATIBLE, 'utf8'));
    const noFolder = runCli(['diff', OLD, join(board, 'millrace.yaml')]);
    assert.equal(noFolder.status, 2);
    assert.match(noFolder.stderr, /cannot load the contracts/);

    const noStore = runCli(['diff', OLD, COMPATIBLE, '--store', `sqlite:${join(dir, 'none.db')}`]);
    assert.equal(noStore.status, 2);
    assert.match(noStore.stderr, /^millrace: store_unavailable: no store at .*none\.db/);

    // A file that is no database: why, said once (openStore's own wording, not wrapped again).
    const notDb = join(dir, 'notes.db');
    writeFileSync(notDb, 'not a database, but long enough for SQLite to read its header and say so'.repeat(20));
    const unopenable = runCli(['diff', OLD, COMPATIBLE, '--store', `sqlite:${notDb}`]);
    assert.equal(unopenable.status, 2);
    assert.equal(unopenable.stderr.match(/cannot open the store/g)?.length, 1, unopenable.stderr);
    assert.match(unopenable.stderr, /^millrace: store_unavailable: cannot open the store sqlite:.*notes\.db: file is not a database/);
  });

  it('counts the in-flight workflows and open exceptions a change touches in a SQLite store', async () => {
    const path = join(dir, 'hub.db');
    const store = new SqliteStore(path);
    try {
      await recordExampleHistory(store);
    } finally {
      await store.close();
    }
    const result = runCli(['diff', OLD, BREAKING, '--store', `sqlite:${path}`, '--json']);
    assert.equal(result.status, 1, result.stderr);
    const json = JSON.parse(result.stdout) as DiffJson;
    const { processedUpTo, headSequence, ...impact } = json.impact!;
    assert.equal(processedUpTo, headSequence);
    // 5 released and 2 invoiced PO lines may still be invoiced; sup-0311 has no line in flight.
    assert.deepEqual(impact, {
      store: `sqlite:${path}`,
      inFlightWorkflows: 7,
      inFlightByStage: { awaiting_po: 0, released: 5, confirmed: 0, shipped: 0, received: 0, invoiced: 2, matched: 0 },
      openExceptions: 10,
      touched: { workflows: 7, openExceptions: 0 },
      touchedByBreaking: { workflows: 7, openExceptions: 0 },
    });
    assert.deepEqual(json.changes.map((c) => c.touches), [{ workflows: 7, openExceptions: 0 }, { workflows: 0, openExceptions: 0 }, { workflows: 0, openExceptions: 0 }]);
    const readable = runCli(['diff', OLD, BREAKING, '--store', `sqlite:${path}`]);
    assert.match(readable.stdout, /touches 7 in-flight workflow\(s\), 0 open exception\(s\)/);
    assert.match(readable.stdout, /Store sqlite:.*hub\.db: 7 workflow\(s\) in flight \(released 5, invoiced 2\), 10 open exception\(s\)\n {2}this change touches 7 workflow\(s\) and 0 open exception\(s\); its breaking changes 7 and 0/);
  });

  it('warns that a narrowed or removed subscription withdraws its queued deliveries, and counts them in the store', async () => {
    const proposed = join(dir, 'narrowed.yaml');
    const example = readFileSync(OLD, 'utf8');
    const edits: [string, string][] = [
      ['    types: [goods.received, inventory.movement, inventory.snapshot, production.completed]', '    types: [inventory.movement, inventory.snapshot, production.completed]'],
      ['  - id: sup-0107-orders\n    subscriber: sup-0107\n    types: [po.released]\n    filter: { supplierId: SUP-0107 }\n    channel: { kind: x12, url: "https://as2.northern-fasteners.example/millrace" }\n', ''],
      ['    filter: { plant: P01 }\n    channel: { kind: mqtt, topic: plants/p01/orders }', '    channel: { kind: mqtt, topic: plants/p01/orders }'],
    ];
    writeFileSync(proposed, edits.reduce((text, [from, to]) => (text.includes(from) ? text.replace(from, to) : assert.fail(`no "${from}" in the example`)), example));

    const plain = runCli(['diff', OLD, proposed]);
    assert.equal(plain.status, 0, plain.stderr);
    assert.match(
      plain.stdout,
      /\nWarnings \(2\)\n {2}deliveries_withdrawn +subscription erp-inventory \(erp-core\) is narrowed \(types -goods\.received\): its queued deliveries it no longer matches are withdrawn, never sent, when a hub that sends deliveries next starts with this manifest \(ADR 0052\)\n {6}give --store to count them\n {2}deliveries_withdrawn +subscription sup-0107-orders \(sup-0107\) is removed: all its queued deliveries are withdrawn/,
    );
    assert.doesNotMatch(plain.stdout, /mes-orders \(mes-p01\) is/, 'a filter taken off withdraws nothing');

    // A hub's store with deliveries queued under OLD: erp-inventory has the 3 receipts (one sent), sup-0107-orders its PO.
    const path = join(dir, 'outbox.db');
    const store = new SqliteStore(path);
    try {
      await recordExampleHistory(store);
      const logged = await store.readFrom(0, 10_000);
      const head = await store.headSequence();
      const queue = (subscription: string, pick: (type: string, data: Record<string, unknown>) => boolean) =>
        logged.filter((e) => pick(e.event.type, e.event.data as Record<string, unknown>)).map((e) => ({ subscription, sequence: e.sequence, key: `${subscription}-${e.sequence}`, eventType: e.event.type, eventId: e.event.id }));
      const deliveries = [...queue('erp-inventory', (type) => type === 'goods.received'), ...queue('sup-0107-orders', (type, data) => type === 'po.released' && data.supplierId === 'SUP-0107')];
      assert.deepEqual([deliveries.filter((d) => d.subscription === 'erp-inventory').length, deliveries.length], [3, 4]);
      await store.deliveries.startDeliveryCursors(['erp-inventory', 'sup-0107-orders'], 0);
      const now = new Date().toISOString();
      assert.ok(await store.deliveries.enqueueDeliveries(deliveries, [{ subscription: 'erp-inventory', from: 0, upTo: head }, { subscription: 'sup-0107-orders', from: 0, upTo: head }], now));
      const sent = deliveries.find((d) => d.subscription === 'erp-inventory')!;
      await store.deliveries.updateDelivery({ deliveryId: `erp-inventory.${sent.sequence}`, status: 'delivered', attempts: 1, nextAttemptAt: now, deliveredAt: now });
    } finally {
      await store.close();
    }
    const counted = runCli(['diff', OLD, proposed, '--store', `sqlite:${path}`]);
    assert.equal(counted.status, 0, counted.stderr);
    assert.match(counted.stdout, /erp-inventory \(erp-core\) is narrowed .*\n {6}2 of its 2 queued deliveries in the store would be withdrawn\n/);
    assert.match(counted.stdout, /sup-0107-orders \(sup-0107\) is removed: .*\n {6}1 of its 1 queued deliveries in the store would be withdrawn\n/);
    const json = JSON.parse(runCli(['diff', OLD, proposed, '--store', `sqlite:${path}`, '--json']).stdout) as DiffJson & { warnings: unknown[] };
    assert.deepEqual(
      json.warnings.map((w) => { const { message, ...rest } = w as { message: string }; assert.ok(message.length > 0); return rest; }),
      [
        { code: 'deliveries_withdrawn', subscription: 'erp-inventory', subscriber: 'erp-core', change: 'narrowed', queued: 2, withdrawn: 2 },
        { code: 'deliveries_withdrawn', subscription: 'sup-0107-orders', subscriber: 'sup-0107', change: 'removed', queued: 1, withdrawn: 1 },
      ],
    );
    const offline = JSON.parse(runCli(['diff', OLD, proposed, '--json']).stdout) as DiffJson & { warnings: { queued: unknown; withdrawn: unknown }[] };
    assert.deepEqual(offline.warnings.map((w) => [w.queued, w.withdrawn]), [[null, null], [null, null]]);

    // The hub has started with the proposed manifest already: its outbox runs erp-inventory under the
    // narrowed rules and found sup-0107-orders removed. Diffing the old file against the store says
    // OLD is not what the hub runs.
    const running = new SqliteStore(path);
    try {
      await running.deliveries.recordSubscriptionRules('erp-inventory', JSON.stringify({ types: ['inventory.movement', 'inventory.snapshot', 'production.completed'] }));
      await running.deliveries.markSubscriptionRemoved('sup-0107-orders', await running.headSequence());
    } finally {
      await running.close();
    }
    const stale = runCli(['diff', OLD, proposed, '--store', `sqlite:${path}`]);
    assert.equal(stale.status, 0, 'a warning, not a verdict');
    assert.match(stale.stdout, /\nWarnings \(4\)\n/);
    assert.match(stale.stdout, /\n {2}old_not_in_force +subscription erp-inventory: the store's hub queues its deliveries under \{"types":\["inventory\.movement","inventory\.snapshot","production\.completed"\]\}, OLD declares .*: is OLD the manifest this hub runs\?\n/);
    assert.match(stale.stdout, /\n {2}old_not_in_force +subscription sup-0107-orders is in OLD, but the store's hub found it removed from its manifest/);
    const staleJson = JSON.parse(runCli(['diff', OLD, proposed, '--store', `sqlite:${path}`, '--json']).stdout) as DiffJson & { warnings: { code: string; subscription: string; change: string; subscriber: unknown }[] };
    assert.deepEqual(
      staleJson.warnings.filter((w) => w.code === 'old_not_in_force').map((w) => [w.subscription, w.change, w.subscriber]),
      [
        ['erp-inventory', 'rules_differ', null],
        ['sup-0107-orders', 'removed_in_store', null],
      ],
    );
  });

  it('docs/manifest-diff.md lists every change kind with its section', async () => {
    const { DIFF_KINDS } = await import('../../src/core/index.js');
    const documented = [...readFileSync('docs/manifest-diff.md', 'utf8').matchAll(/^\| `([a-z_]+)` \| `([a-zA-Z]+)` \|/gm)].map((m) => `${m[1]} ${m[2]}`);
    assert.deepEqual(documented.sort(), Object.entries(DIFF_KINDS).map(([kind, { section }]) => `${kind} ${section}`).sort());
  });
});
