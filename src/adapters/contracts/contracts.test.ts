// Every example beside every contract behaves as declared: valid ones pass envelope and data,
// invalid ones fail with exactly the declared set of JSON pointers. Versions after v1 come with
// examples of their own, and every shipped version reaches the latest through the upcasters.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ContractRegistry, EventUpcaster, MillraceError, SHIPPED_UPCASTERS } from '../../core/index.js';
import { itChecksEachExample, QUALITY_NOTE_CONTRACT } from '../../../test/support/contract-examples.js';
import { loadContractExamples, loadContractSet } from './contract-files.js';

const DEFAULT_CONTRACTS_DIR = fileURLToPath(new URL('../../../contracts', import.meta.url));

const set = loadContractSet(DEFAULT_CONTRACTS_DIR);
const registry = new ContractRegistry(set);
const examples = loadContractExamples(DEFAULT_CONTRACTS_DIR);

const INBOUND = ['po.released', 'po.changed', 'po.cancelled', 'supplier.confirmation', 'shipment.dispatched', 'shipment.milestone', 'goods.received', 'invoice.received', 'invoice.credited', 'production.order.released', 'production.completed', 'inventory.movement', 'inventory.snapshot'];
// sla.started is ours beyond DESIGN.md: it records each deadline the hub sets (docs/adr/0006).
const DERIVED = ['receiving.expected', 'invoice.held', 'invoice.matched', 'finance.posting', 'exception.raised', 'exception.resolved', 'sla.breached', 'sla.started'];

// Major versions after v1, and why (contracts/README.md, docs/adr/0011).
const LATER_VERSIONS: Readonly<Record<string, readonly number[]>> = {
  // A delivery schedule per line instead of one promised date (EDI 855 split deliveries).
  'supplier.confirmation': [2],
};

describe('canonical contracts', () => {
  it('cover every inbound and derived event type of DESIGN.md section 2 (and sla.started), with the derived ones marked', () => {
    const listed = registry.list();
    assert.deepEqual([...new Set(listed.map((c) => c.eventType))].sort(), [...INBOUND, ...DERIVED].sort());
    assert.deepEqual([...new Set(listed.filter((c) => c.derived).map((c) => c.eventType))].sort(), [...DERIVED].sort());
  });

  it('ship v1 of every type, and later versions only where a breaking change called for one', () => {
    for (const [type, versions] of registry.catalog().versions) assert.deepEqual(versions, [1, ...(LATER_VERSIONS[type] ?? [])], type);
  });

  it('ship at least two valid and three invalid examples per event type and version', () => {
    for (const info of registry.list()) {
      const mine = examples.filter((e) => e.file.includes(`/${info.eventType}/examples/v${info.version}.`));
      assert.ok(mine.filter((e) => e.valid).length >= 2, `${info.eventType} v${info.version} valid examples`);
      assert.ok(mine.filter((e) => !e.valid).length >= 3, `${info.eventType} v${info.version} invalid examples`);
    }
  });

  it('reach, from every shipped version, the latest through the shipped upcasters', () => {
    const upcaster = new EventUpcaster(SHIPPED_UPCASTERS);
    for (const [type, versions] of registry.catalog().versions) {
      const latest = versions[versions.length - 1]!;
      assert.equal(upcaster.latestVersion(type) ?? latest, latest, `${type}: the upcasters end at the latest shipped version`);
      for (const version of versions) assert.ok(version === latest || upcaster.reaches(type, version), `${type} v${version} reaches v${latest}`);
    }
  });

  it('upcast every valid example of an older version into data its latest version accepts', () => {
    const upcaster = new EventUpcaster(SHIPPED_UPCASTERS);
    const older = examples.filter((e) => e.valid && /\/v1\.valid\./.test(e.file) && Object.keys(LATER_VERSIONS).some((type) => e.file.includes(`/${type}/examples/`)));
    assert.ok(older.length >= 3);
    for (const example of older) {
      const upcast = upcaster.upcast(example.body as never);
      assert.equal(upcast.dataversion, upcaster.latestVersion(upcast.type));
      const check = registry.check(upcast);
      assert.ok(check.ok, `${example.file}: ${JSON.stringify(check)}`);
    }
  });

  itChecksEachExample(registry, examples, DEFAULT_CONTRACTS_DIR);

  it('prefixes pointers with the position of the event in a batch', () => {
    const bad = examples.find((e) => !e.valid && e.file.includes('/po.released/'))!;
    const { event } = bad.body as { event: unknown };
    const check = registry.check(event, '/3');
    assert.equal(check.ok, false);
    if (!check.ok) assert.ok(check.violations.every((v) => v.pointer.startsWith('/3/')));
  });

  it('says a type has no contract, at /type, and a missing version, at /dataversion', () => {
    const good = examples.find((e) => e.valid && e.file.includes('/po.released/'))!.body as Record<string, unknown>;
    const unknown = registry.check({ ...good, type: 'po.approved' });
    assert.deepEqual(unknown.ok ? [] : [unknown.code, unknown.violations.map((v) => v.pointer)], ['unknown_event_type', ['/type']]);
    const version = registry.check({ ...good, dataversion: 7 });
    assert.deepEqual(version.ok ? [] : [version.code, version.violations.map((v) => v.pointer)], ['unknown_event_type', ['/dataversion']]);
  });

  it('refuses a float where money or a quantity must be a decimal string', () => {
    const good = examples.find((e) => e.valid && e.file.includes('/invoice.received/'))!.body as { data: { lines: Record<string, unknown>[] } };
    const event = structuredClone(good);
    event.data.lines[0]!.unitPrice = 12.5;
    const check = registry.check(event);
    assert.equal(check.ok, false);
    if (!check.ok) assert.ok(check.violations.some((v) => v.pointer === '/data/lines/0/unitPrice'));
  });

  it('refuses a whole number a JSON parser cannot keep exactly (I-JSON: at most 2^53 - 1), in the data and in the envelope', () => {
    const good = examples.find((e) => e.valid && e.file.includes('/po.released/'))!.body as { data: { lines: Record<string, unknown>[] } };
    // As the door parses what was sent: 99999999999999999999 arrives as 100000000000000000000.
    const sent = JSON.stringify(good).replace(/"line":\s*\d+/, '"line": 99999999999999999999');
    const line = registry.check(JSON.parse(sent));
    assert.deepEqual(line.ok ? [] : line.violations.map((v) => [v.pointer, v.message]), [['/data/lines/0/line', 'must be <= 9007199254740991']]);
    const edge = structuredClone(good);
    edge.data.lines[0]!.line = Number.MAX_SAFE_INTEGER;
    assert.ok(registry.check(edge).ok, 'the largest safe whole number is a line number');
    const extension = registry.check({ ...good, sequencenumber: -(2 ** 60) });
    // An extension attribute is a string, a whole number or a boolean: each branch says why not, at its pointer.
    assert.deepEqual(extension.ok ? [] : [...new Set(extension.violations.map((v) => v.pointer))], ['/sequencenumber']);
  });
});

describe('what a contract cannot compare', () => {
  const receipt = () => structuredClone(examples.find((e) => e.valid && e.file.endsWith('/goods.received/examples/v1.valid.with-rejection.json'))!.body) as { data: { lines: Record<string, unknown>[] } };

  it('refuses a receipt line that rejects more than it received, at its rejectedQuantity, in a batch too', () => {
    const event = receipt();
    event.data.lines[1]!.rejectedQuantity = '100.5';
    const check = registry.check(event, '/2');
    assert.deepEqual(check.ok ? [] : [check.code, check.violations], [
      'contract_violation',
      [{ pointer: '/2/data/lines/1/rejectedQuantity', message: 'must not be more than the line\'s quantity (100.5 rejected of 100 received)', keyword: 'rejectedWithinQuantity' }],
    ]);
  });

  it('takes a line that rejects all it received, or a reversal that rejects none of it', () => {
    const event = receipt();
    event.data.lines[1]!.rejectedQuantity = '100.000';
    event.data.lines[0]!.reversal = true;
    assert.ok(registry.check(event).ok);
  });
});

describe('nesting depth', () => {
  // A board's contract with a free-form part, as exception.raised has `details`.
  const board = new ContractRegistry({ ...set, contracts: [...set.contracts, QUALITY_NOTE_CONTRACT] });
  /** A quality.note whose whole event nests `levels` deep (the event is level 1, data 2, details 3). */
  const note = (levels: number) => {
    let inner: unknown = 'x';
    for (let level = levels; level > 3; level -= 1) inner = [inner];
    return { specversion: '1.0', id: 'n-1', source: '/systems/qms', type: 'quality.note', time: '2026-03-02T10:00:00Z', data: { noteId: 'N-1', details: { inner } } };
  };

  it('takes an event 64 levels deep and refuses one level more at the pointer of the level too many, through an open part of a contract', () => {
    assert.ok(board.check(note(64)).ok);
    const refused = board.check(note(65), '/7');
    assert.deepEqual(refused.ok ? [] : [refused.code, refused.violations.map((v) => [v.pointer, v.keyword, v.message])], [
      'contract_violation',
      [[`/7/data/details/inner${'/0'.repeat(61)}`, 'maxDepth', 'nests deeper than 64 levels of objects and arrays (the event itself is level 1)']],
    ]);
  });

  it('refuses an event deeper than JSON.stringify can write, without walking it all', () => {
    const deep = note(3);
    (deep.data.details as Record<string, unknown>).inner = JSON.parse(`${'['.repeat(100_000)}${']'.repeat(100_000)}`);
    const refused = board.check(deep);
    assert.equal(refused.ok ? 'taken' : refused.code, 'contract_violation');
  });

  it('needs no walk for a contract that closes every object and array: its own shape bounds the depth', () => {
    // goods.received closes everything, so an extra level is an unknown property, not a depth.
    const good = examples.find((e) => e.valid && e.file.includes('/goods.received/'))!.body as { data: Record<string, unknown> };
    const check = registry.check({ ...good, data: { ...good.data, extra: [[[[[[[[[[]]]]]]]]]] } });
    assert.deepEqual(check.ok ? [] : check.violations.map((v) => v.keyword), ['additionalProperties']);
  });
});

describe('contract versions in force', () => {
  const confirmation = (dataversion: number | undefined, lines: Record<string, unknown>[]) => ({
    specversion: '1.0',
    id: `conf-v${String(dataversion)}`,
    source: '/partners/sup-0042',
    type: 'supplier.confirmation',
    time: '2026-03-03T16:40:00-05:00',
    ...(dataversion === undefined ? {} : { dataversion }),
    data: { poNumber: '4500012345', supplierId: 'SUP-0042', lines },
  });
  const v1 = confirmation(1, [{ line: 10, status: 'accepted', promisedDate: '2026-03-12' }]);
  const v2 = confirmation(2, [{ line: 10, status: 'accepted', schedule: [{ promisedDate: '2026-03-12', quantity: '300' }, { promisedDate: '2026-03-19', quantity: '200' }] }]);

  it('takes every version known when the manifest names none for the type', () => {
    assert.deepEqual(registry.versionsInForce('supplier.confirmation'), [1, 2]);
    assert.ok(registry.check(v1).ok);
    assert.ok(registry.check(v2).ok);
    assert.ok(registry.withVersionsInForce({ 'po.released': [1] }).check(v1).ok);
  });

  it('validates each event against its own version: a v1 line is not a v2 line', () => {
    const mixed = { ...v1, dataversion: 2 };
    const check = registry.check(mixed);
    assert.deepEqual(check.ok ? [] : [check.code, check.violations.map((v) => v.pointer)], ['contract_violation', ['/data/lines/0']]);
  });

  it('refuses a version that exists but is not in force, at /dataversion, naming the versions in force', () => {
    const door = registry.withVersionsInForce({ 'supplier.confirmation': [2] });
    assert.ok(door.check(v2).ok);
    for (const sent of [v1, confirmation(undefined, [{ line: 10, status: 'accepted' }])]) {
      const check = door.check(sent, '/4');
      assert.deepEqual(check.ok ? undefined : [check.code, check.violations], [
        'contract_version_not_in_force',
        [{ pointer: '/4/dataversion', message: 'supplier.confirmation v1 is not in force; the governance manifest accepts v2', keyword: 'inForce' }],
      ]);
    }
  });

  it('answers not in force before reading the data, and unknown for a version that does not exist', () => {
    const door = registry.withVersionsInForce({ 'supplier.confirmation': [2] });
    const broken = door.check(confirmation(1, [{ line: 10, status: 'confirmed', quantity: 12 }]));
    assert.deepEqual(broken.ok ? undefined : [broken.code, broken.violations.length], ['contract_version_not_in_force', 1]);
    const future = door.check({ ...v2, dataversion: 7 });
    assert.deepEqual(future.ok ? undefined : [future.code, future.violations.map((v) => v.pointer)], ['unknown_event_type', ['/dataversion']]);
  });

  it('shares the compiled contracts and leaves the registry it came from as it was', () => {
    registry.withVersionsInForce({ 'supplier.confirmation': [2] });
    assert.ok(registry.check(v1).ok);
    assert.deepEqual(registry.withVersionsInForce({ 'supplier.confirmation': [2] }).list(), registry.list());
  });
});

describe('contracts compiled on first use (docs/adr/0077)', () => {
  // A board's contract whose $ref leads nowhere: ajv cannot compile it.
  const dangling = { ...QUALITY_NOTE_CONTRACT, properties: { noteId: { $ref: '#/$defs/note' }, details: { type: 'object' } } };
  const withDangling = { ...set, contracts: [...set.contracts, dangling] };
  const note = { specversion: '1.0', id: 'n-1', source: '/systems/qms', type: 'quality.note', time: '2026-12-02T10:00:00Z', data: { noteId: 'N-1', details: {} } };
  const valid = examples.filter((example) => example.valid).map((example) => example.body);
  const namesTheContract = (error: unknown) =>
    error instanceof MillraceError &&
    error.code === 'invalid_manifest' &&
    /^cannot load the contracts: quality\.note v1 \(https:\/\/example\.com\/contracts\/quality\.note\/v1\.schema\.json\): can't resolve reference #\/\$defs\/note/.test(error.message);

  it('lists a contract that does not compile and checks every other type, until an event of that one is checked', () => {
    const lazy = new ContractRegistry(withDangling);
    assert.deepEqual(lazy.catalog().versions.get('quality.note'), [1]);
    for (const body of valid) assert.ok(lazy.check(body).ok, JSON.stringify(body));
    assert.throws(() => lazy.check(note), namesTheContract);
    // Asked again, it fails again: nothing half-compiled is kept.
    assert.throws(() => lazy.check(note), namesTheContract);
  });

  it('compiles every contract on compileAll, naming the first that does not compile', () => {
    assert.throws(() => new ContractRegistry(withDangling).compileAll(), namesTheContract);
    const compiled = new ContractRegistry(set).compileAll();
    for (const body of valid) assert.ok(compiled.check(body).ok, JSON.stringify(body));
  });

  it('shares what it compiled with the registries made from it for the versions in force', () => {
    const lazy = new ContractRegistry(withDangling);
    const door = lazy.withVersionsInForce({});
    assert.throws(() => door.compileAll(), namesTheContract);
    assert.throws(() => lazy.check(note), namesTheContract);
  });
});
