// What the CLI says and leaves behind when a file or a name it is given is not usable: the
// reason in the user's words, not Node's errno text, and no store made by a command it refused
// (ADR 0065).
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../support/cli.js';

const MANIFEST = resolve('examples/millrace.yaml');

describe('the CLI with files and names it cannot use', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'millrace-cli-files-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses a key for a system or partner the manifest does not declare without creating the store', () => {
    for (const [flag, id] of [['--system', 'nobody'], ['--partner', 'sup-9999']] as const) {
      const store = join(dir, `${id}.db`);
      const result = runCli(['keys', 'add', flag, id, '--manifest', MANIFEST, '--store', `sqlite:${store}`]);
      assert.equal(result.status, 1, result.stderr);
      assert.match(result.stderr, new RegExp(`^millrace: invalid_request: ${flag.slice(2)} "${id}" is not declared in the manifest`));
      assert.ok(!existsSync(store), `${store} was not created`);
    }
  });

  it('says a manifest or an input that is a folder is a folder, and a folder to write into that does not exist', () => {
    const serve = runCli(['serve', '--manifest', dir, '--store', `sqlite:${join(dir, 'hub.db')}`]);
    assert.equal(serve.status, 1);
    assert.equal(serve.stderr, `millrace: invalid_manifest: cannot read manifest ${dir}: it is a folder; give the manifest file, e.g. ${join(dir, 'millrace.yaml')}\n`);
    const lint = runCli(['lint', dir]);
    assert.equal(lint.status, 2);
    assert.equal(lint.stderr, `millrace: invalid_request: cannot read ${dir}: it is a folder, not a file\n`);
    const target = join(dir, 'no-such-folder', 'millrace.yaml');
    const init = runCli(['init', target]);
    assert.equal(init.status, 1);
    assert.equal(init.stderr, `millrace: invalid_request: cannot write ${target}: the folder ${join(dir, 'no-such-folder')} does not exist\n`);
    const events = join(dir, 'no-such-events.jsonl');
    const rehearse = runCli(['rehearse', '--events', events, '--manifest', MANIFEST]);
    assert.equal(rehearse.status, 1);
    assert.equal(rehearse.stderr, `millrace: invalid_request: cannot read ${events}: no such file\n`);
    const compat = runCli(['contracts', 'compat', '--mode', 'backward', events, events]);
    assert.equal(compat.status, 2);
    assert.equal(compat.stderr, `millrace: invalid_request: cannot read ${events}: no such file\n`);
  });

  it("names the manifest's hub.store among the places to check when the store it names does not exist", () => {
    const store = join(dir, 'never-written.db');
    const listed = runCli(['keys', 'list', '--manifest', MANIFEST, '--store', `sqlite:${store}`]);
    assert.equal(listed.status, 1);
    assert.equal(listed.stderr, `millrace: store_unavailable: no store at ${store}: nothing was ever written there (check --store, MILLRACE_STORE or the manifest's hub.store)\n`);
  });
});
