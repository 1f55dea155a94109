// Upcasters compose into one path from any older version to the latest; events come out in the
// latest shape, as new objects, and what was sent is never changed.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { loadContractSet } from './contract-files.js';
import type { CloudEvent } from '../../core/envelope.js';
import { ContractRegistry } from '../../core/contracts/contract-registry.js';
import { SHIPPED_UPCASTERS } from '../../core/contracts/upcasters/shipped-upcasters.js';
import type { Upcaster } from '../../core/contracts/upcasting.js';
import { EventUpcaster, project } from '../../core/contracts/upcasting.js';

// A fixture contract history: v1 says `qty`, v2 renames it `quantity`, v3 adds a unit.
const fixtureV1toV2: Upcaster = {
  eventType: 'fixture.counted',
  from: 1,
  upcast: ({ qty, ...rest }) => ({ ...rest, quantity: qty }),
};
const fixtureV2toV3: Upcaster = {
  eventType: 'fixture.counted',
  from: 2,
  upcast: (data) => ({ ...data, uom: 'EA' }),
};

function counted(dataversion: number | undefined, data: Record<string, unknown>): CloudEvent {
  return {
    specversion: '1.0',
    id: `c-${String(dataversion)}`,
    source: '/systems/mes-p01',
    type: 'fixture.counted',
    time: '2026-03-02T08:00:00Z',
    dataschema: `https://millrace.dev/contracts/fixture.counted/v${dataversion ?? 1}.schema.json`,
    ...(dataversion === undefined ? {} : { dataversion }),
    data,
  };
}

describe('upcasters', () => {
  const upcaster = new EventUpcaster([fixtureV2toV3, fixtureV1toV2]);

  it('carry a v1 event through v2 to v3, in order, whatever order they are registered in', () => {
    const sent = counted(1, { itemId: 'ITM-1', qty: '12' });
    const read = upcaster.upcast(sent);
    assert.deepEqual(read.data, { itemId: 'ITM-1', quantity: '12', uom: 'EA' });
    assert.equal(read.dataversion, 3);
    assert.equal(upcaster.latestVersion('fixture.counted'), 3);
  });

  it('treat an event without dataversion as v1 (DESIGN.md section 2)', () => {
    assert.deepEqual(upcaster.upcast(counted(undefined, { qty: '5' })).data, { quantity: '5', uom: 'EA' });
  });

  it('take a v2 event through the last step only', () => {
    assert.deepEqual(upcaster.upcast(counted(2, { quantity: '7' })).data, { quantity: '7', uom: 'EA' });
  });

  it('hand back the latest version, another type or an unreachable version as the very same object', () => {
    const latest = counted(3, { quantity: '7', uom: 'BOX' });
    assert.equal(upcaster.upcast(latest), latest);
    const other = { ...latest, type: 'po.released' };
    assert.equal(upcaster.upcast(other), other);
    const future = counted(9, { anything: true });
    assert.equal(upcaster.upcast(future), future);
  });

  it('never change the event it reads, and drop the dataschema that named the old version', () => {
    const sent = counted(1, { qty: '12' });
    const before = structuredClone(sent);
    const read = upcaster.upcast(sent);
    assert.deepEqual(sent, before);
    assert.equal('dataschema' in read, false);
    const { dataschema: _dataschema, ...envelope } = sent;
    assert.deepEqual({ ...read, data: undefined }, { ...envelope, dataversion: 3, data: undefined });
  });

  it('keep sequence and receipt time of a stored event', () => {
    const stored = { sequence: 42, receivedTime: '2026-03-02T08:00:01Z', event: counted(1, { qty: '1' }) };
    const read = upcaster.upcastStored(stored);
    assert.deepEqual([read.sequence, read.receivedTime, read.event.dataversion], [42, '2026-03-02T08:00:01Z', 3]);
    const latest = { ...stored, event: counted(3, { quantity: '1', uom: 'EA' }) };
    assert.equal(upcaster.upcastStored(latest), latest);
  });

  it('refuse two upcasters from the same version, and a chain with a gap', () => {
    assert.throws(() => new EventUpcaster([fixtureV1toV2, { ...fixtureV1toV2 }]), /two upcasters for fixture.counted start from v1/);
    assert.throws(() => new EventUpcaster([fixtureV1toV2, { ...fixtureV2toV3, from: 3 }]), /leave a gap: nothing goes from v2 to v3/);
    assert.throws(() => new EventUpcaster([{ ...fixtureV1toV2, from: 0 }]), /versions start at 1/);
  });
});

describe('projection onto what a version knows', () => {
  it('drops properties a closed object does not declare, at every depth, and keeps an open object whole', () => {
    const shape = {
      kind: 'object',
      closed: true,
      properties: {
        poNumber: { kind: 'any' },
        lines: { kind: 'array', items: { kind: 'object', closed: true, properties: { line: { kind: 'any' } } } },
        details: { kind: 'object', closed: false, properties: {} },
      },
    } as const;
    const data = { poNumber: 'PO-1', salesOrder: 'SO-9', lines: [{ line: 10, lot: 'L1' }], details: { free: 'form' } };
    assert.deepEqual(project(data, shape), { poNumber: 'PO-1', lines: [{ line: 10 }], details: { free: 'form' } });
    assert.equal(data.salesOrder, 'SO-9', 'the argument is not changed');
  });

  it('projects a version no upcaster reaches when the plan says so, and sets the reader version', () => {
    const upcaster = new EventUpcaster(SHIPPED_UPCASTERS, {
      projected: { 'supplier.confirmation': { readerVersion: 2, versions: [3], shape: { kind: 'object', closed: true, properties: { poNumber: { kind: 'any' } } } } },
    });
    const read = upcaster.upcast({ ...counted(3, { poNumber: 'PO-1', salesOrder: 'SO-9' }), type: 'supplier.confirmation' });
    assert.deepEqual([read.dataversion, read.data], [2, { poNumber: 'PO-1' }]);
  });
});

describe('supplier.confirmation v1 -> v2', () => {
  const upcaster = new EventUpcaster(SHIPPED_UPCASTERS);
  const confirmation = (lines: Record<string, unknown>[]): CloudEvent => ({
    specversion: '1.0',
    id: 'conf-1',
    source: '/partners/sup-0042',
    type: 'supplier.confirmation',
    time: '2026-03-03T16:40:00-05:00',
    data: { poNumber: '4500012345', supplierId: 'SUP-0042', lines },
  });

  it('makes a promised date a one-delivery schedule that covers the line, and keeps quantity and price', () => {
    const read = upcaster.upcast(confirmation([{ line: 20, status: 'changed', quantity: '100', unitPrice: '12.6000', promisedDate: '2026-03-12' }]));
    assert.equal(read.dataversion, 2);
    assert.deepEqual(read.data.lines, [{ line: 20, status: 'changed', quantity: '100', unitPrice: '12.6000', schedule: [{ promisedDate: '2026-03-12' }] }]);
  });

  it('leaves a line without a promised date as it was', () => {
    assert.deepEqual(upcaster.upcast(confirmation([{ line: 10, status: 'accepted' }, { line: 20, status: 'rejected' }])).data.lines, [
      { line: 10, status: 'accepted' },
      { line: 20, status: 'rejected' },
    ]);
  });

  it('turns every valid v1 confirmation into a valid v2 one (property)', () => {
    const registry = new ContractRegistry(loadContractSet(fileURLToPath(new URL('../../../contracts', import.meta.url))));
    const decimal = fc.tuple(fc.nat({ max: 99_999 }), fc.option(fc.nat({ max: 9999 }), { nil: undefined })).map(([whole, fraction]) => (fraction === undefined ? String(whole) : `${whole}.${fraction}`));
    const date = fc.date({ min: new Date('2026-01-01T00:00:00Z'), max: new Date('2027-12-31T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10));
    const line = fc
      .record(
        { line: fc.integer({ min: 1, max: 999 }), status: fc.constantFrom('accepted', 'changed', 'rejected'), quantity: decimal, unitPrice: decimal, promisedDate: date },
        { requiredKeys: ['line', 'status'] },
      )
      // v1's own rule: a changed line says what changed.
      .filter((l) => l.status !== 'changed' || l.quantity !== undefined || l.unitPrice !== undefined || l.promisedDate !== undefined);
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 5 }), (lines) => {
        const sent = { ...confirmation(lines), dataversion: 1 };
        assert.ok(registry.check(sent).ok, 'a valid v1 event');
        const check = registry.check(upcaster.upcast(sent));
        assert.ok(check.ok, JSON.stringify(check));
      }),
      { numRuns: 300 },
    );
  });
});
