// The governance manifest (DESIGN.md section 4): domains and teams, systems and partners with
// their authority, contracts in force, SLAs, tolerances, exception owners, subscriptions and
// master data. checkManifest validates the shape, then the rules of manifest-rules.ts.
import { Ajv2020 } from 'ajv/dist/2020.js';
import formats from 'ajv-formats';
import type { ContractCatalog } from '../contracts/contract-registry.js';
import type { CsvMappingDeclaration } from '../csv/csv-mapping.js';
import type { MqttDeclaration, NatsDeclaration } from '../edge/edge-mapping.js';
import type { P2PPolicySettings } from '../p2p/p2p-policy.js';
import type { PlantPolicySettings } from '../plant/plant-policy.js';
import { manifestRules } from './manifest-rules.js';
import { DECIMAL_PATTERN, MANIFEST_SCHEMA, PATTERN_FORMS } from './manifest.schema.js';

const addFormats = formats.default;

/** Systems and partners publish; operators (people, keys made with `keys add --operator`) read and resolve. */
export type PrincipalKind = 'system' | 'partner' | 'operator';

export type { ContractCatalog };

export type SourceMode = 'enforce' | 'observe';
export type DomainRole = 'record' | 'execution' | 'engagement';

interface Publisher {
  readonly id: string;
  readonly name?: string;
  readonly publishes: readonly string[];
  /** enforce (default) or observe. */
  readonly mode: SourceMode;
  /** Longest accepted delay per event type, "default" for the rest. */
  readonly maxLag?: Readonly<Record<string, string>>;
  /** The longest the source is expected to go without sending an event ("1h", "1d"). */
  readonly cadence?: string;
  readonly rateLimit?: { readonly perMinute: number };
}

export interface SystemDeclaration extends Publisher {
  readonly kind: string;
  readonly plant?: string;
  readonly region?: string;
  /** Role per data domain. */
  readonly roles: Readonly<Record<string, DomainRole>>;
  /** Interchange ids of a system that sends X12 itself (a buyer ERP sending 850s). */
  readonly x12?: { readonly qualifier: string; readonly id: string };
}

export interface PartnerDeclaration extends Publisher {
  readonly supplierId: string;
  readonly protocols: readonly string[];
  readonly x12?: { readonly qualifier: string; readonly id: string };
  readonly credentials?: readonly string[];
}

export interface TeamDeclaration {
  readonly id: string;
  readonly name?: string;
}

export interface DomainDeclaration {
  readonly id: string;
  readonly name?: string;
  readonly owner: string;
  readonly eventTypes: readonly string[];
}

export interface MaintenanceWindow {
  readonly days: readonly string[];
  readonly from: string;
  readonly to: string;
  readonly timezone: string;
}

export interface SubscriptionDeclaration {
  readonly id: string;
  readonly subscriber: string;
  readonly types: readonly string[];
  readonly filter?: { readonly plant?: string; readonly supplierId?: string };
  readonly channel: { readonly kind: 'webhook' | 'nats' | 'mqtt' | 'x12'; readonly url?: string; readonly subject?: string; readonly topic?: string; readonly secret?: string };
  readonly maintenanceWindows?: readonly MaintenanceWindow[];
  /** Retries, dead letter and timeout of outbound deliveries (defaults in core/delivery/delivery-policy.ts). */
  readonly delivery?: { readonly maxAttempts?: number; readonly initialBackoff?: string; readonly maxBackoff?: string; readonly timeout?: string };
}

/** Settings a manifest may carry for the hub process; flags and MILLRACE_* variables override them. */
export interface HubSettings {
  readonly port?: number;
  readonly host?: string;
  readonly store?: string;
  readonly bodyLimit?: string | number;
  /** Largest MQTT or NATS message taken (default: bodyLimit). */
  readonly edgePayloadLimit?: string | number;
  readonly dropFolderLimit?: string | number;
  readonly logLevel?: string;
  /** OTLP/HTTP collector for traces (docs/adr/0018); absent: tracing is off. */
  readonly otlpEndpoint?: string;
  /** Who may scrape GET /metrics: `none` (no key, the default) or `operator` (an operator key, docs/adr/0070). */
  readonly metricsAuth?: string;
}

export type CompatibilityModeSetting = 'backward' | 'backward_transitive' | 'forward' | 'forward_transitive' | 'full' | 'full_transitive' | 'none';

export interface Manifest {
  readonly version: 1;
  readonly enterprise: { readonly name: string };
  /** Process settings, and the hub's own interchange id (ISA05/ISA06 of what it sends), which is not one. */
  readonly hub: HubSettings & { readonly x12?: { readonly qualifier: string; readonly id: string } };
  readonly teams: readonly TeamDeclaration[];
  readonly domains: readonly DomainDeclaration[];
  readonly systems: readonly SystemDeclaration[];
  readonly partners: readonly PartnerDeclaration[];
  readonly contracts: { readonly folder?: string; readonly compatibility: CompatibilityModeSetting; readonly inForce?: Readonly<Record<string, readonly number[]>> };
  readonly slas: NonNullable<P2PPolicySettings['slas']>;
  readonly tolerances: NonNullable<P2PPolicySettings['tolerances']>;
  readonly exceptionOwners: Readonly<Record<string, string>>;
  readonly subscriptions: readonly SubscriptionDeclaration[];
  readonly masterData: {
    readonly unitConversions?: NonNullable<P2PPolicySettings['unitConversions']>;
    readonly suppliers?: readonly string[];
    readonly itemCodes?: Readonly<Record<string, Readonly<Record<string, string>>>>;
    readonly supplierCodes?: Readonly<Record<string, Readonly<Record<string, string>>>>;
    /** Per source, local plant codes and the canonical plant codes. */
    readonly plantCodes?: Readonly<Record<string, Readonly<Record<string, string>>>>;
    /** Per source, local unit codes and the canonical units. */
    readonly unitCodes?: Readonly<Record<string, Readonly<Record<string, string>>>>;
    readonly alignment?: { readonly owner?: string };
    readonly standardCosts?: NonNullable<PlantPolicySettings['standardCosts']>;
  };
  /** The plant workflows' SLAs, transit lanes and tolerances (docs/adr/0015). */
  readonly plant: Pick<PlantPolicySettings, 'slas' | 'plants' | 'lanes' | 'tolerances'>;
  /** CSV files of legacy systems and how they map to canonical events (docs/csv.md). */
  readonly csvMappings: readonly CsvMappingDeclaration[];
  /** MES messages over MQTT: the broker, the hub's session and the topics it maps (README, ADR 0020). */
  readonly mqtt?: MqttDeclaration;
  /** NATS JetStream at the edge: durable consumers of canonical events, and the server nats subscriptions publish to. */
  readonly nats?: NatsDeclaration;
}

/** A problem found in a manifest, located by its path in the document (e.g. `systems/2/publishes/0`). */
export interface ManifestProblem {
  readonly path: readonly (string | number)[];
  readonly code: string;
  readonly severity: 'error' | 'warning';
  readonly message: string;
  /** How to fix it. */
  readonly hint: string;
}

export type ManifestCheck =
  | { readonly ok: true; readonly manifest: Manifest; readonly warnings: readonly ManifestProblem[] }
  | { readonly ok: false; readonly problems: readonly ManifestProblem[] };

/**
 * Compiled on first use (checkManifest). The trap: compiled at module load (allErrors makes it
 * large), it cost every importer of the core about 250 ms, `millrace --help` included, whether
 * or not a manifest was read (docs/adr/0042).
 */
function compileShapeValidator() {
  // verbose: a shape problem says what the value should look like (its schema's pattern) and what it is.
  const ajv = new Ajv2020({ strict: true, allErrors: true, useDefaults: true, allowUnionTypes: true, verbose: true });
  addFormats(ajv);
  return ajv.compile(MANIFEST_SCHEMA);
}
let validateShape: ReturnType<typeof compileShapeValidator> | undefined;

/**
 * Checks a parsed manifest document: its shape, then the governance rules the shape cannot
 * express (manifest-rules.ts). Every problem is returned, not only the first; warnings do not
 * stop a manifest from being used.
 */
export function checkManifest(document: unknown, catalog: ContractCatalog): ManifestCheck {
  // useDefaults fills absent lists in place: work on a copy so the caller's document is unchanged.
  const candidate: unknown = structuredClone(document);
  validateShape ??= compileShapeValidator();
  if (!validateShape(candidate)) {
    const problems = (validateShape.errors ?? []).map((error) => ({
      path: pointerToPath(error.instancePath),
      code: 'manifest_shape',
      severity: 'error' as const,
      message: error.data === null && NULL_KEYWORDS.has(error.keyword) ? emptyMessage(error.instancePath, error.schemaPath, error.parentSchema) : shapeMessage(error.keyword, error.params as Record<string, unknown>, error.message, error.parentSchema, error.data),
      hint: 'see the manifest schema: npx millrace manifest schema',
    }));
    return { ok: false, problems };
  }
  const manifest = candidate as unknown as Manifest;
  const problems = manifestRules(manifest, catalog);
  if (problems.some((p) => p.severity === 'error')) return { ok: false, problems };
  return { ok: true, manifest: deepFreeze(manifest), warnings: problems };
}

/** The P2P policy settings a manifest declares. */
export function p2pSettingsOf(manifest: Manifest): P2PPolicySettings {
  return {
    slas: manifest.slas,
    tolerances: manifest.tolerances,
    exceptionOwners: manifest.exceptionOwners,
    ...(manifest.masterData.unitConversions === undefined ? {} : { unitConversions: manifest.masterData.unitConversions }),
    // Supplier master data, when kept, includes every partner the manifest declares.
    ...(manifest.masterData.suppliers === undefined ? {} : { suppliers: [...manifest.masterData.suppliers, ...manifest.partners.map((p) => p.supplierId)] }),
  };
}

/** The plant workflows' policy settings a manifest declares (its `plant` section and master data). */
export function plantSettingsOf(manifest: Manifest): PlantPolicySettings {
  const { unitConversions, standardCosts } = manifest.masterData;
  return {
    ...manifest.plant,
    exceptionOwners: manifest.exceptionOwners,
    ...(unitConversions === undefined ? {} : { unitConversions }),
    ...(standardCosts === undefined ? {} : { standardCosts }),
  };
}

/** The `source` URI reference a principal must put on the events it publishes. */
export function sourceOf(kind: PrincipalKind, id: string): string {
  return `/${kind}s/${id}`;
}

function pointerToPath(pointer: string): (string | number)[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'))
    .map((part) => (/^\d+$/.test(part) ? Number(part) : part));
}

/** The keywords a null value fails; Ajv reports one of them for a key left empty. */
const NULL_KEYWORDS: ReadonlySet<string> = new Set(['type', 'enum', 'const']);
const EMPTY_NOTE = '(YAML reads a key with nothing under it, or only commented-out lines, as null)';
/** What one item of each list is called, by the list's key. */
const ITEM_NOUNS: Readonly<Record<string, string>> = {
  teams: 'team',
  domains: 'domain',
  systems: 'system',
  partners: 'partner',
  subscriptions: 'subscription',
  csvMappings: 'CSV mapping',
  publishes: 'event type',
  types: 'event type',
  eventTypes: 'event type',
  topics: 'topic',
  consumers: 'consumer',
  lanes: 'lane',
  credentials: 'credential id',
  protocols: 'protocol',
  suppliers: 'supplier id',
  days: 'day',
  maintenanceWindows: 'maintenance window',
  groupBy: 'column',
  key: 'column',
};

/**
 * A key left empty: `teams:` with every item commented out is YAML null, and said only
 * `must be array`. Says which key, that it is empty, and the two ways out (or the one, for a
 * required key).
 */
function emptyMessage(instancePath: string, schemaPath: string, schema: unknown): string {
  const path = pointerToPath(instancePath);
  const last = path[path.length - 1];
  const name = typeof last === 'number' ? `item ${last + 1} of ${String(path[path.length - 2] ?? 'the list')}` : (last ?? 'the manifest');
  // schemaPath ends in /properties/<key>/<keyword> when the key is a declared property.
  const steps = schemaPath.replace(/^#\//, '').split('/');
  const declared = steps.length >= 3 && steps[steps.length - 3] === 'properties' ? steps[steps.length - 2] : undefined;
  const parent = declared === undefined ? undefined : schemaAt(steps.slice(0, -3));
  const required = declared !== undefined && Array.isArray(parent?.required) && parent.required.includes(declared);
  const own = schema as { type?: unknown; required?: unknown } | undefined;
  const types = Array.isArray(own?.type) ? own.type : [own?.type];
  let want: string;
  if (typeof last === 'number') return `${name} is empty: give the item, or remove its "-" line (YAML reads a "-" with nothing after it as null)`;
  if (last === undefined) return 'the manifest is empty: it needs at least version: 1 and enterprise: { name: ... } (npx millrace init writes a starter)';
  if (types.includes('array')) want = `list at least one ${ITEM_NOUNS[name] ?? 'item'}`;
  else if (types.includes('object')) want = Array.isArray(own?.required) && own.required.length > 0 ? `give its ${own.required.join(', ')}` : 'give at least one of its entries';
  else want = 'give it a value';
  return `${name} is empty: ${want}${required ? '; the key is required' : ', or remove the key'} ${EMPTY_NOTE}`;
}

/** The manifest schema's node at a path of schema keywords. */
function schemaAt(steps: readonly string[]): { required?: unknown } | undefined {
  let node: unknown = MANIFEST_SCHEMA;
  for (const step of steps) node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[decodeURIComponent(step).replaceAll('~1', '/').replaceAll('~0', '~')] : undefined;
  return node !== null && typeof node === 'object' ? node : undefined;
}

function shapeMessage(keyword: string, params: Record<string, unknown>, fallback: string | undefined, schema: unknown, data: unknown): string {
  if (keyword === 'required') return `missing required property "${String(params.missingProperty)}"`;
  if (keyword === 'additionalProperties') return `unknown property "${String(params.additionalProperty)}"`;
  if (keyword === 'enum') return `must be one of ${JSON.stringify(params.allowedValues)}`;
  if (keyword === 'const') return `must be ${JSON.stringify(params.allowedValue)}`;
  // A value of a patterned string: say what it should look like, not the regular expression.
  const pattern = (schema as { pattern?: unknown } | undefined)?.pattern;
  const shape = typeof pattern === 'string' ? PATTERN_FORMS.get(pattern) : undefined;
  if (shape !== undefined && keyword === 'pattern') {
    return pattern === DECIMAL_PATTERN ? `must be ${shape.form}: digits, one optional point, an optional leading minus` : `must be ${shape.form}`;
  }
  if (shape !== undefined && keyword === 'type') {
    // The trap: YAML reads `pricePercent: 2` and `invoice_hold: 24` as numbers.
    if (typeof data === 'number' && shape.unit === true) return `must be ${shape.form}; ${data} has no unit`;
    if (typeof data === 'number' && pattern === DECIMAL_PATTERN) return `must be ${shape.form}, so that it is read exactly; write "${data}"`;
    return `must be ${shape.form}`;
  }
  return fallback ?? keyword;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const item of Object.values(value as Record<string, unknown>)) deepFreeze(item);
  }
  return value;
}
