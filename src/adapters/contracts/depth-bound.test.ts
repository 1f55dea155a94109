import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { deeperThan, depthBound, schemaDepthProblem } from '../../core/index.js';
import { loadContractSet } from './contract-files.js';

/** `levels` arrays inside each other: [[[...]]]. */
function nested(levels: number): unknown {
  let value: unknown = 'bottom';
  for (let i = 0; i < levels; i += 1) value = [value];
  return value;
}

describe('depthBound', () => {
  it('counts the levels a closed schema allows', () => {
    const line = { type: 'object', additionalProperties: false, properties: { qty: { type: 'string' }, tags: { type: 'array', items: { type: 'string' } } } };
    const data = { type: 'object', additionalProperties: false, properties: { id: { type: 'string' }, lines: { type: 'array', items: line } } };
    assert.equal(depthBound({ type: 'string' }), 0);
    assert.equal(depthBound({ type: ['string', 'null'] }), 0);
    assert.equal(depthBound(line), 2);
    assert.equal(depthBound(data), 4);
    assert.equal(depthBound({ const: { a: [1] } }), 2);
    assert.equal(depthBound({ enum: ['a', { b: { c: 1 } }] }), 2);
    assert.equal(depthBound({ type: 'array', prefixItems: [{ type: 'string' }, line], items: false }), 3);
    assert.equal(depthBound({ type: 'object', additionalProperties: { type: 'array', items: { type: 'integer' } } }), 2);
    assert.equal(depthBound(false), 0);
  });

  it('finds no bound where a schema leaves objects or arrays open', () => {
    for (const open of [
      true,
      {},
      { type: 'object' },
      { type: 'object', properties: { a: { type: 'string' } } },
      { type: 'object', additionalProperties: true },
      { type: 'array' },
      { type: ['object', 'string'], additionalProperties: false, properties: { a: { type: 'array' } } },
      // No type: an array is as welcome as an object, and nothing bounds its items.
      { additionalProperties: false, properties: { a: { type: 'string' } } },
      { type: 'object', unevaluatedProperties: false },
    ]) {
      assert.equal(depthBound(open), Number.POSITIVE_INFINITY, JSON.stringify(open));
    }
  });

  it('takes the least bound of allOf and the largest of anyOf or oneOf', () => {
    const closed = { type: 'object', additionalProperties: false, properties: { a: { type: 'string' } } };
    const deeper = { type: 'object', additionalProperties: false, properties: { a: { type: 'array', items: { type: 'string' } } } };
    assert.equal(depthBound({ allOf: [{}, closed] }), 1);
    assert.equal(depthBound({ anyOf: [closed, deeper] }), 2);
    assert.equal(depthBound({ oneOf: [closed, {}] }), Number.POSITIVE_INFINITY);
    assert.equal(depthBound({ type: 'object', oneOf: [closed, deeper] }), 2);
  });
});

describe('deeperThan', () => {
  it('takes a value as deep as the levels allowed and points at the first level past them', () => {
    assert.equal(deeperThan(nested(63), 63), undefined);
    assert.equal(deeperThan(nested(64), 63), `${'/0'.repeat(63)}`);
    assert.equal(deeperThan({ a: 'x', 'b/c': { 'd~e': [{}] } }, 2), '/b~1c/d~0e');
    assert.equal(deeperThan({ a: 'x', 'b/c': { 'd~e': [{}] } }, 4), undefined);
    assert.equal(deeperThan('scalar', 0), undefined);
  });

  it('stops at the limit, however deep the value goes', () => {
    // Far past what a recursive walk of the whole value could take (JSON.stringify gives up at some thousands).
    const deep: unknown = JSON.parse(`${'['.repeat(200_000)}${']'.repeat(200_000)}`);
    assert.equal(deeperThan(deep, 63), '/0'.repeat(63));
    assert.throws(() => JSON.stringify(deep), RangeError);
  });
});

describe('schema documents', () => {
  /** A closed contract whose data nests `levels` objects (each two levels of JSON: the schema and its properties). */
  const contract = (levels: number) => {
    let schema: Record<string, unknown> = { type: 'string' };
    for (let i = 0; i < levels; i += 1) schema = { type: 'object', additionalProperties: false, properties: { a: schema } };
    return { $schema: 'https://json-schema.org/draft/2020-12/schema', $id: 'https://example.com/quality.deep/v1.schema.json', 'x-event-type': 'quality.deep', 'x-version': 1, 'x-domain': 'quality', ...schema };
  };

  it('reads one up to 128 levels deep and names the file and the place of one deeper (ajv overflowed the stack on 1,200)', () => {
    assert.equal(schemaDepthProblem(contract(63)), undefined);
    assert.match(schemaDepthProblem(contract(64)) ?? '', /^nests deeper than 128 levels of objects and arrays \(at \/properties\/a\/properties\/a/);
    const dir = mkdtempSync(join(tmpdir(), 'millrace-deep-contracts-'));
    try {
      cpSync(fileURLToPath(new URL('../../../contracts', import.meta.url)), dir, { recursive: true });
      mkdirSync(join(dir, 'quality', 'quality.deep'), { recursive: true });
      const file = join(dir, 'quality', 'quality.deep', 'v1.schema.json');
      writeFileSync(file, JSON.stringify(contract(600)));
      assert.throws(() => loadContractSet(dir), (error: Error) => error.message.startsWith(`${file}: nests deeper than 128 levels`));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
