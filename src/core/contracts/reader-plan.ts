// Which version of each event type the workflows read, and whether every version the contracts
// folder holds can be read as it: through code upcasters, or (a version with no upcaster, as a
// governance board may add) by projection, when it is forward-compatible with the reader version
// once the properties the reader does not know are dropped (docs/adr/0011).
import type { CompatibilityChange } from './compatibility.js';
import { checkCompatibility, SchemaInputError } from './compatibility.js';
import type { SchemaDocument } from './contract-registry.js';
import { inlineRefs } from './inline-refs.js';
import { isRecord } from './schema-scope.js';
import type { EventUpcaster, KnownShape, ProjectedVersions, ReaderPlan } from './upcasting.js';

/** A contract document and how to name it in messages (its file). */
export interface LabelledContract {
  readonly label: string;
  readonly schema: SchemaDocument;
}

export interface ReaderPlanInput {
  /** The contracts Millrace ships: the workflows are written for their latest versions. */
  readonly shipped: readonly LabelledContract[];
  /** A governance board's own contracts (manifest `contracts.folder`). */
  readonly board: readonly LabelledContract[];
  /** Documents reachable by absolute `$ref` (contracts/common). */
  readonly shared: readonly SchemaDocument[];
  /** The code upcasters. */
  readonly upcaster: EventUpcaster;
}

/** A version the workflows could not read. */
export interface UnreadableVersion {
  readonly label: string;
  readonly eventType: string;
  readonly version: number;
  readonly readerVersion: number;
  /** The changes that break forward compatibility with the (opened) reader version. */
  readonly changes: readonly CompatibilityChange[];
  readonly message: string;
}

export type ReaderPlanCheck = { readonly ok: true; readonly plan: ReaderPlan } | { readonly ok: false; readonly problems: readonly UnreadableVersion[] };

/**
 * The reader version of every type Millrace ships a contract for is the top of its upcaster
 * chain, or its latest shipped version when no upcaster knows it. Every other version of the
 * type, shipped or the board's, must be reached by upcasters or be readable by projection.
 * Types only the board declares are read by no workflow and are left alone.
 */
export function planReaders(input: ReaderPlanInput): ReaderPlanCheck {
  const byType = new Map<string, { shipped: Map<number, LabelledContract>; all: Map<number, LabelledContract> }>();
  for (const contract of input.shipped) {
    const { eventType, version } = identify(contract.schema);
    const entry = byType.get(eventType) ?? { shipped: new Map(), all: new Map() };
    entry.shipped.set(version, contract);
    entry.all.set(version, contract);
    byType.set(eventType, entry);
  }
  for (const contract of input.board) {
    const { eventType, version } = identify(contract.schema);
    byType.get(eventType)?.all.set(version, contract);
  }
  const projected = new Map<string, ProjectedVersions>();
  const problems: UnreadableVersion[] = [];
  for (const [eventType, versions] of [...byType].sort(([a], [b]) => a.localeCompare(b))) {
    const readerVersion = input.upcaster.latestVersion(eventType) ?? Math.max(...versions.shipped.keys());
    const reader = versions.shipped.get(readerVersion);
    let opened: ReturnType<typeof openReader> | undefined;
    for (const [version, contract] of [...versions.all].sort(([a], [b]) => a - b)) {
      if (version === readerVersion || input.upcaster.reaches(eventType, version)) continue;
      const unreadable = (changes: readonly CompatibilityChange[], why: string): void => {
        problems.push({ label: contract.label, eventType, version, readerVersion, changes, message: `${contract.label}: ${eventType} v${version} cannot be read as v${readerVersion}, the version the workflows read: ${why}` });
      };
      if (reader === undefined) {
        unreadable([], `the upcasters end at v${readerVersion} but no contract v${readerVersion} is shipped`);
        continue;
      }
      opened ??= openReader(inlineRefs(reader.schema, input.shared));
      let changes: readonly CompatibilityChange[];
      try {
        changes = checkCompatibility({
          previous: [{ label: `${eventType} v${readerVersion} (unknown properties dropped)`, schema: opened.schema }],
          next: { label: contract.label, schema: contract.schema },
          mode: 'forward',
          shared: input.shared,
        }).changes.filter((change) => change.breaking);
      } catch (error) {
        if (!(error instanceof SchemaInputError)) throw error;
        unreadable([], error.message);
        continue;
      }
      if (changes.length > 0) {
        const listed = changes.map((change) => `${change.path} ${change.kind} (${change.message})`).join('; ');
        unreadable(changes, `no upcaster reaches it, and it is not forward-compatible with v${readerVersion} once the properties v${readerVersion} does not know are dropped: ${listed}`);
        continue;
      }
      projected.set(eventType, { readerVersion, versions: [...(projected.get(eventType)?.versions ?? []), version], shape: opened.shape });
    }
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, plan: { projected: Object.fromEntries(projected) } };
}

function identify(schema: SchemaDocument): { eventType: string; version: number } {
  const eventType = schema['x-event-type'];
  const version = schema['x-version'];
  if (typeof eventType !== 'string' || typeof version !== 'number') throw new Error(`contract ${String(schema.$id)} lacks x-event-type or x-version`);
  return { eventType, version };
}

/**
 * The reader version opened where a projection will drop unknown properties, and the shape
 * that projection follows: the two are made in one walk so they cannot disagree. A closed
 * object is opened only when none of its keywords could notice the dropped properties (a
 * `minProperties`, a condition naming an unknown property, ...); otherwise it stays closed,
 * and the forward check then refuses unknown properties there.
 */
export function openReader(schema: unknown): { schema: unknown; shape: KnownShape } {
  if (!isRecord(schema)) return { schema, shape: { kind: 'any' } };
  const out: Record<string, unknown> = { ...schema };
  const properties = schema.properties;
  if (isRecord(properties)) {
    const shapes: Record<string, KnownShape> = {};
    const opened: Record<string, unknown> = {};
    for (const [name, sub] of Object.entries(properties)) {
      const walked = openReader(sub);
      shapes[name] = walked.shape;
      opened[name] = walked.schema;
    }
    out.properties = opened;
    const open = schema.additionalProperties === false && projectable(schema, new Set(Object.keys(properties)));
    if (open) delete out.additionalProperties;
    return { schema: out, shape: { kind: 'object', closed: open, properties: shapes } };
  }
  if (schema.items !== undefined) {
    const walked = openReader(schema.items);
    out.items = walked.schema;
    return { schema: out, shape: { kind: 'array', items: walked.shape } };
  }
  return { schema: out, shape: { kind: 'any' } };
}

/** Keywords of a closed object that cannot see properties it does not declare. */
const OBJECT_KEYWORDS = new Set(['type', 'properties', 'required', 'additionalProperties', 'title', 'description', '$comment', 'examples', 'default', 'deprecated', '$defs']);
const APPLICATORS = new Set(['if', 'then', 'else', 'not', 'anyOf', 'oneOf', 'allOf']);
/** Keywords that look at an object's property names or count. */
const KEY_SENSITIVE = new Set(['properties', 'required', 'additionalProperties', 'patternProperties', 'propertyNames', 'minProperties', 'maxProperties', 'dependentRequired', 'dependentSchemas', 'unevaluatedProperties', 'unevaluatedItems', 'items', 'prefixItems', 'contains', '$ref', '$dynamicRef']);

function projectable(schema: Readonly<Record<string, unknown>>, known: ReadonlySet<string>): boolean {
  return Object.entries(schema).every(([keyword, value]) => OBJECT_KEYWORDS.has(keyword) || (APPLICATORS.has(keyword) && namesOnlyKnown(value, known)));
}

/** A condition on the object that names only declared properties and looks at their values only through key-blind keywords. */
function namesOnlyKnown(value: unknown, known: ReadonlySet<string>): boolean {
  if (Array.isArray(value)) return value.every((item) => namesOnlyKnown(item, known));
  if (typeof value === 'boolean') return true;
  if (!isRecord(value)) return false;
  return Object.entries(value).every(([keyword, argument]) => {
    if (keyword === 'required') return Array.isArray(argument) && argument.every((name) => typeof name === 'string' && known.has(name));
    if (keyword === 'properties') return isRecord(argument) && Object.entries(argument).every(([name, sub]) => known.has(name) && keyBlind(sub));
    if (APPLICATORS.has(keyword)) return namesOnlyKnown(argument, known);
    return !KEY_SENSITIVE.has(keyword);
  });
}

/** A subschema that no dropped property (at any depth) can change the verdict of. */
function keyBlind(value: unknown): boolean {
  if (Array.isArray(value)) return value.every(keyBlind);
  if (typeof value === 'boolean') return true;
  if (!isRecord(value)) return false;
  return Object.entries(value).every(([keyword, argument]) => (APPLICATORS.has(keyword) ? keyBlind(argument) : !KEY_SENSITIVE.has(keyword)));
}
