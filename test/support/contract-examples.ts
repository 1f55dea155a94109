// One test per example beside a contract: a valid one passes envelope and data, an invalid one
// fails at exactly its declared set of JSON pointers.
import assert from 'node:assert/strict';
import { relative } from 'node:path';
import { it } from 'node:test';
import type { ContractExample } from '../../src/adapters/index.js';
import type { ContractRegistry } from '../../src/core/index.js';

export function itChecksEachExample(registry: ContractRegistry, examples: readonly ContractExample[], root: string): void {
  for (const example of examples) {
    const name = relative(root, example.file);
    if (example.valid) {
      it(`accepts ${name}`, () => {
        const check = registry.check(example.body);
        assert.ok(check.ok, JSON.stringify(check));
      });
    } else {
      const { event, expectedErrors } = example.body as { event: unknown; expectedErrors: string[] };
      it(`rejects ${name} at exactly ${expectedErrors.join(', ')}`, () => {
        const check = registry.check(event);
        assert.equal(check.ok, false);
        if (check.ok) return;
        assert.deepEqual([...new Set(check.violations.map((v) => v.pointer))].sort(), [...new Set(expectedErrors)].sort());
      });
    }
  }
}

/** A board's contract with a free-form part (`details`, as exception.raised has), for the depth bound's tests. */
export const QUALITY_NOTE_CONTRACT = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://example.com/contracts/quality.note/v1.schema.json',
  'x-event-type': 'quality.note',
  'x-version': 1,
  'x-domain': 'quality',
  type: 'object',
  additionalProperties: false,
  required: ['noteId', 'details'],
  properties: { noteId: { type: 'string' }, details: { type: 'object', description: 'Free-form.' } },
} as const;
