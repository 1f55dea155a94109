import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ContractRegistry, MANIFEST_RULES } from '../../core/index.js';
import { loadContractSet } from '../contracts/contract-files.js';
import { readManifest } from './yaml-manifest.js';

const SHIPPED = new ContractRegistry(loadContractSet(fileURLToPath(new URL('../../../contracts', import.meta.url)))).catalog();
// Every shipped input type is read by a workflow; a board's own type (quality.inspection) is not.
const CATALOG = { ...SHIPPED, versions: new Map([...SHIPPED.versions, ['quality.inspection', [1]]]) };
const STARTER = fileURLToPath(new URL('../../../examples/millrace.yaml', import.meta.url));

// A small manifest that lints clean; each case below appends to it. Line numbers in the
// expectations count from the first appended line (1).
const BASE = [
  'version: 1',
  'enterprise: { name: Acme }',
  'teams:',
  '  - { id: procurement }',
  '  - { id: accounts-payable }',
  '  - { id: master-data }',
  '  - { id: receiving-p01 }',
];

/** A MES that may publish completions, and a subscriber for them. */
const EDGE_PUBLISHER = [
  'systems: [{ id: mes, kind: mes, plant: P01, publishes: [production.completed] }]',
  'subscriptions: [{ id: s1, subscriber: mes, types: [production.completed], channel: { kind: nats, subject: x } }]',
];

function lint(extra: readonly string[]): string[] {
  const load = readManifest('m.yaml', [...BASE, ...extra].join('\n'), CATALOG);
  const problems = load.ok ? load.warnings : load.problems;
  return problems.map((p) => `${p.line - BASE.length}:${p.column} ${p.code}`);
}

const CASES: readonly { code: string; title: string; yaml: readonly string[]; expect: readonly string[] }[] = [
  {
    code: 'duplicate_id',
    title: 'a system and a partner share an id',
    yaml: ['systems:', '  - { id: erp, kind: erp }', 'partners:', '  - { id: erp, supplierId: S-1 }'],
    expect: ['4:11 duplicate_id'],
  },
  {
    code: 'unknown_event_type',
    title: 'a misspelt event type, with the likely one as hint',
    yaml: ['systems:', '  - id: erp', '    kind: erp', '    publishes: [po.relased]'],
    expect: ['4:17 unknown_event_type'],
  },
  {
    code: 'derived_event_type_published',
    title: 'a system granted an event the hub derives',
    yaml: ['systems:', '  - id: erp', '    kind: erp', '    publishes: [invoice.matched]'],
    expect: ['4:17 derived_event_type_published'],
  },
  {
    code: 'unknown_team',
    title: 'a domain owned by a team nobody declared',
    yaml: ['domains:', '  - { id: purchasing, owner: buyers }'],
    expect: ['2:5 domain_without_record', '2:30 unknown_team'],
  },
  {
    code: 'unknown_domain',
    title: 'a system role in a domain nobody declared',
    yaml: ['systems:', '  - id: erp', '    kind: erp', '    roles: { finance: record }'],
    expect: ['4:23 unknown_domain'],
  },
  {
    code: 'unknown_system',
    title: 'a subscription for a subscriber that is neither system nor partner',
    yaml: ['subscriptions:', '  - id: s1', '    subscriber: sap-legacy', '    types: [exception.raised]', '    channel: { kind: nats, subject: x }'],
    expect: ['3:17 unknown_system'],
  },
  {
    code: 'unknown_contract_version',
    title: 'a contract version in force that the contracts folder does not ship',
    yaml: ['contracts:', '  inForce:', '    po.released: [1, 7]'],
    expect: ['3:22 unknown_contract_version'],
  },
  {
    code: 'event_type_in_two_domains',
    title: 'an event type in two domains',
    yaml: [
      'systems: [{ id: erp, kind: erp, roles: { a: record, b: record } }]',
      'domains:',
      '  - { id: a, owner: procurement, eventTypes: [inventory.snapshot] }',
      '  - { id: b, owner: procurement, eventTypes: [inventory.snapshot] }',
    ],
    expect: ['3:47 event_type_without_publisher', '4:47 event_type_without_publisher', '4:47 event_type_in_two_domains'],
  },
  {
    code: 'two_systems_of_record',
    title: 'two systems of record for one domain at one plant',
    yaml: [
      'domains: [{ id: inventory, owner: procurement }]',
      'systems:',
      '  - { id: wms-a, kind: wms, plant: P01, roles: { inventory: record } }',
      '  - { id: wms-b, kind: wms, plant: P02, roles: { inventory: record } }',
      '  - { id: wms-c, kind: wms, plant: P01, roles: { inventory: record } }',
      'exceptionOwners: { receipt_overdue: procurement, over_receipt: procurement }',
    ],
    expect: ['5:61 two_systems_of_record'],
  },
  {
    code: 'exception_code_without_owner',
    title: 'an exception whose default owner team nobody declared',
    yaml: ['exceptionOwners:', '  receipt_missing: accounts-payable', 'systems: [{ id: wms, kind: wms, plant: P02 }]'],
    // receipt_overdue and over_receipt go to receiving-{plant}: receiving-p02 is missing.
    expect: ['2:3 exception_code_without_owner'],
  },
  {
    code: 'overlapping_maintenance_windows',
    title: 'a Berlin night window that overlaps a UTC one (23:00 UTC is 00:00 or 01:00 in Berlin)',
    yaml: [
      'systems: [{ id: erp, kind: erp, publishes: [production.order.released] }]',
      'subscriptions:',
      '  - id: s1',
      '    subscriber: erp',
      '    types: [production.order.released]',
      '    channel: { kind: nats, subject: orders }',
      '    maintenanceWindows:',
      '      - { days: [sat], from: "23:30", to: "23:45" }',
      '      - { days: [sun], from: "00:10", to: "02:00", timezone: Europe/Berlin }',
      '      - { days: [mon], from: "01:00", to: "02:00", timezone: Europe/Berlin }',
    ],
    expect: ['9:9 overlapping_maintenance_windows'],
  },
  {
    code: 'unknown_timezone',
    title: 'a window in a time zone that does not exist',
    yaml: [
      'systems: [{ id: erp, kind: erp, publishes: [production.order.released] }]',
      'subscriptions:',
      '  - { id: s1, subscriber: erp, types: [production.order.released], channel: { kind: nats, subject: o }, maintenanceWindows: [{ days: [sun], from: "01:00", to: "02:00", timezone: Mars/Olympus }] }',
    ],
    expect: ['3:126 unknown_timezone'],
  },
  {
    code: 'unit_conversion_not_positive',
    title: 'a unit of zero or negative size',
    yaml: ['masterData:', '  unitConversions:', '    ITM-1: { EA: "1", BOX: "0", PAL: "-40" }'],
    expect: ['3:28 unit_conversion_not_positive', '3:38 unit_conversion_not_positive'],
  },
  {
    code: 'duration_too_long',
    title: 'an SLA of 100000000d (every deadline it set would lie past the last date the hub can compute), a lag and a delivery timeout over ten years; 3650d itself is allowed',
    yaml: [
      'systems: [{ id: erp, kind: erp, publishes: [production.order.released], maxLag: { default: 87601h } }]',
      'subscriptions: [{ id: s1, subscriber: erp, types: [production.order.released], channel: { kind: nats, subject: o }, delivery: { timeout: 315360001s } }]',
      'slas: { supplier_confirmation: 100000000d, invoice_hold: 3650d }',
    ],
    expect: ['1:92 duration_too_long', '2:138 duration_too_long', '3:32 duration_too_long'],
  },
  {
    code: 'tolerance_negative',
    title: 'a price tolerance of -1 % (no invoice, not even one at the PO price, would match), a negative per-supplier quantity and plant item tolerance',
    yaml: [
      'tolerances:',
      '  pricePercent: "-1"',
      '  suppliers: { SUP-1: { quantity: "-0.5", pricePercent: "0" } }',
      'masterData: { suppliers: [SUP-1] }',
      'plant: { tolerances: { inventory: { absolute: "1", items: { ITM-1: { percent: "-2" } } } } }',
    ],
    expect: ['2:17 tolerance_negative', '3:35 tolerance_negative', '5:79 tolerance_negative'],
  },
  {
    code: 'tolerance_over_100_percent',
    title: 'a price tolerance of 150 % (1.50 was perhaps meant); 100 % itself is allowed',
    yaml: ['tolerances:', '  pricePercent: "150"', '  categories: { castings: { overReceiptPercent: "100" } }'],
    expect: ['2:17 tolerance_over_100_percent'],
  },
  {
    code: 'duplicate_x12_id',
    title: "two partners with the same interchange id; a system (an ERP sending 850s) and the hub with a partner's",
    yaml: [
      'hub: { x12: { qualifier: ZZ, id: ERP } }',
      'systems: [{ id: erp, kind: erp, x12: { qualifier: ZZ, id: ERP } }]',
      'partners:',
      '  - { id: a, supplierId: A, x12: { qualifier: ZZ, id: ACME } }',
      '  - { id: b, supplierId: B, x12: { qualifier: ZZ, id: ACME } }',
      '  - { id: c, supplierId: C, x12: { qualifier: ZZ, id: ERP } }',
    ],
    expect: ['1:13 duplicate_x12_id', '2:38 duplicate_x12_id', '5:34 duplicate_x12_id'],
  },
  {
    code: 'channel_incomplete',
    title: 'a webhook without a url',
    yaml: [
      'systems: [{ id: erp, kind: erp, publishes: [production.order.released] }]',
      'subscriptions: [{ id: s1, subscriber: erp, types: [production.order.released], channel: { kind: webhook } }]',
    ],
    expect: ['2:89 channel_incomplete'],
  },
  {
    code: 'x12_type_not_supported',
    title: 'an x12 subscription to a PO change, which the hub cannot render as X12',
    yaml: [
      'hub: { x12: { qualifier: ZZ, id: ACMEHUB } }',
      'systems: [{ id: erp, kind: erp, publishes: [po.released, po.changed] }]',
      'partners: [{ id: sup, supplierId: SUP-1, protocols: [x12], x12: { qualifier: ZZ, id: SUP1 }, publishes: [supplier.confirmation] }]',
      'subscriptions: [{ id: s1, subscriber: sup, types: [po.released, po.changed], channel: { kind: x12, url: "https://as2.sup.example/in" } }]',
    ],
    // po.released makes the P2P workflow want publishers of its later steps: warnings on line 2.
    expect: [...Array<string>(5).fill('2:10 event_type_without_publisher'), '4:65 x12_type_not_supported'],
  },
  {
    code: 'event_type_without_publisher',
    title: 'a subscription to an event type nobody may publish',
    yaml: [
      'systems: [{ id: erp, kind: erp }]',
      'subscriptions: [{ id: s1, subscriber: erp, types: [production.completed], channel: { kind: nats, subject: x } }]',
    ],
    expect: ['2:52 event_type_without_publisher'],
  },
  {
    code: 'event_type_without_subscriber',
    title: 'a published event type nobody receives and no workflow reads',
    yaml: ['systems: [{ id: mes, kind: mes, publishes: [quality.inspection] }]'],
    expect: ['1:45 event_type_without_subscriber'],
  },
  {
    code: 'domain_without_record',
    title: 'a domain without a system of record',
    yaml: ['domains: [{ id: inventory, owner: procurement }]'],
    expect: ['1:11 domain_without_record'],
  },
  {
    code: 'unknown_exception_code',
    title: 'an owner for an exception code no workflow raises',
    yaml: ['exceptionOwners: { price_varience: accounts-payable }'],
    expect: ['1:36 unknown_exception_code'],
  },
  {
    code: 'unknown_supplier',
    title: 'a tolerance override for a supplier nobody declared',
    yaml: ['tolerances: { suppliers: { SUP-9: { pricePercent: "1" } } }'],
    expect: ['1:35 unknown_supplier'],
  },
  {
    code: 'unknown_plant',
    title: 'a subscription filter on a plant no system is at',
    yaml: [
      'systems: [{ id: mes, kind: mes, plant: P01, publishes: [production.completed] }]',
      'subscriptions: [{ id: s1, subscriber: mes, types: [production.completed], filter: { plant: P09 }, channel: { kind: nats, subject: x } }]',
    ],
    expect: ['2:92 unknown_plant'],
  },
  {
    code: 'lag_for_unpublished_type',
    title: 'a maximum lag for an event type the source does not publish',
    yaml: ['systems: [{ id: erp, kind: erp, maxLag: { default: 15m, po.released: 1h } }]'],
    expect: ['1:70 lag_for_unpublished_type'],
  },
  {
    code: 'csv_mapping_invalid',
    title: 'a CSV mapping whose rows fill an array without groupBy, with a date format that has no year',
    yaml: [
      'csvMappings:',
      '  - id: stock',
      '    source: wms',
      '    eventType: inventory.snapshot',
      '    dates: { format: DD.MM. }',
      '    time: { column: Datum }',
      '    fields: { plant: { value: P01 }, "positions[].quantity": { column: Menge, type: decimal } }',
      'systems: [{ id: wms, kind: wms, publishes: [inventory.snapshot] }]',
      'subscriptions: [{ id: s1, subscriber: wms, types: [inventory.snapshot], channel: { kind: nats, subject: x } }]',
    ],
    expect: ['2:5 csv_mapping_invalid', '5:22 csv_mapping_invalid'],
  },
  {
    code: 'csv_unknown_field',
    title: 'a CSV mapping fills a field its contract does not have',
    yaml: [
      'csvMappings:',
      '  - { id: moves, source: wms, eventType: inventory.movement, time: { column: Datum }, fields: { movementId: { column: Nr }, warehouse: { column: Lager } } }',
      'systems: [{ id: wms, kind: wms, publishes: [inventory.movement] }]',
      'subscriptions: [{ id: s1, subscriber: wms, types: [inventory.movement], channel: { kind: nats, subject: x } }]',
    ],
    expect: ['2:136 csv_unknown_field'],
  },
  {
    code: 'csv_type_not_published',
    title: "a CSV mapping's source may not publish its event type",
    yaml: [
      'csvMappings:',
      '  - { id: moves, source: wms, eventType: inventory.movement, time: { column: Datum }, fields: { movementId: { column: Nr } } }',
      'systems: [{ id: wms, kind: wms, publishes: [inventory.snapshot] }]',
      'subscriptions: [{ id: s1, subscriber: wms, types: [inventory.snapshot], channel: { kind: nats, subject: x } }]',
    ],
    expect: ['2:42 csv_type_not_published'],
  },
  {
    code: 'edge_mapping_invalid',
    title: 'an MQTT topic counts sequences without saying who publishes, and its time format has no year',
    yaml: [
      'mqtt:',
      '  url: mqtt://127.0.0.1:1883',
      '  clientId: hub-p01',
      '  topics:',
      '    - id: done',
      '      filter: plants/P01/+/completed',
      '      source: mes',
      '      eventType: production.completed',
      '      sequence: { field: seq }',
      '      time: { field: ts, format: DD.MM. }',
      '      fields: { productionOrder: { field: order }, plant: { topicLevel: 2 } }',
      'exceptionOwners: { sequence_gap: procurement, sequence_reset: procurement }',
      ...EDGE_PUBLISHER,
    ],
    expect: ['9:17 edge_mapping_invalid', '10:34 edge_mapping_invalid'],
  },
  {
    code: 'edge_unknown_field',
    title: 'an MQTT topic fills a field its contract does not have',
    yaml: [
      'mqtt:',
      '  url: mqtt://127.0.0.1:1883',
      '  clientId: hub-p01',
      '  topics:',
      '    - { id: done, filter: plants/P01/completed, source: mes, eventType: production.completed, key: [order], time: { field: ts }, fields: { productionOrder: { field: order }, line: { field: cell } } }',
      ...EDGE_PUBLISHER,
    ],
    expect: ['5:181 edge_unknown_field'],
  },
  {
    code: 'mqtt_topics_overlap',
    title: 'two topic filters can match the same topic',
    yaml: [
      'mqtt:',
      '  url: mqtt://127.0.0.1:1883',
      '  clientId: hub-p01',
      '  topics:',
      '    - { id: done, filter: plants/+/mes/completed, source: mes, eventType: production.completed, key: [order], time: { field: ts }, fields: { productionOrder: { field: order } } }',
      '    - { id: all, filter: plants/P01/#, source: mes, eventType: production.completed, key: [order], time: { field: ts }, fields: { productionOrder: { field: order } } }',
      ...EDGE_PUBLISHER,
    ],
    expect: ['6:26 mqtt_topics_overlap'],
  },
  {
    code: 'hub_setting_invalid',
    title: "a hub: section serve would refuse: a store that is neither SQLite nor PostgreSQL, a body limit above 1GB, a collector that is not http(s)",
    yaml: ['hub:', '  store: mysql://db.plant/millrace', '  bodyLimit: 10GB', '  otlpEndpoint: collector:4318', '  host: " "'],
    expect: ['2:10 hub_setting_invalid', '3:14 hub_setting_invalid', '4:17 hub_setting_invalid', '5:9 hub_setting_invalid'],
  },
  {
    code: 'duplicate_supplier_id',
    title: "a partner copied from another that kept its supplierId (it could act on and read the other's POs)",
    yaml: ['partners:', '  - { id: sup-a, supplierId: SUP-1 }', '  - { id: sup-b, supplierId: SUP-1 }', '  - { id: sup-c, supplierId: SUP-2 }'],
    expect: ['3:30 duplicate_supplier_id'],
  },
  {
    code: 'publisher_without_role',
    title: 'a warehouse granted production.order.released, of the production domain, in which it has no role',
    yaml: [
      'domains: [{ id: inventory, owner: procurement, eventTypes: [inventory.snapshot] }, { id: production, owner: procurement, eventTypes: [production.order.released] }]',
      'systems:',
      '  - { id: erp, kind: erp, roles: { production: record }, publishes: [production.order.released] }',
      '  - { id: wms, kind: wms, plant: P01, roles: { inventory: record }, publishes: [inventory.snapshot, production.order.released] }',
    ],
    expect: ['4:101 publisher_without_role'],
  },
  {
    code: 'edge_type_not_published',
    title: "an MQTT topic's source may not publish its event type",
    yaml: [
      'mqtt:',
      '  url: mqtt://127.0.0.1:1883',
      '  clientId: hub-p01',
      '  topics:',
      '    - { id: done, filter: plants/P01/completed, source: mes, eventType: production.completed, key: [order], time: { field: ts }, fields: { productionOrder: { field: order } } }',
      'systems: [{ id: mes, kind: mes, plant: P01, publishes: [inventory.movement] }]',
      'subscriptions: [{ id: s1, subscriber: mes, types: [inventory.movement], channel: { kind: nats, subject: x } }]',
    ],
    expect: ['5:73 edge_type_not_published'],
  },
];

describe('manifest lint rules', () => {
  it('the starter manifest that `millrace init` writes is clean: no error, no warning', () => {
    const load = readManifest('millrace.yaml', readFileSync(STARTER, 'utf8'), CATALOG);
    assert.ok(load.ok, JSON.stringify(load));
    assert.deepEqual(load.warnings, []);
    assert.equal(load.manifest.partners.find((p) => p.id === 'sup-0311')?.mode, 'observe');
    assert.equal(load.manifest.systems.find((s) => s.id === 'erp-core')?.mode, 'enforce');
    assert.ok(Object.isFrozen(load.manifest.systems));
  });

  it('the base of the cases below is clean', () => {
    assert.deepEqual(lint([]), []);
  });

  for (const c of CASES) {
    it(`${c.code}: ${c.title}`, () => {
      assert.deepEqual(lint(c.yaml), c.expect);
    });
  }

  it('has a case for every rule code', () => {
    assert.deepEqual(CASES.map((c) => c.code).sort(), Object.keys(MANIFEST_RULES).sort());
  });

  it('gives the likely name as a hint for a misspelt reference', () => {
    const load = readManifest('m.yaml', [...BASE, 'systems: [{ id: erp, kind: erp, publishes: [po.relased] }]'].join('\n'), CATALOG);
    assert.equal(load.ok, false);
    if (!load.ok) assert.equal(load.problems[0]?.hint, 'did you mean "po.released"?');
  });

  it('does not flag windows that only touch, or a window past midnight that ends before the next starts', () => {
    const windows = [
      '      - { days: [sat], from: "22:00", to: "02:00" }',
      '      - { days: [sun], from: "02:00", to: "03:00" }',
      '      - { days: [sun], from: "04:00", to: "04:00" }',
    ];
    const yaml = ['systems: [{ id: erp, kind: erp, publishes: [production.order.released] }]', 'subscriptions:', '  - id: s1', '    subscriber: erp', '    types: [production.order.released]', '    channel: { kind: nats, subject: o }', '    maintenanceWindows:', ...windows];
    assert.deepEqual(lint(yaml), []);
    // 04:00 to 04:00 is the whole day: a Monday 01:00 window is inside it.
    assert.deepEqual(lint([...yaml, '      - { days: [mon], from: "01:00", to: "01:30" }']), ['11:9 overlapping_maintenance_windows']);
  });

  it('a system without a plant is the system of record everywhere', () => {
    const yaml = ['domains: [{ id: inventory, owner: procurement }]', 'systems:', '  - { id: erp, kind: erp, roles: { inventory: record } }', '  - { id: wms, kind: wms, plant: P01, roles: { inventory: record } }'];
    assert.deepEqual(lint(yaml), ['4:59 two_systems_of_record']);
  });

  it('reports shape problems with their line and column before any rule', () => {
    const text = ['version: 1', 'enterprise: { name: Acme }', 'systems:', '  - id: erp-core', '    kind: erp', '    colour: blue', 'partners:', '  - id: sup-1', '    publishes: [invoice.held]'].join('\n');
    const load = readManifest('m.yaml', text, CATALOG);
    assert.equal(load.ok, false);
    if (!load.ok) assert.deepEqual(load.problems.map((p) => `${p.line}:${p.column} ${p.code}`), ['4:5 manifest_shape', '8:5 manifest_shape']);
  });

  it('reports YAML syntax errors with their position', () => {
    const load = readManifest('m.yaml', 'version: 1\nenterprise: [unclosed\n', CATALOG);
    assert.equal(load.ok, false);
    if (!load.ok) assert.equal(load.problems[0]?.code, 'yaml_syntax');
  });

  it('reports an alias without its anchor at the alias, and aliases that expand without bound, instead of throwing', () => {
    const unresolved = readManifest('m.yaml', 'version: 1\nenterprise: { name: Acme }\nteams:\n  - *procurement\n', CATALOG);
    assert.equal(unresolved.ok, false);
    if (!unresolved.ok) {
      assert.deepEqual(
        unresolved.problems.map((p) => [`${p.line}:${p.column}`, p.code, p.message]),
        [['4:5', 'yaml_syntax', 'Unresolved alias (the anchor must be set before the alias): procurement']],
      );
    }
    // Each level repeats the one before it nine times: 9^6 copies of "lol" once expanded.
    const levels = ['a: &a ["lol"]', ...Array.from({ length: 6 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(9).fill(`*${String.fromCharCode(97 + i)}`).join(', ')}]`)];
    const bomb = readManifest('m.yaml', `${levels.join('\n')}\n`, CATALOG);
    assert.equal(bomb.ok, false);
    if (!bomb.ok) {
      assert.deepEqual(
        bomb.problems.map((p) => [p.code, p.message, p.hint]),
        [['yaml_syntax', 'Excessive alias count indicates a resource exhaustion attack', 'aliases (*name) here would expand to too many copies; write the repeated parts out, or alias fewer times']],
      );
    }
  });
});

describe('manifest shape messages', () => {
  const messageAt = (line: string): string => {
    const load = readManifest('m.yaml', [...BASE, line].join('\n'), CATALOG);
    assert.equal(load.ok, false);
    return load.ok ? '' : load.problems.map((p) => p.message).join(' | ');
  };

  it('says what a duration looks like, not the pattern it failed', () => {
    for (const written of ['5 days', '0m', '1w', '24H']) {
      assert.equal(messageAt(`slas: { invoice_hold: ${written} }`), 'must be a duration: a whole number above 0 followed by m, h or d (90m, 24h, 5d)');
    }
    assert.equal(messageAt('slas: { invoice_hold: 24 }'), 'must be a duration: a whole number above 0 followed by m, h or d (90m, 24h, 5d); 24 has no unit');
  });

  it('says a tolerance is a decimal in quotes, for a YAML number and for 1e3, "2%" or "2,5"', () => {
    assert.equal(messageAt('tolerances: { pricePercent: 2 }'), 'must be a decimal in quotes ("2", "0.5"), so that it is read exactly; write "2"');
    for (const written of ['"1e3"', '"2%"', '"2,5"', '".5"', '"+2"']) {
      assert.equal(messageAt(`tolerances: { pricePercent: ${written} }`), 'must be a decimal in quotes ("2", "0.5"): digits, one optional point, an optional leading minus');
    }
  });

  it('names the constant a field must be, and what an id may hold', () => {
    const load = readManifest('m.yaml', 'version: "1"\nenterprise: { name: Acme }\n', CATALOG);
    assert.deepEqual(load.ok ? [] : load.problems.map((p) => `${p.line}:${p.column} ${p.message}`), ['1:10 must be 1']);
    assert.equal(messageAt('domains: [{ id: Purchasing, owner: procurement }]'), 'must be an id: lower-case letters, digits, ".", "_" and "-", starting with a letter or digit, at most 64 characters');
  });
});

describe('a key with nothing under it', () => {
  const problemsOf = (yaml: string): string[] => {
    const load = readManifest('m.yaml', yaml, CATALOG);
    assert.equal(load.ok, false);
    return load.ok ? [] : load.problems.map((p) => `${p.line}:${p.column} ${p.message}`);
  };

  it('says a list whose every item is commented out is empty, and how to fix it, for every list', () => {
    const yaml = [
      'version: 1',
      'enterprise: { name: Acme }',
      'teams:',
      '  # - id: procurement',
      'domains:',
      'systems:',
      '  - id: erp',
      '    kind: erp',
      '    publishes:',
      'partners: []',
      'subscriptions:',
      'csvMappings:',
    ].join('\n');
    assert.deepEqual(problemsOf(yaml), [
      '3:7 teams is empty: list at least one team, or remove the key (YAML reads a key with nothing under it, or only commented-out lines, as null)',
      '5:9 domains is empty: list at least one domain, or remove the key (YAML reads a key with nothing under it, or only commented-out lines, as null)',
      '9:15 publishes is empty: list at least one event type, or remove the key (YAML reads a key with nothing under it, or only commented-out lines, as null)',
      '11:15 subscriptions is empty: list at least one subscription, or remove the key (YAML reads a key with nothing under it, or only commented-out lines, as null)',
      '12:13 csvMappings is empty: list at least one CSV mapping, or remove the key (YAML reads a key with nothing under it, or only commented-out lines, as null)',
    ]);
  });

  it('says a section with nothing under it is empty, and that a required one needs its entries', () => {
    assert.deepEqual(problemsOf('version: 1\nenterprise: { name: Acme }\nslas:\n  # invoice_hold: 5d\n'), [
      '3:6 slas is empty: give at least one of its entries, or remove the key (YAML reads a key with nothing under it, or only commented-out lines, as null)',
    ]);
    assert.deepEqual(problemsOf('# every line commented out\n'), ['1:1 the manifest is empty: it needs at least version: 1 and enterprise: { name: ... } (npx millrace init writes a starter)']);
    assert.deepEqual(problemsOf('version: 1\nenterprise: { name: Acme }\nteams:\n  -\n  - { id: procurement }\n'), ['4:4 item 1 of teams is empty: give the item, or remove its "-" line (YAML reads a "-" with nothing after it as null)']);
    assert.deepEqual(problemsOf('version: 1\nenterprise:\n'), ['2:12 enterprise is empty: give its name; the key is required (YAML reads a key with nothing under it, or only commented-out lines, as null)']);
    assert.deepEqual(problemsOf('version: 1\nenterprise: { name: Acme }\nsubscriptions:\n  - { id: s1, subscriber: erp, channel: { kind: nats }, types: }\n'), [
      '4:64 types is empty: list at least one event type; the key is required (YAML reads a key with nothing under it, or only commented-out lines, as null)',
    ]);
  });
});

describe('YAML a board writes', () => {
  it('merges a shared block into an entry with <<, the entry’s own keys winning', () => {
    const yaml = [
      'systems:',
      '  - &wms { id: wms-a, kind: wms, plant: P01, name: Hall A, publishes: [inventory.snapshot], maxLag: { default: 15m } }',
      '  - <<: *wms',
      '    id: wms-b',
      '    name: Hall B',
    ];
    const load = readManifest('m.yaml', [...BASE, ...yaml].join('\n'), CATALOG);
    assert.ok(load.ok, JSON.stringify(load));
    assert.deepEqual(
      load.manifest.systems.map((s) => [s.id, s.name, s.kind, s.plant, s.publishes, s.maxLag]),
      [
        ['wms-a', 'Hall A', 'wms', 'P01', ['inventory.snapshot'], { default: '15m' }],
        ['wms-b', 'Hall B', 'wms', 'P01', ['inventory.snapshot'], { default: '15m' }],
      ],
    );
  });

  it('says a file of several YAML documents is one manifest too many, at the second', () => {
    const load = readManifest('m.yaml', [...BASE, '---', 'version: 1'].join('\n'), CATALOG);
    assert.equal(load.ok, false);
    if (!load.ok) {
      assert.deepEqual(
        load.problems.map((p) => `${p.line}:${p.column} ${p.code} ${p.message}`),
        [`${BASE.length + 1}:1 yaml_syntax the file holds more than one YAML document (a line "---" starts another); a manifest is one document`],
      );
    }
  });
});
