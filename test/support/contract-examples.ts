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
