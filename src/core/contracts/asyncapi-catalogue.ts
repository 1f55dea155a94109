// The event catalogue as an AsyncAPI 3.0 document (ADR 0008): one channel per event type, one
// message per contract version, and the manifest's publishers and subscribers as the hub's
// receive and send operations. Pure and deterministic, so CI can diff two exports.
import type { Manifest, PartnerDeclaration, SubscriptionDeclaration, SystemDeclaration } from '../governance/manifest.js';
import { sourceOf } from '../governance/manifest.js';
import { MILLRACE_SOURCE } from '../envelope.js';
import type { ContractInfo, ContractSet, SchemaDocument } from './contract-registry.js';
import { contractInfoOf } from './contract-registry.js';
import { inlineRefs } from './inline-refs.js';

export type JsonSchema = Readonly<Record<string, unknown>>;

export interface AsyncApiRef {
  readonly $ref: string;
}

export interface AsyncApiMessage {
  readonly name: string;
  readonly title?: string;
  readonly description?: string;
  readonly contentType: string;
  readonly correlationId: { readonly location: string; readonly description: string };
  readonly payload: JsonSchema;
  readonly 'x-millrace-event-type': string;
  readonly 'x-millrace-version': number;
  /** Whether the manifest's `contracts.inForce` accepts this version (all versions when it names none for the type). */
  readonly 'x-millrace-in-force': boolean;
  readonly 'x-millrace-derived': boolean;
  /** The `$id` of the JSON Schema 2020-12 contract this payload renders: the authoritative text. */
  readonly 'x-millrace-dataschema': string;
}

export interface CataloguePublisher {
  readonly id: string;
  readonly kind: 'system' | 'partner' | 'hub';
  readonly source: string;
  /** The operation that describes it; absent for the hub's own (derived) events. */
  readonly operation?: string;
}

export interface CatalogueSubscriber {
  readonly id: string;
  readonly kind: 'system' | 'partner' | 'unknown';
  readonly subscription: string;
  readonly delivery: SubscriptionDeclaration['channel']['kind'];
  readonly operation: string;
}

export interface AsyncApiChannel {
  readonly address: string;
  readonly title?: string;
  readonly description: string;
  readonly messages: Readonly<Record<string, AsyncApiMessage>>;
  readonly tags: readonly { readonly name: string }[];
  readonly 'x-millrace-domain': string;
  /** The team that owns the type's domain in the manifest, when a manifest domain lists it. */
  readonly 'x-millrace-owner'?: string;
  readonly 'x-millrace-derived': boolean;
  readonly 'x-millrace-publishers': readonly CataloguePublisher[];
  readonly 'x-millrace-subscribers': readonly CatalogueSubscriber[];
}

export interface AsyncApiOperation {
  readonly action: 'send' | 'receive';
  readonly channel: AsyncApiRef;
  readonly title: string;
  readonly summary: string;
  readonly messages: readonly AsyncApiRef[];
  readonly security?: readonly AsyncApiRef[];
  readonly 'x-millrace-publisher'?: Readonly<Record<string, unknown>>;
  readonly 'x-millrace-subscription'?: Readonly<Record<string, unknown>>;
}

export interface AsyncApiDocument {
  readonly asyncapi: '3.0.0';
  readonly info: { readonly title: string; readonly version: string; readonly description: string; readonly 'x-millrace-compatibility': string };
  readonly defaultContentType: string;
  readonly channels: Readonly<Record<string, AsyncApiChannel>>;
  readonly operations: Readonly<Record<string, AsyncApiOperation>>;
  readonly components: {
    readonly schemas: Readonly<Record<string, JsonSchema>>;
    readonly securitySchemes: Readonly<Record<string, Readonly<Record<string, string>>>>;
  };
}

export interface AsyncApiCatalogueInput {
  /** Every contract version: the shipped ones and a board's layered folder. */
  readonly contracts: ContractSet;
  readonly manifest: Manifest;
  readonly hub: { readonly version: string };
}

const CONTENT_TYPE = 'application/cloudevents+json';
const ENVELOPE_SCHEMA = 'CloudEvent';
const SECURITY_SCHEME = 'apiKey';

const DESCRIPTION = `Every event type the hub knows, as CloudEvents 1.0 in structured mode: each message's payload is the whole event, envelope attributes and \`data\` in one JSON object (\`application/cloudevents+json\`), as \`POST /v1/events\` takes it.

The application described is the hub. Systems and partners publish to it: their grants in the governance manifest are the hub's \`receive\` operations (\`<publisher>.publishes.<type>\`, with the \`source\` their events must carry and their mode). Subscriptions are the hub's \`send\` operations (\`<subscription>.delivers.<type>\`). Types the hub derives itself (source \`/millrace\`) are marked \`x-millrace-derived\` and have no publisher to receive from.

Each message is one major version of the type's data contract (\`dataversion\`). \`x-millrace-in-force: false\` marks versions the manifest's \`contracts.inForce\` does not accept; operations list only the versions in force. Payload schemas are draft-07 renderings of the JSON Schema 2020-12 contracts named by \`x-millrace-dataschema\`.`;

export function asyncApiCatalogue(input: AsyncApiCatalogueInput): AsyncApiDocument {
  const { contracts, manifest } = input;
  const byType = new Map<string, { info: ContractInfo; doc: SchemaDocument }[]>();
  for (const doc of contracts.contracts) {
    const info = contractInfoOf(doc);
    byType.set(info.eventType, [...(byType.get(info.eventType) ?? []), { info, doc }]);
  }
  const types = [...byType.keys()].sort(byCodeUnit);
  const schemas: Record<string, JsonSchema> = { [ENVELOPE_SCHEMA]: asDraft07(inlineRefs(contracts.envelope, contracts.shared)) };
  const channels: Record<string, AsyncApiChannel> = {};
  const operations: Record<string, AsyncApiOperation> = {};
  const inForce = (type: string, version: number): boolean => manifest.contracts.inForce?.[type]?.includes(version) ?? true;

  for (const type of types) {
    const versions = (byType.get(type) ?? []).sort((a, b) => a.info.version - b.info.version);
    const latest = versions.at(-1);
    if (latest === undefined) continue;
    const derived = versions.some((v) => v.info.derived);
    const messages: Record<string, AsyncApiMessage> = {};
    for (const { info, doc } of versions) {
      const key = messageKey(type, info.version);
      schemas[key] = asDraft07(inlineRefs(doc, contracts.shared));
      messages[key] = message(info, doc, inForce(type, info.version));
    }
    const inForceRefs = versions.filter((v) => inForce(type, v.info.version)).map((v) => ({ $ref: `#/channels/${pointer(type)}/messages/${pointer(messageKey(type, v.info.version))}` }));

    const publishers: CataloguePublisher[] = derived ? [{ id: 'millrace', kind: 'hub', source: MILLRACE_SOURCE }] : [];
    for (const [kind, publisher] of publishersOf(manifest)) {
      if (!publisher.publishes.includes(type)) continue;
      const operation = `${publisher.id}.publishes.${type}`;
      publishers.push({ id: publisher.id, kind, source: sourceOf(kind, publisher.id), operation });
      operations[operation] = {
        action: 'receive',
        channel: { $ref: `#/channels/${pointer(type)}` },
        title: `${publisher.id} publishes ${type}`,
        summary: `${publisher.name ?? publisher.id} sends ${type} to the hub with source ${sourceOf(kind, publisher.id)}${publisher.mode === 'observe' ? ' (observe mode: accepted and flagged ungoverned when it breaks the rules)' : ''}.`,
        messages: inForceRefs,
        security: [{ $ref: `#/components/securitySchemes/${SECURITY_SCHEME}` }],
        'x-millrace-publisher': publisherExtension(kind, publisher, type),
      };
    }

    const subscribers: CatalogueSubscriber[] = [];
    for (const subscription of [...manifest.subscriptions].sort((a, b) => byCodeUnit(a.id, b.id))) {
      if (!subscription.types.includes(type)) continue;
      const operation = `${subscription.id}.delivers.${type}`;
      const kind = principalKindOf(manifest, subscription.subscriber);
      subscribers.push({ id: subscription.subscriber, kind, subscription: subscription.id, delivery: subscription.channel.kind, operation });
      operations[operation] = {
        action: 'send',
        channel: { $ref: `#/channels/${pointer(type)}` },
        title: `${subscription.id} delivers ${type}`,
        summary: `The hub delivers ${type} to ${subscription.subscriber} (${subscription.channel.kind}).`,
        messages: inForceRefs,
        'x-millrace-subscription': subscriptionExtension(subscription, kind),
      };
    }

    const owner = manifest.domains.find((domain) => domain.eventTypes.includes(type))?.owner;
    channels[type] = {
      address: type,
      ...(typeof latest.doc.title === 'string' ? { title: latest.doc.title } : {}),
      description: channelDescription(latest.doc, derived),
      messages,
      tags: [{ name: latest.info.domain }],
      'x-millrace-domain': latest.info.domain,
      ...(owner === undefined ? {} : { 'x-millrace-owner': owner }),
      'x-millrace-derived': derived,
      'x-millrace-publishers': publishers.sort((a, b) => byCodeUnit(a.id, b.id)),
      'x-millrace-subscribers': subscribers,
    };
  }

  return {
    asyncapi: '3.0.0',
    info: {
      title: `${manifest.enterprise.name}: Millrace event catalogue`,
      version: input.hub.version,
      description: DESCRIPTION,
      'x-millrace-compatibility': manifest.contracts.compatibility,
    },
    defaultContentType: CONTENT_TYPE,
    channels,
    operations: sortedRecord(operations),
    components: {
      schemas: sortedRecord(schemas),
      securitySchemes: {
        [SECURITY_SCHEME]: {
          type: 'http',
          scheme: 'bearer',
          description: 'A Millrace API key (millrace keys add --system ID | --partner ID); it may publish only with its own source and only the types granted to it.',
        },
      },
    },
  };
}

function message(info: ContractInfo, doc: SchemaDocument, inForce: boolean): AsyncApiMessage {
  const key = messageKey(info.eventType, info.version);
  const envelope: Record<string, unknown> = {
    type: { const: info.eventType },
    // Derived events carry the hub's own source; nobody else may publish them.
    ...(info.derived ? { source: { const: MILLRACE_SOURCE } } : {}),
    dataversion: info.version === 1 ? { const: 1, description: 'Absent means 1.' } : { const: info.version },
    data: { $ref: `#/components/schemas/${pointer(key)}` },
  };
  return {
    name: key,
    ...(typeof doc.title === 'string' ? { title: `${doc.title} (v${info.version})` } : {}),
    ...(typeof doc.description === 'string' ? { description: doc.description } : {}),
    contentType: CONTENT_TYPE,
    correlationId: { location: '$message.payload#/correlationid', description: 'The workflow key (CloudEvents extension attribute correlationid).' },
    payload: {
      allOf: [
        { $ref: `#/components/schemas/${ENVELOPE_SCHEMA}` },
        { type: 'object', required: info.version === 1 ? ['type', 'data'] : ['type', 'dataversion', 'data'], properties: envelope },
      ],
    },
    'x-millrace-event-type': info.eventType,
    'x-millrace-version': info.version,
    'x-millrace-in-force': inForce,
    'x-millrace-derived': info.derived,
    'x-millrace-dataschema': info.schemaId,
  };
}

function channelDescription(latest: SchemaDocument, derived: boolean): string {
  const what = typeof latest.description === 'string' ? latest.description : '';
  const who = derived
    ? `Source ${MILLRACE_SOURCE}: only the hub emits it; systems and partners may subscribe to it, never publish it.`
    : 'Published to the hub by the systems and partners listed in x-millrace-publishers (one receive operation each).';
  return what === '' ? who : `${what}\n\n${who}`;
}

type Publisher = SystemDeclaration | PartnerDeclaration;

function publishersOf(manifest: Manifest): ['system' | 'partner', Publisher][] {
  const all: ['system' | 'partner', Publisher][] = [
    ...manifest.systems.map((s): ['system', Publisher] => ['system', s]),
    ...manifest.partners.map((p): ['partner', Publisher] => ['partner', p]),
  ];
  return all.sort((a, b) => byCodeUnit(a[1].id, b[1].id));
}

function publisherExtension(kind: 'system' | 'partner', publisher: Publisher, type: string): Record<string, unknown> {
  const maxLag = publisher.maxLag?.[type] ?? publisher.maxLag?.default;
  const common = {
    id: publisher.id,
    kind,
    ...(publisher.name === undefined ? {} : { name: publisher.name }),
    source: sourceOf(kind, publisher.id),
    mode: publisher.mode,
    ...(maxLag === undefined ? {} : { maxLag }),
  };
  if ('supplierId' in publisher) return { ...common, supplierId: publisher.supplierId, protocols: publisher.protocols };
  return { ...common, systemKind: publisher.kind, ...(publisher.plant === undefined ? {} : { plant: publisher.plant }) };
}

/**
 * What a reader needs to know about a delivery. The webhook URL and the ids of secrets stay
 * out: the document is served without credentials (like /openapi.json).
 */
function subscriptionExtension(subscription: SubscriptionDeclaration, kind: CatalogueSubscriber['kind']): Record<string, unknown> {
  const { channel } = subscription;
  return {
    id: subscription.id,
    subscriber: subscription.subscriber,
    subscriberKind: kind,
    delivery: {
      kind: channel.kind,
      ...(channel.topic === undefined ? {} : { topic: channel.topic }),
      ...(channel.subject === undefined ? {} : { subject: channel.subject }),
    },
    ...(subscription.filter === undefined ? {} : { filter: subscription.filter }),
    ...(subscription.maintenanceWindows === undefined ? {} : { maintenanceWindows: subscription.maintenanceWindows }),
  };
}

function principalKindOf(manifest: Manifest, id: string): CatalogueSubscriber['kind'] {
  if (manifest.systems.some((s) => s.id === id)) return 'system';
  if (manifest.partners.some((p) => p.id === id)) return 'partner';
  return 'unknown';
}

/**
 * AsyncAPI 3.0 payloads are draft-07 schemas (plus AsyncAPI's additions). The contracts are
 * 2020-12: the keywords with a draft-07 equivalent are rewritten (`dependentRequired` and
 * `dependentSchemas` to `dependencies`, `prefixItems` to tuple `items`); `$defs` is dropped,
 * since every reference into it is inlined. Only schema positions are rewritten: a property
 * that happens to be called `dependentRequired` is left alone.
 */
export function asDraft07(schema: unknown): JsonSchema {
  return rewrite(schema) as JsonSchema;
}

const SCHEMA_VALUED = new Set(['additionalProperties', 'additionalItems', 'contains', 'propertyNames', 'not', 'if', 'then', 'else', 'unevaluatedProperties', 'unevaluatedItems']);
const SCHEMA_ARRAYS = new Set(['allOf', 'anyOf', 'oneOf']);
const SCHEMA_MAPS = new Set(['properties', 'patternProperties']);

function rewrite(schema: unknown): unknown {
  if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) return schema;
  const out: Record<string, unknown> = {};
  const dependencies: Record<string, unknown> = {};
  const source = schema as Record<string, unknown>;
  for (const [key, value] of Object.entries(source)) {
    if (key === '$defs') continue;
    if (key === 'dependentRequired' || key === 'dependentSchemas') {
      for (const [property, dependency] of Object.entries(value as Record<string, unknown>)) {
        const next = key === 'dependentSchemas' ? rewrite(dependency) : dependency;
        const earlier = dependencies[property];
        // Both keywords name the property: draft-07 takes one value, so the two join under allOf.
        dependencies[property] = earlier === undefined ? next : { allOf: [asSchema(earlier), asSchema(next)] };
      }
    } else if (key === 'prefixItems') {
      out.items = (value as unknown[]).map(rewrite);
      if (source.items !== undefined) out.additionalItems = rewrite(source.items);
    } else if (key === 'items') {
      if (source.prefixItems === undefined) out.items = Array.isArray(value) ? value.map(rewrite) : rewrite(value);
    } else if (SCHEMA_VALUED.has(key)) out[key] = rewrite(value);
    else if (SCHEMA_ARRAYS.has(key)) out[key] = (value as unknown[]).map(rewrite);
    else if (SCHEMA_MAPS.has(key)) out[key] = Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([name, sub]) => [name, rewrite(sub)]));
    else out[key] = value;
  }
  if (Object.keys(dependencies).length > 0) out.dependencies = dependencies;
  return out;
}

/** A draft-07 `dependencies` value is a list of required names or a schema; as a schema, the list is `required`. */
function asSchema(dependency: unknown): unknown {
  return Array.isArray(dependency) ? { required: dependency } : dependency;
}

function messageKey(type: string, version: number): string {
  return `${type}.v${version}`;
}

/** One JSON Pointer token. */
function pointer(token: string): string {
  return token.replaceAll('~', '~0').replaceAll('/', '~1');
}

/** Ordering by UTF-16 code units: the same on every machine, unlike localeCompare. */
function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function sortedRecord<T>(record: Readonly<Record<string, T>>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => byCodeUnit(a, b)));
}
