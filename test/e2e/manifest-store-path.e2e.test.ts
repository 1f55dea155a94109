// A relative SQLite store in the manifest's hub: section is the manifest's, as its
// contracts.folder and dropFolder are: the hub finds the same store from whatever folder it is
// started (ADR 0065). A store left at the old reading (the working directory) is named, not
// replaced by a new, empty one.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../support/cli.js';

const EXAMPLE = readFileSync(resolve('examples/millrace.yaml'), 'utf8');

describe("a manifest's relative SQLite store", () => {
  let dir: string;
  let manifest: string;
  let elsewhere: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'millrace-store-path-'));
    mkdirSync(join(dir, 'etc'));
    elsewhere = join(dir, 'elsewhere');
    mkdirSync(elsewhere);
    manifest = join(dir, 'etc', 'millrace.yaml');
    assert.ok(EXAMPLE.includes('store: sqlite:./millrace-data/millrace.db'));
    writeFileSync(manifest, EXAMPLE.replace('store: sqlite:./millrace-data/millrace.db', 'store: sqlite:./data/hub.db'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("is read from the manifest's folder, whatever folder the command runs in", () => {
    const added = runCli(['keys', 'add', '--system', 'erp-core', '--manifest', manifest], { cwd: elsewhere });
    assert.equal(added.status, 0, added.stderr);
    assert.ok(existsSync(join(dir, 'etc', 'data', 'hub.db')), 'the store is beside the manifest');
    assert.ok(!existsSync(join(elsewhere, 'data')), 'nothing is created in the working directory');
    // From the manifest's own folder, with a relative --manifest: the same store, the same key.
    const listed = runCli(['keys', 'list', '--json', '--manifest', 'millrace.yaml'], { cwd: join(dir, 'etc') });
    assert.equal(listed.status, 0, listed.stderr);
    assert.deepEqual((JSON.parse(listed.stdout) as { keys: { id: string }[] }).keys.map((k) => k.id), ['erp-core']);
    // A --store flag stays relative to the working directory, as every flag path is.
    const flagged = runCli(['keys', 'add', '--operator', 'ap-lead', '--manifest', manifest, '--store', 'sqlite:./mine.db'], { cwd: elsewhere });
    assert.equal(flagged.status, 0, flagged.stderr);
    assert.ok(existsSync(join(elsewhere, 'mine.db')));
  });

  it('names a store left where the working directory used to put it rather than start a new, empty one', () => {
    const moved = join(dir, 'moved');
    mkdirSync(join(moved, 'etc'), { recursive: true });
    const movedManifest = join(moved, 'etc', 'millrace.yaml');
    writeFileSync(movedManifest, readFileSync(manifest, 'utf8'));
    // The store a hub run from `moved` made before: ./data/hub.db of the working directory.
    assert.equal(runCli(['keys', 'add', '--system', 'erp-core', '--manifest', movedManifest, '--store', `sqlite:${join(moved, 'data', 'hub.db')}`]).status, 0);
    const refused = runCli(['keys', 'add', '--system', 'erp-core', '--manifest', movedManifest], { cwd: moved });
    assert.equal(refused.status, 1, refused.stderr);
    assert.match(refused.stderr, /^millrace: store_unavailable: /);
    assert.ok(refused.stderr.includes(join(moved, 'etc', 'data', 'hub.db')) && refused.stderr.includes(join(moved, 'data', 'hub.db')), refused.stderr);
    assert.ok(!existsSync(join(moved, 'etc', 'data')), 'no new store was made');
  });
});
