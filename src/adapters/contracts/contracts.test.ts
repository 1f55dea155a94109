// Every example beside every contract behaves as declared: valid ones pass envelope and data,
// invalid ones fail with exactly the declared set of JSON pointers.
import assert from 'node:assert/strict';
import { relative } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ContractRegistry } from '../../core/index.js';
import { loadContractExamples, loadContractSet } from './contract-files.js';

const DEFAULT_CONTRACTS_DIR = fileURLToPath(new URL('../../../contracts', import.meta.url));

const set = loadContractSet(DEFAULT_CONTRACTS_DIR);
const registry = new ContractRegistry(set);
const examples = loadContractExamples(DEFAULT_CONTRACTS_DIR);

const INBOUND = ['po.released', 'po.changed', 'po.cancelled', 'supplier.confirmation', 'shipment.dispatched', 'shipment.milestone', 'goods.received', 'invoice.received', 'production.order.released', 'production.completed', 'inventory.movement', 'inventory.snapshot'];
// sla.started is ours beyond DESIGN.md: it records each deadline the hub sets (docs/adr/0006).
const DERIVED = ['receiving.expected', 'invoice.held', 'invoice.matched', 'finance.posting', 'exception.raised', 'exception.resolved', 'sla.breached', 'sla.started'];

describe('canonical contracts v1', () => {
  it('cover every inbound and derived event type of DESIGN.md section 2 (and sla.started), with the derived ones marked', () => {
    const listed = registry.list();
    assert.deepEqual(listed.map((c) => c.eventType).sort(), [...INBOUND, ...DERIVED].sort());
    assert.deepEqual(listed.filter((c) => c.derived).map((c) => c.eventType).sort(), [...DERIVED].sort());
    assert.ok(listed.every((c) => c.version === 1));
  });

  it('ship at least two valid and three invalid examples per event type', () => {
    for (const type of [...INBOUND, ...DERIVED]) {
      const mine = examples.filter((e) => e.file.includes(`/${type}/examples/`));
      assert.ok(mine.filter((e) => e.valid).length >= 2, `${type} valid examples`);
      assert.ok(mine.filter((e) => !e.valid).length >= 3, `${type} invalid examples`);
    }
  });

  for (const example of examples) {
    const name = relative(DEFAULT_CONTRACTS_DIR, example.file);
    if (example.valid) {
      it(`accepts ${name}`, () => {
        const check = registry.check(example.body);
        assert.ok(check.ok, JSON.stringify(check));
      });
    } else {
      const { event, expectedErrors } = example.body as { event: unknown; expectedErrors: string[] };
      it(`rejects ${name} at exactly ${expectedErrors.join(', ')}`, () => {
        const check = registry.check(event);
        assert.equal(check.ok, false);
        if (check.ok) return;
        const pointers = new Set(check.violations.map((v) => v.pointer));
        assert.deepEqual([...pointers].sort(), [...new Set(expectedErrors)].sort());
      });
    }
  }

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
});
