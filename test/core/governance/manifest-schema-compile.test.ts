// The manifest's JSON Schema is compiled when a manifest is first checked, not when the core is
// imported: every CLI command imports the core, and paid the compilation (about 250 ms of its
// start-up) whether it read a manifest or only printed its --help.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';

it('compiles the manifest schema once, when a manifest is first checked, not when the core is imported', async (t) => {
  const compiled: unknown[] = [];
  const prototype = Ajv2020.prototype;
  const compile = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(prototype), 'compile')?.value as (this: Ajv2020, ...args: unknown[]) => unknown;
  // The core's Ajv2020 is this class (the same module): its compilations are seen here.
  Object.defineProperty(prototype, 'compile', {
    configurable: true,
    value(this: Ajv2020, schema: unknown, ...rest: unknown[]) {
      compiled.push(schema);
      return compile.call(this, schema, ...rest);
    },
  });
  t.after(() => delete (prototype as Partial<Ajv2020>).compile);
  const { checkManifest, MANIFEST_SCHEMA } = await import('../../../src/core/index.js');
  const manifestCompilations = () => compiled.filter((schema) => schema === MANIFEST_SCHEMA).length;
  assert.equal(manifestCompilations(), 0, 'importing the core compiled the manifest schema');

  const catalog = { versions: new Map<string, number[]>(), derived: new Set<string>() };
  const first = checkManifest({ version: 1 }, catalog);
  assert.equal(first.ok, false);
  assert.ok(!first.ok && first.problems.some((p) => p.code === 'manifest_shape' && p.message.includes('enterprise')), JSON.stringify(first));
  checkManifest({ version: 1 }, catalog);
  assert.equal(manifestCompilations(), 1);
});
