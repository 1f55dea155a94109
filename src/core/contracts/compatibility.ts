// Contract compatibility in Confluent Schema Registry's modes: is NEW a safe next version of the
// `data` schema after OLD (or after every earlier version, for the transitive modes)?
//
// Direction rules. An instance is a `data` object; "OLD accepts" means valid under OLD.
// - backward: every instance OLD accepts, NEW accepts (consumers upgraded to NEW read data
//   producers still write with OLD). Breaks on a `narrows` change: a property made required,
//   an enum value removed, a tighter maxLength/maximum, a pattern or format added, a type
//   narrowed (number -> integer), a property removed from a closed model, additionalProperties
//   closed, an anyOf branch removed, a constraint added in an open model's new property.
//   An anyOf on one side only (a nullable written as anyOf [X, null]) is read as a union of
//   alternatives, so adding it widens and dropping it narrows, nothing more (schema-diff.ts).
// - forward: every instance NEW accepts, OLD accepts (consumers still on OLD read data written
//   with NEW). Breaks on a `widens` change: an optional property added to a CLOSED model (old
//   readers reject the unknown property), a required property dropped, an enum value added, a
//   type widened (integer -> number), a looser bound, a pattern or format removed.
// - full: both. `*_transitive`: the same against every earlier version, oldest first, not only
//   the last one. none: always compatible; the changes are still listed, none breaking.
// - Anything the rules cannot decide (a changed `pattern`, if/then/else, patternProperties,
//   unevaluated*, a oneOf whose branches may overlap, an unknown format or keyword) is reported
//   as an `*_undecidable` change that breaks every mode but `none`: never a silent "compatible".
// - Annotations (`title`, `description`, `examples`, `default`, `$comment`, `x-*`) never matter.
//   `format` is an assertion here, as Millrace validates formats at the door.
// The change kinds and their effects are in change-kinds.ts and docs/compatibility.md.
import { Ajv2020 } from 'ajv/dist/2020.js';
import { CHANGE_KINDS, effectOf, type ChangeEffect, type ChangeKind, type SchemaChange } from './change-kinds.js';
import { diffSchemas } from './schema-diff.js';
import { isRecord, SchemaInputError, SchemaScope } from './schema-scope.js';

export { CHANGE_KINDS, SchemaInputError };
export type { ChangeEffect, ChangeKind, SchemaChange };

export const COMPATIBILITY_MODES = ['backward', 'backward_transitive', 'forward', 'forward_transitive', 'full', 'full_transitive', 'none'] as const;
export type CompatibilityMode = (typeof COMPATIBILITY_MODES)[number];

export function isCompatibilityMode(value: string): value is CompatibilityMode {
  return (COMPATIBILITY_MODES as readonly string[]).includes(value);
}

/** One version of a schema: its parsed JSON and a label (a file name) for messages. */
export interface SchemaVersion {
  readonly label: string;
  readonly schema: unknown;
}

export interface CompatibilityChange {
  readonly path: string;
  readonly kind: ChangeKind;
  readonly breaking: boolean;
  readonly message: string;
}

export interface CompatibilityReport {
  readonly compatible: boolean;
  readonly changes: readonly CompatibilityChange[];
}

export interface CompatibilityInput {
  /** Earlier versions, oldest first; non-transitive modes compare against the last one only. */
  readonly previous: readonly SchemaVersion[];
  readonly next: SchemaVersion;
  readonly mode: CompatibilityMode;
  /** Documents reachable by absolute `$ref` (e.g. contracts/common/v1.schema.json). */
  readonly shared?: readonly unknown[];
}

/** Whether a change of this effect breaks the mode. */
export function breaks(effect: ChangeEffect, mode: CompatibilityMode): boolean {
  if (mode === 'none' || effect === 'none') return false;
  if (effect === 'both' || effect === 'undecidable') return true;
  if (mode.startsWith('backward')) return effect === 'narrows';
  if (mode.startsWith('forward')) return effect === 'widens';
  return true;
}

/**
 * Checks NEW against OLD (or every OLD, transitive modes). Throws SchemaInputError when a
 * document is not a usable JSON Schema 2020-12 document or a `$ref` cannot be resolved.
 */
export function checkCompatibility(input: CompatibilityInput): CompatibilityReport {
  const { previous, next, mode } = input;
  const shared = input.shared ?? [];
  if (previous.length === 0) throw new SchemaInputError(next.label, ['there is no earlier version to compare with']);
  for (const [i, doc] of shared.entries()) assertSchemaDocument({ label: `shared document ${i + 1}`, schema: doc });
  for (const version of [...previous, next]) assertSchemaDocument(version);
  const against = mode.endsWith('_transitive') ? previous : previous.slice(-1);
  const nextScope = new SchemaScope(next.label, next.schema, shared);
  const merged = new Map<string, { change: SchemaChange; labels: string[] }>();
  for (const version of against) {
    const oldScope = new SchemaScope(version.label, version.schema, shared);
    for (const change of diffSchemas(oldScope.root, nextScope.root)) {
      // The same change against several earlier versions is listed once, naming them all.
      const key = `${change.path}\u0000${change.kind}\u0000${change.message}`;
      const entry = merged.get(key);
      if (entry === undefined) merged.set(key, { change, labels: [version.label] });
      else if (!entry.labels.includes(version.label)) entry.labels.push(version.label);
    }
  }
  const changes = [...merged.values()].map(({ change, labels }) => ({
    path: change.path,
    kind: change.kind,
    breaking: breaks(effectOf(change.kind), mode),
    message: against.length > 1 ? `${change.message} (against ${labels.join(', ')})` : change.message,
  }));
  return { compatible: !changes.some((change) => change.breaking), changes };
}

const DRAFT_2020_12 = 'https://json-schema.org/draft/2020-12/schema';
let metaValidator: Ajv2020 | undefined;

/** A usable document is a JSON Schema 2020-12 object (or boolean) that its meta-schema accepts. */
function assertSchemaDocument(version: SchemaVersion): void {
  const { label, schema } = version;
  if (typeof schema === 'boolean') return;
  if (!isRecord(schema)) throw new SchemaInputError(label, [`is not a JSON Schema: expected an object, got ${Array.isArray(schema) ? 'an array' : schema === null ? 'null' : typeof schema}`]);
  const declared = schema.$schema;
  if (declared !== undefined && (typeof declared !== 'string' || declared.replace(/#$/, '') !== DRAFT_2020_12)) {
    throw new SchemaInputError(label, [`declares $schema ${JSON.stringify(declared)}; only JSON Schema 2020-12 (${DRAFT_2020_12}) is supported`]);
  }
  metaValidator ??= new Ajv2020({ strict: false, validateFormats: false });
  if (!metaValidator.validateSchema(schema)) {
    const problems = (metaValidator.errors ?? []).map((error) => `${error.instancePath || '(root)'} ${error.message ?? error.keyword}`);
    throw new SchemaInputError(label, [`is not a valid JSON Schema 2020-12 document: ${[...new Set(problems)].slice(0, 5).join('; ')}`]);
  }
  const problems = invalidPatterns(schema, '');
  if (problems.length > 0) throw new SchemaInputError(label, problems);
}

/** Regular expressions are compiled as the validator does (ECMA-262 with the `u` flag). */
function invalidPatterns(schema: unknown, at: string): string[] {
  if (Array.isArray(schema)) return (schema as unknown[]).flatMap((item, i) => invalidPatterns(item, `${at}/${i}`));
  if (!isRecord(schema)) return [];
  const problems: string[] = [];
  const check = (pattern: string, where: string): void => {
    try {
      new RegExp(pattern, 'u');
    } catch (error) {
      problems.push(`${where}: /${pattern}/ is not a valid regular expression (${(error as Error).message})`);
    }
  };
  for (const [key, value] of Object.entries(schema)) {
    // Enum and const values are data, not schemas: a "pattern" key inside them means nothing.
    if (key === 'enum' || key === 'const' || key === 'examples' || key === 'default') continue;
    if (key === 'pattern' && typeof value === 'string') check(value, `${at}/pattern`);
    if (key === 'patternProperties' && isRecord(value)) for (const name of Object.keys(value)) check(name, `${at}/patternProperties`);
    problems.push(...invalidPatterns(value, `${at}/${key}`));
  }
  return problems;
}

/** Every change kind with its effect, for documentation and tooling. */
export function changeKindTable(): readonly { readonly kind: ChangeKind; readonly effect: ChangeEffect; readonly summary: string }[] {
  return (Object.keys(CHANGE_KINDS) as ChangeKind[]).map((kind) => ({ kind, effect: CHANGE_KINDS[kind].effect, summary: CHANGE_KINDS[kind].summary }));
}
