// The JSON Schema 2020-12 plumbing the compatibility checker stands on: `$ref` resolution against
// a document and shared documents, flattening of `$ref`/`allOf` conjuncts into one keyword set,
// and a canonical form that tells whether two subschemas accept exactly the same instances.
import { MillraceError } from '../errors.js';

/** Keywords that never change which instances a schema accepts. `x-*` keywords are annotations too. */
const ANNOTATIONS = new Set([
  '$schema',
  '$id',
  '$anchor',
  '$dynamicAnchor',
  '$vocabulary',
  '$comment',
  '$defs',
  'definitions',
  'title',
  'description',
  'default',
  'examples',
  'deprecated',
  'readOnly',
  'writeOnly',
  'contentEncoding',
  'contentMediaType',
  'contentSchema',
]);

/** Keywords whose value is one subschema. */
const SCHEMA_KEYWORDS = new Set([
  'additionalProperties',
  'items',
  'additionalItems',
  'contains',
  'propertyNames',
  'if',
  'then',
  'else',
  'not',
  'unevaluatedItems',
  'unevaluatedProperties',
]);
/** Keywords whose value maps names to subschemas. */
const SCHEMA_MAP_KEYWORDS = new Set(['properties', 'patternProperties', 'dependentSchemas']);
/** Keywords whose value is a list of subschemas (`items` too, in its draft-07 tuple form). */
const SCHEMA_LIST_KEYWORDS = new Set(['allOf', 'anyOf', 'oneOf', 'prefixItems']);

/**
 * Keywords that read their siblings (`additionalProperties` depends on `properties`, `items` on
 * `prefixItems`, `then` on `if`): two conjuncts are merged into one keyword set only group by group.
 */
const GROUPS: readonly (readonly string[])[] = [
  ['properties', 'patternProperties', 'additionalProperties'],
  ['prefixItems', 'items', 'additionalItems'],
  ['if', 'then', 'else'],
  ['contains', 'minContains', 'maxContains'],
  ['minimum', 'exclusiveMinimum'],
  ['maximum', 'exclusiveMaximum'],
  ['enum', 'const'],
];
const GROUP_OF = new Map<string, readonly string[]>(GROUPS.flatMap((group) => group.map((keyword) => [keyword, group] as const)));

function isAnnotation(keyword: string): boolean {
  return ANNOTATIONS.has(keyword) || keyword.startsWith('x-');
}

/** A schema OLD.json or NEW.json is unusable: not JSON Schema 2020-12, or a `$ref` leads nowhere. */
export class SchemaInputError extends MillraceError {
  readonly document: string;
  readonly problems: readonly string[];
  constructor(document: string, problems: readonly string[]) {
    super('invalid_request', `${document}: ${problems.join('; ')}`, { document, problems });
    this.name = 'SchemaInputError';
    this.document = document;
    this.problems = problems;
  }
}

export function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A subschema together with the base URI its relative `$ref`s resolve against. */
export interface SchemaNode {
  readonly schema: unknown;
  readonly base: string;
  readonly scope: SchemaScope;
}

/**
 * One compared document and the shared documents it may point into. The document itself wins
 * over a shared document with the same `$id`, so a NEW version of common/v1 can be compared too.
 */
export class SchemaScope {
  readonly label: string;
  readonly root: SchemaNode;
  private readonly resources = new Map<string, SchemaNode>();
  private readonly anchors = new Map<string, SchemaNode>();

  constructor(label: string, document: unknown, shared: readonly unknown[]) {
    this.label = label;
    const refs: PendingRef[] = [];
    for (const [i, doc] of shared.entries()) {
      const id = isRecord(doc) && typeof doc.$id === 'string' ? doc.$id : `#${i}`;
      this.index(doc, 'urn:millrace:shared', `shared document ${id}`, refs);
    }
    // An anonymous document still needs a base of its own for its `#/...` references.
    this.root = this.index(document, `urn:millrace:document:${encodeURIComponent(label)}`, label, refs);
    // Every reference is checked now, so a dangling one is reported as unusable input with its
    // place in the document, whether or not the comparison would have reached it.
    const problems = new Map<string, string[]>();
    for (const ref of refs) {
      try {
        this.resolve(ref.ref, ref.base, ref.at);
      } catch (error) {
        if (!(error instanceof SchemaInputError)) throw error;
        problems.set(ref.label, [...(problems.get(ref.label) ?? []), ...error.problems]);
      }
    }
    const [first] = problems.entries();
    if (first !== undefined) throw new SchemaInputError(first[0], first[1]);
  }

  node(schema: unknown, parentBase: string): SchemaNode {
    if (isRecord(schema) && typeof schema.$id === 'string') return { schema, base: withoutFragment(resolveUri(schema.$id, parentBase)), scope: this };
    return { schema, base: parentBase, scope: this };
  }

  /** The subschema a `$ref` points to; an unresolvable reference makes the input unusable. */
  resolve(ref: string, base: string, at: string): { readonly node: SchemaNode; readonly uri: string } {
    const uri = resolveUri(ref, base);
    const hash = uri.indexOf('#');
    const documentUri = hash === -1 ? uri : uri.slice(0, hash);
    const fragment = hash === -1 ? '' : uri.slice(hash + 1);
    const resource = this.resources.get(documentUri);
    if (resource === undefined) throw new SchemaInputError(this.label, [`$ref "${ref}" at ${at || '(root)'} points to an unknown document ${documentUri}`]);
    if (fragment === '' || fragment.startsWith('/')) {
      let current: unknown = resource.schema;
      let currentBase = resource.base;
      for (const raw of fragment.split('/').slice(1)) {
        const segment = safeDecode(raw).replaceAll('~1', '/').replaceAll('~0', '~');
        current = Array.isArray(current) ? (current as unknown[])[Number(segment)] : isRecord(current) ? current[segment] : undefined;
        if (isRecord(current) && typeof current.$id === 'string') currentBase = withoutFragment(resolveUri(current.$id, currentBase));
      }
      if (current === undefined) throw new SchemaInputError(this.label, [`$ref "${ref}" at ${at || '(root)'} points to nothing in ${documentUri}`]);
      return { node: { schema: current, base: currentBase, scope: this }, uri };
    }
    const anchored = this.anchors.get(uri);
    if (anchored === undefined) throw new SchemaInputError(this.label, [`$ref "${ref}" at ${at || '(root)'} names an unknown anchor`]);
    return { node: anchored, uri };
  }

  private index(document: unknown, fallbackBase: string, label: string, refs: PendingRef[]): SchemaNode {
    const base = isRecord(document) && typeof document.$id === 'string' ? withoutFragment(resolveUri(document.$id, fallbackBase)) : fallbackBase;
    const root: SchemaNode = { schema: document, base, scope: this };
    this.resources.set(base, root);
    const walk = (schema: unknown, parentBase: string, at: string): void => {
      if (!isRecord(schema)) return;
      const node = schema === document ? root : this.node(schema, parentBase);
      if (node.base !== parentBase) this.resources.set(node.base, node);
      for (const key of ['$anchor', '$dynamicAnchor']) {
        const anchor = schema[key];
        if (typeof anchor === 'string') this.anchors.set(`${node.base}#${anchor}`, node);
      }
      if (typeof schema.$ref === 'string') refs.push({ ref: schema.$ref, base: node.base, at: at || '/', label });
      for (const [key, value] of Object.entries(schema)) {
        const here = `${at}/${escapePointer(key)}`;
        if (SCHEMA_KEYWORDS.has(key) && !Array.isArray(value)) walk(value, node.base, here);
        else if (SCHEMA_MAP_KEYWORDS.has(key) || key === '$defs' || key === 'definitions') {
          if (isRecord(value)) for (const [name, sub] of Object.entries(value)) walk(sub, node.base, `${here}/${escapePointer(name)}`);
        } else if (SCHEMA_LIST_KEYWORDS.has(key) || key === 'items') {
          if (Array.isArray(value)) for (const [i, sub] of (value as unknown[]).entries()) walk(sub, node.base, `${here}/${i}`);
        }
      }
    };
    walk(document, base, '');
    return root;
  }
}

interface PendingRef {
  readonly ref: string;
  readonly base: string;
  /** Where the `$ref` sits, as a JSON pointer into its document. */
  readonly at: string;
  readonly label: string;
}

/** A JSON pointer segment: `~` and `/` escaped (RFC 6901). */
export function escapePointer(segment: string): string {
  return segment.replaceAll('~', '~0').replaceAll('/', '~1');
}

function resolveUri(ref: string, base: string): string {
  if (ref.startsWith('#')) return withoutFragment(base) + ref;
  try {
    return new URL(ref, base).href;
  } catch {
    // A relative reference against an anonymous (urn:) base cannot be resolved: keep it as is,
    // so the lookup fails with the reference the author wrote.
    return ref;
  }
}

function withoutFragment(uri: string): string {
  const hash = uri.indexOf('#');
  return hash === -1 ? uri : uri.slice(0, hash);
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** One keyword of a flattened schema, with the node whose base its subschemas resolve against. */
export interface KeywordValue {
  readonly value: unknown;
  readonly node: SchemaNode;
}

/**
 * The conjunction of several subschemas at one instance location: their keywords merged where
 * that keeps the meaning, and the rest kept as separate conjuncts.
 */
export interface FlatSchema {
  /** Some conjunct is `false` (or `not: {}`): nothing is accepted here. */
  readonly never: boolean;
  readonly own: ReadonlyMap<string, KeywordValue>;
  /** Conjuncts whose keywords clash with `own` (e.g. two different `properties`). */
  readonly conjuncts: readonly SchemaNode[];
  /** Every `$ref` followed, as absolute URIs; the checker's guard against recursive schemas. */
  readonly refs: readonly string[];
  /** A `$ref` chain came back to itself without descending into the instance. */
  readonly selfReferential: boolean;
}

export function flatten(nodes: readonly SchemaNode[], at: string): FlatSchema {
  const own = new Map<string, KeywordValue>();
  const conjuncts: SchemaNode[] = [];
  const refs: string[] = [];
  let never = false;
  let selfReferential = false;
  const queue = [...nodes];
  for (let node = queue.shift(); node !== undefined; node = queue.shift()) {
    const { schema } = node;
    if (schema === true) continue;
    if (schema === false) {
      never = true;
      continue;
    }
    if (!isRecord(schema)) throw new SchemaInputError(node.scope.label, [`the subschema at ${at || '(root)'} is neither an object nor a boolean`]);
    if (CONJUNCTION in schema) {
      queue.push(...(schema as Conjunction)[CONJUNCTION]);
      continue;
    }
    const local: [string, unknown][] = [];
    for (const [key, value] of Object.entries(schema)) {
      if (isAnnotation(key)) continue;
      if (key === '$ref') {
        if (typeof value !== 'string') throw new SchemaInputError(node.scope.label, [`$ref at ${at || '(root)'} is not a string`]);
        const target = node.scope.resolve(value, node.base, at);
        if (refs.includes(target.uri)) selfReferential = true;
        else {
          refs.push(target.uri);
          queue.push(target.node);
        }
      } else if (key === 'allOf' && Array.isArray(value)) {
        for (const sub of value as unknown[]) queue.push(node.scope.node(sub, node.base));
      } else local.push([key, value]);
    }
    if (local.length === 0) continue;
    const merged = mergeInto(own, local, node);
    if (merged === undefined) conjuncts.push({ schema: Object.fromEntries(local), base: node.base, scope: node.scope });
    else for (const [key, value] of merged) own.set(key, value);
  }
  if (isRecord(own.get('not')?.value) && Object.keys(own.get('not')!.value as object).every(isAnnotation)) never = true;
  if (own.get('not')?.value === true) never = true;
  return { never, own, conjuncts, refs, selfReferential };
}

/**
 * Nodes whose conjunction is `flat` without one keyword (its `anyOf`, say): each keyword stays
 * with the node it came from, so relative `$ref`s under it resolve as before. Keywords that read
 * their siblings (GROUPS) come from one node, so they stay together.
 */
export function withoutKeyword(flat: FlatSchema, keyword: string): SchemaNode[] {
  const parts = new Map<SchemaNode, Record<string, unknown>>();
  for (const [key, entry] of flat.own) {
    if (key === keyword) continue;
    const part = parts.get(entry.node) ?? {};
    part[key] = entry.value;
    parts.set(entry.node, part);
  }
  const nodes = [...parts].map(([node, schema]): SchemaNode => ({ schema, base: node.base, scope: node.scope }));
  return [...nodes, ...flat.conjuncts];
}

/**
 * A subschema standing for the conjunction of subschemas from different documents (each keeps
 * its own base URI): what a property declared by two merged `properties` maps must satisfy.
 */
const CONJUNCTION = Symbol('conjunction');
interface Conjunction {
  readonly [CONJUNCTION]: readonly SchemaNode[];
}

function conjunctionOf(nodes: readonly SchemaNode[]): Conjunction {
  return { [CONJUNCTION]: nodes };
}

/** Intersection of two `type` values, e.g. ["number", "null"] and "integer" -> ["integer"]. */
function intersectTypes(a: unknown, b: unknown): string[] {
  const list = (value: unknown): string[] => (Array.isArray(value) ? (value as string[]) : [String(value)]);
  const right = list(b);
  return list(a).flatMap((type) => {
    if (right.includes(type)) return [type];
    if (type === 'number' && right.includes('integer')) return ['integer'];
    if (type === 'integer' && right.includes('number')) return ['integer'];
    return [];
  });
}

/**
 * The keywords of `local` (one more conjunct) merged into `own`, or undefined when some keyword
 * group cannot be merged exactly and the conjunct must stay apart. Exact merges: equal groups;
 * `type` (intersection), `required` (union), lower and upper count bounds (the tighter), `enum`
 * (intersection) and `properties` of two models with neither `additionalProperties` nor
 * `patternProperties` (a property in both must satisfy both).
 */
function mergeInto(own: ReadonlyMap<string, KeywordValue>, local: readonly (readonly [string, unknown])[], node: SchemaNode): Map<string, KeywordValue> | undefined {
  const incoming = new Map(local);
  const result = new Map<string, KeywordValue>();
  const done = new Set<string>();
  for (const [key] of local) {
    if (done.has(key)) continue;
    const group = GROUP_OF.get(key) ?? [key];
    for (const k of group) done.add(k);
    const mine = group.filter((k) => own.has(k));
    const theirs = group.filter((k) => incoming.has(k));
    if (mine.length === 0) {
      for (const k of theirs) result.set(k, { value: incoming.get(k), node });
      continue;
    }
    const existing = own.get(mine[0]!)!;
    const sameText =
      canonicalKeywords(theirs.map((k) => [k, { value: incoming.get(k), node }] as const), []) ===
      canonicalKeywords(mine.map((k) => [k, own.get(k)!] as const), []);
    if (sameText) continue;
    const a = existing.value;
    const b = incoming.get(key);
    if (key === 'type') result.set(key, { value: intersectTypes(a, b), node });
    else if (key === 'required' && Array.isArray(a) && Array.isArray(b)) result.set(key, { value: [...new Set([...(a as unknown[]), ...(b as unknown[])])], node });
    else if (['minLength', 'minItems', 'minProperties'].includes(key) && typeof a === 'number' && typeof b === 'number') result.set(key, { value: Math.max(a, b), node });
    else if (['maxLength', 'maxItems', 'maxProperties'].includes(key) && typeof a === 'number' && typeof b === 'number') result.set(key, { value: Math.min(a, b), node });
    else if (key === 'enum' && mine.join() === 'enum' && theirs.join() === 'enum' && Array.isArray(a) && Array.isArray(b)) {
      const keep = new Set((b as unknown[]).map(canonicalValue));
      result.set(key, { value: (a as unknown[]).filter((value) => keep.has(canonicalValue(value))), node });
    } else if (key === 'properties' && mine.join() === 'properties' && theirs.join() === 'properties' && isRecord(a) && isRecord(b)) {
      const nodeOf = (owner: SchemaNode, schema: unknown): SchemaNode => owner.scope.node(schema, owner.base);
      const names = new Set([...Object.keys(a), ...Object.keys(b)]);
      const props: Record<string, Conjunction> = {};
      for (const name of names) {
        props[name] = conjunctionOf([...(name in a ? [nodeOf(existing.node, a[name])] : []), ...(name in b ? [nodeOf(node, b[name])] : [])]);
      }
      result.set(key, { value: props, node });
    } else return undefined;
  }
  return result;
}

/** JSON with sorted keys: equal data gives equal text. */
export function canonicalValue(value: unknown): string {
  if (Array.isArray(value)) return `[${(value as unknown[]).map(canonicalValue).join(',')}]`;
  if (isRecord(value)) {
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalValue(value[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * A canonical text for the set of instances a subschema accepts, as far as syntax shows it:
 * annotations dropped, `$ref`s and `allOf` inlined, `const` written as a one-value `enum`, and
 * order dropped where it means nothing (`required`, `enum`, `anyOf`). Equal texts mean equal
 * schemas; different texts prove nothing. `stack` holds the `$ref`s being expanded (cycles).
 */
export function canonicalSchema(nodes: readonly SchemaNode[], stack: readonly string[] = []): string {
  const flat = flatten(nodes, '');
  if (flat.never) return 'false';
  const cycle = flat.refs.find((ref) => stack.includes(ref));
  if (cycle !== undefined) return `{"$cycle":${stack.length - stack.indexOf(cycle)}}`;
  const inner = [...stack, ...flat.refs];
  const parts = [...flat.own.entries()];
  const text = canonicalKeywords(parts, inner);
  const conjuncts = flat.conjuncts.map((node) => canonicalSchema([node], inner)).sort();
  if (conjuncts.length === 0) return text;
  return `{"allOf":[${[text, ...conjuncts].join(',')}]}`;
}

/** The canonical text of some keywords of a flattened schema, or undefined if it has none of them. */
export function canonicalKeywordsOf(flat: FlatSchema, keywords: readonly string[]): string | undefined {
  const parts = keywords.flatMap((keyword) => {
    const entry = flat.own.get(keyword);
    return entry === undefined ? [] : [[keyword, entry] as const];
  });
  return parts.length === 0 ? undefined : canonicalKeywords(parts, flat.refs);
}

function canonicalKeywords(parts: readonly (readonly [string, KeywordValue])[], stack: readonly string[]): string {
  const out = new Map<string, string>();
  for (const [key, { value, node }] of parts) {
    const sub = (schema: unknown): string => canonicalSchema([node.scope.node(schema, node.base)], stack);
    // `const: x` and `enum: [x]` accept the same instance; both present stay apart.
    if (key === 'const') out.set(parts.some(([other]) => other === 'enum') ? 'const' : 'enum', `[${canonicalValue(value)}]`);
    else if (key === 'enum' && Array.isArray(value)) {
      out.set('enum', `[${[...new Set((value as unknown[]).map(canonicalValue))].sort().join(',')}]`);
    } else if (key === 'required' && Array.isArray(value)) out.set(key, canonicalValue([...new Set(value as string[])].sort()));
    else if (key === 'type') out.set(key, canonicalValue((Array.isArray(value) ? [...(value as string[])] : [value]).sort()));
    else if (key === 'dependentRequired' && isRecord(value)) {
      out.set(key, canonicalValue(Object.fromEntries(Object.entries(value).map(([k, v]) => [k, Array.isArray(v) ? [...new Set(v as string[])].sort() : v]))));
    } else if (SCHEMA_KEYWORDS.has(key) && !(key === 'items' && Array.isArray(value))) out.set(key, sub(value));
    else if (SCHEMA_MAP_KEYWORDS.has(key) && isRecord(value)) {
      out.set(key, `{${Object.keys(value).sort().map((name) => `${JSON.stringify(name)}:${sub(value[name])}`).join(',')}}`);
    } else if ((key === 'anyOf' || key === 'oneOf') && Array.isArray(value)) {
      // A branch listed twice is redundant in `anyOf` but not in `oneOf`: there a value it
      // accepts matches two branches and fails, so oneOf [A, A] is not oneOf [A].
      const branches = (value as unknown[]).map(sub);
      out.set(key, `[${(key === 'anyOf' ? [...new Set(branches)] : branches).sort().join(',')}]`);
    } else if ((key === 'prefixItems' || key === 'items') && Array.isArray(value)) out.set(key, `[${(value as unknown[]).map(sub).join(',')}]`);
    else out.set(key, canonicalValue(value));
  }
  if (out.size === 0) return 'true';
  return `{${[...out.keys()]
    .sort()
    .map((key) => `${JSON.stringify(key)}:${out.get(key)!}`)
    .join(',')}}`;
}
