// How deep an event may nest. JSON.parse takes any depth, but what the hub does with an event
// afterwards does not: JSON.stringify, the canonical JSON that tells a resend from a conflict and
// structuredClone give up (RangeError) some thousands of levels down, in the middle of a group
// commit, say, whose other requests would fail with it. A contract that closes every object and
// array bounds the depth by itself; an open part (an object without `additionalProperties:
// false`, an array without `items`, a schema of `{}`) lets a sender nest as deep as it likes, and
// only there does the door walk the data.
import { escapePointer } from './schema-scope.js';

/** Levels an event may nest, the event object itself being level 1 (`data` is level 2). */
export const MAX_EVENT_DEPTH = 64;

/**
 * Levels a schema document (a contract, or a file given to `contracts compat`) may nest. Reading
 * one walks it recursively (ajv checks it against its meta-schema; the compatibility check and
 * the bound above descend it), and past about 800 levels that overflows the stack. The shipped
 * contracts nest at most 9 levels.
 */
export const MAX_SCHEMA_DEPTH = 128;

/** Why a schema document cannot be read for its depth, or undefined when it can. */
export function schemaDepthProblem(document: unknown): string | undefined {
  const pointer = deeperThan(document, MAX_SCHEMA_DEPTH);
  if (pointer === undefined) return undefined;
  const shown = pointer.length > 80 ? `${pointer.slice(0, 80)}...` : pointer;
  return `nests deeper than ${MAX_SCHEMA_DEPTH} levels of objects and arrays (at ${shown})`;
}

const SCALAR_TYPES = new Set(['string', 'number', 'integer', 'boolean', 'null']);

/**
 * The most levels of objects and arrays a schema (with its `$ref`s inlined) lets a value have,
 * 0 for a scalar; Infinity where it does not bound them. Conservative: keywords that only narrow
 * (`if`, `not`, `propertyNames`, ...) are not read, so a bound may be higher than the schema's
 * real one, never lower.
 */
export function depthBound(schema: unknown): number {
  if (schema === false) return 0;
  if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) return Number.POSITIVE_INFINITY;
  const s = schema as Readonly<Record<string, unknown>>;
  let bound = Number.POSITIVE_INFINITY;
  if ('const' in s) bound = depthOf(s.const);
  else if (Array.isArray(s.enum)) bound = Math.max(0, ...s.enum.map(depthOf));
  else bound = ownBound(s);
  // Every member of allOf must hold, so the least bound among them holds; one of anyOf/oneOf must.
  if (Array.isArray(s.allOf)) bound = Math.min(bound, ...s.allOf.map(depthBound));
  for (const keyword of ['anyOf', 'oneOf'] as const) {
    const members = s[keyword];
    if (Array.isArray(members)) bound = Math.min(bound, Math.max(0, ...members.map(depthBound)));
  }
  return bound;
}

/** The bound the schema's `type`, object and array keywords set. */
function ownBound(s: Readonly<Record<string, unknown>>): number {
  const types = typeof s.type === 'string' ? [s.type] : Array.isArray(s.type) ? (s.type as unknown[]) : undefined;
  if (types !== undefined && types.every((type) => typeof type === 'string' && SCALAR_TYPES.has(type))) return 0;
  const object = types === undefined || types.includes('object') ? objectBound(s) : 0;
  const array = types === undefined || types.includes('array') ? arrayBound(s) : 0;
  return Math.max(object, array);
}

function objectBound(s: Readonly<Record<string, unknown>>): number {
  const additional = s.additionalProperties;
  if (additional === undefined || additional === true) return Number.POSITIVE_INFINITY;
  const members = [...schemasOf(s.properties), ...schemasOf(s.patternProperties), ...(additional === false ? [] : [additional])];
  return 1 + Math.max(0, ...members.map(depthBound));
}

function arrayBound(s: Readonly<Record<string, unknown>>): number {
  const items = s.items;
  const prefix = Array.isArray(s.prefixItems) ? (s.prefixItems as unknown[]) : [];
  if (items === undefined || items === true) return Number.POSITIVE_INFINITY;
  return 1 + Math.max(0, ...[...prefix, ...(items === false ? [] : [items])].map(depthBound));
}

function schemasOf(map: unknown): unknown[] {
  return map !== null && typeof map === 'object' && !Array.isArray(map) ? Object.values(map) : [];
}

/** Levels of objects and arrays in a value (a literal of `const` or `enum`); 0 for a scalar. */
function depthOf(value: unknown): number {
  if (value === null || typeof value !== 'object') return 0;
  return 1 + Math.max(0, ...Object.values(value).map(depthOf));
}

/**
 * The JSON pointer (relative to `value`) of the first object or array that takes `value` past
 * `levels` levels, or undefined when it stays within them. Stops there: it never walks deeper
 * than the limit, however deep the value goes.
 */
export function deeperThan(value: unknown, levels: number): string | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  if (levels <= 0) return '';
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index += 1) {
      const below = deeperThan(value[index], levels - 1);
      if (below !== undefined) return `/${index}${below}`;
    }
    return undefined;
  }
  for (const key of Object.keys(value)) {
    const below = deeperThan((value as Record<string, unknown>)[key], levels - 1);
    if (below !== undefined) return `/${escapePointer(key)}${below}`;
  }
  return undefined;
}
