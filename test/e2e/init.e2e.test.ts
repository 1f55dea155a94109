// `millrace init` as a new user follows it: the steps it prints, done as printed, give a hub
// that takes an event.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runCli, ROOT, startServe } from '../support/cli.js';

describe('millrace init', () => {
  const dir = mkdtempSync(join(tmpdir(), 'millrace-init-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('prints the steps to a running hub, and serve starts on the starter once they are done', async () => {
    const init = runCli(['init'], { cwd: dir });
    assert.equal(init.status, 0, init.stderr);
    // Every variable the steps export, set as printed (a fresh random value).
    const exported = [...init.stdout.matchAll(/^\s*export (MILLRACE_[A-Z0-9_]+)=/gm)].map((m) => m[1] as string);
    assert.ok(init.stdout.includes('npx millrace keys add --system erp-core'), init.stdout);
    const added = runCli(['keys', 'add', '--system', 'erp-core', '--json'], { cwd: dir });
    assert.equal(added.status, 0, added.stderr);
    const { key } = JSON.parse(added.stdout) as { key: string };
    // Deliveries on, as a user's serve runs (the test helpers turn them off by default).
    const env = { MILLRACE_DELIVERIES: '', ...Object.fromEntries(exported.map((name) => [name, randomBytes(32).toString('hex')])) };
    const hub = await startServe([], { cwd: dir, env });
    try {
      const event = await import(join(ROOT, 'contracts/purchasing/po.released/examples/v1.valid.standard-usd.json'), { with: { type: 'json' } });
      const answer = await fetch(`${hub.url}/v1/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/cloudevents+json' },
        body: JSON.stringify(event.default),
      });
      assert.equal(answer.status, 202, await answer.text());
    } finally {
      hub.child.kill('SIGTERM');
      await hub.exited;
    }
  });
});
