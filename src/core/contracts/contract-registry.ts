// The contract registry: compiles the canonical JSON Schema 2020-12 contracts once and checks
// an event's envelope and data against them, reporting every failing JSON pointer. Several
// versions of a type may be known; the manifest's `contracts.inForce` says which ones the door
// takes (docs/adr/0011-contract-versions-and-upcasting.md).
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import formats from 'ajv-formats';
import type { CloudEvent } from '../envelope.js';
import { dataVersionOf } from '../envelope.js';
import type { ContractViolationCode, Violation } from '../errors.js';
import { MillraceError } from '../errors.js';
import type { DataRule } from './data-rules.js';
import { dataRuleOf } from './data-rules.js';
import { deeperThan, depthBound, MAX_EVENT_DEPTH } from './depth-bound.js';
import { inlineRefs } from './inline-refs.js';

// ajv-formats is CommonJS: under NodeNext its default import is the module, whose `default` is the plugin.
const addFormats = formats.default;

/** A JSON Schema document as loaded from the contracts folder. */
export type SchemaDocument = Readonly<Record<string, unknown>>;

/** Annotation keywords the contracts carry for tooling; ajv's strict mode must know them. */
export const CONTRACT_ANNOTATIONS = ['x-event-type', 'x-version', 'x-domain', 'x-derived'] as const;

/** Keywords whose values are data, not schemas: left as they are. */
const DATA_KEYWORDS = new Set(['const', 'enum', 'default', 'examples']);

/**
 * A copy of a contract in which every `integer` without a bound of its own is held to I-JSON's
 * range (RFC 7493: +-(2^53 - 1)), the whole numbers a JSON parser keeps exactly. Past it
 * `99999999999999999999` parses as 100000000000000000000: the log would keep the digits sent and
 * the workflows read others. The contract files stay as written; the door adds the bound.
 */
export function safeIntegers(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(safeIntegers);
  if (schema === null || typeof schema !== 'object') return schema;
  const copy: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) copy[key] = DATA_KEYWORDS.has(key) ? value : safeIntegers(value);
  if (copy.type === 'integer') {
    if (copy.maximum === undefined && copy.exclusiveMaximum === undefined) copy.maximum = Number.MAX_SAFE_INTEGER;
    if (copy.minimum === undefined && copy.exclusiveMinimum === undefined) copy.minimum = -Number.MAX_SAFE_INTEGER;
  }
  return copy;
}

export interface ContractInfo {
  readonly eventType: string;
  readonly version: number;
  readonly domain: string;
  readonly derived: boolean;
  readonly schemaId: string;
}

/** What the registry ships, for the manifest's cross references. */
export interface ContractCatalog {
  /** Versions shipped per event type, ascending. */
  readonly versions: ReadonlyMap<string, readonly number[]>;
  /** Event types only the hub derives (source /millrace). */
  readonly derived: ReadonlySet<string>;
  /** Field paths of each contract's data (`receiptId`, `lines[].quantity`), keyed `type@version`; for CSV mappings. */
  readonly fields?: ReadonlyMap<string, ReadonlySet<string>>;
}

export interface ContractSet {
  /** Shared `$defs` documents referenced by absolute `$id` (e.g. common/v1). */
  readonly shared: readonly SchemaDocument[];
  readonly envelope: SchemaDocument;
  /** One data schema per event type and major version. */
  readonly contracts: readonly SchemaDocument[];
}

export type EnvelopeCheck =
  | { readonly ok: true; readonly event: CloudEvent }
  | { readonly ok: false; readonly code: 'contract_violation'; readonly violations: readonly Violation[] };

export type EventCheck =
  | { readonly ok: true; readonly contract: ContractInfo }
  | { readonly ok: false; readonly code: ContractViolationCode; readonly violations: readonly Violation[] };

/** Versions the door takes per event type (the manifest's `contracts.inForce`); a type left out takes every version known. */
export type VersionsInForce = Readonly<Record<string, readonly number[]>>;

export class ContractRegistry {
  private readonly compiler: LazyCompiler;
  /** The contracts by event type, then version: the door looks one up per event without building a key string. */
  private readonly byType: ReadonlyMap<string, ReadonlyMap<number, ContractEntry>>;
  private readonly inForce: VersionsInForce;
  private readonly fieldPaths: ReadonlyMap<string, ReadonlySet<string>>;

  /**
   * Reads a contract set, or (given a registry) shares that registry's contracts: compiling is
   * the expensive part, and the versions in force are only known once the manifest has been
   * checked against the catalog. Nothing is compiled yet: `compileAll` compiles every contract
   * (a hub does, to refuse a broken one at start); otherwise each contract is compiled the first
   * time an event of it is checked (docs/adr/0077-contracts-compiled-on-first-use.md).
   */
  constructor(source: ContractSet | ContractRegistry, inForce: VersionsInForce = {}) {
    this.inForce = inForce;
    if (source instanceof ContractRegistry) {
      this.compiler = source.compiler;
      this.byType = source.byType;
      this.fieldPaths = source.fieldPaths;
      return;
    }
    this.compiler = new LazyCompiler(source);
    const byType = new Map<string, Map<number, ContractEntry>>();
    const fieldPaths = new Map<string, ReadonlySet<string>>();
    for (const doc of source.contracts) {
      const info = contractInfoOf(doc);
      fieldPaths.set(`${info.eventType}@${info.version}`, dataFieldPaths(doc));
      let versions = byType.get(info.eventType);
      if (versions === undefined) byType.set(info.eventType, (versions = new Map<number, ContractEntry>()));
      if (versions.has(info.version)) throw new Error(`two contracts declare ${info.eventType} v${info.version}`);
      versions.set(info.version, new ContractEntry(info, doc, this.compiler, dataRuleOf(info.eventType)));
    }
    this.byType = byType;
    this.fieldPaths = fieldPaths;
  }

  /**
   * Compiles the envelope and every contract not compiled yet; throws a MillraceError
   * (invalid_manifest) naming the first contract that does not compile. Returns the registry.
   */
  compileAll(): this {
    this.compiler.envelope();
    for (const versions of this.byType.values()) for (const entry of versions.values()) void entry.validate;
    return this;
  }

  /** The same compiled contracts, with only these versions taken at the door (the manifest's `contracts.inForce`). */
  withVersionsInForce(inForce: VersionsInForce | undefined): ContractRegistry {
    return new ContractRegistry(this, inForce ?? {});
  }

  /** The versions of a type the door takes, ascending: the manifest's list, or every version known. */
  versionsInForce(eventType: string): number[] {
    const known = this.list()
      .filter((info) => info.eventType === eventType)
      .map((info) => info.version);
    const listed = this.listedInForce(eventType);
    return listed === undefined ? known : known.filter((version) => listed.includes(version));
  }

  private listedInForce(eventType: string): readonly number[] | undefined {
    return Object.hasOwn(this.inForce, eventType) ? this.inForce[eventType] : undefined;
  }

  /** Every contract known, sorted by event type then version. */
  list(): ContractInfo[] {
    return [...this.byType.values()]
      .flatMap((versions) => [...versions.values()].map((entry) => entry.info))
      .sort((a, b) => a.eventType.localeCompare(b.eventType) || a.version - b.version);
  }

  catalog(): ContractCatalog {
    const versions = new Map<string, number[]>();
    const derived = new Set<string>();
    for (const info of this.list()) {
      versions.set(info.eventType, [...(versions.get(info.eventType) ?? []), info.version]);
      if (info.derived) derived.add(info.eventType);
    }
    return { versions, derived, fields: this.fieldPaths };
  }

  has(eventType: string, version = 1): boolean {
    return this.byType.get(eventType)?.has(version) === true;
  }

  /**
   * Checks one event. `pointerPrefix` locates the event inside what the caller sent (for a
   * batch, `/3`), so each reported pointer can be followed in the caller's own document.
   */
  check(candidate: unknown, pointerPrefix = ''): EventCheck {
    const envelope = this.checkEnvelope(candidate, pointerPrefix);
    return envelope.ok ? this.checkData(envelope.event, pointerPrefix) : envelope;
  }

  /** The envelope alone: enough to know who claims to publish what, before reading `data`. */
  checkEnvelope(candidate: unknown, pointerPrefix = ''): EnvelopeCheck {
    const validate = this.compiler.envelope();
    if (validate(candidate)) return { ok: true, event: candidate as CloudEvent };
    return { ok: false, code: 'contract_violation', violations: toViolations(validate.errors, pointerPrefix) };
  }

  /**
   * The event's `data` against the contract of its type and `dataversion`. A version that exists
   * but is not in force is refused before its data is read: the sender must move to a version
   * the governance board has put in force, whatever the data says.
   */
  checkData(event: CloudEvent, pointerPrefix = ''): EventCheck {
    const version = dataVersionOf(event);
    const versions = this.byType.get(event.type);
    const entry = versions?.get(version);
    if (entry === undefined) {
      const known = versions !== undefined;
      const message = known ? `event type ${event.type} has no contract version ${version}` : `no contract for event type ${event.type}`;
      const pointer = known ? '/dataversion' : '/type';
      return { ok: false, code: 'unknown_event_type', violations: [{ pointer: pointerPrefix + pointer, message, keyword: 'contract' }] };
    }
    const listed = this.listedInForce(event.type);
    if (listed !== undefined && !listed.includes(version)) {
      const inForce = this.versionsInForce(event.type);
      const accepted = inForce.length === 0 ? 'no version of it' : inForce.map((v) => `v${v}`).join(', ');
      const message = `${event.type} v${version} is not in force; the governance manifest accepts ${accepted}`;
      return { ok: false, code: 'contract_version_not_in_force', violations: [{ pointer: `${pointerPrefix}/dataversion`, message, keyword: 'inForce' }] };
    }
    const validate = entry.validate;
    if (!validate(event.data)) {
      return { ok: false, code: 'contract_violation', violations: toViolations(validate.errors, `${pointerPrefix}/data`) };
    }
    // A contract open somewhere lets data nest without end: walked only then (depth-bound.ts).
    const tooDeep = entry.depthBounded ? undefined : deeperThan(event.data, MAX_EVENT_DEPTH - 1);
    if (tooDeep !== undefined) {
      const message = `nests deeper than ${MAX_EVENT_DEPTH} levels of objects and arrays (the event itself is level 1)`;
      return { ok: false, code: 'contract_violation', violations: [{ pointer: `${pointerPrefix}/data${tooDeep}`, message, keyword: 'maxDepth' }] };
    }
    // What the schema cannot compare (data-rules.ts): a receipt line rejecting more than it received.
    const broken = entry.rule?.(event.data, `${pointerPrefix}/data`);
    if (broken !== undefined && broken.length > 0) return { ok: false, code: 'contract_violation', violations: broken };
    return { ok: true, contract: entry.info };
  }
}

/**
 * Compiles a contract set's documents when first asked for each, with one ajv instance (made,
 * with the formats and the shared documents, on the first compile). Shared by every registry
 * made from the same set, so a contract is compiled once however many registries check it.
 */
class LazyCompiler {
  private ajv: Ajv2020 | undefined;
  private envelopeValidator: ValidateFunction | undefined;
  private readonly failures = new Map<SchemaDocument, MillraceError>();

  constructor(readonly set: ContractSet) {}

  envelope(): ValidateFunction {
    this.envelopeValidator ??= this.compile(this.set.envelope, 'the envelope');
    return this.envelopeValidator;
  }

  /**
   * ajv's message (an invalid keyword, a `$ref` that leads nowhere, a bad regex) names no
   * contract: a board with many needs to know which. `what` names it.
   */
  compile(doc: SchemaDocument, what: string): ValidateFunction {
    const failed = this.failures.get(doc);
    if (failed !== undefined) throw failed;
    const ajv = this.instance();
    try {
      return ajv.compile(safeIntegers(doc) as Record<string, unknown>);
    } catch (error) {
      // Kept: ajv holds the schema's $id from the failed try, and a second try would say only that.
      const failure = new MillraceError('invalid_manifest', `cannot load the contracts: ${what}: ${(error as Error).message}`);
      this.failures.set(doc, failure);
      throw failure;
    }
  }

  private instance(): Ajv2020 {
    if (this.ajv !== undefined) return this.ajv;
    const ajv = new Ajv2020({ strict: true, allErrors: true, allowUnionTypes: true });
    addFormats(ajv);
    for (const keyword of CONTRACT_ANNOTATIONS) ajv.addKeyword({ keyword, schemaType: ['string', 'number', 'boolean'] });
    for (const doc of this.set.shared) {
      try {
        ajv.addSchema(safeIntegers(doc) as Record<string, unknown>);
      } catch (error) {
        throw new MillraceError('invalid_manifest', `cannot load the contracts: shared document ${String(doc.$id)}: ${(error as Error).message}`);
      }
    }
    this.ajv = ajv;
    return ajv;
  }
}

/** One contract of the set: what it declares, and its validator and depth bound once first asked for. */
class ContractEntry {
  private validator: ValidateFunction | undefined;
  private bounded: boolean | undefined;

  constructor(
    readonly info: ContractInfo,
    private readonly doc: SchemaDocument,
    private readonly compiler: LazyCompiler,
    /** What the data must also keep that the schema cannot say (data-rules.ts); undefined for most types. */
    readonly rule: DataRule | undefined,
  ) {}

  get validate(): ValidateFunction {
    this.validator ??= this.compiler.compile(this.doc, `${this.info.eventType} v${this.info.version} (${this.info.schemaId})`);
    return this.validator;
  }

  /** Whether the contract itself keeps the data within MAX_EVENT_DEPTH (no walk needed). */
  get depthBounded(): boolean {
    this.bounded ??= dataDepthBound(this.doc, this.compiler.set.shared) <= MAX_EVENT_DEPTH - 1;
    return this.bounded;
  }
}

/** The depth bound of a contract's data (depth-bound.ts); Infinity when its references cannot be inlined (a recursive one). */
function dataDepthBound(doc: SchemaDocument, shared: readonly SchemaDocument[]): number {
  let inlined: unknown;
  try {
    inlined = inlineRefs(doc, shared);
  } catch {
    return Number.POSITIVE_INFINITY;
  }
  return depthBound(inlined);
}

/** What a contract must declare about itself and does not, e.g. `lacks x-domain`; undefined when nothing is missing. */
export function contractDeclarationProblem(doc: SchemaDocument): string | undefined {
  const missing = (['x-event-type', 'x-version', 'x-domain', '$id'] as const).filter((key) => typeof doc[key] !== (key === 'x-version' ? 'number' : 'string'));
  return missing.length === 0 ? undefined : `lacks ${missing.join(', ')}`;
}

/** What a contract document declares about itself (its `x-` annotations and `$id`). */
export function contractInfoOf(doc: SchemaDocument): ContractInfo {
  const eventType = doc['x-event-type'];
  const version = doc['x-version'];
  const domain = doc['x-domain'];
  const schemaId = doc.$id;
  if (typeof eventType !== 'string' || typeof version !== 'number' || typeof domain !== 'string' || typeof schemaId !== 'string') {
    throw new Error(`contract ${String(schemaId)} ${contractDeclarationProblem(doc) ?? ''}`);
  }
  return { eventType, version, domain, derived: doc['x-derived'] === true, schemaId };
}

function toViolations(errors: ErrorObject[] | null | undefined, prefix: string): Violation[] {
  const seen = new Set<string>();
  const violations: Violation[] = [];
  for (const error of errors ?? []) {
    // A failed `if` only says which branch applied; the branch's own errors carry the detail.
    if (error.keyword === 'if') continue;
    const pointer = prefix + error.instancePath;
    const message = describe(error);
    const key = `${pointer}\u0000${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    violations.push({ pointer, message, keyword: error.keyword });
  }
  return violations;
}

function describe(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return `missing required property "${String(params.missingProperty)}"`;
    case 'additionalProperties':
      return `unknown property "${String(params.additionalProperty)}"`;
    case 'enum':
      return `must be one of ${JSON.stringify(params.allowedValues)}`;
    case 'format':
      return `must be a valid ${String(params.format)}`;
    default:
      return error.message ?? error.keyword;
  }
}

/** The data's properties and, for arrays of objects, their items' properties as `array[].name`. */
function dataFieldPaths(doc: SchemaDocument): Set<string> {
  const paths = new Set<string>();
  const properties = (schema: unknown): Record<string, unknown> => {
    const props = (schema as { properties?: unknown } | undefined)?.properties;
    return props !== null && typeof props === 'object' ? (props as Record<string, unknown>) : {};
  };
  for (const [name, schema] of Object.entries(properties(doc))) {
    paths.add(name);
    const items = (schema as { items?: unknown } | undefined)?.items;
    for (const inner of Object.keys(properties(items))) paths.add(`${name}[].${inner}`);
  }
  return paths;
}
