// The `millrace` exit status, as a script relies on it: 2 when the command line is wrong (a flag
// value malformed or out of range, flags that conflict), 1 when the work fails, 0 on success;
// the reason in one line on stderr (README "Exit status", docs/adr/0037).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli, type CliResult } from '../support/cli.js';

const MANIFEST = resolve('examples/millrace.yaml');

/** Exit 2, nothing on stdout, and one line on stderr that holds every one of `said`. */
function assertUsageError(args: readonly string[], said: readonly string[], env: NodeJS.ProcessEnv = {}): void {
  const result = runCli(args, { env, timeoutMs: 30_000 });
  const shown = `${args.join(' ')}: ${JSON.stringify(result.stderr)}`;
  assert.equal(result.status, 2, shown);
  assert.equal(result.stdout, '', shown);
  assert.match(result.stderr, /^millrace: [a-z_]+: [^\n]+\n$/, `one line, no stack: ${shown}`);
  for (const text of said) assert.ok(result.stderr.includes(text), `names ${text}: ${shown}`);
}

/** Exit 1, with the reason in `millrace: CODE: ...` form. */
function assertWorkFailure(result: CliResult, message: RegExp): void {
  assert.equal(result.status, 1, result.stderr);
  assert.match(result.stderr, /^millrace: [a-z_]+: /);
  assert.match(result.stderr, message);
}

describe('millrace exit status', () => {
  let dir: string;
  let store: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'millrace-exit-'));
    // A store that exists, so that report gets as far as reading its window.
    store = `sqlite:${join(dir, 'hub.db')}`;
    assert.equal(runCli(['keys', 'add', '--operator', 'ap-lead', '--manifest', MANIFEST, '--store', store]).status, 0);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('exits 2 on a malformed or out-of-range setting of serve, from a flag or from the environment', () => {
    const serve = ['serve', '--manifest', MANIFEST, '--store', store];
    assertUsageError([...serve, '--port', 'abc'], ['--port', '"abc"']);
    assertUsageError([...serve, '--port', '70000'], ['--port', '"70000"']);
    assertUsageError([...serve, '--delivery-concurrency', '0'], ['--delivery-concurrency', '"0"']);
    assertUsageError([...serve, '--log-level', 'loud'], ['--log-level', '"loud"']);
    assertUsageError([...serve, '--body-limit', 'huge'], ['--body-limit', '"huge"']);
    assertUsageError([...serve, '--workflows', 'maybe'], ['--workflows', '"maybe"']);
    assertUsageError(serve, ['MILLRACE_PORT', '"http"'], { MILLRACE_PORT: 'http' });
    // Two problems, still one line.
    assertUsageError([...serve, '--port', 'http'], ['--port="http"', 'MILLRACE_BODY_LIMIT="huge"'], { MILLRACE_BODY_LIMIT: 'huge' });
    // Checked before any file is read: a manifest that is not there does not hide them.
    const missing = join(dir, 'no-such-manifest.yaml');
    assertUsageError(['serve', '--manifest', missing, '--store', store, '--port', 'abc', '--log-level', 'loud'], ['--port="abc"', '--log-level="loud"']);
    assertUsageError(['replay', '--manifest', missing, '--store', 'mysql://x'], ['--store="mysql://x"']);
  });

  it('exits 2 on flags that conflict', () => {
    assertUsageError(['serve', '--manifest', MANIFEST, '--store', store, '--delivery-concurrency', '4', '--delivery-per-subscription', '8'], ['--delivery-per-subscription=8', '--delivery-concurrency=4']);
    assertUsageError(['keys', 'add', '--system', 'erp-core', '--partner', 'sup-0042', '--manifest', MANIFEST, '--store', store], ['--system', '--partner']);
    assertUsageError(['keys', 'add', '--partner', 'sup-0042', '--role', 'viewer', '--manifest', MANIFEST, '--store', store], ['--role']);
    assertUsageError(['report', '--from', '2026-03-01T00:00:00Z', '--to', '2026-03-08T00:00:00Z', '--days', '3', '--manifest', MANIFEST, '--store', store], ['from', 'to', 'days']);
  });

  it('exits 2 on a bad flag value of every command that checks one', () => {
    const config = ['--manifest', MANIFEST, '--store', store];
    assertUsageError(['keys', 'add', '--operator', 'ap-lead', '--role', 'admin', ...config], ['--role', '"admin"']);
    assertUsageError(['keys', 'add', '--operator', 'AP Lead', ...config], ['--operator', '"AP Lead"']);
    assertUsageError(['keys', 'list', '--manifest', MANIFEST], ['MILLRACE_STORE', '"mysql://x"'], { MILLRACE_STORE: 'mysql://x' });
    assertUsageError(['replay', '--threads', 'many', ...config], ['--threads', '"many"']);
    assertUsageError(['report', '--days', '500', ...config], ['--days', '"500"']);
    // Decimal digits only: Number() read 1e1 as 10 and went on.
    assertUsageError(['replay', '--threads', '1e1', ...config], ['--threads', '"1e1"']);
    assertUsageError(['report', '--days', '1e1', ...config], ['--days', '"1e1"']);
    assertUsageError(['report', '--from', 'yesterday', ...config], ['--from', '"yesterday"']);
    assertUsageError(['report', '--window', '2w', ...config], ['--window', '"2w"']);
    assertUsageError(['rehearse', '--events', 'examples/p2p-rehearsal.jsonl', '--until', 'next tuesday'], ['--until', '"next tuesday"']);
    assertUsageError(['demo', '--days', '0', '--exit', '--port', '0', '--data-dir', join(dir, 'demo')], ['--days', '"0"']);
    assertUsageError(['demo', '--port', '70000', '--exit', '--data-dir', join(dir, 'demo')], ['--port', '"70000"']);
    assertUsageError(['simulate', '--run', '500', '--write-manifest', join(dir, 'sim.yaml')], ['--run', '"500"']);
    assertUsageError(['simulate', '--days', '1', '--plants', '1', '--suppliers', '20', '--target', 'http://127.0.0.1:1', '--key', 'mr_x', '--as', 'system:erp-p01', '--duration', 'soon'], ['--duration', '"soon"']);
    // Flags are read before the file is: a wrong flag says so, whatever the file.
    assertUsageError(['x12', 'to-events', 'test/fixtures/x12/855-004010-confirmation.edi', '--ack', '998', '--manifest', MANIFEST], ['--ack', '"998"']);
    assertUsageError(['x12', 'from-event', join(dir, 'po.json'), '--partner', 'sup-0042', '--version', '003040', ...config], ['--version', '"003040"']);
    assertUsageError(['contracts', 'compat', 'a.json', 'b.json', '--mode', 'sideways'], ['--mode', "'sideways'"]);
  });

  it('exits 2, in the same one-line form, on an unknown command or option and a missing argument', () => {
    assertUsageError(['frobnicate'], ["unknown command 'frobnicate'"]);
    assertUsageError(['serve', '--colour', 'blue'], ["unknown option '--colour'"]);
    assertUsageError(['rehearse'], ["required option '--events <file>' not specified"]);
    assertUsageError(['demo', '--speed', 'x'], ["unknown option '--speed'"]);
  });

  it('exits 1 when the work fails: a refused manifest, a file it cannot read or write, a store that does not exist, a busy port', async () => {
    const broken = join(dir, 'broken.yaml');
    writeFileSync(broken, 'version: 1\nenterprise: { name: X }\nsystems:\n  - id: erp\n    kind: erp\n    publishes: [po.approved]\n');
    assertWorkFailure(runCli(['serve', '--manifest', broken, '--store', store, '--port', '0']), /invalid_manifest/);
    assertWorkFailure(runCli(['rehearse', '--events', join(dir, 'no-such.jsonl')]), /cannot read .*no-such\.jsonl/);
    assertWorkFailure(runCli(['init', join(dir, 'no-such-folder', 'millrace.yaml')]), /cannot write .*millrace\.yaml/);
    // A folder, with or without --force: said so, with the file to name instead (--force said EISDIR).
    for (const force of [[], ['--force']]) assertWorkFailure(runCli(['init', dir, ...force]), /is a folder; name the file to write, e\.g\. .*millrace\.yaml/);
    assertWorkFailure(runCli(['x12', 'from-event', join(dir, 'no-such.json'), '--partner', 'sup-0042', '--manifest', MANIFEST, '--store', store]), /cannot read .*no-such\.json/);
    const missing = join(dir, 'no-such-folder', 'hub.db');
    assertWorkFailure(runCli(['keys', 'list', '--manifest', MANIFEST, '--store', `sqlite:${missing}`]), /store_unavailable: no store at /);
    const holder = createServer();
    await new Promise<void>((done) => holder.listen(0, '127.0.0.1', done));
    try {
      const { port } = holder.address() as AddressInfo;
      assertWorkFailure(runCli(['serve', '--port', String(port), '--manifest', MANIFEST, '--store', `sqlite:${join(dir, 'busy.db')}`], { timeoutMs: 30_000 }), /^millrace: address_in_use: cannot listen on 127\.0\.0\.1:[0-9]+: the address is in use \(EADDRINUSE\)/);
    } finally {
      await new Promise((done) => holder.close(done));
    }
  });

  it('keeps 2 for input a checking command can give no verdict on, its 1 being the verdict "no"', () => {
    // lint's 1 says "the manifest has errors": a manifest it cannot read is no such answer.
    const lint = runCli(['lint', join(dir, 'no-such.yaml')]);
    assert.equal(lint.status, 2, lint.stderr);
    const x12 = runCli(['x12', 'to-events', join(dir, 'no-such.edi'), '--manifest', MANIFEST]);
    assert.equal(x12.status, 2, x12.stderr);
  });

  it('exits 0 for --help and --version', () => {
    assert.equal(runCli(['--version']).status, 0);
    assert.equal(runCli(['serve', '--help']).status, 0);
  });
});
