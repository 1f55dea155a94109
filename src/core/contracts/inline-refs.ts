// Produces a self-contained copy of a schema by replacing `$ref`s to shared documents with
// the referenced definitions; used where a consumer cannot resolve our `$id`s (OpenAPI).
import type { SchemaDocument } from './contract-registry.js';

export function inlineRefs(schema: SchemaDocument, shared: readonly SchemaDocument[]): Record<string, unknown> {
  const byId = new Map<string, SchemaDocument>();
  for (const doc of shared) if (typeof doc.$id === 'string') byId.set(doc.$id, doc);
  const resolve = (ref: string): unknown => {
    const [base = '', fragment = ''] = ref.split('#');
    // A local `#/...` reference points into the schema being inlined itself.
    const doc = base === '' ? schema : byId.get(base);
    if (doc === undefined) throw new Error(`cannot inline $ref ${ref}: unknown document`);
    let node: unknown = doc;
    for (const part of fragment.split('/').filter((p) => p !== '')) {
      node = (node as Record<string, unknown> | undefined)?.[part.replaceAll('~1', '/').replaceAll('~0', '~')];
    }
    if (node === undefined) throw new Error(`cannot inline $ref ${ref}: no such definition`);
    return node;
  };
  const walk = (node: unknown, depth: number): unknown => {
    if (depth > 32) throw new Error('schema references nest too deeply to inline');
    if (Array.isArray(node)) return node.map((item) => walk(item, depth));
    if (node === null || typeof node !== 'object') return node;
    const record = node as Record<string, unknown>;
    if (typeof record.$ref === 'string') {
      const { $ref, ...siblings } = record;
      return { ...(walk(resolve($ref), depth + 1) as Record<string, unknown>), ...(walk(siblings, depth) as Record<string, unknown>) };
    }
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(record)) {
      if (key === '$schema' || key === '$id' || key.startsWith('x-')) continue;
      out[key] = walk(value, depth);
    }
    return out;
  };
  return walk(schema, 0) as Record<string, unknown>;
}
