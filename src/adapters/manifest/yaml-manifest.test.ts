import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { readManifest } from './yaml-manifest.js';

const TYPES = new Set(['po.released', 'goods.received', 'invoice.received', 'supplier.confirmation', 'shipment.dispatched', 'shipment.milestone', 'po.changed', 'po.cancelled', 'production.order.released', 'production.completed', 'inventory.movement', 'inventory.snapshot']);
const STARTER = fileURLToPath(new URL('../../../examples/millrace.yaml', import.meta.url));

describe('manifest loading', () => {
  it('accepts the starter manifest that `millrace init` writes', () => {
    const load = readManifest('millrace.yaml', readFileSync(STARTER, 'utf8'), TYPES);
    assert.ok(load.ok, JSON.stringify(load));
    assert.equal(load.manifest.systems.find((s) => s.id === 'erp-core')?.publishes.includes('po.released'), true);
    assert.equal(load.manifest.partners.length, 3);
    assert.ok(Object.isFrozen(load.manifest.systems));
  });

  it('reports every problem with its line and column', () => {
    const text = [
      'version: 1', // 1
      'enterprise:', // 2
      '  name: Acme', // 3
      'systems:', // 4
      '  - id: erp-core', // 5
      '    kind: erp', // 6
      '    publishes: [po.released, po.approved]', // 7
      '  - id: erp-core', // 8
      '    kind: erp', // 9
      '    colour: blue', // 10
      'partners:', // 11
      '  - id: sup-1', // 12
      '    publishes: [invoice.held]', // 13
    ].join('\n');
    const load = readManifest('m.yaml', text, TYPES);
    assert.equal(load.ok, false);
    if (load.ok) return;
    const summary = load.problems.map((p) => `${p.line}:${p.column} ${p.code}`).sort();
    assert.deepEqual(summary, ['12:5 manifest_shape', '8:5 manifest_shape'].sort());
  });

  it('reports cross-reference problems once the shape is right', () => {
    const text = [
      'version: 1',
      'enterprise: { name: Acme }',
      'systems:',
      '  - id: erp-core',
      '    kind: erp',
      '    publishes: [po.released, po.approved]',
      '  - id: erp-core',
      '    kind: erp',
      'partners:',
      '  - id: sup-1',
      '    supplierId: SUP-1',
      '    publishes: [invoice.held]',
    ].join('\n');
    const load = readManifest('m.yaml', text, TYPES);
    assert.equal(load.ok, false);
    if (load.ok) return;
    assert.deepEqual(
      load.problems.map((p) => `${p.line}:${p.column} ${p.code}`),
      ['6:30 unknown_event_type', '7:9 duplicate_id', '12:17 unknown_event_type'],
    );
  });

  it('reports YAML syntax errors with their position', () => {
    const load = readManifest('m.yaml', 'version: 1\nenterprise: [unclosed\n', TYPES);
    assert.equal(load.ok, false);
    if (!load.ok) assert.equal(load.problems[0]?.code, 'yaml_syntax');
  });
});
