// Produces a self-contained copy of a schema by replacing `$ref`s to shared documents with
// the referenced definitions; used where a consumer cannot resolve our `$id`s (OpenAPI, AsyncAPI).
import type { SchemaDocument } from './contract-registry.js';

/** Keywords that only annotate: where a `$ref` and its siblings both carry one, the sibling (the more local word) wins. */
const ANNOTATIONS = new Set(['title', 'description', 'examples', 'default', 'deprecated', 'readOnly', 'writeOnly', '$comment']);

export function inlineRefs(schema: SchemaDocument, shared: readonly SchemaDocument[]): Record<string, unknown> {
  const byId = new Map<string, SchemaDocument>();
  for (const doc of shared) if (typeof doc.$id === 'string') byId.set(doc.$id, doc);
  // A `#/...` reference points into the document it is written in: the schema being inlined,
  // or the shared document a definition came from (common's signedDecimal refers to its decimal).
  const resolve = (ref: string, within: SchemaDocument): { node: unknown; doc: SchemaDocument } => {
    const [base = '', fragment = ''] = ref.split('#');
    const doc = base === '' ? within : byId.get(base);
    if (doc === undefined) throw new Error(`cannot inline $ref ${ref}: unknown document`);
    let node: unknown = doc;
    for (const part of fragment.split('/').filter((p) => p !== '')) {
      node = (node as Record<string, unknown> | undefined)?.[part.replaceAll('~1', '/').replaceAll('~0', '~')];
    }
    if (node === undefined) throw new Error(`cannot inline $ref ${ref}: no such definition`);
    return { node, doc };
  };
  const walk = (node: unknown, within: SchemaDocument, depth: number): unknown => {
    if (depth > 32) throw new Error('schema references nest too deeply to inline');
    if (Array.isArray(node)) return node.map((item) => walk(item, within, depth));
    if (node === null || typeof node !== 'object') return node;
    const record = node as Record<string, unknown>;
    if (typeof record.$ref === 'string') {
      const { $ref, ...siblings } = record;
      const target = resolve($ref, within);
      return withSiblings(walk(target.node, target.doc, depth + 1), walk(siblings, within, depth) as Record<string, unknown>);
    }
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(record)) {
      if (key === '$schema' || key === '$id' || key.startsWith('x-')) continue;
      out[key] = walk(value, within, depth);
    }
    return out;
  };
  return walk(schema, schema, 0) as Record<string, unknown>;
}

/**
 * A `$ref` with sibling keywords applies both (JSON Schema 2020-12). Merging them into one
 * object keeps that meaning only while they share no assertion keyword; otherwise the target
 * goes under `allOf`, so a local `maxLength` cannot silently replace the shared one.
 */
function withSiblings(target: unknown, siblings: Record<string, unknown>): unknown {
  if (Object.keys(siblings).length === 0) return target;
  if (target !== null && typeof target === 'object' && !Array.isArray(target)) {
    const record = target as Record<string, unknown>;
    if (Object.keys(siblings).every((key) => !(key in record) || ANNOTATIONS.has(key))) return { ...record, ...siblings };
  }
  const allOf = Array.isArray(siblings.allOf) ? (siblings.allOf as unknown[]) : [];
  return { ...siblings, allOf: [target, ...allOf] };
}
