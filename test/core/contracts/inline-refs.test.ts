// Inlining keeps a schema's meaning while removing every reference to a shared document.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inlineRefs } from '../../../src/core/contracts/inline-refs.js';

const COMMON = {
  $id: 'https://millrace.dev/contracts/common/v1.schema.json',
  $defs: {
    decimal: { type: 'string', pattern: '^-?[0-9]+$', maxLength: 40, description: 'A decimal string.' },
    signedDecimal: { $ref: '#/$defs/decimal', description: 'May be negative.' },
  },
};
const ref = (name: string): string => `${COMMON.$id}#/$defs/${name}`;

describe('inlineRefs', () => {
  it('follows a local reference inside a shared document to that document, not to the schema being inlined', () => {
    const schema = { $id: 'https://millrace.dev/contracts/x/v1.schema.json', type: 'object', properties: { amount: { $ref: ref('signedDecimal') } } };
    assert.deepEqual(inlineRefs(schema, [COMMON]), {
      type: 'object',
      properties: { amount: { type: 'string', pattern: '^-?[0-9]+$', maxLength: 40, description: 'May be negative.' } },
    });
  });

  it('lets a local description replace the shared one, and adds local assertions the target lacks', () => {
    const schema = { properties: { quantity: { $ref: ref('decimal'), not: { const: '0' }, description: 'Non-zero.' } } };
    assert.deepEqual(inlineRefs(schema, [COMMON]).properties, {
      quantity: { type: 'string', pattern: '^-?[0-9]+$', maxLength: 40, description: 'Non-zero.', not: { const: '0' } },
    });
  });

  it('keeps both when a local assertion meets the same keyword in the target, instead of letting one replace the other', () => {
    const schema = { properties: { code: { $ref: ref('decimal'), maxLength: 10 } } };
    assert.deepEqual(inlineRefs(schema, [COMMON]).properties, {
      code: { maxLength: 10, allOf: [{ type: 'string', pattern: '^-?[0-9]+$', maxLength: 40, description: 'A decimal string.' }] },
    });
  });

  it('names the reference it cannot follow', () => {
    assert.throws(() => inlineRefs({ $ref: ref('missing') }, [COMMON]), /cannot inline \$ref .*missing: no such definition/);
    assert.throws(() => inlineRefs({ $ref: 'https://elsewhere.example/s.json#/a' }, [COMMON]), /unknown document/);
  });
});
