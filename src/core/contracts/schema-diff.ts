// Walks OLD and NEW JSON Schema 2020-12 side by side, instance location by instance location,
// and lists what changed with a stable kind per change (change-kinds.ts). Every rule is written
// so that an empty list proves OLD and NEW accept the same instances; a rule that cannot prove
// its case reports a narrowing, a widening or an `*_undecidable` change, never nothing.
import { effectOf, type ChangeEffect, type ChangeKind, type SchemaChange } from './change-kinds.js';
import {
  canonicalSchema,
  canonicalValue,
  canonicalKeywordsOf,
  escapePointer,
  flatten,
  isRecord,
  SchemaInputError,
  withoutKeyword,
  type FlatSchema,
  type SchemaNode,
} from './schema-scope.js';

/** Where a compared subschema sits, which decides the kind used when one side accepts nothing. */
type Role = 'value' | 'property' | 'additional';

interface Walk {
  /** Instance location (JSON pointer, `*` for any item or any undeclared property). */
  readonly path: string;
  /** Instance depth: a `$ref` cycle met again deeper is assumed to hold (induction on depth). */
  readonly depth: number;
  /** Message prefix naming the branch or keyword being compared, e.g. `anyOf branch 2: `. */
  readonly where: string;
  readonly role: Role;
  readonly subject: string;
  readonly active: ReadonlyMap<string, number>;
  readonly out: SchemaChange[];
}

export function diffSchemas(oldRoot: SchemaNode, newRoot: SchemaNode): SchemaChange[] {
  const out: SchemaChange[] = [];
  compare([oldRoot], [newRoot], { path: '', depth: 0, where: '', role: 'value', subject: 'the value', active: new Map(), out });
  return out;
}

function emit(w: Walk, kind: ChangeKind, message: string, path = w.path): void {
  w.out.push({ path, kind, message: w.where + message });
}

function compare(olds: readonly SchemaNode[], news: readonly SchemaNode[], walk: Walk): void {
  const fo = flatten(olds, walk.path);
  const fn = flatten(news, walk.path);
  let w = walk;
  const pair = fo.refs.length + fn.refs.length > 0 ? `${fo.refs.join(' ')}|${fn.refs.join(' ')}` : undefined;
  if (pair !== undefined) {
    const seenAt = w.active.get(pair);
    if (seenAt !== undefined) {
      if (w.depth > seenAt) return;
      emit(w, 'ref_cycle_undecidable', 'a $ref cycle comes back to the same place without descending into the value');
      return;
    }
    w = { ...w, active: new Map(w.active).set(pair, w.depth) };
  }
  if (canonicalSchema(olds) === canonicalSchema(news)) return;
  if (fo.selfReferential || fn.selfReferential) {
    emit(w, 'ref_cycle_undecidable', 'a $ref chain points back to itself');
    return;
  }
  if (fo.never || fn.never) {
    compareNever(fo.never, w);
    return;
  }
  if (compareUnion(olds, news, fo, fn, w)) return;
  if (usesUnevaluated(fo, 'unevaluatedProperties') || usesUnevaluated(fn, 'unevaluatedProperties')) {
    emit(w, 'unevaluated_properties_undecidable', 'the schema uses unevaluatedProperties and changed; what counts as evaluated is not decided');
  }
  if (usesUnevaluated(fo, 'unevaluatedItems') || usesUnevaluated(fn, 'unevaluatedItems')) {
    emit(w, 'unevaluated_items_undecidable', 'the schema uses unevaluatedItems and changed; what counts as evaluated is not decided');
  }
  const typesOld = typeAtoms(fo);
  const typesNew = typeAtoms(fn);
  const valuesOld = valueSet(fo);
  const valuesNew = valueSet(fn);
  // Two value lists are compared exactly; the types they imply would only repeat that finding.
  if (valuesOld === undefined || valuesNew === undefined) compareTypes(typesOld, typesNew, w);
  compareValues(fo, fn, valuesOld, valuesNew, w);
  const shared = new Set([...typesOld].filter((atom) => typesNew.has(atom)));
  // A keyword for one JSON type matters only for types both versions accept: a type one side
  // lacks is already reported as a type change.
  if (shared.has('string')) compareStrings(fo, fn, w);
  if (shared.has('integer') || shared.has('fraction')) compareNumbers(fo, fn, !typesOld.has('fraction') && !typesNew.has('fraction'), w);
  if (shared.has('object')) compareObjects(fo, fn, w);
  if (shared.has('array')) compareArrays(fo, fn, w);
  compareBranches('anyOf', fo, fn, w);
  compareBranches('oneOf', fo, fn, w);
  compareNot(fo, fn, w);
  compareConditional(fo, fn, w);
  compareConjuncts(fo, fn, w);
  compareUnsupported(fo, fn, w);
}

function compareNever(oldIsNever: boolean, w: Walk): void {
  if (w.role === 'property') {
    if (oldIsNever) emit(w, 'property_added_to_closed_model', `${w.subject} is now allowed; readers on the old closed model reject it`);
    else emit(w, 'property_removed_from_closed_model', `${w.subject} is now rejected (closed model); data that carries it no longer passes`);
  } else if (w.role === 'additional') {
    if (oldIsNever) emit(w, 'additional_properties_opened', 'undeclared properties are now accepted (additionalProperties was false)');
    else emit(w, 'additional_properties_closed', 'undeclared properties are now rejected (additionalProperties: false)');
  } else if (oldIsNever) emit(w, 'schema_opened', `${w.subject} was never accepted and now is`);
  else emit(w, 'schema_closed', `${w.subject} is no longer accepted at all`);
}

function usesUnevaluated(flat: FlatSchema, keyword: string): boolean {
  return flat.own.has(keyword) || flat.conjuncts.some((node) => isRecord(node.schema) && keyword in node.schema);
}

// ---- types and values -------------------------------------------------------------------------

/** JSON types, with numbers split so that `integer` is a plain subset of `number`. */
type Atom = 'null' | 'boolean' | 'object' | 'array' | 'string' | 'integer' | 'fraction';
const ALL_ATOMS: readonly Atom[] = ['null', 'boolean', 'object', 'array', 'string', 'integer', 'fraction'];

function atomsOfType(type: string): Atom[] {
  if (type === 'number') return ['integer', 'fraction'];
  return ALL_ATOMS.includes(type as Atom) ? [type as Atom] : [];
}

function atomOfValue(value: unknown): Atom {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return 'boolean';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'fraction';
  if (typeof value === 'string') return 'string';
  return Array.isArray(value) ? 'array' : 'object';
}

function declaredAtoms(flat: FlatSchema): Set<Atom> {
  const type = flat.own.get('type')?.value;
  if (type === undefined) return new Set(ALL_ATOMS);
  return new Set((Array.isArray(type) ? stringList(type) : typeof type === 'string' ? [type] : []).flatMap(atomsOfType));
}

/** The JSON types a schema can accept, narrowed by its `enum`/`const` values. */
function typeAtoms(flat: FlatSchema): Set<Atom> {
  const values = valueSet(flat);
  if (values === undefined) return declaredAtoms(flat);
  return new Set([...values.values()].map(atomOfValue));
}

/** The values an `enum`/`const` allows (those of a declared type only), keyed by canonical JSON. */
function valueSet(flat: FlatSchema): Map<string, unknown> | undefined {
  const enumValue = flat.own.get('enum')?.value;
  const constEntry = flat.own.get('const');
  if (!Array.isArray(enumValue) && constEntry === undefined) return undefined;
  let values = Array.isArray(enumValue) ? (enumValue as unknown[]) : [constEntry!.value];
  if (constEntry !== undefined) values = values.filter((value) => canonicalValue(value) === canonicalValue(constEntry.value));
  const declared = declaredAtoms(flat);
  const accepted = values.filter((value) => declared.has(atomOfValue(value)));
  return new Map(accepted.map((value) => [canonicalValue(value), value]));
}

function describeAtoms(atoms: ReadonlySet<Atom>): string {
  if (atoms.size === ALL_ATOMS.length) return 'any type';
  if (atoms.size === 0) return 'no type';
  const names: string[] = [];
  for (const atom of ALL_ATOMS) {
    if (!atoms.has(atom)) continue;
    if (atom === 'integer') names.push(atoms.has('fraction') ? 'number' : 'integer');
    else if (atom === 'fraction') {
      if (!atoms.has('integer')) names.push('non-integer number');
    } else names.push(atom);
  }
  return names.join(' | ');
}

function compareTypes(oldAtoms: ReadonlySet<Atom>, newAtoms: ReadonlySet<Atom>, w: Walk): void {
  const dropped = [...oldAtoms].filter((atom) => !newAtoms.has(atom));
  const added = [...newAtoms].filter((atom) => !oldAtoms.has(atom));
  if (dropped.length === 0 && added.length === 0) return;
  const message = `type changed from ${describeAtoms(oldAtoms)} to ${describeAtoms(newAtoms)}`;
  if (added.length === 0) emit(w, 'type_narrowed', message.replace('changed', 'narrowed'));
  else if (dropped.length === 0) emit(w, 'type_widened', message.replace('changed', 'widened'));
  else emit(w, 'type_changed', message);
}

function usesConstOnly(flat: FlatSchema): boolean {
  return flat.own.has('const') && !flat.own.has('enum');
}

function compareValues(fo: FlatSchema, fn: FlatSchema, oldValues: Map<string, unknown> | undefined, newValues: Map<string, unknown> | undefined, w: Walk): void {
  if (oldValues === undefined && newValues === undefined) return;
  const list = (values: Map<string, unknown>): string => [...values.keys()].join(', ');
  if (oldValues === undefined) {
    if (usesConstOnly(fn)) emit(w, 'const_added', `${w.subject} is now pinned to ${list(newValues!)}`);
    else emit(w, 'enum_added', `${w.subject} is now restricted to ${list(newValues!)}`);
    return;
  }
  if (newValues === undefined) {
    if (usesConstOnly(fo)) emit(w, 'const_removed', `const ${list(oldValues)} removed`);
    else emit(w, 'enum_removed', `enum restriction removed (was ${list(oldValues)})`);
    return;
  }
  const removed = [...oldValues.keys()].filter((key) => !newValues.has(key));
  const added = [...newValues.keys()].filter((key) => !oldValues.has(key));
  if (removed.length === 0 && added.length === 0) return;
  if (usesConstOnly(fo) && usesConstOnly(fn)) {
    emit(w, 'const_changed', `const changed from ${list(oldValues)} to ${list(newValues)}`);
    return;
  }
  for (const value of removed) emit(w, 'enum_value_removed', `value ${value} is no longer allowed`);
  for (const value of added) emit(w, 'enum_value_added', `value ${value} is newly allowed`);
}

// ---- bounds -------------------------------------------------------------------------------------

function numberOf(flat: FlatSchema, keyword: string): number | undefined {
  const value = flat.own.get(keyword)?.value;
  return typeof value === 'number' ? value : undefined;
}

/** Reports a moved lower bound (`higherIsTighter`) or upper bound; an absent bound is `absent`. */
function compareLimit(
  w: Walk,
  keyword: string,
  oldValue: number | undefined,
  newValue: number | undefined,
  kinds: { readonly tighter: ChangeKind; readonly looser: ChangeKind },
  higherIsTighter: boolean,
  path = w.path,
): void {
  if (oldValue === newValue) return;
  if (oldValue === undefined) emit(w, kinds.tighter, `${keyword} ${String(newValue)} added`, path);
  else if (newValue === undefined) emit(w, kinds.looser, `${keyword} ${String(oldValue)} removed`, path);
  else if (newValue > oldValue === higherIsTighter) emit(w, kinds.tighter, `${keyword} tightened from ${oldValue} to ${newValue}`, path);
  else emit(w, kinds.looser, `${keyword} relaxed from ${oldValue} to ${newValue}`, path);
}

/** A length or count bound whose absent value is its neutral value (0 for minimums). */
function compareCount(w: Walk, fo: FlatSchema, fn: FlatSchema, keyword: string, kinds: { readonly tighter: ChangeKind; readonly looser: ChangeKind }, neutral: number | undefined): void {
  const norm = (value: number | undefined): number | undefined => (value === neutral ? undefined : value);
  compareLimit(w, keyword, norm(numberOf(fo, keyword)), norm(numberOf(fn, keyword)), kinds, neutral === 0);
}

interface Bound {
  readonly value: number;
  readonly exclusive: boolean;
}

function lowerBound(flat: FlatSchema, integersOnly: boolean): Bound | undefined {
  const inclusive = numberOf(flat, 'minimum');
  const exclusive = numberOf(flat, 'exclusiveMinimum');
  if (integersOnly) {
    // Over integers, `exclusiveMinimum: 0` and `minimum: 1` say the same thing.
    const candidates = [inclusive === undefined ? undefined : Math.ceil(inclusive), exclusive === undefined ? undefined : Math.floor(exclusive) + 1].filter((v) => v !== undefined);
    return candidates.length === 0 ? undefined : { value: Math.max(...candidates), exclusive: false };
  }
  if (inclusive === undefined) return exclusive === undefined ? undefined : { value: exclusive, exclusive: true };
  if (exclusive === undefined || inclusive > exclusive) return { value: inclusive, exclusive: false };
  return { value: exclusive, exclusive: true };
}

function upperBound(flat: FlatSchema, integersOnly: boolean): Bound | undefined {
  const inclusive = numberOf(flat, 'maximum');
  const exclusive = numberOf(flat, 'exclusiveMaximum');
  if (integersOnly) {
    const candidates = [inclusive === undefined ? undefined : Math.floor(inclusive), exclusive === undefined ? undefined : Math.ceil(exclusive) - 1].filter((v) => v !== undefined);
    return candidates.length === 0 ? undefined : { value: Math.min(...candidates), exclusive: false };
  }
  if (inclusive === undefined) return exclusive === undefined ? undefined : { value: exclusive, exclusive: true };
  if (exclusive === undefined || inclusive < exclusive) return { value: inclusive, exclusive: false };
  return { value: exclusive, exclusive: true };
}

function compareBound(w: Walk, which: 'minimum' | 'maximum', oldBound: Bound | undefined, newBound: Bound | undefined): void {
  const text = (b: Bound): string => `${which === 'minimum' ? (b.exclusive ? '>' : '>=') : b.exclusive ? '<' : '<='} ${b.value}`;
  if (oldBound?.value === newBound?.value && oldBound?.exclusive === newBound?.exclusive) return;
  const tighterKind: ChangeKind = which === 'minimum' ? 'minimum_increased' : 'maximum_decreased';
  const looserKind: ChangeKind = which === 'minimum' ? 'minimum_decreased' : 'maximum_increased';
  if (oldBound === undefined) return emit(w, tighterKind, `${which} bound ${text(newBound!)} added`);
  if (newBound === undefined) return emit(w, looserKind, `${which} bound ${text(oldBound)} removed`);
  const sign = which === 'minimum' ? 1 : -1;
  const tighter = sign * (newBound.value - oldBound.value) > 0 || (newBound.value === oldBound.value && newBound.exclusive);
  emit(w, tighter ? tighterKind : looserKind, `${which} bound changed from ${text(oldBound)} to ${text(newBound)}`);
}

/** An exact rational for a JSON number as written, so 0.1 and 0.3 divide exactly. */
function rational(value: number): { readonly n: bigint; readonly d: bigint } {
  const [mantissa = '0', exponent = '0'] = String(value).toLowerCase().split('e');
  const [whole = '0', fraction = ''] = mantissa.split('.');
  let n = BigInt(whole + fraction);
  let d = 10n ** BigInt(fraction.length);
  const power = Number(exponent);
  if (power > 0) n *= 10n ** BigInt(power);
  else if (power < 0) d *= 10n ** BigInt(-power);
  return { n, d };
}

/** Whether `a` is an integer multiple of `b` (`b` > 0). */
function isMultipleOf(a: number, b: number): boolean {
  const x = rational(a);
  const y = rational(b);
  return (x.n * y.d) % (x.d * y.n) === 0n;
}

function compareNumbers(fo: FlatSchema, fn: FlatSchema, integersOnly: boolean, w: Walk): void {
  compareBound(w, 'minimum', lowerBound(fo, integersOnly), lowerBound(fn, integersOnly));
  compareBound(w, 'maximum', upperBound(fo, integersOnly), upperBound(fn, integersOnly));
  // Over integers a multipleOf that divides 1 (1, 0.5, 0.25) restricts nothing.
  const effective = (flat: FlatSchema): number | undefined => {
    const m = numberOf(flat, 'multipleOf');
    return m === undefined || m <= 0 || (integersOnly && isMultipleOf(1, m)) ? undefined : m;
  };
  const mo = effective(fo);
  const mn = effective(fn);
  if (mo === mn) return;
  if (mo === undefined) emit(w, 'multiple_of_added', `multipleOf ${mn} added`);
  else if (mn === undefined) emit(w, 'multiple_of_removed', `multipleOf ${mo} removed`);
  else if (isMultipleOf(mn, mo)) emit(w, 'multiple_of_coarsened', `multipleOf changed from ${mo} to ${mn}: fewer values pass`);
  else if (isMultipleOf(mo, mn)) emit(w, 'multiple_of_refined', `multipleOf changed from ${mo} to ${mn}: more values pass`);
  else emit(w, 'multiple_of_changed', `multipleOf changed from ${mo} to ${mn}: neither divides the other`);
}

// ---- strings ------------------------------------------------------------------------------------

/** Standard formats (JSON Schema 2020-12, section 7.3). */
const KNOWN_FORMATS = new Set([
  'date-time',
  'date',
  'time',
  'duration',
  'email',
  'idn-email',
  'hostname',
  'idn-hostname',
  'ipv4',
  'ipv6',
  'uri',
  'uri-reference',
  'iri',
  'iri-reference',
  'uuid',
  'uri-template',
  'json-pointer',
  'relative-json-pointer',
  'regex',
]);

/** `narrow` accepts a subset of `wide`, by the RFCs that define them. */
const FORMAT_INCLUSIONS: readonly (readonly [narrow: string, wide: string])[] = [
  ['uri', 'uri-reference'],
  ['uri', 'iri'],
  ['uri', 'iri-reference'],
  ['uri-reference', 'iri-reference'],
  ['iri', 'iri-reference'],
  ['email', 'idn-email'],
  ['hostname', 'idn-hostname'],
];

function compareStrings(fo: FlatSchema, fn: FlatSchema, w: Walk): void {
  compareCount(w, fo, fn, 'minLength', { tighter: 'min_length_increased', looser: 'min_length_decreased' }, 0);
  compareCount(w, fo, fn, 'maxLength', { tighter: 'max_length_decreased', looser: 'max_length_increased' }, undefined);
  const po = stringOf(fo, 'pattern');
  const pn = stringOf(fn, 'pattern');
  if (po !== pn) {
    if (po === undefined) emit(w, 'pattern_added', `pattern /${pn!}/ added`);
    else if (pn === undefined) emit(w, 'pattern_removed', `pattern /${po}/ removed`);
    else emit(w, 'pattern_undecidable', `undecidable: pattern changed from /${po}/ to /${pn}/; whether either accepts every string of the other is not decided`);
  }
  const fmtOld = stringOf(fo, 'format');
  const fmtNew = stringOf(fn, 'format');
  if (fmtOld === fmtNew) return;
  const known = (format: string | undefined): boolean => format === undefined || KNOWN_FORMATS.has(format);
  if (!known(fmtOld) || !known(fmtNew)) {
    emit(w, 'format_undecidable', `undecidable: format changed from ${fmtOld ?? 'none'} to ${fmtNew ?? 'none'}; this checker does not know what a non-standard format accepts`);
  } else if (fmtOld === undefined) emit(w, 'format_added', `format ${fmtNew!} added`);
  else if (fmtNew === undefined) emit(w, 'format_removed', `format ${fmtOld} removed`);
  else if (FORMAT_INCLUSIONS.some(([narrow, wide]) => narrow === fmtNew && wide === fmtOld)) emit(w, 'format_narrowed', `format narrowed from ${fmtOld} to ${fmtNew}`);
  else if (FORMAT_INCLUSIONS.some(([narrow, wide]) => narrow === fmtOld && wide === fmtNew)) emit(w, 'format_widened', `format widened from ${fmtOld} to ${fmtNew}`);
  else emit(w, 'format_changed', `format changed from ${fmtOld} to ${fmtNew}`);
}

function stringOf(flat: FlatSchema, keyword: string): string | undefined {
  const value = flat.own.get(keyword)?.value;
  return typeof value === 'string' ? value : undefined;
}

// ---- objects ------------------------------------------------------------------------------------

function subNode(flat: FlatSchema, keyword: string, schema: unknown): SchemaNode {
  const entry = flat.own.get(keyword)!;
  return entry.node.scope.node(schema, entry.node.base);
}

function schemaMap(flat: FlatSchema, keyword: string): Map<string, SchemaNode> {
  const value = flat.own.get(keyword)?.value;
  if (!isRecord(value)) return new Map();
  return new Map(Object.entries(value).map(([name, schema]) => [name, subNode(flat, keyword, schema)]));
}

function schemaAt(flat: FlatSchema, keyword: string): SchemaNode[] {
  const entry = flat.own.get(keyword);
  return entry === undefined ? [] : [entry.node.scope.node(entry.value, entry.node.base)];
}

const compiledPatterns = new Map<string, RegExp | Error>();

function matches(pattern: string, name: string, node: SchemaNode): boolean {
  let regex = compiledPatterns.get(pattern);
  if (regex === undefined) {
    try {
      regex = new RegExp(pattern, 'u');
    } catch (error) {
      regex = error instanceof Error ? error : new Error(String(error));
    }
    compiledPatterns.set(pattern, regex);
  }
  if (regex instanceof Error) throw new SchemaInputError(node.scope.label, [`patternProperties key /${pattern}/ is not a valid regular expression: ${regex.message}`]);
  return regex.test(name);
}

/** The subschemas that apply to the property `name`: declared, pattern-matched, or additional. */
function schemasForName(flat: FlatSchema, name: string): SchemaNode[] {
  const declared = schemaMap(flat, 'properties').get(name);
  const patterned = [...schemaMap(flat, 'patternProperties').entries()].filter(([pattern, node]) => matches(pattern, name, node)).map(([, node]) => node);
  const found = [...(declared === undefined ? [] : [declared]), ...patterned];
  return found.length > 0 ? found : schemaAt(flat, 'additionalProperties');
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? (value as unknown[]).filter((item): item is string => typeof item === 'string') : [];
}

function child(w: Walk, segment: string, role: Role, subject: string): Walk {
  return { ...w, path: `${w.path}/${segment}`, depth: w.depth + 1, role, subject };
}

function compareObjects(fo: FlatSchema, fn: FlatSchema, w: Walk): void {
  const propsOld = schemaMap(fo, 'properties');
  const propsNew = schemaMap(fn, 'properties');
  const patternsOld = schemaMap(fo, 'patternProperties');
  const patternsNew = schemaMap(fn, 'patternProperties');
  // With the same patterns on both sides every name matches the same patterns in OLD and NEW,
  // so each pattern's schema can be compared on its own; new or dropped patterns cover name
  // sets whose overlap with the rest is not decided.
  const patternsSame = patternsOld.size === patternsNew.size && [...patternsOld.keys()].every((pattern) => patternsNew.has(pattern));
  if (patternsSame) {
    for (const [pattern, node] of patternsOld) {
      compare([node], [patternsNew.get(pattern)!], { ...child(w, '*', 'value', `a property matching /${pattern}/`), where: `${w.where}patternProperties /${pattern}/: ` });
    }
  } else {
    const before = [...patternsOld.keys()].map((p) => `/${p}/`).join(', ') || 'none';
    const after = [...patternsNew.keys()].map((p) => `/${p}/`).join(', ') || 'none';
    emit(w, 'pattern_properties_undecidable', `undecidable: patternProperties changed from ${before} to ${after}; which property names each pattern covers is not decided`);
  }
  for (const name of new Set([...propsOld.keys(), ...propsNew.keys()])) {
    const sub = child(w, escapePointer(name), 'property', `property "${name}"`);
    const oldSchemas = schemasForName(fo, name);
    const newSchemas = schemasForName(fn, name);
    if (!propsOld.has(name) && !flatten(oldSchemas, sub.path).never) {
      emit(sub, 'property_added', `property "${name}" declared; the old model accepted it as an undeclared property`);
    }
    if (!propsNew.has(name) && !flatten(newSchemas, sub.path).never) {
      emit(sub, 'property_removed', `property "${name}" no longer declared; the new model accepts it as an undeclared property`);
    }
    compare(oldSchemas, newSchemas, sub);
  }
  const requiredOld = new Set(stringList(fo.own.get('required')?.value));
  const requiredNew = new Set(stringList(fn.own.get('required')?.value));
  for (const name of requiredNew) if (!requiredOld.has(name)) emit(w, 'required_added', `property "${name}" became required`, `${w.path}/${escapePointer(name)}`);
  for (const name of requiredOld) if (!requiredNew.has(name)) emit(w, 'required_removed', `property "${name}" is no longer required`, `${w.path}/${escapePointer(name)}`);
  // With patternProperties changed, which names are "additional" is unknown: reported above.
  if (patternsSame) compare(schemaAt(fo, 'additionalProperties'), schemaAt(fn, 'additionalProperties'), child(w, '*', 'additional', 'an undeclared property'));
  compareDependencies(fo, fn, w);
  const names = [...schemaAt(fo, 'propertyNames'), ...schemaAt(fn, 'propertyNames')];
  if (names.length > 0) compare(schemaAt(fo, 'propertyNames'), schemaAt(fn, 'propertyNames'), { ...w, where: `${w.where}propertyNames: `, role: 'value', subject: 'a property name' });
  compareCount(w, fo, fn, 'minProperties', { tighter: 'min_properties_increased', looser: 'min_properties_decreased' }, 0);
  compareCount(w, fo, fn, 'maxProperties', { tighter: 'max_properties_decreased', looser: 'max_properties_increased' }, undefined);
}

function compareDependencies(fo: FlatSchema, fn: FlatSchema, w: Walk): void {
  const depsOld = fo.own.get('dependentRequired')?.value;
  const depsNew = fn.own.get('dependentRequired')?.value;
  const recordOf = (value: unknown): Readonly<Record<string, unknown>> => (isRecord(value) ? value : {});
  for (const trigger of new Set([...Object.keys(recordOf(depsOld)), ...Object.keys(recordOf(depsNew))])) {
    const before = new Set(stringList(recordOf(depsOld)[trigger]));
    const after = new Set(stringList(recordOf(depsNew)[trigger]));
    for (const name of after) if (!before.has(name)) emit(w, 'dependent_required_added', `when "${trigger}" is present, "${name}" is now required`);
    for (const name of before) if (!after.has(name)) emit(w, 'dependent_required_removed', `when "${trigger}" is present, "${name}" is no longer required`);
  }
  const schemasOld = schemaMap(fo, 'dependentSchemas');
  const schemasNew = schemaMap(fn, 'dependentSchemas');
  for (const trigger of new Set([...schemasOld.keys(), ...schemasNew.keys()])) {
    const before = schemasOld.get(trigger);
    const after = schemasNew.get(trigger);
    if (before === undefined) emit(w, 'dependent_schema_added', `when "${trigger}" is present, a new dependent schema applies`);
    else if (after === undefined) emit(w, 'dependent_schema_removed', `when "${trigger}" is present, the dependent schema no longer applies`);
    else compare([before], [after], { ...w, where: `${w.where}dependentSchemas "${trigger}": ` });
  }
}

// ---- arrays -------------------------------------------------------------------------------------

function tupleOf(flat: FlatSchema): { readonly prefix: SchemaNode[]; readonly rest: SchemaNode[] } {
  const prefixItems = flat.own.get('prefixItems');
  const items = flat.own.get('items');
  // Draft-07's tuple form `items: [...]` with `additionalItems` reads as prefixItems + items.
  if (items !== undefined && Array.isArray(items.value)) {
    return { prefix: (items.value as unknown[]).map((schema) => subNode(flat, 'items', schema)), rest: schemaAt(flat, 'additionalItems') };
  }
  const prefix = prefixItems !== undefined && Array.isArray(prefixItems.value) ? (prefixItems.value as unknown[]).map((schema) => subNode(flat, 'prefixItems', schema)) : [];
  return { prefix, rest: schemaAt(flat, 'items') };
}

function compareArrays(fo: FlatSchema, fn: FlatSchema, w: Walk): void {
  const tupleOld = tupleOf(fo);
  const tupleNew = tupleOf(fn);
  // Position by position: index i is checked by prefixItems[i] where there is one, else by items.
  const positions = Math.max(tupleOld.prefix.length, tupleNew.prefix.length);
  for (let i = 0; i < positions; i += 1) {
    const at = (tuple: typeof tupleOld): SchemaNode[] => (i < tuple.prefix.length ? [tuple.prefix[i]!] : tuple.rest);
    compare(at(tupleOld), at(tupleNew), child(w, String(i), 'value', `item ${i}`));
  }
  compare(tupleOld.rest, tupleNew.rest, child(w, '*', 'value', positions > 0 ? `an item after position ${positions - 1}` : 'an item'));
  compareCount(w, fo, fn, 'minItems', { tighter: 'min_items_increased', looser: 'min_items_decreased' }, 0);
  compareCount(w, fo, fn, 'maxItems', { tighter: 'max_items_decreased', looser: 'max_items_increased' }, undefined);
  const uniqueOld = fo.own.get('uniqueItems')?.value === true;
  const uniqueNew = fn.own.get('uniqueItems')?.value === true;
  if (!uniqueOld && uniqueNew) emit(w, 'unique_items_added', 'items must now be unique');
  if (uniqueOld && !uniqueNew) emit(w, 'unique_items_removed', 'items no longer need to be unique');
  const containsOld = schemaAt(fo, 'contains');
  const containsNew = schemaAt(fn, 'contains');
  if (containsOld.length === 0 && containsNew.length > 0) emit(w, 'contains_added', 'the array must now contain a matching item');
  else if (containsOld.length > 0 && containsNew.length === 0) emit(w, 'contains_removed', 'the array no longer needs a matching item');
  else if (containsOld.length > 0) {
    compare(containsOld, containsNew, { ...child(w, '*', 'value', 'the item `contains` looks for'), where: `${w.where}contains: ` });
    const minOf = (flat: FlatSchema): number => numberOf(flat, 'minContains') ?? 1;
    compareLimit(w, 'minContains', minOf(fo), minOf(fn), { tighter: 'min_contains_increased', looser: 'min_contains_decreased' }, true);
    compareLimit(w, 'maxContains', numberOf(fo, 'maxContains'), numberOf(fn, 'maxContains'), { tighter: 'max_contains_decreased', looser: 'max_contains_increased' }, false);
  }
}

// ---- combinators --------------------------------------------------------------------------------

/** The changes of one comparison run apart, to weigh branch pairings and `not`. */
function scratch(olds: readonly SchemaNode[], news: readonly SchemaNode[], w: Walk): SchemaChange[] {
  const out: SchemaChange[] = [];
  compare(olds, news, { ...w, out });
  return out;
}

function effects(changes: readonly SchemaChange[]): Set<ChangeEffect> {
  return new Set(changes.map((change) => effectOf(change.kind)));
}

function breaksBackward(changes: readonly SchemaChange[]): boolean {
  const found = effects(changes);
  return found.has('narrows') || found.has('both') || found.has('undecidable');
}

function breaksForward(changes: readonly SchemaChange[]): boolean {
  const found = effects(changes);
  return found.has('widens') || found.has('both') || found.has('undecidable');
}

function listOf(flat: FlatSchema, keyword: string): SchemaNode[] | undefined {
  const value = flat.own.get(keyword)?.value;
  return Array.isArray(value) ? (value as unknown[]).map((schema) => subNode(flat, keyword, schema)) : undefined;
}

interface Matching {
  readonly pairs: readonly (readonly [number, number])[];
  readonly oldOnly: readonly number[];
  readonly newOnly: readonly number[];
}

/**
 * Pairs old and new branches: identical ones first, then each remaining old branch with the
 * remaining new branch it differs least from, so a branch removed in the middle does not shift
 * the comparison of all the branches after it.
 */
function matchBranches(olds: readonly (readonly SchemaNode[])[], news: readonly (readonly SchemaNode[])[], w: Walk): Matching {
  const textsNew = news.map((nodes) => canonicalSchema(nodes));
  const freeNew = new Set(news.keys());
  const unmatchedOld: number[] = [];
  for (const [i, nodes] of olds.entries()) {
    const text = canonicalSchema(nodes);
    const j = [...freeNew].find((candidate) => textsNew[candidate] === text);
    if (j === undefined) unmatchedOld.push(i);
    else freeNew.delete(j);
  }
  const pairs: [number, number][] = [];
  const oldOnly: number[] = [];
  for (const i of unmatchedOld) {
    let best: { j: number; cost: number } | undefined;
    for (const j of freeNew) {
      const cost = scratch(olds[i]!, news[j]!, w).filter((change) => effectOf(change.kind) !== 'none').length;
      if (best === undefined || cost < best.cost) best = { j, cost };
    }
    if (best === undefined) oldOnly.push(i);
    else {
      pairs.push([i, best.j]);
      freeNew.delete(best.j);
    }
  }
  return { pairs, oldOnly, newOnly: [...freeNew] };
}

/**
 * An `anyOf` (or a `oneOf` whose branches provably exclude each other) on one side only, as in
 * a value made nullable with `anyOf: [{$ref}, {type: null}]`. Comparing the keywords beside the
 * `anyOf` with the other side on their own called the missing `type` a widening and the `anyOf`
 * a narrowing, so a safe change broke both directions. Instead both sides are read as unions of
 * alternatives: each branch with the keywords beside it, and on the other side each type of a
 * `type` list (a single type: the whole schema). The alternatives are paired as `anyOf`
 * branches are, each pair's changes reported; an alternative left unpaired is reported only
 * where no alternative of the other side covers it. Returns false, leaving the
 * keyword-by-keyword comparison, where the rule does not apply: both sides or neither have the
 * keyword, overlapping `oneOf` branches, or `unevaluated*` (which sees what every branch
 * evaluated).
 */
function compareUnion(olds: readonly SchemaNode[], news: readonly SchemaNode[], fo: FlatSchema, fn: FlatSchema, w: Walk): boolean {
  if ([fo, fn].some((flat) => usesUnevaluated(flat, 'unevaluatedProperties') || usesUnevaluated(flat, 'unevaluatedItems'))) return false;
  for (const keyword of ['anyOf', 'oneOf'] as const) {
    const inOld = listOf(fo, keyword);
    const inNew = listOf(fn, keyword);
    if ((inOld === undefined) === (inNew === undefined)) continue;
    const oldSide = inOld !== undefined;
    const branches = (inOld ?? inNew)!;
    if (keyword === 'oneOf' && !pairwiseExclusive(branches)) continue;
    const rest = withoutKeyword(oldSide ? fo : fn, keyword);
    const union = branches.map((branch, i) => ({ nodes: [...rest, branch], label: `${oldSide ? 'old ' : ''}${keyword} branch ${i + 1}` }));
    const single = alternativesByType(oldSide ? news : olds, oldSide ? fn : fo);
    const [oldAlts, newAlts] = oldSide ? [union, single] : [single, union];
    const matching = matchBranches(
      oldAlts.map((alt) => alt.nodes),
      newAlts.map((alt) => alt.nodes),
      w,
    );
    for (const [i, j] of matching.pairs) {
      const label = [oldAlts[i]!.label, newAlts[j]!.label].filter((text) => text !== '').join(' -> ');
      compare(oldAlts[i]!.nodes, newAlts[j]!.nodes, { ...w, where: `${w.where}${label === '' ? '' : `${label}: `}` });
    }
    const added = keyword === 'anyOf' ? 'any_of_branch_added' : 'one_of_branch_added';
    const removed = keyword === 'anyOf' ? 'any_of_branch_removed' : 'one_of_branch_removed';
    for (const i of matching.oldOnly) {
      if (newAlts.some((alt) => !breaksBackward(scratch(oldAlts[i]!.nodes, alt.nodes, w)))) continue;
      emit(w, removed, `${oldAlts[i]!.label || 'the old schema'} accepted values the new schema rejects`);
    }
    for (const j of matching.newOnly) {
      if (oldAlts.some((alt) => !breaksForward(scratch(alt.nodes, newAlts[j]!.nodes, w)))) continue;
      emit(w, added, `${newAlts[j]!.label || 'the new schema'} accepts values the old schema rejected`);
    }
    return true;
  }
  return false;
}

/** A schema as alternatives: one per type of a `type` list (`[string, null]` is string or null), else itself. */
function alternativesByType(nodes: readonly SchemaNode[], flat: FlatSchema): { readonly nodes: readonly SchemaNode[]; readonly label: string }[] {
  const entry = flat.own.get('type');
  const types = entry === undefined ? [] : stringList(entry.value);
  if (types.length < 2) return [{ nodes, label: '' }];
  return types.map((type) => ({ nodes: [...nodes, { schema: { type }, base: entry!.node.base, scope: entry!.node.scope }], label: `type ${type}` }));
}

function compareBranches(keyword: 'anyOf' | 'oneOf', fo: FlatSchema, fn: FlatSchema, w: Walk): void {
  const kinds =
    keyword === 'anyOf'
      ? ({ added: 'any_of_added', removed: 'any_of_removed', branchAdded: 'any_of_branch_added', branchRemoved: 'any_of_branch_removed' } as const)
      : ({ added: 'one_of_added', removed: 'one_of_removed', branchAdded: 'one_of_branch_added', branchRemoved: 'one_of_branch_removed' } as const);
  const olds = listOf(fo, keyword);
  const news = listOf(fn, keyword);
  if (olds === undefined && news === undefined) return;
  if (olds === undefined) return emit(w, kinds.added, `${keyword} with ${news!.length} branch(es) added`);
  if (news === undefined) return emit(w, kinds.removed, `${keyword} with ${olds.length} branch(es) removed`);
  if (canonicalKeywordsOf(fo, [keyword]) === canonicalKeywordsOf(fn, [keyword])) return;
  // oneOf behaves as anyOf only while no instance can match two branches; widening one branch
  // of overlapping branches can make valid data match two and fail.
  if (keyword === 'oneOf' && !(pairwiseExclusive(olds) && pairwiseExclusive(news))) {
    emit(w, 'one_of_undecidable', 'undecidable: oneOf changed and its branches cannot be shown to exclude each other');
  }
  const matching = matchBranches(olds.map((node) => [node]), news.map((node) => [node]), w);
  for (const [i, j] of matching.pairs) {
    compare([olds[i]!], [news[j]!], { ...w, where: `${w.where}${keyword} branch ${i + 1}${i === j ? '' : ` (now ${j + 1})`}: ` });
  }
  for (const i of matching.oldOnly) {
    // A removed branch whose values another new branch takes in full narrows nothing.
    if (news.some((node) => !breaksBackward(scratch([olds[i]!], [node], w)))) continue;
    emit(w, kinds.branchRemoved, `${keyword} branch ${i + 1} removed; values only it accepted are now rejected`);
  }
  for (const j of matching.newOnly) {
    if (olds.some((node) => !breaksForward(scratch([node], [news[j]!], w)))) continue;
    emit(w, kinds.branchAdded, `${keyword} branch ${j + 1} added; values only it accepts were rejected before`);
  }
}

function pairwiseExclusive(nodes: readonly SchemaNode[]): boolean {
  const flats = nodes.map((node) => flatten([node], ''));
  return flats.every((a, i) => flats.slice(i + 1).every((b) => exclusive(a, b, 0)));
}

/** Whether no instance can be valid under both: by type, by value, by a discriminating property, or by a closed model. */
function exclusive(a: FlatSchema, b: FlatSchema, depth: number): boolean {
  if (a.never || b.never) return true;
  const typesA = typeAtoms(a);
  const typesB = typeAtoms(b);
  if (![...typesA].some((atom) => typesB.has(atom))) return true;
  const valuesA = valueSet(a);
  const valuesB = valueSet(b);
  if (valuesA !== undefined && valuesB !== undefined && ![...valuesA.keys()].some((key) => valuesB.has(key))) return true;
  if (depth > 2) return false;
  const requiredA = stringList(a.own.get('required')?.value);
  const requiredB = new Set(stringList(b.own.get('required')?.value));
  const propsA = schemaMap(a, 'properties');
  const propsB = schemaMap(b, 'properties');
  for (const name of requiredA) {
    const left = propsA.get(name);
    const right = propsB.get(name);
    if (requiredB.has(name) && left !== undefined && right !== undefined && exclusive(flatten([left], ''), flatten([right], ''), depth + 1)) return true;
  }
  const closedAgainst = (closed: FlatSchema, props: Map<string, SchemaNode>, required: Iterable<string>): boolean =>
    closed.own.get('additionalProperties')?.value === false &&
    !closed.own.has('patternProperties') &&
    [...required].some((name) => !props.has(name) || props.get(name)!.schema === false);
  return closedAgainst(a, propsA, requiredB) || closedAgainst(b, propsB, requiredA);
}

function compareNot(fo: FlatSchema, fn: FlatSchema, w: Walk): void {
  const before = schemaAt(fo, 'not');
  const after = schemaAt(fn, 'not');
  if (before.length === 0 && after.length === 0) return;
  if (before.length === 0) return emit(w, 'not_added', 'a `not` exclusion was added');
  if (after.length === 0) return emit(w, 'not_removed', 'the `not` exclusion was removed');
  // `not` turns the comparison around: the excluded set growing means fewer values pass.
  const inner = scratch(before, after, { ...w, where: '' });
  if (inner.length === 0) return;
  const detail = [...new Set(inner.map((change) => change.kind))].join(', ');
  const found = effects(inner);
  if (found.has('undecidable')) return emit(w, 'not_undecidable', `undecidable: the schema under \`not\` changed (${detail})`);
  if (found.has('widens') || found.has('both')) emit(w, 'not_narrowed', `the schema under \`not\` excludes more now (${detail})`);
  if (found.has('narrows') || found.has('both')) emit(w, 'not_widened', `the schema under \`not\` excludes less now (${detail})`);
}

function compareConditional(fo: FlatSchema, fn: FlatSchema, w: Walk): void {
  const keys = ['if', 'then', 'else'];
  const before = canonicalKeywordsOf(fo, keys);
  const after = canonicalKeywordsOf(fn, keys);
  if (before === after) return;
  if (before === undefined) emit(w, 'conditional_added', 'an if/then/else condition was added');
  else if (after === undefined) emit(w, 'conditional_removed', 'the if/then/else condition was removed');
  else emit(w, 'conditional_undecidable', 'undecidable: the if/then/else condition changed; this checker does not reason about conditions');
}

function compareConjuncts(fo: FlatSchema, fn: FlatSchema, w: Walk): void {
  if (fo.conjuncts.length === 0 && fn.conjuncts.length === 0) return;
  const matching = matchBranches(fo.conjuncts.map((node) => [node]), fn.conjuncts.map((node) => [node]), w);
  for (const [i, j] of matching.pairs) compare([fo.conjuncts[i]!], [fn.conjuncts[j]!], { ...w, where: `${w.where}allOf part ${j + 1}: ` });
  for (const i of matching.oldOnly) emit(w, 'all_of_branch_removed', `an allOf part (or $ref with constraints of its own) was removed: ${canonicalSchema([fo.conjuncts[i]!])}`);
  for (const j of matching.newOnly) emit(w, 'all_of_branch_added', `an allOf part (or $ref with constraints of its own) was added: ${canonicalSchema([fn.conjuncts[j]!])}`);
}

/** Keywords the rules above reason about; any other keyword that differs is reported undecidable. */
const HANDLED = new Set([
  'type',
  'enum',
  'const',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'multipleOf',
  'minLength',
  'maxLength',
  'pattern',
  'format',
  'properties',
  'patternProperties',
  'additionalProperties',
  'required',
  'dependentRequired',
  'dependentSchemas',
  'propertyNames',
  'minProperties',
  'maxProperties',
  'unevaluatedProperties',
  'prefixItems',
  'items',
  'additionalItems',
  'minItems',
  'maxItems',
  'uniqueItems',
  'contains',
  'minContains',
  'maxContains',
  'unevaluatedItems',
  'anyOf',
  'oneOf',
  'not',
  'if',
  'then',
  'else',
]);

function compareUnsupported(fo: FlatSchema, fn: FlatSchema, w: Walk): void {
  const keywords = new Set([...fo.own.keys(), ...fn.own.keys()].filter((keyword) => !HANDLED.has(keyword)));
  for (const keyword of keywords) {
    if (canonicalKeywordsOf(fo, [keyword]) === canonicalKeywordsOf(fn, [keyword])) continue;
    emit(w, 'unsupported_keyword_undecidable', `undecidable: keyword ${keyword} changed and this checker does not reason about it`);
  }
}
