// Contract compatibility, as rules an integration lead could check: each case names OLD, NEW, the
// verdict per mode and the change kinds. Every "breaks" verdict that is not an undecidable one
// carries a witness instance that ajv confirms: valid under OLD and rejected by NEW (backward),
// or valid under NEW and rejected by OLD (forward).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import formats from 'ajv-formats';
import fc from 'fast-check';
import {
  CHANGE_KINDS,
  checkCompatibility,
  COMPATIBILITY_MODES,
  SchemaInputError,
  type ChangeKind,
  type CompatibilityMode,
  type CompatibilityReport,
} from '../../core/contracts/compatibility.js';

const CONTRACTS = new URL('../../../contracts/', import.meta.url);
/** A JSON document as parsed, to be edited by the tests below. */
type Json = Record<string, unknown>;
const readJson = (relative: string): Json => JSON.parse(readFileSync(new URL(relative, CONTRACTS), 'utf8'));
/** The object at `path` inside `doc`, to edit a copy of a shipped contract in place. */
const at = (doc: Json, ...path: string[]): Json => path.reduce((node, key) => node[key] as Json, doc);
const COMMON = readJson('common/v1.schema.json');
const COMMON_ID = 'https://millrace.dev/contracts/common/v1.schema.json';

function check(versions: readonly unknown[], mode: CompatibilityMode, shared: readonly unknown[] = [COMMON]): CompatibilityReport {
  const labels = versions.map((_, i) => `v${i + 1}`);
  return checkCompatibility({
    previous: versions.slice(0, -1).map((schema, i) => ({ label: labels[i]!, schema })),
    next: { label: labels.at(-1)!, schema: versions.at(-1) },
    mode,
    shared,
  });
}

const kindsOf = (report: CompatibilityReport): string[] => [...new Set(report.changes.map((change) => change.kind))].sort();

// ---- the table ------------------------------------------------------------------------------------

interface Case {
  readonly name: string;
  readonly old: unknown;
  readonly new: unknown;
  /** Every change kind reported (whatever the mode), sorted. */
  readonly kinds: readonly ChangeKind[];
  /** Expected verdicts; full is both, none is always compatible. */
  readonly backward: boolean;
  readonly forward: boolean;
  readonly witness?: { readonly backward?: unknown; readonly forward?: unknown };
  /** The "not compatible" verdicts are the checker's "cannot decide", not a proven break. */
  readonly undecidable?: true;
}

const OK = true;
const BREAKS = false;

const str = { type: 'string' } as const;
const closedA = { type: 'object', properties: { a: str }, required: ['a'], additionalProperties: false };
const closedAB = { type: 'object', properties: { a: str, b: str }, required: ['a'], additionalProperties: false };
const openA = { type: 'object', properties: { a: str } };
const kindBranch = (kind: string) => ({ type: 'object', properties: { kind: { const: kind } }, required: ['kind'] });
const tree = (maxLength: number, id: string) => ({
  $id: id,
  $ref: '#/$defs/node',
  $defs: {
    node: {
      type: 'object',
      properties: { name: { type: 'string', maxLength }, children: { type: 'array', items: { $ref: '#/$defs/node' } } },
      required: ['name'],
      additionalProperties: false,
    },
  },
});
const commonRef = (name: string) => ({ $ref: `${COMMON_ID}#/$defs/${name}` });

const CASES: readonly Case[] = [
  // types
  { name: 'integer widened to number', old: { type: 'integer' }, new: { type: 'number' }, kinds: ['type_widened'], backward: OK, forward: BREAKS, witness: { forward: 1.5 } },
  { name: 'number narrowed to integer', old: { type: 'number' }, new: { type: 'integer' }, kinds: ['type_narrowed'], backward: BREAKS, forward: OK, witness: { backward: 1.5 } },
  { name: 'null allowed beside a string', old: str, new: { type: ['string', 'null'] }, kinds: ['type_widened'], backward: OK, forward: BREAKS, witness: { forward: null } },
  { name: 'string changed to integer', old: str, new: { type: 'integer' }, kinds: ['type_changed'], backward: BREAKS, forward: BREAKS, witness: { backward: 'a', forward: 1 } },
  { name: 'a type list reordered is no change', old: { type: ['string', 'null'] }, new: { type: ['null', 'string'] }, kinds: [], backward: OK, forward: OK },
  // enum and const
  { name: 'enum value added', old: { type: 'string', enum: ['A', 'B'] }, new: { type: 'string', enum: ['A', 'B', 'C'] }, kinds: ['enum_value_added'], backward: OK, forward: BREAKS, witness: { forward: 'C' } },
  { name: 'enum value removed', old: { type: 'string', enum: ['A', 'B', 'C'] }, new: { type: 'string', enum: ['A', 'B'] }, kinds: ['enum_value_removed'], backward: BREAKS, forward: OK, witness: { backward: 'C' } },
  { name: 'enum reordered is no change', old: { enum: ['A', 'B'] }, new: { enum: ['B', 'A'] }, kinds: [], backward: OK, forward: OK },
  { name: 'enum added to a free string', old: str, new: { type: 'string', enum: ['A'] }, kinds: ['enum_added'], backward: BREAKS, forward: OK, witness: { backward: 'Z' } },
  { name: 'enum dropped', old: { type: 'string', enum: ['A'] }, new: str, kinds: ['enum_removed'], backward: OK, forward: BREAKS, witness: { forward: 'Z' } },
  { name: 'enum gains a value of another type', old: { enum: ['A'] }, new: { enum: ['A', 1] }, kinds: ['enum_value_added'], backward: OK, forward: BREAKS, witness: { forward: 1 } },
  { name: 'const changed', old: { const: 'v1' }, new: { const: 'v2' }, kinds: ['const_changed'], backward: BREAKS, forward: BREAKS, witness: { backward: 'v1', forward: 'v2' } },
  { name: 'const pins a free string', old: str, new: { type: 'string', const: 'x' }, kinds: ['const_added'], backward: BREAKS, forward: OK, witness: { backward: 'y' } },
  { name: 'const relaxed to an enum', old: { const: 'x' }, new: { enum: ['x', 'y'] }, kinds: ['enum_value_added'], backward: OK, forward: BREAKS, witness: { forward: 'y' } },
  { name: 'const written as a one-value enum is no change', old: { const: 'x' }, new: { enum: ['x'] }, kinds: [], backward: OK, forward: OK },
  // numeric bounds
  { name: 'minimum raised', old: { type: 'number', minimum: 0 }, new: { type: 'number', minimum: 1 }, kinds: ['minimum_increased'], backward: BREAKS, forward: OK, witness: { backward: 0.5 } },
  { name: 'minimum added', old: { type: 'integer' }, new: { type: 'integer', minimum: 0 }, kinds: ['minimum_increased'], backward: BREAKS, forward: OK, witness: { backward: -1 } },
  { name: 'maximum raised', old: { type: 'number', maximum: 100 }, new: { type: 'number', maximum: 1000 }, kinds: ['maximum_increased'], backward: OK, forward: BREAKS, witness: { forward: 500 } },
  { name: 'exclusiveMaximum 10 becomes maximum 10', old: { type: 'number', exclusiveMaximum: 10 }, new: { type: 'number', maximum: 10 }, kinds: ['maximum_increased'], backward: OK, forward: BREAKS, witness: { forward: 10 } },
  { name: 'over integers exclusiveMinimum 0 is minimum 1', old: { type: 'integer', exclusiveMinimum: 0 }, new: { type: 'integer', minimum: 1 }, kinds: [], backward: OK, forward: OK },
  { name: 'multipleOf 0.01 coarsened to 0.05', old: { type: 'number', multipleOf: 0.01 }, new: { type: 'number', multipleOf: 0.05 }, kinds: ['multiple_of_coarsened'], backward: BREAKS, forward: OK, witness: { backward: 0.01 } },
  { name: 'multipleOf 0.05 refined to 0.01', old: { type: 'number', multipleOf: 0.05 }, new: { type: 'number', multipleOf: 0.01 }, kinds: ['multiple_of_refined'], backward: OK, forward: BREAKS, witness: { forward: 0.01 } },
  { name: 'multipleOf 0.2 to 0.3: neither divides the other', old: { type: 'number', multipleOf: 0.2 }, new: { type: 'number', multipleOf: 0.3 }, kinds: ['multiple_of_changed'], backward: BREAKS, forward: BREAKS, witness: { backward: 0.2, forward: 0.3 } },
  { name: 'multipleOf 1 on an integer restricts nothing', old: { type: 'integer' }, new: { type: 'integer', multipleOf: 1 }, kinds: [], backward: OK, forward: OK },
  // string bounds, patterns, formats
  { name: 'maxLength lowered', old: { type: 'string', maxLength: 64 }, new: { type: 'string', maxLength: 32 }, kinds: ['max_length_decreased'], backward: BREAKS, forward: OK, witness: { backward: 'x'.repeat(40) } },
  { name: 'maxLength raised', old: { type: 'string', maxLength: 32 }, new: { type: 'string', maxLength: 64 }, kinds: ['max_length_increased'], backward: OK, forward: BREAKS, witness: { forward: 'x'.repeat(40) } },
  { name: 'minLength dropped', old: { type: 'string', minLength: 1 }, new: str, kinds: ['min_length_decreased'], backward: OK, forward: BREAKS, witness: { forward: '' } },
  { name: 'pattern added', old: str, new: { type: 'string', pattern: '^[A-Z]+$' }, kinds: ['pattern_added'], backward: BREAKS, forward: OK, witness: { backward: 'abc' } },
  { name: 'pattern removed', old: { type: 'string', pattern: '^[A-Z]+$' }, new: str, kinds: ['pattern_removed'], backward: OK, forward: BREAKS, witness: { forward: 'abc' } },
  { name: 'pattern changed, even to a wider one, is undecidable', old: { type: 'string', pattern: '^[A-Z]{3}$' }, new: { type: 'string', pattern: '^[A-Z]{2,3}$' }, kinds: ['pattern_undecidable'], backward: BREAKS, forward: BREAKS, undecidable: true },
  { name: 'format date added', old: str, new: { type: 'string', format: 'date' }, kinds: ['format_added'], backward: BREAKS, forward: OK, witness: { backward: 'yesterday' } },
  { name: 'format date removed', old: { type: 'string', format: 'date' }, new: str, kinds: ['format_removed'], backward: OK, forward: BREAKS, witness: { forward: 'yesterday' } },
  { name: 'format date-time changed to date', old: { type: 'string', format: 'date-time' }, new: { type: 'string', format: 'date' }, kinds: ['format_changed'], backward: BREAKS, forward: BREAKS, witness: { backward: '2026-03-02T08:15:00Z', forward: '2026-03-02' } },
  { name: 'format uri widened to uri-reference', old: { type: 'string', format: 'uri' }, new: { type: 'string', format: 'uri-reference' }, kinds: ['format_widened'], backward: OK, forward: BREAKS, witness: { forward: '/receipts/GR-1' } },
  { name: 'format uri-reference narrowed to uri', old: { type: 'string', format: 'uri-reference' }, new: { type: 'string', format: 'uri' }, kinds: ['format_narrowed'], backward: BREAKS, forward: OK, witness: { backward: '/receipts/GR-1' } },
  { name: 'a non-standard format changed is undecidable', old: { type: 'string', format: 'plant-code' }, new: { type: 'string', format: 'plant-code-v2' }, kinds: ['format_undecidable'], backward: BREAKS, forward: BREAKS, undecidable: true },
  // objects: closed and open content models
  { name: 'closed model: optional property added', old: closedA, new: closedAB, kinds: ['property_added_to_closed_model'], backward: OK, forward: BREAKS, witness: { forward: { a: 'x', b: 'y' } } },
  { name: 'closed model: required property added', old: closedA, new: { ...closedAB, required: ['a', 'b'] }, kinds: ['property_added_to_closed_model', 'required_added'], backward: BREAKS, forward: BREAKS, witness: { backward: { a: 'x' }, forward: { a: 'x', b: 'y' } } },
  { name: 'closed model: optional property removed', old: closedAB, new: closedA, kinds: ['property_removed_from_closed_model'], backward: BREAKS, forward: OK, witness: { backward: { a: 'x', b: 'y' } } },
  { name: 'closed model: required property removed', old: { ...closedAB, required: ['a', 'b'] }, new: closedA, kinds: ['property_removed_from_closed_model', 'required_removed'], backward: BREAKS, forward: BREAKS, witness: { backward: { a: 'x', b: 'y' }, forward: { a: 'x' } } },
  { name: 'open model: optional typed property added', old: openA, new: { type: 'object', properties: { a: str, b: { type: 'integer' } } }, kinds: ['property_added', 'type_narrowed'], backward: BREAKS, forward: OK, witness: { backward: { b: 'x' } } },
  { name: 'open model: optional unconstrained property added', old: openA, new: { type: 'object', properties: { a: str, b: {} } }, kinds: ['property_added'], backward: OK, forward: OK },
  { name: 'open model: typed property removed', old: { type: 'object', properties: { a: str, b: { type: 'integer' } } }, new: openA, kinds: ['property_removed', 'type_widened'], backward: OK, forward: BREAKS, witness: { forward: { b: 'x' } } },
  { name: 'property made required', old: openA, new: { ...openA, required: ['a'] }, kinds: ['required_added'], backward: BREAKS, forward: OK, witness: { backward: {} } },
  { name: 'property made optional', old: { ...openA, required: ['a'] }, new: openA, kinds: ['required_removed'], backward: OK, forward: BREAKS, witness: { forward: {} } },
  { name: 'additionalProperties closed', old: openA, new: { ...openA, additionalProperties: false }, kinds: ['additional_properties_closed'], backward: BREAKS, forward: OK, witness: { backward: { z: 1 } } },
  { name: 'additionalProperties opened to strings', old: { ...openA, additionalProperties: false }, new: { ...openA, additionalProperties: str }, kinds: ['additional_properties_opened'], backward: OK, forward: BREAKS, witness: { forward: { z: 'x' } } },
  { name: 'additionalProperties schema tightened', old: { type: 'object', additionalProperties: str }, new: { type: 'object', additionalProperties: { type: 'string', maxLength: 3 } }, kinds: ['max_length_decreased'], backward: BREAKS, forward: OK, witness: { backward: { z: 'abcd' } } },
  { name: 'patternProperties: a pattern added is undecidable', old: { type: 'object', patternProperties: { '^x-': str }, additionalProperties: false }, new: { type: 'object', patternProperties: { '^x-': str, '^y-': str }, additionalProperties: false }, kinds: ['pattern_properties_undecidable'], backward: BREAKS, forward: BREAKS, undecidable: true, witness: { forward: { 'y-a': 'v' } } },
  { name: 'patternProperties: the schema under an unchanged pattern tightened', old: { type: 'object', patternProperties: { '^x-': str } }, new: { type: 'object', patternProperties: { '^x-': { type: 'string', maxLength: 3 } } }, kinds: ['max_length_decreased'], backward: BREAKS, forward: OK, witness: { backward: { 'x-a': 'abcd' } } },
  { name: 'dependentRequired added', old: { type: 'object', properties: { a: str, b: str } }, new: { type: 'object', properties: { a: str, b: str }, dependentRequired: { a: ['b'] } }, kinds: ['dependent_required_added'], backward: BREAKS, forward: OK, witness: { backward: { a: 'x' } } },
  { name: 'dependentRequired removed', old: { type: 'object', properties: { a: str, b: str }, dependentRequired: { a: ['b'] } }, new: { type: 'object', properties: { a: str, b: str } }, kinds: ['dependent_required_removed'], backward: OK, forward: BREAKS, witness: { forward: { a: 'x' } } },
  { name: 'maxProperties lowered', old: { type: 'object', maxProperties: 3 }, new: { type: 'object', maxProperties: 1 }, kinds: ['max_properties_decreased'], backward: BREAKS, forward: OK, witness: { backward: { a: 1, b: 2 } } },
  // $ref and $defs
  { name: 'local $defs target tightened', old: { type: 'object', properties: { id: { $ref: '#/$defs/id' } }, $defs: { id: { type: 'string', maxLength: 64 } } }, new: { type: 'object', properties: { id: { $ref: '#/$defs/id' } }, $defs: { id: { type: 'string', maxLength: 32 } } }, kinds: ['max_length_decreased'], backward: BREAKS, forward: OK, witness: { backward: { id: 'x'.repeat(40) } } },
  { name: 'an inline definition moved to $defs is no change', old: { type: 'object', properties: { id: { type: 'string', maxLength: 64 } } }, new: { type: 'object', properties: { id: { $ref: '#/$defs/id', description: 'moved' } }, $defs: { id: { type: 'string', maxLength: 64 } } }, kinds: [], backward: OK, forward: OK },
  { name: 'common $ref switched from identifier to plant', old: { type: 'object', properties: { code: commonRef('identifier') } }, new: { type: 'object', properties: { code: commonRef('plant') } }, kinds: ['max_length_increased', 'min_length_decreased', 'pattern_undecidable'], backward: BREAKS, forward: BREAKS, undecidable: true, witness: { backward: { code: 'abc' } } },
  { name: 'a $ref by $anchor follows the anchored definition', old: { type: 'object', properties: { a: { $ref: '#code' } }, $defs: { c: { $anchor: 'code', type: 'string', maxLength: 5 } } }, new: { type: 'object', properties: { a: { $ref: '#code' } }, $defs: { c: { $anchor: 'code', type: 'string', maxLength: 3 } } }, kinds: ['max_length_decreased'], backward: BREAKS, forward: OK, witness: { backward: { a: 'abcd' } } },
  { name: 'a relative $ref resolves against $id (common date -> dateTime)', old: { $id: 'https://millrace.dev/contracts/t/v1.schema.json', type: 'object', properties: { d: { $ref: '../common/v1.schema.json#/$defs/date' } } }, new: { $id: 'https://millrace.dev/contracts/t/v2.schema.json', type: 'object', properties: { d: { $ref: '../common/v1.schema.json#/$defs/dateTime' } } }, kinds: ['format_changed', 'pattern_added'], backward: BREAKS, forward: BREAKS, witness: { backward: { d: '2026-03-02' }, forward: { d: '2026-03-02T08:15:00Z' } } },
  { name: 'common $ref replaced by an equal inline copy is no change', old: { type: 'object', properties: { due: commonRef('date') } }, new: { type: 'object', properties: { due: { type: 'string', format: 'date' } } }, kinds: [], backward: OK, forward: OK },
  { name: 'recursive $defs: a constraint tightened (cycle guarded)', old: tree(10, 'urn:tree:1'), new: tree(5, 'urn:tree:2'), kinds: ['max_length_decreased'], backward: BREAKS, forward: OK, witness: { backward: { name: 'n', children: [{ name: 'abcdefgh' }] } } },
  { name: 'recursive $defs unchanged under a new $id is no change', old: tree(10, 'urn:tree:1'), new: tree(10, 'urn:tree:2'), kinds: [], backward: OK, forward: OK },
  // arrays
  { name: 'items widened', old: { type: 'array', items: str }, new: { type: 'array', items: { type: ['string', 'number'] } }, kinds: ['type_widened'], backward: OK, forward: BREAKS, witness: { forward: [1] } },
  { name: 'minItems raised to 1', old: { type: 'array' }, new: { type: 'array', minItems: 1 }, kinds: ['min_items_increased'], backward: BREAKS, forward: OK, witness: { backward: [] } },
  { name: 'maxItems dropped', old: { type: 'array', maxItems: 2 }, new: { type: 'array' }, kinds: ['max_items_increased'], backward: OK, forward: BREAKS, witness: { forward: [1, 2, 3] } },
  { name: 'uniqueItems added', old: { type: 'array' }, new: { type: 'array', uniqueItems: true }, kinds: ['unique_items_added'], backward: BREAKS, forward: OK, witness: { backward: [1, 1] } },
  { name: 'uniqueItems removed', old: { type: 'array', uniqueItems: true }, new: { type: 'array' }, kinds: ['unique_items_removed'], backward: OK, forward: BREAKS, witness: { forward: [1, 1] } },
  { name: 'prefixItems: a closed tuple gains a position', old: { type: 'array', prefixItems: [str, { type: 'integer' }], items: false }, new: { type: 'array', prefixItems: [str, { type: 'integer' }, { type: 'boolean' }], items: false }, kinds: ['schema_opened'], backward: OK, forward: BREAKS, witness: { forward: ['a', 1, true] } },
  { name: 'prefixItems: the second position gets a minimum', old: { type: 'array', prefixItems: [str, { type: 'integer' }] }, new: { type: 'array', prefixItems: [str, { type: 'integer', minimum: 0 }] }, kinds: ['minimum_increased'], backward: BREAKS, forward: OK, witness: { backward: ['a', -1] } },
  { name: 'prefixItems: a position typed over an open tail', old: { type: 'array', prefixItems: [str] }, new: { type: 'array', prefixItems: [str, { type: 'integer' }] }, kinds: ['type_narrowed'], backward: BREAKS, forward: OK, witness: { backward: ['a', 'b'] } },
  { name: 'contains added', old: { type: 'array' }, new: { type: 'array', contains: { const: 'x' } }, kinds: ['contains_added'], backward: BREAKS, forward: OK, witness: { backward: [] } },
  // anyOf, oneOf, not, allOf, if/then/else
  { name: 'anyOf branch added', old: { anyOf: [str, { type: 'integer' }] }, new: { anyOf: [str, { type: 'integer' }, { type: 'null' }] }, kinds: ['any_of_branch_added'], backward: OK, forward: BREAKS, witness: { forward: null } },
  { name: 'anyOf branch removed', old: { anyOf: [str, { type: 'integer' }, { type: 'null' }] }, new: { anyOf: [str, { type: 'integer' }] }, kinds: ['any_of_branch_removed'], backward: BREAKS, forward: OK, witness: { backward: null } },
  { name: 'anyOf branch narrowed', old: { anyOf: [{ type: 'string', maxLength: 10 }, { type: 'integer' }] }, new: { anyOf: [{ type: 'string', maxLength: 5 }, { type: 'integer' }] }, kinds: ['max_length_decreased'], backward: BREAKS, forward: OK, witness: { backward: 'abcdefg' } },
  { name: 'anyOf branches reordered is no change', old: { anyOf: [str, { type: 'integer' }] }, new: { anyOf: [{ type: 'integer' }, str] }, kinds: [], backward: OK, forward: OK },
  { name: 'anyOf branch removed whose values another branch takes', old: { anyOf: [{ type: 'string', maxLength: 5 }, str] }, new: { anyOf: [str] }, kinds: [], backward: OK, forward: OK },
  { name: 'oneOf with a const discriminator: branch added', old: { oneOf: [kindBranch('a'), kindBranch('b')] }, new: { oneOf: [kindBranch('a'), kindBranch('b'), kindBranch('c')] }, kinds: ['one_of_branch_added'], backward: OK, forward: BREAKS, witness: { forward: { kind: 'c' } } },
  { name: 'oneOf with a const discriminator: branch removed', old: { oneOf: [kindBranch('a'), kindBranch('b'), kindBranch('c')] }, new: { oneOf: [kindBranch('a'), kindBranch('b')] }, kinds: ['one_of_branch_removed'], backward: BREAKS, forward: OK, witness: { backward: { kind: 'c' } } },
  { name: 'oneOf whose branches may overlap: a branch widened is undecidable', old: { oneOf: [{ type: 'string', maxLength: 5 }, { type: 'string', minLength: 10 }] }, new: { oneOf: [{ type: 'string', maxLength: 10 }, { type: 'string', minLength: 10 }] }, kinds: ['max_length_increased', 'one_of_undecidable'], backward: BREAKS, forward: BREAKS, undecidable: true, witness: { backward: 'x'.repeat(10), forward: 'x'.repeat(7) } },
  { name: 'not: the excluded set grows', old: { type: 'string', not: { enum: ['A'] } }, new: { type: 'string', not: { enum: ['A', 'B'] } }, kinds: ['not_narrowed'], backward: BREAKS, forward: OK, witness: { backward: 'B' } },
  { name: 'allOf: a constraint joins a closed model', old: { allOf: [closedA] }, new: { allOf: [closedA, { properties: { a: { maxLength: 3 } } }] }, kinds: ['all_of_branch_added'], backward: BREAKS, forward: OK, witness: { backward: { a: 'abcd' } } },
  { name: 'allOf: an open base extended (merged exactly)', old: { allOf: [openA] }, new: { allOf: [openA, { properties: { b: { type: 'integer' } }, required: ['b'] }] }, kinds: ['property_added', 'required_added', 'type_narrowed'], backward: BREAKS, forward: OK, witness: { backward: { a: 'x' } } },
  { name: 'if/then changed is undecidable', old: { ...openA, if: { properties: { a: { const: 'x' } }, required: ['a'] }, then: { required: ['b'] } }, new: { ...openA, if: { properties: { a: { const: 'y' } }, required: ['a'] }, then: { required: ['b'] } }, kinds: ['conditional_undecidable'], backward: BREAKS, forward: BREAKS, undecidable: true },
  { name: 'if/then added', old: openA, new: { ...openA, if: { properties: { a: { const: 'x' } }, required: ['a'] }, then: { required: ['b'] } }, kinds: ['conditional_added'], backward: BREAKS, forward: OK, witness: { backward: { a: 'x' } } },
  { name: 'unevaluatedProperties: a property declared is undecidable', old: { ...openA, unevaluatedProperties: false }, new: { type: 'object', properties: { a: str, b: str }, unevaluatedProperties: false }, kinds: ['property_added', 'type_narrowed', 'unevaluated_properties_undecidable'], backward: BREAKS, forward: BREAKS, undecidable: true, witness: { forward: { b: 'y' } } },
  { name: 'unevaluatedItems changed is undecidable', old: { type: 'array', prefixItems: [str], unevaluatedItems: false }, new: { type: 'array', prefixItems: [str], unevaluatedItems: str }, kinds: ['unevaluated_items_undecidable'], backward: BREAKS, forward: BREAKS, undecidable: true, witness: { forward: ['a', 'b'] } },
  // anyOf/oneOf on one side only: that side is the union of its branches, each with the keywords beside it
  { name: 'null allowed beside a string through anyOf', old: str, new: { anyOf: [str, { type: 'null' }] }, kinds: ['any_of_branch_added'], backward: OK, forward: BREAKS, witness: { forward: null } },
  { name: 'null allowed beside a shared $ref through anyOf', old: { type: 'object', properties: { carrier: commonRef('identifier') } }, new: { type: 'object', properties: { carrier: { anyOf: [commonRef('identifier'), { type: 'null' }] } } }, kinds: ['any_of_branch_added'], backward: OK, forward: BREAKS, witness: { forward: { carrier: null } } },
  { name: 'null dropped from a oneOf nullable', old: { oneOf: [str, { type: 'null' }] }, new: str, kinds: ['one_of_branch_removed'], backward: BREAKS, forward: OK, witness: { backward: null } },
  { name: 'an anyOf of two types written as a type list is no change', old: { anyOf: [str, { type: 'null' }] }, new: { type: ['string', 'null'] }, kinds: [], backward: OK, forward: OK },
  { name: 'anyOf added whose branches are each narrower', old: str, new: { anyOf: [{ type: 'string', maxLength: 3 }, { type: 'string', pattern: '^A' }] }, kinds: ['max_length_decreased'], backward: BREAKS, forward: OK, witness: { backward: 'ZZZZ' } },
  { name: 'anyOf removed, keeping one of its types', old: { anyOf: [str, { type: 'integer' }] }, new: str, kinds: ['any_of_branch_removed'], backward: BREAKS, forward: OK, witness: { backward: 1 } },
  { name: 'oneOf with a branch listed twice accepts none of its values', old: { oneOf: [str, str] }, new: { oneOf: [str] }, kinds: ['one_of_undecidable'], backward: BREAKS, forward: BREAKS, undecidable: true, witness: { forward: 'a' } },
  // annotations and unknown keywords
  { name: 'annotations and x-* keywords are ignored', old: { title: 'A', description: 'a', type: 'string', 'x-version': 1, examples: ['a'] }, new: { title: 'B', type: 'string', 'x-version': 2, $comment: 'c', deprecated: true, default: 'z' }, kinds: [], backward: OK, forward: OK },
  { name: 'a property named "description" is data, not an annotation', old: { type: 'object', properties: { description: { type: 'string', maxLength: 500 } } }, new: { type: 'object', properties: { description: { type: 'string', maxLength: 100 } } }, kinds: ['max_length_decreased'], backward: BREAKS, forward: OK, witness: { backward: { description: 'x'.repeat(200) } } },
  { name: 'an unknown keyword changed is undecidable', old: { type: 'string', 'plant-rule': 1 }, new: { type: 'string', 'plant-rule': 2 }, kinds: ['unsupported_keyword_undecidable'], backward: BREAKS, forward: BREAKS, undecidable: true },
];

const VERDICT_MODES = ['backward', 'forward', 'full', 'none'] as const;
const expected = (c: Case, mode: (typeof VERDICT_MODES)[number]): boolean =>
  mode === 'none' ? true : mode === 'full' ? c.backward && c.forward : c[mode];

describe('contract compatibility, case by case', () => {
  for (const c of CASES) {
    for (const mode of VERDICT_MODES) {
      const verdict = expected(c, mode);
      it(`${mode}: ${c.name} -> ${verdict ? 'compatible' : 'not compatible'}${c.kinds.length > 0 ? ` [${c.kinds.join(', ')}]` : ''}`, () => {
        const report = check([c.old, c.new], mode);
        assert.equal(report.compatible, verdict, JSON.stringify(report.changes, null, 1));
        assert.deepEqual(kindsOf(report), [...c.kinds].sort());
        if (mode === 'none') assert.ok(report.changes.every((change) => !change.breaking));
      });
    }
  }
});

describe('witnesses: every proven break is shown by an instance ajv agrees on', () => {
  const compile = (schema: unknown) => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    formats.default(ajv);
    ajv.addSchema(COMMON);
    return ajv.compile(schema as object);
  };
  const proven = (c: Case): boolean => c.undecidable === undefined && (!c.backward || !c.forward);
  for (const c of CASES.filter((c) => proven(c) || c.witness !== undefined)) {
    it(c.name, () => {
      if (proven(c)) {
        if (!c.backward) assert.ok(c.witness?.backward !== undefined, 'a backward break needs a witness');
        if (!c.forward) assert.ok(c.witness?.forward !== undefined, 'a forward break needs a witness');
      }
      if (c.witness === undefined) return;
      const validOld = compile(c.old);
      const validNew = compile(c.new);
      if (c.witness.backward !== undefined) {
        assert.equal(validOld(c.witness.backward), true, 'the backward witness is valid under OLD');
        assert.equal(validNew(c.witness.backward), false, 'and rejected by NEW');
      }
      if (c.witness.forward !== undefined) {
        assert.equal(validNew(c.witness.forward), true, 'the forward witness is valid under NEW');
        assert.equal(validOld(c.witness.forward), false, 'and rejected by OLD');
      }
    });
  }
});

// ---- transitive modes ---------------------------------------------------------------------------

interface ChainCase {
  readonly name: string;
  readonly versions: readonly unknown[];
  readonly mode: CompatibilityMode;
  readonly compatible: boolean;
  readonly kinds: readonly ChangeKind[];
}

const nullable = { type: ['string', 'null'] };
const enumAB = { type: 'string', enum: ['A', 'B'] };
const enumABC = { type: 'string', enum: ['A', 'B', 'C'] };
const CHAINS: readonly ChainCase[] = [
  { name: 'null dropped in v2, v3 = v2', versions: [nullable, str, str], mode: 'backward', compatible: true, kinds: [] },
  { name: 'null dropped in v2, v3 = v2', versions: [nullable, str, str], mode: 'backward_transitive', compatible: false, kinds: ['type_narrowed'] },
  { name: 'null dropped in v2, v3 = v2', versions: [nullable, str, str], mode: 'forward_transitive', compatible: true, kinds: ['type_narrowed'] },
  { name: 'null dropped in v2, v3 = v2', versions: [nullable, str, str], mode: 'full', compatible: true, kinds: [] },
  { name: 'null dropped in v2, v3 = v2', versions: [nullable, str, str], mode: 'full_transitive', compatible: false, kinds: ['type_narrowed'] },
  { name: 'enum value added in v2, v3 = v2', versions: [enumAB, enumABC, enumABC], mode: 'forward', compatible: true, kinds: [] },
  { name: 'enum value added in v2, v3 = v2', versions: [enumAB, enumABC, enumABC], mode: 'forward_transitive', compatible: false, kinds: ['enum_value_added'] },
  { name: 'enum value added in v2, v3 = v2', versions: [enumAB, enumABC, enumABC], mode: 'backward_transitive', compatible: true, kinds: ['enum_value_added'] },
  { name: 'optional property added to a closed model in v2, v3 = v2', versions: [closedA, closedAB, closedAB], mode: 'full', compatible: true, kinds: [] },
  { name: 'optional property added to a closed model in v2, v3 = v2', versions: [closedA, closedAB, closedAB], mode: 'full_transitive', compatible: false, kinds: ['property_added_to_closed_model'] },
  { name: 'optional property added to a closed model in v2, v3 = v2', versions: [closedA, closedAB, closedAB], mode: 'backward_transitive', compatible: true, kinds: ['property_added_to_closed_model'] },
  { name: 'an enum growing one value per version', versions: [{ enum: ['A'] }, { enum: ['A', 'B'] }, { enum: ['A', 'B', 'C'] }], mode: 'backward_transitive', compatible: true, kinds: ['enum_value_added'] },
  { name: 'an enum growing one value per version', versions: [{ enum: ['A'] }, { enum: ['A', 'B'] }, { enum: ['A', 'B', 'C'] }], mode: 'forward_transitive', compatible: false, kinds: ['enum_value_added'] },
  { name: 'v2 narrowed, v3 restores v1', versions: [nullable, str, nullable], mode: 'backward_transitive', compatible: true, kinds: ['type_widened'] },
  { name: 'v2 narrowed, v3 restores v1', versions: [nullable, str, nullable], mode: 'forward_transitive', compatible: false, kinds: ['type_widened'] },
  { name: 'v2 narrowed, v3 restores v1', versions: [nullable, str, nullable], mode: 'forward', compatible: false, kinds: ['type_widened'] },
  { name: 'a transitive mode with a single OLD is the plain mode', versions: [enumAB, enumABC], mode: 'forward_transitive', compatible: false, kinds: ['enum_value_added'] },
  { name: 'four versions, only the first incompatible', versions: [{ type: 'string', maxLength: 64 }, { type: 'string', maxLength: 32 }, { type: 'string', maxLength: 32 }, { type: 'string', maxLength: 32 }], mode: 'backward_transitive', compatible: false, kinds: ['max_length_decreased'] },
];

describe('transitive modes check every earlier version, the plain ones only the last', () => {
  for (const c of CHAINS) {
    it(`${c.mode}: ${c.name} -> ${c.compatible ? 'compatible' : 'not compatible'}`, () => {
      const report = check(c.versions, c.mode);
      assert.equal(report.compatible, c.compatible, JSON.stringify(report.changes, null, 1));
      assert.deepEqual(kindsOf(report), [...c.kinds].sort());
    });
  }

  it('lists a change found against several versions once, naming them', () => {
    const report = check([{ type: 'string', maxLength: 64 }, { type: 'string', maxLength: 64, description: 'same' }, { type: 'string', maxLength: 32 }], 'backward_transitive');
    assert.equal(report.changes.length, 1);
    assert.match(report.changes[0]!.message, /\(against v1, v2\)$/);
  });
});

// ---- the shipped contracts ----------------------------------------------------------------------

const PO_V1 = readJson('purchasing/po.released/v1.schema.json');
function poV2(edit: (schema: Json) => void): Json {
  const schema = structuredClone(PO_V1);
  schema.$id = 'https://millrace.dev/contracts/po.released/v2.schema.json';
  schema['x-version'] = 2;
  edit(schema);
  return schema;
}

describe('real contracts: po.released and supplier.confirmation', () => {
  it('po.released v2 with an optional notes field: backward yes, forward and full no (closed model)', () => {
    const v2 = poV2((s) => {
      at(s, 'properties').notes = { type: 'string', maxLength: 500 };
    });
    assert.deepEqual(
      check([PO_V1, v2], 'forward').changes.map((c) => [c.path, c.kind, c.breaking]),
      [['/notes', 'property_added_to_closed_model', true]],
    );
    assert.equal(check([PO_V1, v2], 'backward').compatible, true);
    assert.equal(check([PO_V1, v2], 'full').compatible, false);
  });

  it('po.released v2 that stops accepting a currency breaks backward only', () => {
    const v2 = poV2((s) => {
      at(s, 'properties').currency = { type: 'string', enum: (at(COMMON, '$defs', 'currency').enum as string[]).filter((code) => code !== 'ZWG') };
    });
    const backward = check([PO_V1, v2], 'backward');
    assert.equal(backward.compatible, false);
    assert.deepEqual(backward.changes.map((c) => [c.path, c.kind, c.message]), [['/currency', 'enum_value_removed', 'value "ZWG" is no longer allowed']]);
    assert.equal(check([PO_V1, v2], 'forward').compatible, true);
  });

  it('po.released v2 with a tighter incoterms pattern is undecidable, not compatible', () => {
    const v2 = poV2((s) => {
      at(s, 'properties', 'incoterms').pattern = '^(EXW|FCA|FAS|FOB|CFR|CIF|CPT|CIP|DAP|DPU|DDP)$';
    });
    for (const mode of ['backward', 'forward', 'full'] as const) {
      const report = check([PO_V1, v2], mode);
      assert.equal(report.compatible, false);
      assert.deepEqual(report.changes.map((c) => [c.path, c.kind]), [['/incoterms', 'pattern_undecidable']]);
    }
  });

  it('po.released v2 whose line quantity may be zero (common positiveDecimal -> nonNegativeDecimal) is reported at the line path', () => {
    const v2 = poV2((s) => {
      at(s, 'properties', 'lines', 'items', 'properties', 'quantity').$ref = `${COMMON_ID}#/$defs/nonNegativeDecimal`;
    });
    assert.deepEqual(check([PO_V1, v2], 'backward').changes.map((c) => [c.path, c.kind]), [['/lines/*/quantity', 'pattern_undecidable']]);
  });

  it('po.released v2 with needBy optional and at least two lines', () => {
    const v2 = poV2((s) => {
      at(s, 'properties', 'lines').minItems = 2;
      const line = at(s, 'properties', 'lines', 'items');
      line.required = (line.required as string[]).filter((name) => name !== 'needBy');
    });
    const report = check([PO_V1, v2], 'full');
    assert.deepEqual(
      report.changes.map((c) => [c.path, c.kind, c.breaking]),
      [
        ['/lines/*/needBy', 'required_removed', true],
        ['/lines', 'min_items_increased', true],
      ],
    );
    assert.deepEqual(check([PO_V1, v2], 'backward').changes.filter((c) => c.breaking).map((c) => c.kind), ['min_items_increased']);
    assert.deepEqual(check([PO_V1, v2], 'forward').changes.filter((c) => c.breaking).map((c) => c.kind), ['required_removed']);
  });

  it('supplier.confirmation v2 with a "partial" status: the unchanged if/then is no obstacle', () => {
    const v1 = readJson('purchasing/supplier.confirmation/v1.schema.json');
    const v2 = structuredClone(v1);
    v2.$id = 'https://millrace.dev/contracts/supplier.confirmation/v2.schema.json';
    (at(v2, 'properties', 'lines', 'items', 'properties', 'status').enum as string[]).push('partial');
    assert.deepEqual(check([v1, v2], 'backward'), { compatible: true, changes: [{ path: '/lines/*/status', kind: 'enum_value_added', breaking: false, message: 'value "partial" is newly allowed' }] });
    assert.equal(check([v1, v2], 'forward').compatible, false);
    const conditionChanged = structuredClone(v2);
    at(conditionChanged, 'properties', 'lines', 'items', 'if', 'properties').status = { enum: ['changed', 'partial'] };
    assert.deepEqual(kindsOf(check([v1, conditionChanged], 'backward')), ['conditional_undecidable', 'enum_value_added']);
  });

  it('the shipped supplier.confirmation v2 is a major version: compatible with v1 in mode none only', () => {
    const v1 = readJson('purchasing/supplier.confirmation/v1.schema.json');
    const v2 = readJson('purchasing/supplier.confirmation/v2.schema.json');
    assert.deepEqual(kindsOf(check([v1, v2], 'none')), ['conditional_undecidable', 'property_added_to_closed_model', 'property_removed_from_closed_model']);
    assert.equal(check([v1, v2], 'none').compatible, true);
    // Backward: v1 data carries promisedDate, which v2 refuses; forward: v1 readers refuse schedule.
    assert.deepEqual(check([v1, v2], 'backward').changes.filter((c) => c.breaking).map((c) => c.kind).sort(), ['conditional_undecidable', 'property_removed_from_closed_model']);
    assert.deepEqual(check([v1, v2], 'forward').changes.filter((c) => c.breaking).map((c) => c.kind).sort(), ['conditional_undecidable', 'property_added_to_closed_model']);
  });

  it('every shipped contract is compatible with itself in every mode, whatever its annotations say', () => {
    const files: string[] = [];
    const walk = (dir: string): void => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) walk(path);
        else if (name.endsWith('.schema.json')) files.push(path);
      }
    };
    walk(new URL('.', CONTRACTS).pathname);
    assert.ok(files.length >= 20);
    for (const file of files) {
      const v1 = JSON.parse(readFileSync(file, 'utf8'));
      const renamed = { ...structuredClone(v1), $id: `${String(v1.$id)}-next`, title: 'renamed', description: 'reworded', 'x-version': 2 };
      for (const mode of COMPATIBILITY_MODES) assert.deepEqual(check([v1, renamed], mode), { compatible: true, changes: [] }, `${file} ${mode}`);
    }
  });
});

// ---- keywords json-schema-diff ignores ----------------------------------------------------------

/** Pairs of schemas that differ only in one keyword json-schema-diff 1.0 does not read. */
const IGNORED_BY_SET_DIFF: Record<string, readonly (readonly [unknown, unknown])[]> = {
  enum: [
    [{ enum: ['A', 'B'] }, { enum: ['A'] }],
    [str, { type: 'string', enum: ['A'] }],
  ],
  const: [
    [{ const: 'a' }, { const: 'b' }],
    [str, { type: 'string', const: 'a' }],
  ],
  pattern: [
    [str, { type: 'string', pattern: '^a' }],
    [{ type: 'string', pattern: '^a' }, { type: 'string', pattern: '^b' }],
  ],
  format: [
    [str, { type: 'string', format: 'date' }],
    [{ type: 'string', format: 'date' }, { type: 'string', format: 'date-time' }],
    [{ type: 'string', format: 'uri' }, { type: 'string', format: 'custom-uri' }],
  ],
  multipleOf: [
    [{ type: 'number' }, { type: 'number', multipleOf: 2 }],
    [{ type: 'number', multipleOf: 2 }, { type: 'number', multipleOf: 3 }],
  ],
  uniqueItems: [[{ type: 'array' }, { type: 'array', uniqueItems: true }]],
  'if/then/else': [
    [openA, { ...openA, if: { required: ['a'] }, then: { required: ['b'] } }],
    [
      { ...openA, if: { required: ['a'] }, then: { required: ['b'] } },
      { ...openA, if: { required: ['a'] }, then: { required: ['b'] }, else: { required: ['c'] } },
    ],
  ],
  patternProperties: [
    [{ type: 'object' }, { type: 'object', patternProperties: { '^x-': str } }],
    [{ type: 'object', patternProperties: { '^x-': str } }, { type: 'object', patternProperties: { '^y-': str } }],
    [{ type: 'object', patternProperties: { '^x-': str } }, { type: 'object', patternProperties: { '^x-': { type: 'integer' } } }],
  ],
  prefixItems: [
    [{ type: 'array' }, { type: 'array', prefixItems: [str] }],
    [{ type: 'array', prefixItems: [str] }, { type: 'array', prefixItems: [{ type: 'integer' }] }],
  ],
  unevaluatedProperties: [
    [openA, { ...openA, unevaluatedProperties: false }],
    [{ ...openA, unevaluatedProperties: false }, { ...openA, unevaluatedProperties: str }],
  ],
  unevaluatedItems: [
    [{ type: 'array' }, { type: 'array', unevaluatedItems: false }],
    [{ type: 'array', unevaluatedItems: false }, { type: 'array', unevaluatedItems: str }],
  ],
};

describe('a change to a keyword json-schema-diff ignores is never a silent "compatible"', () => {
  for (const [keyword, pairs] of Object.entries(IGNORED_BY_SET_DIFF)) {
    it(`${keyword}: every change is listed and breaks full compatibility, in both directions`, () => {
      for (const [a, b] of pairs) {
        for (const [older, newer] of [
          [a, b],
          [b, a],
        ]) {
          const full = check([older, newer], 'full');
          const what = `${JSON.stringify(older)} -> ${JSON.stringify(newer)}`;
          assert.ok(full.changes.length > 0, `${what}: a change is listed`);
          assert.equal(full.compatible, false, `${what}: not compatible under full`);
          const backward = check([older, newer], 'backward');
          const forward = check([older, newer], 'forward');
          assert.ok(!backward.compatible || !forward.compatible, `${what}: breaks at least one direction`);
          // A direction may be compatible only on a specific, decided finding, never on an undecidable one.
          const undecidable = full.changes.some((change) => change.kind.endsWith('_undecidable'));
          if (undecidable) assert.ok(!backward.compatible && !forward.compatible, `${what}: undecidable breaks both directions`);
        }
      }
    });
  }
});

// ---- property: a "compatible" verdict is never contradicted ---------------------------------------

const SAMPLE_STRINGS = ['', 'a', 'ab', 'b', 'ba', 'abc', 'x1', '2026-03-02', '2026-03-02T08:00:00Z', 'http://a.b/c', '/rel', 'a@b.co'];
const SAMPLE_NUMBERS = [-1, 0, 0.5, 1, 1.5, 2, 3, 6];
const scalarArb = fc.oneof(fc.constantFrom(...SAMPLE_STRINGS), fc.constantFrom(...SAMPLE_NUMBERS), fc.constant(null), fc.boolean());
const { value: instanceArb } = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, scalarArb, scalarArb, tie('array'), tie('object')),
  array: fc.array(tie('value'), { maxLength: 3 }),
  object: fc.dictionary(fc.constantFrom('a', 'b', 'x1', 'z'), tie('value'), { maxKeys: 3, noNullPrototype: true }),
}));

const maybe = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.option(arb, { nil: undefined });
const defined = (record: Record<string, unknown>): Json => Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined));

/** Small schemas over the keywords the checker reasons about, nested `depth` levels. */
function schemaArb(depth: number): fc.Arbitrary<unknown> {
  const strings = fc
    .record({
      type: fc.constant('string'),
      minLength: maybe(fc.integer({ min: 0, max: 3 })),
      maxLength: maybe(fc.integer({ min: 1, max: 4 })),
      pattern: maybe(fc.constantFrom('^a', 'b$', '^[ab]+$')),
      format: maybe(fc.constantFrom('date', 'date-time', 'uri', 'uri-reference', 'email')),
    })
    .map(defined);
  const numbers = fc
    .record({
      type: fc.constantFrom('integer', 'number', ['integer', 'null'], ['number', 'string']),
      minimum: maybe(fc.constantFrom(-1, 0, 1, 2.5)),
      maximum: maybe(fc.constantFrom(0, 1, 2, 2.5, 6)),
      exclusiveMinimum: maybe(fc.constantFrom(-1, 0, 0.5, 1)),
      exclusiveMaximum: maybe(fc.constantFrom(1, 2, 3)),
      multipleOf: maybe(fc.constantFrom(0.5, 1, 2, 3)),
    })
    .map(defined);
  const values = fc.oneof(
    fc.record({ enum: fc.uniqueArray(scalarArb, { minLength: 1, maxLength: 4 }) }),
    fc.record({ const: scalarArb }),
    fc.record({ type: fc.constantFrom('string', 'number'), enum: fc.uniqueArray(scalarArb, { minLength: 1, maxLength: 4 }) }),
  );
  const leaf = fc.oneof(strings, numbers, values, fc.constantFrom({}, true, false, { type: 'null' }, { type: 'boolean' }, { type: ['string', 'null'] }));
  if (depth === 0) return leaf;
  const sub = schemaArb(depth - 1);
  const objects = fc
    .record({
      type: maybe(fc.constant('object')),
      properties: maybe(fc.dictionary(fc.constantFrom('a', 'b'), sub, { maxKeys: 2, noNullPrototype: true })),
      required: maybe(fc.uniqueArray(fc.constantFrom('a', 'b', 'z'), { maxLength: 2 })),
      additionalProperties: maybe(fc.oneof(fc.boolean(), sub)),
      patternProperties: maybe(fc.dictionary(fc.constantFrom('^x', '^z'), sub, { maxKeys: 1, noNullPrototype: true })),
      minProperties: maybe(fc.integer({ min: 0, max: 2 })),
      maxProperties: maybe(fc.integer({ min: 0, max: 3 })),
      dependentRequired: maybe(fc.constant({ a: ['b'] })),
    })
    .map(defined);
  // No `contains` beside `prefixItems`: ajv 8.20 accepts [] for that pair, which the spec rejects.
  const arrays = fc
    .record({
      type: maybe(fc.constant('array')),
      items: maybe(fc.oneof(sub, fc.boolean())),
      prefixItems: maybe(fc.array(sub, { minLength: 1, maxLength: 2 })),
      minItems: maybe(fc.integer({ min: 0, max: 2 })),
      maxItems: maybe(fc.integer({ min: 0, max: 3 })),
      uniqueItems: maybe(fc.boolean()),
      contains: maybe(sub),
    })
    .map((record) => defined({ ...record, contains: 'prefixItems' in record && record.prefixItems !== undefined ? undefined : record.contains }));
  const combined = fc.oneof(
    fc.record({ anyOf: fc.array(sub, { minLength: 1, maxLength: 3 }) }),
    fc.record({ oneOf: fc.array(sub, { minLength: 1, maxLength: 3 }) }),
    fc.record({ allOf: fc.array(sub, { minLength: 1, maxLength: 2 }) }),
    fc.record({ not: sub }),
    fc.tuple(sub, sub).map(([a, b]) => ({ allOf: [a], ...(typeof b === 'object' ? b : {}) })),
  );
  return fc.oneof(leaf, objects, arrays, combined);
}

/** Every subschema position of a document, to replace it or drop one of its keywords. */
function subschemaSlots(holder: Json, key: string, out: { holder: Json; key: string }[] = []): { holder: Json; key: string }[] {
  out.push({ holder, key });
  const node = holder[key];
  if (typeof node !== 'object' || node === null || Array.isArray(node)) return out;
  const schema = node as Json;
  for (const k of ['items', 'additionalProperties', 'not', 'contains']) if (schema[k] !== undefined) subschemaSlots(schema, k, out);
  for (const k of ['properties', 'patternProperties', '$defs', 'anyOf', 'oneOf', 'allOf', 'prefixItems']) {
    const children = schema[k];
    if (typeof children === 'object' && children !== null) for (const name of Object.keys(children)) subschemaSlots(children as Json, name, out);
  }
  return out;
}

/** OLD, and NEW made from it by one or two edits, so that the pair is often compatible. */
const documentArb = fc.oneof(schemaArb(2), schemaArb(1).map((d) => ({ $ref: '#/$defs/d', $defs: { d } })));
const schemaPairArb = documentArb.chain((older) =>
  fc.array(fc.tuple(fc.nat(), fc.boolean(), schemaArb(1), fc.nat()), { minLength: 1, maxLength: 2 }).map((edits) => {
    const root: Json = { schema: structuredClone(older) };
    for (const [where, replace, replacement, which] of edits) {
      const slots = subschemaSlots(root, 'schema');
      const slot = slots[where % slots.length]!;
      const node = slot.holder[slot.key];
      const keys = typeof node === 'object' && node !== null ? Object.keys(node).filter((k) => k !== '$defs' && k !== '$ref') : [];
      if (replace || keys.length === 0) slot.holder[slot.key] = structuredClone(replacement);
      else delete (node as Json)[keys[which % keys.length]!];
    }
    return [older, root.schema] as const;
  }),
);

describe('property: no instance contradicts a "compatible" verdict', () => {
  it('backward: what OLD accepts NEW accepts; forward: what NEW accepts OLD accepts (ajv as the judge)', () => {
    const compile = (schema: unknown) => {
      const ajv = new Ajv2020({ strict: false, logger: false });
      formats.default(ajv);
      return ajv.compile(schema as object);
    };
    fc.assert(
      fc.property(schemaPairArb, fc.array(instanceArb, { minLength: 40, maxLength: 40 }), ([older, newer], instances) => {
        const validOld = compile(older);
        const validNew = compile(newer);
        for (const mode of ['backward', 'forward'] as const) {
          if (!check([older, newer], mode).compatible) continue;
          for (const instance of instances) {
            if (mode === 'backward') assert.ok(!validOld(instance) || validNew(instance), `${JSON.stringify(instance)} passes OLD only`);
            else assert.ok(!validNew(instance) || validOld(instance), `${JSON.stringify(instance)} passes NEW only`);
          }
        }
      }),
      { numRuns: 400 },
    );
  });
});

// ---- unusable input and the docs ----------------------------------------------------------------

describe('unusable input is an error, not a verdict', () => {
  const rejects = (versions: readonly unknown[], pattern: RegExp, shared: readonly unknown[] = [COMMON]) =>
    assert.throws(() => check(versions, 'backward', shared), (error: unknown) => error instanceof SchemaInputError && pattern.test(error.message));

  it('a document that is not a schema object', () => rejects([[1, 2], str], /v1: is not a JSON Schema: expected an object, got an array/));
  it('a document for another JSON Schema draft', () => rejects([{ $schema: 'http://json-schema.org/draft-07/schema#', type: 'string' }, str], /only JSON Schema 2020-12/));
  it('a keyword with a value of the wrong type', () => rejects([str, { type: 'string', minLength: '3' }], /v2: is not a valid JSON Schema 2020-12 document: \/minLength must be integer/));
  it('a pattern that is not a regular expression', () => rejects([str, { type: 'string', pattern: '([A-Z' }], /v2: \/pattern: \/\(\[A-Z\/ is not a valid regular expression/));
  it('a $ref to a missing local definition', () => rejects([{ $ref: '#/$defs/nope' }, str], /v1: \$ref "#\/\$defs\/nope" at \/ points to nothing/));
  it('a $ref to a shared document that was not given', () =>
    rejects([str, { type: 'object', properties: { a: commonRef('identifier') } }], /v2: \$ref "https:\/\/millrace\.dev\/contracts\/common\/v1\.schema\.json#\/\$defs\/identifier" at \/properties\/a points to an unknown document/, []));
  it('no earlier version', () => assert.throws(() => checkCompatibility({ previous: [], next: { label: 'v1', schema: str }, mode: 'backward' }), SchemaInputError));
});

describe('docs/compatibility.md', () => {
  it('lists every change kind with its effect, and no other', () => {
    const doc = readFileSync(new URL('../../../docs/compatibility.md', import.meta.url), 'utf8');
    const rows = new Map([...doc.matchAll(/^\| `([a-z_]+)` \| (narrows|widens|both|undecidable|none) \| (?:ok|breaks)/gm)].map((m) => [m[1]!, m[2]!]));
    assert.deepEqual(
      [...rows.entries()].sort(),
      Object.entries(CHANGE_KINDS)
        .map(([kind, { effect }]) => [kind, effect])
        .sort(),
    );
  });
});
