// docs/errors.md must list every error code with its HTTP status, and nothing else.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { ERROR_CATALOGUE } from '../../src/core/errors.js';

it('docs/errors.md lists every error code of the catalogue with its status, and no other', () => {
  const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
  const rows = [...doc.matchAll(/^\| `([a-z0-9_]+)` \| (\d{3}) \|/gm)].map((m) => [m[1], m[2]]);
  const documented = new Map(rows.map(([code, status]) => [code, status]));
  assert.equal(documented.size, rows.length, 'each code once');
  const expected = Object.entries(ERROR_CATALOGUE).map(([code, entry]) => [code, String(entry.status)]);
  assert.deepEqual([...documented.entries()].sort(), expected.sort());
});
