// The AsyncAPI export as a governance board reads it: a channel per event type, a message per
// contract version, who publishes and who receives, what is not in force and what only the hub
// emits; and a document that @asyncapi/parser accepts and whose payloads judge the contract
// examples as the hub's door does.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Parser } from '@asyncapi/parser';
import { Ajv } from 'ajv';
import formats from 'ajv-formats';
import { parse } from 'yaml';
import { loadContractExamples, loadContractSet } from '../index.js';
import { checkManifest, type Manifest } from '../../core/index.js';
import { asDraft07, asyncApiCatalogue, type AsyncApiDocument } from '../../core/contracts/asyncapi-catalogue.js';
import { ContractRegistry, type ContractSet, type SchemaDocument } from '../../core/contracts/contract-registry.js';
import { DATA_RULE_KEYWORDS } from '../../core/contracts/data-rules.js';

const CONTRACTS_DIR = fileURLToPath(new URL('../../../contracts', import.meta.url));
const EXAMPLE_MANIFEST = fileURLToPath(new URL('../../../examples/millrace.yaml', import.meta.url));
const shipped = loadContractSet(CONTRACTS_DIR);

/** A board's po.released v2, as its layered contracts folder would hold it: one optional field more. */
function poReleasedV2(): SchemaDocument {
  const v1 = shipped.contracts.find((doc) => doc['x-event-type'] === 'po.released')!;
  const v2 = structuredClone(v1) as Record<string, unknown> & { properties: Record<string, unknown> };
  v2.$id = 'https://millrace.dev/contracts/po.released/v2.schema.json';
  v2['x-version'] = 2;
  v2.properties.notes = { type: 'string', maxLength: 500 };
  return v2;
}

const layered: ContractSet = { ...shipped, contracts: [...shipped.contracts, poReleasedV2()] };

/** The example manifest, edited as a test needs, checked like the hub checks it. */
function manifestOf(set: ContractSet, edit: (doc: Record<string, unknown>) => void = () => undefined): Manifest {
  const doc = parse(readFileSync(EXAMPLE_MANIFEST, 'utf8')) as Record<string, unknown>;
  edit(doc);
  const check = checkManifest(doc, new ContractRegistry(set).catalog());
  if (!check.ok) throw new Error(JSON.stringify(check.problems));
  return check.manifest;
}

const exampleDoc = (): AsyncApiDocument => asyncApiCatalogue({ contracts: shipped, manifest: manifestOf(shipped), hub: { version: '9.9.9' } });

/** Every `$ref` in a document. */
function refsIn(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(refsIn);
  if (node === null || typeof node !== 'object') return [];
  return Object.entries(node).flatMap(([key, value]) => (key === '$ref' && typeof value === 'string' ? [value] : refsIn(value)));
}

function follow(doc: unknown, ref: string): unknown {
  return ref
    .slice(2)
    .split('/')
    .map((token) => token.replaceAll('~1', '/').replaceAll('~0', '~'))
    .reduce<unknown>((node, token) => (node as Record<string, unknown> | undefined)?.[token], doc);
}

describe('AsyncAPI catalogue', () => {
  it('has one channel per event type, addressed by the type, with the info of the manifest and the hub', () => {
    const doc = exampleDoc();
    const types = [...new Set(shipped.contracts.map((c) => String(c['x-event-type'])))].sort();
    assert.equal(doc.asyncapi, '3.0.0');
    assert.deepEqual(Object.keys(doc.channels), types);
    for (const [key, channel] of Object.entries(doc.channels)) assert.equal(channel.address, key);
    assert.equal(doc.info.title, 'Example Components Inc.: Millrace event catalogue');
    assert.equal(doc.info.version, '9.9.9');
    assert.equal(doc.info['x-millrace-compatibility'], 'backward');
    assert.equal(doc.channels['goods.received']?.['x-millrace-owner'], 'inventory-control');
    assert.deepEqual(doc.channels['goods.received']?.tags, [{ name: 'receiving' }]);
  });

  it('makes every contract version a message whose payload is the whole CloudEvent, with its data schema inlined in components', () => {
    const doc = asyncApiCatalogue({ contracts: layered, manifest: manifestOf(layered), hub: { version: '1.0.0' } });
    const channel = doc.channels['po.released']!;
    assert.deepEqual(Object.keys(channel.messages), ['po.released.v1', 'po.released.v2']);
    const v2 = channel.messages['po.released.v2']!;
    assert.equal(v2.name, 'po.released.v2');
    assert.equal(v2.contentType, 'application/cloudevents+json');
    assert.equal(v2['x-millrace-dataschema'], 'https://millrace.dev/contracts/po.released/v2.schema.json');
    assert.deepEqual(v2.payload, {
      allOf: [
        { $ref: '#/components/schemas/CloudEvent' },
        {
          type: 'object',
          required: ['type', 'dataversion', 'data'],
          properties: { type: { const: 'po.released' }, dataversion: { const: 2 }, data: { $ref: '#/components/schemas/po.released.v2' } },
        },
      ],
    });
    const data = doc.components.schemas['po.released.v2'] as { properties: Record<string, Record<string, unknown>> };
    assert.deepEqual(data.properties.notes, { type: 'string', maxLength: 500 });
    // The shared definitions are inlined under the contract's own description: the document stands alone.
    assert.equal(data.properties.currency?.$ref, undefined);
    assert.ok(Array.isArray(data.properties.currency?.enum) && data.properties.currency.enum.includes('EUR'));
    assert.equal(data.properties.poNumber?.maxLength, 64);
    assert.equal(data.properties.poNumber?.description, 'Purchase order number from the ERP (e.g. 4500012345).');
    const refs = refsIn(doc);
    assert.ok(refs.length > 0);
    for (const ref of refs) {
      assert.match(ref, /^#\//, `${ref} is local`);
      assert.notEqual(follow(doc, ref), undefined, `${ref} resolves`);
    }
  });

  it('receives, as the hub, what each system and partner may publish, with the source its events must carry', () => {
    const doc = exampleDoc();
    const manifest = manifestOf(shipped);
    const receives = Object.entries(doc.operations).filter(([, op]) => op.action === 'receive');
    const grants = [...manifest.systems, ...manifest.partners].reduce((sum, p) => sum + p.publishes.length, 0);
    assert.equal(receives.length, grants);
    const erp = doc.operations['erp-core.publishes.po.released']!;
    assert.equal(erp.action, 'receive');
    assert.deepEqual(erp.channel, { $ref: '#/channels/po.released' });
    assert.deepEqual(erp.messages, [{ $ref: '#/channels/po.released/messages/po.released.v1' }]);
    assert.deepEqual(erp.security, [{ $ref: '#/components/securitySchemes/apiKey' }]);
    assert.deepEqual(erp['x-millrace-publisher'], {
      id: 'erp-core',
      kind: 'system',
      name: 'Central finance ERP (system of record for purchase orders)',
      source: '/systems/erp-core',
      mode: 'enforce',
      maxLag: '15m',
      systemKind: 'erp',
    });
    assert.equal(doc.operations['wms-p01.publishes.inventory.snapshot']?.['x-millrace-publisher']?.maxLag, '4h');
    const observed = doc.operations['sup-0311.publishes.shipment.dispatched']!;
    assert.equal(observed['x-millrace-publisher']?.mode, 'observe');
    assert.match(observed.summary, /observe mode/);
    assert.deepEqual(
      doc.channels['shipment.dispatched']?.['x-millrace-publishers'].map((p) => [p.id, p.kind, p.source]),
      [
        ['sup-0042', 'partner', '/partners/sup-0042'],
        ['sup-0107', 'partner', '/partners/sup-0107'],
        ['sup-0311', 'partner', '/partners/sup-0311'],
      ],
    );
  });

  it('sends, as the hub, each subscribed type to its subscriber, without delivery URLs or secret ids', () => {
    const doc = exampleDoc();
    const delivery = doc.operations['erp-inventory.delivers.goods.received']!;
    assert.equal(delivery.action, 'send');
    assert.deepEqual(delivery.channel, { $ref: '#/channels/goods.received' });
    assert.equal(delivery.security, undefined);
    assert.deepEqual(delivery['x-millrace-subscription'], {
      id: 'erp-inventory',
      subscriber: 'erp-core',
      subscriberKind: 'system',
      delivery: { kind: 'webhook' },
      maintenanceWindows: [{ days: ['sun'], from: '02:00', to: '04:00', timezone: 'America/Detroit' }],
    });
    assert.deepEqual(doc.operations['mes-orders.delivers.production.order.released']?.['x-millrace-subscription']?.delivery, { kind: 'mqtt', topic: 'plants/p01/orders' });
    assert.deepEqual(doc.channels['po.released']?.['x-millrace-subscribers'], [
      { id: 'sup-0107', kind: 'partner', subscription: 'sup-0107-orders', delivery: 'x12', operation: 'sup-0107-orders.delivers.po.released' },
    ]);
    const sends = Object.values(doc.operations).filter((op) => op.action === 'send').length;
    assert.equal(sends, manifestOf(shipped).subscriptions.reduce((sum, s) => sum + s.types.length, 0));
    const text = JSON.stringify(doc);
    assert.ok(!text.includes('erp.example.com'), 'no webhook URL');
    assert.ok(!text.includes('erp-webhook'), 'no secret id');
    assert.ok(!text.includes('sup-0107-as2'), 'no credential id');
  });

  it('marks versions the manifest does not have in force, and lists only those in force on operations', () => {
    const manifest = manifestOf(layered, (doc) => {
      doc.contracts = { compatibility: 'full', inForce: { 'po.released': [2] } };
    });
    const doc = asyncApiCatalogue({ contracts: layered, manifest, hub: { version: '1.0.0' } });
    const messages = doc.channels['po.released']!.messages;
    assert.equal(messages['po.released.v1']?.['x-millrace-in-force'], false);
    assert.equal(messages['po.released.v2']?.['x-millrace-in-force'], true);
    assert.deepEqual(doc.operations['erp-core.publishes.po.released']?.messages, [{ $ref: '#/channels/po.released/messages/po.released.v2' }]);
    assert.deepEqual(doc.operations['sup-0107-orders.delivers.po.released']?.messages, [{ $ref: '#/channels/po.released/messages/po.released.v2' }]);
    // A type inForce does not name keeps every version.
    assert.equal(doc.channels['po.changed']?.messages['po.changed.v1']?.['x-millrace-in-force'], true);
    assert.equal(doc.info['x-millrace-compatibility'], 'full');
  });

  it('marks the types only the hub derives: source /millrace, no publisher to receive from, subscribable', () => {
    const manifest = manifestOf(shipped, (doc) => {
      (doc.subscriptions as unknown[]).push({ id: 'ap-matches', subscriber: 'erp-core', types: ['invoice.matched'], channel: { kind: 'nats', subject: 'millrace.ap.matched' } });
    });
    const doc = asyncApiCatalogue({ contracts: shipped, manifest, hub: { version: '1.0.0' } });
    const matched = doc.channels['invoice.matched']!;
    assert.equal(matched['x-millrace-derived'], true);
    assert.deepEqual(matched['x-millrace-publishers'], [{ id: 'millrace', kind: 'hub', source: '/millrace' }]);
    assert.match(matched.description, /only the hub emits it/);
    const payload = matched.messages['invoice.matched.v1']!.payload as { allOf: [unknown, { properties: Record<string, unknown> }] };
    assert.deepEqual(payload.allOf[1].properties.source, { const: '/millrace' });
    const onMatched = Object.entries(doc.operations).filter(([, op]) => op.channel.$ref === '#/channels/invoice.matched');
    assert.deepEqual(onMatched.map(([key, op]) => [key, op.action]), [['ap-matches.delivers.invoice.matched', 'send']]);
    assert.equal(doc.channels['po.released']?.['x-millrace-derived'], false);
    assert.equal((doc.channels['po.released'].messages['po.released.v1']!.payload as { allOf: [unknown, { properties: Record<string, unknown> }] }).allOf[1].properties.source, undefined);
  });

  it('comes out byte for byte the same whatever the order the contracts and the manifest list things in', () => {
    const manifest = manifestOf(layered);
    const once = JSON.stringify(asyncApiCatalogue({ contracts: layered, manifest, hub: { version: '1.0.0' } }));
    const shuffled: ContractSet = { ...layered, contracts: [...layered.contracts].reverse() };
    const reordered = { ...manifest, systems: [...manifest.systems].reverse(), partners: [...manifest.partners].reverse(), subscriptions: [...manifest.subscriptions].reverse() };
    assert.equal(JSON.stringify(asyncApiCatalogue({ contracts: shuffled, manifest: reordered, hub: { version: '1.0.0' } })), once);
  });
});

describe('draft-07 rendering of the 2020-12 contracts', () => {
  it('turns dependentRequired and dependentSchemas into dependencies, and prefixItems into tuple items', () => {
    assert.deepEqual(
      asDraft07({
        type: 'object',
        $defs: { unused: { type: 'string' } },
        properties: { dependentRequired: { type: 'string' }, pair: { type: 'array', prefixItems: [{ type: 'string' }, { type: 'integer' }], items: false } },
        dependentRequired: { line: ['poNumber'], toPlant: ['fromPlant'] },
        dependentSchemas: { toPlant: { properties: { reason: { const: 'transfer' } } } },
      }),
      {
        type: 'object',
        properties: { dependentRequired: { type: 'string' }, pair: { type: 'array', items: [{ type: 'string' }, { type: 'integer' }], additionalItems: false } },
        dependencies: { line: ['poNumber'], toPlant: { allOf: [{ required: ['fromPlant'] }, { properties: { reason: { const: 'transfer' } } }] } },
      },
    );
  });

  it('leaves no 2020-12-only keyword the contracts use in the document', () => {
    const text = JSON.stringify(exampleDoc());
    for (const keyword of ['dependentRequired', 'dependentSchemas', 'prefixItems', '$defs', '$schema', '$id']) assert.ok(!text.includes(`"${keyword}"`), keyword);
    assert.deepEqual((exampleDoc().components.schemas['sla.started.v1'] as { dependencies: unknown }).dependencies, { line: ['poNumber'] });
  });

  it('judges every contract example as the door does: valid ones pass the message payload, invalid ones fail (but for what JSON Schema cannot compare)', () => {
    const doc = exampleDoc();
    const registry = new ContractRegistry(shipped);
    // A draft-07 validator, as AsyncAPI tooling uses, over the document's own references.
    const ajv = new Ajv({ strict: false, allErrors: true });
    formats.default(ajv);
    ajv.addSchema({ ...doc, $id: 'https://millrace.test/asyncapi.json' });
    const examples = loadContractExamples(CONTRACTS_DIR).filter((e) => !relative(CONTRACTS_DIR, e.file).startsWith('envelope'));
    assert.ok(examples.length > 50);
    for (const example of examples) {
      const event = (example.valid ? example.body : (example.body as { event: unknown }).event) as { type: string; dataversion?: number };
      const key = `${event.type}.v${event.dataversion ?? 1}`;
      const validate = ajv.getSchema(`https://millrace.test/asyncapi.json#/channels/${event.type}/messages/${key}/payload`);
      if (validate === undefined) {
        // An invalid example may name a type or version no contract has: no message describes it.
        assert.equal(example.valid, false, `${example.file}: no message ${key}`);
        continue;
      }
      // A value the contract cannot compare with another (data-rules.ts) is the door's to refuse: the payload schema takes it.
      const check = example.valid ? undefined : registry.check(event);
      const onlyDataRules = check !== undefined && !check.ok && check.violations.every((v) => v.keyword !== undefined && DATA_RULE_KEYWORDS.includes(v.keyword));
      assert.equal(validate(event), example.valid || onlyDataRules, `${relative(CONTRACTS_DIR, example.file)}: ${JSON.stringify(validate.errors)}`);
    }
  });
});

/** Spectral's DiagnosticSeverity.Error; warnings (1), information (2) and hints (3) are printed only. */
const isError = (severity: number): boolean => severity === 0;

describe('@asyncapi/parser', () => {
  const parseWithoutErrors = async (doc: AsyncApiDocument): Promise<void> => {
    const { document, diagnostics } = await new Parser().parse(JSON.stringify(doc));
    const errors = diagnostics.filter((d) => isError(d.severity));
    for (const d of diagnostics) console.log(`asyncapi diagnostic severity ${d.severity} ${d.code} at ${d.path.join('/')}: ${d.message}`);
    assert.deepEqual(errors.map((d) => `${d.code} at ${d.path.join('/')}: ${d.message}`), []);
    assert.ok(document !== undefined, 'the parser builds a document');
    assert.equal(document.version(), '3.0.0');
    assert.equal(document.channels().length, Object.keys(doc.channels).length);
    assert.equal(document.operations().length, Object.keys(doc.operations).length);
    assert.equal(document.operations().filterByReceive().length, Object.values(doc.operations).filter((op) => op.action === 'receive').length);
  };

  it('accepts the document for examples/millrace.yaml with no error', async () => {
    await parseWithoutErrors(exampleDoc());
  });

  it('accepts the document with a layered version and versions out of force', async () => {
    const manifest = manifestOf(layered, (doc) => {
      doc.contracts = { compatibility: 'backward', inForce: { 'po.released': [2] } };
    });
    await parseWithoutErrors(asyncApiCatalogue({ contracts: layered, manifest, hub: { version: '1.0.0' } }));
  });

  it('reports an error for a broken payload schema (this check can fail)', async () => {
    const doc = structuredClone(exampleDoc()) as unknown as { components: { schemas: Record<string, { properties: Record<string, { type: string }> }> } };
    doc.components.schemas['po.released.v1']!.properties.poNumber!.type = 'strng';
    const { diagnostics } = await new Parser().parse(JSON.stringify(doc));
    assert.ok(diagnostics.some((d) => isError(d.severity) && d.path.join('/') === 'components/schemas/po.released.v1/properties/poNumber/type'));
  });
});
