import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { loadContractSet } from '../contracts/contract-files.js';
import type { ContractSet, SchemaDocument } from '../../core/contracts/contract-registry.js';
import { ContractRegistry } from '../../core/contracts/contract-registry.js';
import type { ManifestChange, ManifestDiff, ManifestSide } from '../../core/governance/manifest-diff.js';
import { diffManifests } from '../../core/governance/manifest-diff.js';
import type { WorkflowCensus } from '../../core/governance/manifest-impact.js';
import type { CompatibilityModeSetting, Manifest } from '../../core/governance/manifest.js';
import { checkManifest } from '../../core/governance/manifest.js';

const SHIPPED = loadContractSet(fileURLToPath(new URL('../../../contracts', import.meta.url)));
const EXAMPLE = parse(readFileSync(fileURLToPath(new URL('../../../examples/millrace.yaml', import.meta.url)), 'utf8')) as Record<string, unknown>;

type Mutable<T> = { -readonly [K in keyof T]: Mutable<T[K]> };
type Doc = Mutable<Manifest>;
/** A contract's JSON Schema, as the tests edit it. */
type Schema = { $id: string; 'x-version': number; title?: string; properties: Record<string, Record<string, unknown>>; required: string[] };

/** The example manifest, edited, checked against the contracts (shipped plus `extra`). */
function side(edit: (doc: Doc) => void = () => undefined, extra: readonly SchemaDocument[] = []): ManifestSide {
  const doc = structuredClone(EXAMPLE) as unknown as Doc;
  edit(doc);
  const contracts: ContractSet = { ...SHIPPED, contracts: [...SHIPPED.contracts, ...extra] };
  const check = checkManifest(doc, new ContractRegistry(contracts).catalog());
  if (!check.ok) throw new Error(`test manifest does not lint: ${JSON.stringify(check.problems)}`);
  return { manifest: check.manifest, contracts };
}

/** A webhook subscription of Northern Fasteners to PO changes and cancellations (its x12 channel carries releases only). */
function changesHook(types: string[] = ['po.changed', 'po.cancelled']): (doc: Doc) => void {
  return (doc) => {
    doc.subscriptions.push({ id: 'sup-0107-changes', subscriber: 'sup-0107', types, filter: { supplierId: 'SUP-0107' }, channel: { kind: 'webhook', url: 'https://portal.northern-fasteners.example/hooks' } });
  };
}

function mode(value: CompatibilityModeSetting): (doc: Doc) => void {
  return (doc) => {
    doc.contracts.compatibility = value;
  };
}

const CANCELLED_V1 = SHIPPED.contracts.find((doc) => doc['x-event-type'] === 'po.cancelled' && doc['x-version'] === 1)!;

/** A version of po.cancelled: v1's schema with edits to its properties and required list. */
function cancelled(version: number, edit: (schema: Schema) => void = () => undefined): SchemaDocument {
  const schema = structuredClone(CANCELLED_V1) as unknown as Schema;
  schema.$id = `https://example.com/contracts/po.cancelled/v${version}.schema.json`;
  schema['x-version'] = version;
  edit(schema);
  return schema;
}

const withNote = (schema: Schema): void => {
  schema.properties.note = { type: 'string', maxLength: 200 };
};
const requireReason = (schema: Schema): void => {
  schema.required = ['poNumber', 'reason'];
};

function only(diff: ManifestDiff, kind: string): ManifestChange {
  const found = diff.changes.filter((change) => change.kind === kind);
  assert.equal(found.length, 1, `one ${kind} in ${JSON.stringify(diff.changes.map((c) => `${c.kind} ${c.subject}`))}`);
  return found[0]!;
}

function kinds(diff: ManifestDiff): string[] {
  return diff.changes.map((change) => `${change.kind} ${change.subject}${change.breaking ? ' BREAKING' : ''}`);
}

describe('manifest diff: contracts', () => {
  it('finds nothing between a manifest and itself', () => {
    const diff = diffManifests(side(), side());
    assert.deepEqual(diff, { mode: 'backward', breaking: false, changes: [], withdrawals: [] });
  });

  it('accepts a new version with an optional field under backward, naming its publishers and subscribers', () => {
    const diff = diffManifests(side(changesHook()), side(changesHook(), [cancelled(2, withNote)]));
    const change = only(diff, 'version_added');
    assert.equal(diff.breaking, false);
    assert.equal(change.subject, 'po.cancelled v2');
    assert.deepEqual(change.compatibility?.against, [1]);
    assert.deepEqual(change.compatibility?.changes.map((c) => `${c.path} ${c.kind} ${c.breaking}`), ['/note property_added_to_closed_model false']);
    assert.deepEqual(change.publishers, [{ kind: 'system', id: 'erp-core' }]);
    assert.deepEqual(change.subscribers, [{ subscription: 'sup-0107-changes', subscriber: 'sup-0107' }]);
    assert.match(change.message, /po\.cancelled v2 is added and in force: backward-compatible with v1/);
  });

  it('refuses the same new version under forward and full: readers on v1 reject the unknown field', () => {
    for (const m of ['forward', 'full'] as const) {
      const diff = diffManifests(side(mode(m)), side(mode(m), [cancelled(2, withNote)]));
      assert.equal(diff.breaking, true, m);
      assert.equal(only(diff, 'version_added').compatibility?.mode, m);
    }
  });

  it('refuses a new version that makes a field required under backward, accepts it under forward', () => {
    assert.deepEqual(kinds(diffManifests(side(), side(undefined, [cancelled(2, requireReason)]))), ['version_added po.cancelled v2 BREAKING']);
    assert.deepEqual(kinds(diffManifests(side(mode('forward')), side(mode('forward'), [cancelled(2, requireReason)]))), ['version_added po.cancelled v2']);
  });

  it('checks against the last version only in a plain mode, and against every version in force in a transitive one', () => {
    // v2 shortened v1's reason (the board let it through once); v3 keeps v2's and adds a note.
    const shorter = (schema: Schema): void => {
      schema.properties.reason!.maxLength = 100;
    };
    const v2 = cancelled(2, shorter);
    const v3 = cancelled(3, (schema) => {
      shorter(schema);
      withNote(schema);
    });
    const plain = diffManifests(side(mode('backward'), [v2]), side(mode('backward'), [v2, v3]));
    assert.deepEqual(kinds(plain), ['version_added po.cancelled v3']);
    assert.deepEqual(only(plain, 'version_added').compatibility?.against, [2]);
    const transitive = diffManifests(side(mode('backward_transitive'), [v2]), side(mode('backward_transitive'), [v2, v3]));
    const change = only(transitive, 'version_added');
    assert.equal(change.breaking, true);
    assert.deepEqual(change.compatibility?.against, [1, 2]);
    assert.deepEqual(
      change.compatibility?.changes.filter((c) => c.breaking).map((c) => `${c.path} ${c.kind} ${c.message.slice(c.message.indexOf('(against'))}`),
      ['/reason max_length_decreased (against po.cancelled v1)'],
    );
  });

  it('checks a version added together with an earlier new one against it (full_transitive)', () => {
    const diff = diffManifests(side(mode('full_transitive')), side(mode('full_transitive'), [cancelled(2), cancelled(3, requireReason)]));
    assert.deepEqual(kinds(diff), ['version_added po.cancelled v2', 'version_added po.cancelled v3 BREAKING']);
    assert.deepEqual(diff.changes[1]?.compatibility?.against, [1, 2]);
  });

  it('lists the changes under none without calling any of them breaking', () => {
    const diff = diffManifests(side(mode('none')), side(mode('none'), [cancelled(2, requireReason)]));
    assert.equal(diff.breaking, false);
    assert.equal(only(diff, 'version_added').compatibility?.changes[0]?.kind, 'required_added');
  });

  it('lists the first version of a new event type with nothing to compare it with', () => {
    const inspection = { ...cancelled(1), $id: 'https://example.com/contracts/quality.inspection/v1.schema.json', 'x-event-type': 'quality.inspection', 'x-domain': 'production' };
    const diff = diffManifests(side(), side(undefined, [inspection]));
    const change = only(diff, 'version_added');
    assert.deepEqual([change.subject, change.breaking, change.compatibility], ['quality.inspection v1', false, undefined]);
    assert.match(change.message, /no earlier version of quality\.inspection is in force/);
  });

  it('calls a version removed while in force breaking when someone publishes the type, and not otherwise', () => {
    const removed = diffManifests(side(undefined, [cancelled(2, withNote)]), side());
    assert.deepEqual(kinds(removed), ['version_removed po.cancelled v2 BREAKING']);
    assert.match(removed.changes[0]!.message, /erp-core may still publish po\.cancelled/);
    const notInForce = (doc: Doc) => {
      doc.contracts.inForce = { 'po.cancelled': [1] };
    };
    assert.deepEqual(kinds(diffManifests(side(notInForce, [cancelled(2, withNote)]), side(notInForce))), ['version_removed po.cancelled v2']);
    const unpublished = (doc: Doc) => {
      doc.systems[0]!.publishes = doc.systems[0]!.publishes.filter((t) => t !== 'po.cancelled');
    };
    assert.deepEqual(kinds(diffManifests(side(unpublished, [cancelled(2, withNote)]), side(unpublished))), ['version_removed po.cancelled v2']);
  });

  it('calls a version taken out of force breaking while it has publishers, except under none', () => {
    const both = (doc: Doc) => {
      doc.contracts.inForce = { 'po.cancelled': [1, 2] };
    };
    const latest = (doc: Doc) => {
      doc.contracts.inForce = { 'po.cancelled': [2] };
    };
    const diff = diffManifests(side(both, [cancelled(2, withNote)]), side(latest, [cancelled(2, withNote)]));
    const change = only(diff, 'version_out_of_force');
    assert.deepEqual([change.subject, change.breaking, change.old, change.new], ['po.cancelled v1', true, [1, 2], [2]]);
    const relaxed = (edit: (doc: Doc) => void) => (doc: Doc) => {
      edit(doc);
      mode('none')(doc);
    };
    assert.equal(diffManifests(side(relaxed(both), [cancelled(2, withNote)]), side(relaxed(latest), [cancelled(2, withNote)])).breaking, false);
  });

  it('checks a shipped version entering force against the versions in force before', () => {
    const first = (doc: Doc) => {
      doc.contracts.inForce = { 'po.cancelled': [1] };
    };
    const diff = diffManifests(side(first, [cancelled(2, requireReason)]), side(undefined, [cancelled(2, requireReason)]));
    const change = only(diff, 'version_in_force');
    assert.deepEqual([change.subject, change.breaking, change.compatibility?.against], ['po.cancelled v2', true, [1]]);
  });

  it('checks a version changed in place against its old self', () => {
    const diff = diffManifests(side(undefined, [cancelled(2, withNote)]), side(undefined, [cancelled(2, (schema) => {
      withNote(schema);
      requireReason(schema);
    })]));
    const change = only(diff, 'contract_changed');
    assert.deepEqual([change.subject, change.breaking, change.compatibility?.against], ['po.cancelled v2', true, [2]]);
    assert.match(change.message, /changed in place/);
    // Annotations only: no change worth listing.
    const retitled = diffManifests(side(undefined, [cancelled(2)]), side(undefined, [cancelled(2, (s) => (s.title = 'Cancelled'))]));
    assert.deepEqual(retitled.changes, []);
  });

  it('reports a new compatibility mode but judges the change by the old one', () => {
    const diff = diffManifests(side(mode('backward')), side(mode('forward'), [cancelled(2, withNote)]));
    assert.deepEqual(kinds(diff), ['version_added po.cancelled v2', 'compatibility_mode_changed contracts.compatibility']);
    assert.equal(diff.mode, 'backward');
  });
});

describe('manifest diff: authority, policy, subscriptions', () => {
  it('lists a partner added, a system removed, rights granted and revoked, with who receives those types', () => {
    const diff = diffManifests(
      side(),
      side((doc) => {
        doc.partners.push({ id: 'sup-0500', supplierId: 'SUP-0500', protocols: ['api'], mode: 'enforce', publishes: ['supplier.confirmation', 'invoice.received'] });
        doc.masterData.suppliers = [];
        doc.systems = doc.systems.filter((s) => s.id !== 'logistics');
        doc.systems.find((s) => s.id === 'wms-p02')!.publishes = ['goods.received', 'inventory.movement'];
        doc.systems.find((s) => s.id === 'mes-p01')!.publishes.push('inventory.movement');
        doc.domains.find((d) => d.id === 'logistics')!.eventTypes = ['shipment.dispatched'];
        delete doc.systems.find((s) => s.id === 'wms-p02')!.maxLag!['inventory.snapshot'];
      }),
    );
    assert.deepEqual(
      kinds(diff).filter((k) => !k.startsWith('value_changed')),
      [
        'publisher_added partners[sup-0500]',
        'publisher_removed systems[logistics]',
        'publish_granted systems[mes-p01].publishes',
        'publish_revoked systems[wms-p02].publishes',
        'domain_event_types_changed domains[logistics].eventTypes',
        'max_lag_changed systems[wms-p02].maxLag[inventory.snapshot]',
      ],
    );
    const revoked = only(diff, 'publish_revoked');
    assert.deepEqual([revoked.old, revoked.eventTypes, revoked.publishers], ['inventory.snapshot', ['inventory.snapshot'], [{ kind: 'system', id: 'wms-p02' }]]);
    assert.deepEqual(revoked.subscribers, [{ subscription: 'erp-inventory', subscriber: 'erp-core' }]);
    assert.match(only(diff, 'publisher_added').message, /partner sup-0500 \(supplier SUP-0500\) is added; it may publish supplier\.confirmation, invoice\.received \(enforce\)/);
    assert.equal(diff.breaking, false, 'authority changes inform; only contract rules break');
    assert.deepEqual(only(diff, 'value_changed').subject, 'masterData.suppliers');
  });

  it('lists a source moving from observe to enforce, a new system of record, and a partner speaking for another supplier', () => {
    const diff = diffManifests(
      side(),
      side((doc) => {
        doc.partners.find((p) => p.id === 'sup-0311')!.mode = 'enforce';
        doc.systems.find((s) => s.id === 'mes-p01')!.roles.inventory = 'execution';
        doc.partners.find((p) => p.id === 'sup-0042')!.supplierId = 'SUP-0500';
        doc.masterData.suppliers = ['SUP-0042'];
        doc.systems.find((s) => s.id === 'ap-automation')!.rateLimit = { perMinute: 600 };
      }),
    );
    assert.deepEqual(kinds(diff), [
      'supplier_changed partners[sup-0042].supplierId',
      'mode_changed partners[sup-0311].mode',
      'role_changed systems[mes-p01].roles.inventory',
      'rate_limit_changed systems[ap-automation].rateLimit.perMinute',
      'value_changed masterData.suppliers',
    ]);
    assert.deepEqual([only(diff, 'mode_changed').old, only(diff, 'mode_changed').new], ['observe', 'enforce']);
    assert.equal(only(diff, 'role_changed').message, 'system mes-p01 becomes the system of execution for inventory at plant P01 (was engagement)');
    assert.deepEqual(only(diff, 'role_changed').eventTypes, ['goods.received', 'inventory.movement', 'inventory.snapshot']);
    assert.match(only(diff, 'rate_limit_changed').message, /600 requests per minute \(was unlimited\)/);
  });

  it('lists SLA, tolerance and exception owner changes with their old and new values, defaults included', () => {
    const diff = diffManifests(
      side(),
      side((doc) => {
        doc.slas.supplier_confirmation = '48h';
        delete doc.slas.invoice_hold; // 5d, the default: no change
        doc.tolerances.pricePercent = '2.0'; // the same value
        doc.tolerances.quantity = '1';
        doc.tolerances.categories!.castings!.pricePercent = '4';
        doc.tolerances.suppliers!['SUP-0042'] = { priceAbsolute: '0.10' };
        doc.exceptionOwners.price_variance = 'procurement';
      }),
    );
    assert.deepEqual(
      diff.changes.map((c) => [c.kind, c.subject, c.old, c.new]),
      [
        ['sla_changed', 'slas.supplier_confirmation', '24h', '48h'],
        ['tolerance_changed', 'tolerances.quantity', '0', '1'],
        ['tolerance_changed', 'tolerances.categories.castings.pricePercent', '3', '4'],
        ['tolerance_changed', 'tolerances.suppliers.SUP-0042.priceAbsolute', undefined, '0.10'],
        ['exception_owner_changed', 'exceptionOwners.price_variance', 'accounts-payable', 'procurement'],
      ],
    );
    assert.match(only(diff, 'exception_owner_changed').message, /open ones keep their owner/);
  });

  it('lists subscriptions added, removed and changed field by field', () => {
    const diff = diffManifests(
      side(changesHook()),
      side((doc) => {
        changesHook(['po.changed'])(doc);
        doc.subscriptions = doc.subscriptions.filter((s) => s.id !== 'mes-orders');
        doc.subscriptions.push({ id: 'ap-matches', subscriber: 'erp-core', types: ['invoice.matched', 'finance.posting'], channel: { kind: 'webhook', url: 'https://erp.example.com/millrace/ap' } });
        doc.subscriptions[0]!.channel.url = 'https://erp.example.com/millrace/v2/inventory';
      }),
    );
    assert.deepEqual(kinds(diff), [
      'subscription_added subscriptions[ap-matches]',
      'subscription_changed subscriptions[erp-inventory].channel',
      'subscription_removed subscriptions[mes-orders]',
      'subscription_changed subscriptions[sup-0107-changes].types',
    ]);
    const types = diff.changes[3]!;
    assert.equal(types.message, 'sup-0107 via sup-0107-changes: -po.cancelled');
    assert.deepEqual(types.publishers, [{ kind: 'system', id: 'erp-core' }]);
    assert.deepEqual(only(diff, 'subscription_added').publishers, [{ kind: 'hub', id: 'millrace' }]);
  });

  it('warns that a removed or narrowed subscription has its queued deliveries withdrawn, and not one widened or moved', () => {
    const diff = diffManifests(
      side(changesHook()),
      side((doc) => {
        changesHook(['po.changed'])(doc);
        doc.subscriptions = doc.subscriptions.filter((s) => s.id !== 'sup-0107-orders');
        const mes = doc.subscriptions.find((s) => s.id === 'mes-orders')!;
        mes.filter = { plant: 'P02' };
        const erp = doc.subscriptions.find((s) => s.id === 'erp-inventory')!;
        erp.types = [...erp.types, 'po.released'];
        erp.channel.url = 'https://erp.example.com/millrace/v2/inventory';
      }),
    );
    assert.deepEqual(
      diff.withdrawals.map((w) => [w.subscription, w.subscriber, w.change, w.message]),
      [
        ['mes-orders', 'mes-p01', 'narrowed', 'subscription mes-orders (mes-p01) is narrowed (filter plant P01 -> P02): its queued deliveries it no longer matches are withdrawn, never sent, when a hub that sends deliveries next starts with this manifest (ADR 0052)'],
        ['sup-0107-changes', 'sup-0107', 'narrowed', 'subscription sup-0107-changes (sup-0107) is narrowed (types -po.cancelled): its queued deliveries it no longer matches are withdrawn, never sent, when a hub that sends deliveries next starts with this manifest (ADR 0052)'],
        ['sup-0107-orders', 'sup-0107', 'removed', 'subscription sup-0107-orders (sup-0107) is removed: all its queued deliveries are withdrawn, never sent, when a hub that sends deliveries next starts with this manifest (ADR 0052)'],
      ],
    );
    // A filter taken off widens: nothing queued is withdrawn.
    const widened = diffManifests(side(), side((doc) => {
      delete doc.subscriptions.find((s) => s.id === 'mes-orders')!.filter;
    }));
    assert.deepEqual(widened.withdrawals, []);
  });

  it('lists every other difference as value_changed rather than nothing', () => {
    const diff = diffManifests(
      side(),
      side((doc) => {
        doc.teams.push({ id: 'quality', name: 'Quality' });
        doc.hub.port = 9090;
        doc.partners.find((p) => p.id === 'sup-0107')!.x12!.id = 'NORTHFAST2';
        doc.masterData.unitConversions!['ITM-10023']!.BOX = '24';
      }),
    );
    assert.deepEqual(
      diff.changes.map((c) => [c.kind, c.subject, c.old, c.new]),
      [
        ['value_changed', 'partners[sup-0107].x12.id', 'NORTHFAST', 'NORTHFAST2'],
        ['value_changed', 'hub.port', 8080, 9090],
        ['value_changed', 'teams[quality]', undefined, { id: 'quality', name: 'Quality' }],
        ['value_changed', 'masterData.unitConversions.ITM-10023.BOX', '12', '24'],
      ],
    );
  });

  it('shows a changed MQTT topic mapping and NATS consumer, field by field', () => {
    const edge = (filter: string, ackWait: string) => (doc: Doc) => {
      doc.mqtt = {
        url: 'mqtt://127.0.0.1:1883',
        clientId: 'hub-na',
        sessionExpiry: '7d',
        topics: [{ id: 'done', filter, source: 'mes-p01', format: 'json', eventType: 'production.completed', key: ['order'], time: { field: 'ts' }, fields: { productionOrder: { field: 'order' } } }],
      };
      doc.nats = { url: 'nats://127.0.0.1:4222', consumers: [{ id: 'p02', stream: 'PLANT_P02', durable: 'hub', source: 'wms-p02', ackWait }] };
    };
    const diff = diffManifests(side(edge('plants/P01/mes/+/done', '30s')), side(edge('plants/P01/mes/+/completed', '2m')));
    assert.deepEqual(
      diff.changes.map((c) => [c.kind, c.subject, c.old, c.new]),
      [
        ['value_changed', 'mqtt.topics[done].filter', 'plants/P01/mes/+/done', 'plants/P01/mes/+/completed'],
        ['value_changed', 'nats.consumers[p02].ackWait', '30s', '2m'],
      ],
    );
  });
});

describe('manifest diff with a census of the store', () => {
  // Lines in flight (and some done) at two suppliers and plants, and open exceptions.
  const census: WorkflowCensus = {
    lines: [
      { stage: 'awaiting_po', count: 1 },
      { stage: 'released', supplierId: 'SUP-0042', plant: 'P01', itemCategory: 'castings', count: 4 },
      { stage: 'released', supplierId: 'SUP-0107', plant: 'P02', count: 3 },
      { stage: 'shipped', supplierId: 'SUP-0042', plant: 'P01', count: 2 },
      { stage: 'invoiced', supplierId: 'SUP-0107', plant: 'P02', count: 5 },
      { stage: 'posted', supplierId: 'SUP-0042', plant: 'P01', count: 50 },
      { stage: 'cancelled', supplierId: 'SUP-0107', plant: 'P02', count: 7 },
    ],
    openExceptions: [
      { code: 'price_variance', owner: 'accounts-payable', count: 2 },
      { code: 'receipt_overdue', owner: 'receiving-p01', plant: 'P01', count: 3 },
      { code: 'receipt_overdue', owner: 'receiving-p02', plant: 'P02', count: 1 },
    ],
  };

  function touches(diff: ManifestDiff): string[] {
    return diff.changes.map((c) => `${c.kind} ${c.subject}: ${c.touches?.workflows}/${c.touches?.openExceptions}`);
  }

  it('counts in-flight lines by stage, leaving posted and cancelled ones out', () => {
    const diff = diffManifests(side(), side(), census);
    assert.deepEqual(diff.impact, {
      inFlightWorkflows: 15,
      inFlightByStage: { awaiting_po: 1, released: 7, confirmed: 0, shipped: 2, received: 0, invoiced: 5, matched: 0 },
      openExceptions: 6,
      touched: { workflows: 0, openExceptions: 0 },
      touchedByBreaking: { workflows: 0, openExceptions: 0 },
    });
  });

  it('counts the lines that may still receive a changed contract, and those of a breaking change apart', () => {
    const diff = diffManifests(side(), side(undefined, [cancelled(2, requireReason)]), census);
    // po.cancelled may arrive for any line with a PO that is not done: 4 + 3 + 2 + 5.
    assert.deepEqual(touches(diff), ['version_added po.cancelled v2: 14/0']);
    assert.deepEqual([diff.impact?.touched, diff.impact?.touchedByBreaking], [{ workflows: 14, openExceptions: 0 }, { workflows: 14, openExceptions: 0 }]);
  });

  it('scopes an authority change to the partner\'s supplier, or the system\'s plant', () => {
    const diff = diffManifests(
      side(),
      side((doc) => {
        doc.partners.find((p) => p.id === 'sup-0042')!.publishes = ['supplier.confirmation', 'shipment.dispatched'];
        doc.systems.find((s) => s.id === 'wms-p02')!.mode = 'observe';
      }),
      census,
    );
    // SUP-0042 can no longer invoice its 4 released and 2 shipped lines; wms-p02's receipts concern P02's 3 + 5.
    assert.deepEqual(touches(diff), ['publish_revoked partners[sup-0042].publishes: 6/0', 'mode_changed systems[wms-p02].mode: 8/0']);
    assert.deepEqual(diff.impact?.touched, { workflows: 14, openExceptions: 0 });
    assert.deepEqual(diff.impact?.touchedByBreaking, { workflows: 0, openExceptions: 0 });
  });

  it('counts the lines whose SLA or effective tolerance changes, and open exceptions that would go elsewhere', () => {
    const diff = diffManifests(
      side(),
      side((doc) => {
        doc.slas.receipt_after_eta = '48h';
        doc.tolerances.pricePercent = '2.5'; // castings keep their own 3
        doc.tolerances.suppliers!['SUP-0107'] = { confirmationDateDays: 2 };
        doc.exceptionOwners.receipt_overdue = 'receiving-p01';
      }),
      census,
    );
    assert.deepEqual(touches(diff), [
      // receipt_after_eta runs from awaiting_po to shipped: 1 + 4 + 3 + 2.
      'sla_changed slas.receipt_after_eta: 10/0',
      // Every in-flight line may still be invoiced, except the castings lines with their own tolerance.
      'tolerance_changed tolerances.pricePercent: 11/0',
      // SUP-0107's lines awaiting a confirmation: its 3 released lines.
      'tolerance_changed tolerances.suppliers.SUP-0107.confirmationDateDays: 3/0',
      // P02's receipt_overdue exception now belongs to receiving-p01; P01's already does.
      'exception_owner_changed exceptionOwners.receipt_overdue: 0/1',
    ]);
    assert.deepEqual(diff.impact?.touched, { workflows: 15, openExceptions: 1 });
  });
});
