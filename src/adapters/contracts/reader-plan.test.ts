// A governance board's version of a shipped event type with no upcaster is read as the version
// the workflows read, by dropping what that version does not know; a version that would still
// break it is refused, with the changes that break it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadLayeredContractSet } from './contract-files.js';
import { ContractRegistry } from '../../core/contracts/contract-registry.js';
import type { LabelledContract } from '../../core/contracts/reader-plan.js';
import { openReader, planReaders } from '../../core/contracts/reader-plan.js';
import { SHIPPED_UPCASTERS } from '../../core/contracts/upcasters/shipped-upcasters.js';
import { EventUpcaster } from '../../core/contracts/upcasting.js';

type Json = Record<string, unknown>;
/** The object at `path` inside `doc`, to edit a copy of a shipped contract in place. */
const at = (doc: Json, ...path: string[]): Json => path.reduce((node, key) => node[key] as Json, doc);

const shippedSet = loadLayeredContractSet(fileURLToPath(new URL('../../../contracts', import.meta.url)), undefined);
const upcaster = new EventUpcaster(SHIPPED_UPCASTERS);
const shippedSchema = (type: string, version: number): Json => structuredClone(shippedSet.shipped.find((c) => c.schema['x-event-type'] === type && c.schema['x-version'] === version)!.schema);
const LINE = ['properties', 'lines', 'items'];

/** A board version made from a shipped one: renumbered, then edited. */
function boardVersion(type: string, from: number, version: number, edit: (schema: Json) => void): LabelledContract {
  const schema = shippedSchema(type, from);
  schema.$id = `https://contracts.example-board.com/${type}/v${version}.schema.json`;
  schema['x-version'] = version;
  edit(schema);
  return { label: `board/${type}.v${version}.schema.json`, schema };
}

const plan = (board: readonly LabelledContract[], upcasters = upcaster) => planReaders({ shipped: shippedSet.shipped, board, shared: shippedSet.shared, upcaster: upcasters });

// v3 a board might publish: the supplier's sales order number (EDI 855 BAK08) and its own item id per line.
const confirmationV3 = boardVersion('supplier.confirmation', 2, 3, (s) => {
  at(s, 'properties').salesOrderNumber = { $ref: 'https://millrace.dev/contracts/common/v1.schema.json#/$defs/identifier', description: 'Supplier sales order number.' };
  at(s, ...LINE, 'properties').supplierItemId = { $ref: 'https://millrace.dev/contracts/common/v1.schema.json#/$defs/identifier', description: 'Supplier part number.' };
  at(s, ...LINE, 'properties', 'schedule', 'items', 'properties').shipFrom = { type: 'string', maxLength: 40 };
});

describe('board contract versions', () => {
  it('reads the shipped contracts with the shipped upcasters alone: nothing to project', () => {
    assert.deepEqual(plan([]), { ok: true, plan: { projected: {} } });
  });

  it('accepts a v3 that only adds fields, and reads it as v2 with those fields dropped', () => {
    const checked = plan([confirmationV3]);
    assert.ok(checked.ok, JSON.stringify(checked));
    assert.deepEqual(checked.plan.projected['supplier.confirmation']?.versions, [3]);
    assert.equal(checked.plan.projected['supplier.confirmation']?.readerVersion, 2);

    const registry = new ContractRegistry({ ...shippedSet, contracts: [...shippedSet.contracts, confirmationV3.schema] });
    const sent = {
      specversion: '1.0' as const,
      id: 'conf-v3',
      source: '/partners/sup-0042',
      type: 'supplier.confirmation',
      time: '2026-03-03T16:40:00-05:00',
      dataversion: 3,
      data: {
        poNumber: '4500012345',
        supplierId: 'SUP-0042',
        salesOrderNumber: 'SO-88121',
        lines: [{ line: 10, status: 'accepted', supplierItemId: 'BRK-22', schedule: [{ promisedDate: '2026-03-12', quantity: '300', shipFrom: 'Monterrey' }, { promisedDate: '2026-03-19', quantity: '200' }] }],
      },
    };
    assert.ok(registry.check(sent).ok, 'the door takes v3');
    const read = new EventUpcaster(SHIPPED_UPCASTERS, checked.plan).upcast(sent);
    assert.equal(read.dataversion, 2);
    assert.deepEqual(read.data, {
      poNumber: '4500012345',
      supplierId: 'SUP-0042',
      lines: [{ line: 10, status: 'accepted', schedule: [{ promisedDate: '2026-03-12', quantity: '300' }, { promisedDate: '2026-03-19', quantity: '200' }] }],
    });
    assert.ok(registry.check(read).ok, 'what the workflow reads is a valid v2 confirmation');
  });

  it('refuses a v3 that lets a status through v2 does not know, naming the change', () => {
    const backordered = boardVersion('supplier.confirmation', 2, 3, (s) => {
      (at(s, ...LINE, 'properties', 'status').enum as string[]).push('backordered');
    });
    const checked = plan([backordered]);
    assert.equal(checked.ok, false);
    if (checked.ok) return;
    assert.deepEqual(
      checked.problems.map((p) => [p.label, p.eventType, p.version, p.readerVersion, p.changes.map((c) => [c.path, c.kind])]),
      [['board/supplier.confirmation.v3.schema.json', 'supplier.confirmation', 3, 2, [['/lines/*/status', 'enum_value_added']]]],
    );
    assert.match(checked.problems[0]!.message, /^board\/supplier\.confirmation\.v3\.schema\.json: supplier\.confirmation v3 cannot be read as v2, the version the workflows read: no upcaster reaches it, and it is not forward-compatible with v2 once the properties v2 does not know are dropped: \/lines\/\*\/status enum_value_added \(value "backordered" is newly allowed\)$/);
  });

  it('refuses a version that drops a field v2 requires, or loosens one', () => {
    const loose = boardVersion('supplier.confirmation', 2, 4, (s) => {
      s.required = ['poNumber', 'lines'];
      at(s, ...LINE, 'properties', 'schedule', 'items', 'properties').quantity = { type: 'string' };
    });
    const checked = plan([loose]);
    assert.equal(checked.ok, false);
    if (!checked.ok) assert.deepEqual(checked.problems[0]?.changes.map((c) => c.kind).sort(), ['max_length_increased', 'pattern_removed', 'required_removed']);
  });

  it('reads a board v2 of a type no upcaster knows as the shipped v1', () => {
    const po = boardVersion('po.released', 1, 2, (s) => {
      at(s, 'properties').buyerContact = { type: 'string', maxLength: 80 };
    });
    const checked = plan([po]);
    assert.ok(checked.ok, JSON.stringify(checked));
    assert.deepEqual(checked.plan.projected['po.released'], { readerVersion: 1, versions: [2], shape: checked.plan.projected['po.released']!.shape });
  });

  it('leaves alone event types only the board declares: no workflow reads them', () => {
    const inspection = (version: number, status: string[]): LabelledContract => ({
      label: `board/quality.inspection.v${version}.schema.json`,
      schema: {
        $schema: 'https://json-schema.org/draft/2020-12/schema',
        $id: `https://contracts.example-board.com/quality.inspection/v${version}.schema.json`,
        'x-event-type': 'quality.inspection',
        'x-version': version,
        'x-domain': 'quality',
        'x-derived': false,
        type: 'object',
        properties: { result: { enum: status } },
        additionalProperties: false,
      },
    });
    assert.deepEqual(plan([inspection(1, ['pass', 'fail']), inspection(2, ['pass', 'fail', 'hold'])]), { ok: true, plan: { projected: {} } });
  });

  it('catches a shipped version that lost its upcaster', () => {
    const checked = plan([], new EventUpcaster([]));
    assert.equal(checked.ok, false);
    if (!checked.ok) assert.deepEqual(checked.problems.map((p) => [p.eventType, p.version, p.readerVersion]), [['supplier.confirmation', 1, 2]]);
  });
});

describe('opening the reader version', () => {
  it('opens closed objects that cannot see unknown properties, and keeps the others closed', () => {
    const schema = {
      type: 'object',
      properties: {
        a: { type: 'object', properties: { x: { type: 'string' } }, additionalProperties: false },
        counted: { type: 'object', properties: { x: { type: 'string' } }, minProperties: 1, additionalProperties: false },
        conditional: { type: 'object', properties: { x: { type: 'string' } }, if: { required: ['y'] }, then: { required: ['x'] }, additionalProperties: false },
      },
      required: ['a'],
      additionalProperties: false,
    };
    const { schema: opened, shape } = openReader(schema);
    const o = opened as Json;
    assert.equal('additionalProperties' in o, false);
    assert.equal('additionalProperties' in at(o, 'properties', 'a'), false);
    assert.equal(at(o, 'properties', 'counted').additionalProperties, false, 'minProperties counts what a projection would drop');
    assert.equal(at(o, 'properties', 'conditional').additionalProperties, false, 'its condition names a property it does not declare');
    const closed = (...path: string[]) => at(shape, ...path).closed;
    assert.deepEqual([closed(), closed('properties', 'a'), closed('properties', 'counted'), closed('properties', 'conditional')], [true, true, false, false]);
    assert.equal(schema.additionalProperties, false, 'the reader schema itself is not changed');
  });
});
