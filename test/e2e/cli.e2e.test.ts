// The `millrace` command as a user runs it after `npm ci`: help, init, keys, serve, demo.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { BIN, runCli, startServe } from '../support/cli.js';
import { dropSchema, needPostgres, POSTGRES_URL, uniqueSchema } from '../support/services.js';

/** A one-day demo of two plants: the scenario's shape in a few seconds. */
const SMALL_DEMO = ['--days', '1', '--plants', '2', '--suppliers', '20', '--exit', '--port', '0'];

describe('millrace CLI', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'millrace-cli-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('prints help for the program and for every command', () => {
    const top = runCli(['--help']);
    assert.equal(top.status, 0);
    for (const command of ['demo', 'serve', 'init', 'keys', 'manifest', 'lint']) assert.match(top.stdout, new RegExp(`\\b${command}\\b`));
    for (const command of [['serve'], ['keys', 'add'], ['init'], ['demo']]) {
      const help = runCli([...command, '--help']);
      assert.equal(help.status, 0, help.stderr);
      assert.match(help.stdout, /^Usage: millrace /);
    }
  });

  it('exits 2 with a readable message on an unknown command or option', () => {
    const unknown = runCli(['frobnicate']);
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /unknown command 'frobnicate'/);
    const badOption = runCli(['serve', '--colour', 'blue']);
    assert.equal(badOption.status, 2);
    assert.match(badOption.stderr, /unknown option '--colour'/);
  });

  it('init writes the starter manifest, and refuses to overwrite it without --force', () => {
    const file = join(dir, 'millrace.yaml');
    const first = runCli(['init', file]);
    assert.equal(first.status, 0, first.stderr);
    const written = readFileSync(file, 'utf8');
    assert.match(written, /erp-core/);
    // The editor modeline points at the published schema from where the file was written.
    const schema = /\$schema=(\S+)/.exec(written)?.[1];
    assert.ok(schema !== undefined && existsSync(resolve(dir, schema)), `schema path ${schema}`);
    const second = runCli(['init', file]);
    assert.equal(second.status, 1);
    assert.match(second.stderr, /exists; use --force/);
    assert.equal(runCli(['init', file, '--force']).status, 0);
  });

  it('says in one line when a file it is given cannot be read or written (exit 1, or 2 where 1 is a verdict), and issues no key it cannot write down', () => {
    const manifest = resolve('examples/millrace.yaml');
    const folder = join(dir, 'a-folder');
    mkdirSync(folder, { recursive: true });
    const missing = join(dir, 'no-such-folder', 'out.yaml');
    const notAnEvent = join(dir, 'null.json');
    writeFileSync(notAnEvent, 'null\n');
    // lint, csv check and x12 to-events give a verdict with exit 1: a file they cannot read is "no verdict", 2.
    const cases: [readonly string[], 1 | 2, RegExp][] = [
      [['lint', folder], 2, /^millrace: invalid_request: cannot read .*a-folder: it is a folder, not a file$/m],
      [['csv', 'check', folder, '--mapping', 'wms-p02-receipts', '--manifest', manifest], 2, /^millrace: invalid_request: cannot read .*a-folder: it is a folder, not a file$/m],
      [['x12', 'to-events', folder, '--manifest', manifest], 2, /^millrace: invalid_request: cannot read .*a-folder: it is a folder, not a file$/m],
      [['x12', 'from-event', folder, '--partner', 'sup-0042', '--manifest', manifest], 1, /^millrace: invalid_request: cannot read .*a-folder: it is a folder, not a file$/m],
      [['x12', 'from-event', notAnEvent, '--partner', 'sup-0042', '--manifest', manifest], 1, /^millrace: invalid_request: .*null\.json holds no CloudEvent \(a JSON object\)/],
      [['init', missing], 1, /^millrace: invalid_request: cannot write .*out\.yaml: the folder .*no-such-folder does not exist$/m],
      [['init', folder, '--force'], 1, /^millrace: invalid_request: .*a-folder is a folder; name the file to write, e\.g\. .*a-folder\/millrace\.yaml$/m],
      [['simulate', '--days', '1', '--plants', '1', '--suppliers', '20', '--write-manifest', missing], 1, /^millrace: invalid_request: cannot write .*out\.yaml: the folder .*no-such-folder does not exist$/m],
    ];
    for (const [args, status, message] of cases) {
      const result = runCli(args);
      assert.equal(result.status, status, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, message, args.join(' '));
      assert.equal(result.stderr.split('\n').length, 2, `one line, no stack: ${result.stderr}`);
    }
    // The keys go to the store only once the file that will hold them can be written: a secret is shown once.
    const store = `sqlite:${join(dir, 'simulate-keys.db')}`;
    const keys = runCli(['simulate', '--days', '1', '--plants', '1', '--suppliers', '20', '--write-keys', join(dir, 'no-such-folder', 'keys.json'), '--store', store]);
    assert.equal(keys.status, 1, keys.stderr);
    assert.match(keys.stderr, /^millrace: invalid_request: cannot write .*keys\.json: the folder .*no-such-folder does not exist\n$/);
    // No key went anywhere: the store was not even made (keys list refuses a store that does not exist).
    assert.equal(existsSync(join(dir, 'simulate-keys.db')), false);
    const listed = runCli(['keys', 'list', '--json', '--store', store, '--manifest', manifest]);
    assert.match(listed.stderr, /^millrace: store_unavailable: no store at /);
  });

  it('adds a key shown once, lists it without its secret, and revokes it', () => {
    const manifest = join(dir, 'millrace.yaml');
    const store = `sqlite:${join(dir, 'keys.db')}`;
    const added = runCli(['keys', 'add', '--system', 'erp-core', '--label', 'SAP RFC user', '--json', '--manifest', manifest, '--store', store]);
    assert.equal(added.status, 0, added.stderr);
    const { key, keyId } = JSON.parse(added.stdout) as { key: string; keyId: string };
    assert.match(key, /^mr_[a-z0-9]{12}_[A-Za-z0-9_-]{43}$/);
    // The secret is everything after `mr_<key id>_`; it may itself hold underscores.
    const secret = key.slice('mr_'.length + 12 + 1);
    const listed = runCli(['keys', 'list', '--json', '--manifest', manifest, '--store', store]);
    assert.equal(listed.status, 0, listed.stderr);
    assert.ok(!listed.stdout.includes(secret), 'the secret is never listed');
    assert.deepEqual(
      (JSON.parse(listed.stdout) as { keys: { keyId: string; id: string; label: string }[] }).keys.map((k) => [k.keyId, k.id, k.label]),
      [[keyId, 'erp-core', 'SAP RFC user']],
    );
    const db = readFileSync(join(dir, 'keys.db'));
    assert.ok(!db.includes(Buffer.from(secret)), 'only a hash of the secret is stored');
    assert.equal(runCli(['keys', 'revoke', keyId, '--manifest', manifest, '--store', store]).status, 0);
    const after = JSON.parse(runCli(['keys', 'list', '--json', '--manifest', manifest, '--store', store]).stdout) as { keys: { revokedAt?: string }[] };
    assert.ok(after.keys[0]?.revokedAt !== undefined);
  });

  it('refuses a key for a system the manifest does not declare', () => {
    const result = runCli(['keys', 'add', '--system', 'sap-legacy', '--manifest', join(dir, 'millrace.yaml'), '--store', `sqlite:${join(dir, 'keys.db')}`]);
    assert.equal(result.status, 1);
    assert.match(result.stderr, /invalid_request: system "sap-legacy" is not declared in the manifest/);
  });

  it('refuses --role on a system or partner key, a usage error, instead of issuing a key that publishes', () => {
    const store = `sqlite:${join(dir, 'role.db')}`;
    const manifest = resolve('examples/millrace.yaml');
    // A store with one key already, an operator's: afterwards it must still hold that one alone.
    assert.equal(runCli(['keys', 'add', '--operator', 'ap-lead', '--manifest', manifest, '--store', store]).status, 0);
    for (const who of [['--partner', 'sup-0042'], ['--system', 'erp-core']]) {
      const result = runCli(['keys', 'add', ...who, '--role', 'viewer', '--manifest', manifest, '--store', store]);
      assert.equal(result.status, 2, result.stdout);
      assert.equal(result.stderr, 'millrace: invalid_request: --role is for --operator keys; a system or partner key may do what the manifest lets that system or partner do\n');
      assert.equal(result.stdout, '', 'no key is printed');
    }
    const listed = runCli(['keys', 'list', '--json', '--manifest', manifest, '--store', store]);
    assert.deepEqual((JSON.parse(listed.stdout) as { keys: { kind: string; id: string }[] }).keys.map((k) => `${k.kind}:${k.id}`), ['operator:ap-lead'], listed.stderr);
  });

  it('serve refuses to start on an invalid manifest, listing each problem with its line', () => {
    const broken = join(dir, 'broken.yaml');
    writeFileSync(broken, 'version: 1\nenterprise: { name: X }\nsystems:\n  - id: erp\n    kind: erp\n    publishes: [po.approved]\n');
    const result = runCli(['serve', '--manifest', broken, '--port', '0']);
    assert.equal(result.status, 1);
    assert.match(result.stderr, /invalid_manifest/);
    assert.match(result.stderr, /broken\.yaml:6:17 error unknown_event_type/);
  });

  it('serve refuses to start on invalid settings, a usage error naming all of them in one line', () => {
    const result = runCli(['serve', '--manifest', join(dir, 'millrace.yaml'), '--port', 'http'], { env: { MILLRACE_BODY_LIMIT: 'huge' } });
    assert.equal(result.status, 2);
    assert.equal(result.stderr.split('\n').length, 2, result.stderr);
    assert.match(result.stderr, /--port="http"/);
    assert.match(result.stderr, /MILLRACE_BODY_LIMIT="huge"/);
  });

  it('serve takes events over HTTP with keys made by `keys add`, and stops on SIGTERM', async () => {
    const manifest = join(dir, 'millrace.yaml');
    const store = `sqlite:${join(dir, 'serve.db')}`;
    const keyOf = (...who: string[]) => (JSON.parse(runCli(['keys', 'add', ...who, '--json', '--manifest', manifest, '--store', store]).stdout) as { key: string }).key;
    const erp = keyOf('--system', 'erp-core');
    const supplier = keyOf('--partner', 'sup-0042');
    const server = await startServe(['--manifest', manifest, '--store', store]);
    const send = (key: string, event: Record<string, unknown>) =>
      fetch(`${server.url}/v1/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/cloudevents+json' },
        body: JSON.stringify({ specversion: '1.0', time: new Date().toISOString(), ...event }),
      });
    try {
      const po = await send(erp, {
        id: 'po-1',
        source: '/systems/erp-core',
        type: 'po.released',
        data: { poNumber: '4500012345', supplierId: 'SUP-0042', buyerPlant: 'P01', currency: 'USD', lines: [{ line: 10, itemId: 'ITM-1', quantity: '5', uom: 'EA', unitPrice: '1.00', needBy: '2026-12-20' }] },
      });
      assert.equal(po.status, 202, await po.clone().text());
      // The supplier confirms at once: the hub waits for its workflow thread to know the PO is SUP-0042's.
      const confirmation = await send(supplier, {
        id: 'conf-1',
        source: '/partners/sup-0042',
        type: 'supplier.confirmation',
        data: { poNumber: '4500012345', supplierId: 'SUP-0042', lines: [{ line: 10, status: 'accepted' }] },
      });
      assert.equal(confirmation.status, 202, await confirmation.clone().text());
    } finally {
      server.child.kill('SIGTERM');
    }
    assert.equal(await server.exited, 0, server.stderr());
  });

  it('serve stops in order on a SIGTERM sent the moment it says it is listening', async () => {
    // A script that starts the hub, reads its listening line and stops it at once: the signal
    // must find the hub's handler, not the default action (killed, no exit code).
    for (let round = 1; round <= 3; round += 1) {
      const server = await startServe(['--manifest', resolve('examples/millrace.yaml'), '--store', `sqlite:${join(dir, `sigterm-${round}.db`)}`]);
      server.child.kill('SIGTERM');
      assert.equal(await server.exited, 0, `round ${round}: ${server.stderr()}`);
    }
  });

  it('serve and demo on an address they cannot listen on say so in one line and exit 1, instead of hanging', async () => {
    // A port in use is no configuration error (the settings are fine; something else holds the
    // port): it was reported as invalid_config, "The configuration is invalid".
    const manifest = resolve('examples/millrace.yaml');
    const holder = await startServe(['--manifest', manifest, '--store', `sqlite:${join(dir, 'holder.db')}`]);
    const { port } = new URL(holder.url);
    try {
      // Killed after 30 s: before, the hub's worker thread and store kept the process alive after the stack trace.
      const busy = runCli(['serve', '--port', port, '--manifest', manifest, '--store', `sqlite:${join(dir, 'busy.db')}`], { timeoutMs: 30_000 });
      assert.equal(busy.status, 1, busy.stderr);
      assert.equal(busy.stderr, `millrace: address_in_use: cannot listen on 127.0.0.1:${port}: the address is in use (EADDRINUSE): stop what holds it or choose another --port\n`);
      const demo = runCli(['demo', '--days', '1', '--plants', '2', '--suppliers', '20', '--exit', '--no-progress', '--port', port, '--data-dir', join(dir, 'busy-demo')], { timeoutMs: 30_000 });
      assert.equal(demo.status, 1, demo.stderr);
      assert.match(demo.stderr, new RegExp(`^millrace: address_in_use: cannot listen on 127\\.0\\.0\\.1:${port}: the address is in use \\(EADDRINUSE\\)`));
      const noHost = runCli(['serve', '--host', '203.0.113.7', '--port', '0', '--manifest', manifest, '--store', `sqlite:${join(dir, 'busy.db')}`], { timeoutMs: 30_000 });
      assert.equal(noHost.status, 1, noHost.stderr);
      assert.match(noHost.stderr, /^millrace: invalid_config: cannot listen on 203\.0\.113\.7:0: .*EADDRNOTAVAIL.*--host\n$/);
    } finally {
      holder.child.kill('SIGTERM');
      await holder.exited;
    }
  });

  it('runs one hub per SQLite file: a second serve and a replay are refused while it runs, readers and keys work beside it, and a SIGKILLed hub leaves no lock behind', async () => {
    const manifest = resolve('examples/millrace.yaml');
    const path = join(dir, 'one-hub.db');
    const store = `sqlite:${path}`;
    const first = await startServe(['--manifest', manifest, '--store', store]);
    const pid = first.child.pid ?? 0;
    try {
      // Killed after 30 s if it starts after all (a second hub never exits by itself).
      const second = runCli(['serve', '--port', '0', '--manifest', manifest, '--store', store], { timeoutMs: 30_000 });
      assert.equal(second.status, 1, second.stderr);
      assert.match(second.stderr, new RegExp(`^millrace: store_unavailable: cannot serve ${path}: millrace serve \\(pid ${pid}, since [^)]+\\) holds it: one hub process per SQLite file \\(stop that one first, or share a PostgreSQL database between hubs\\)\n$`));
      const replay = runCli(['replay', '--store', store, '--manifest', manifest], { timeoutMs: 30_000 });
      assert.equal(replay.status, 1, replay.stderr);
      assert.match(replay.stderr, new RegExp(`^millrace: store_unavailable: cannot replay ${path}: millrace serve \\(pid ${pid}, since [^)]+\\) holds it: stop the hub first\n$`));
      // What only reads, and keys (which a running hub picks up), work beside it.
      const key = runCli(['keys', 'add', '--system', 'erp-core', '--json', '--store', store, '--manifest', manifest]);
      assert.equal(key.status, 0, key.stderr);
      const { keyId } = JSON.parse(key.stdout) as { keyId: string };
      for (const command of [['report'], ['keys', 'list'], ['keys', 'revoke', keyId]]) {
        const result = runCli([...command, '--store', store, '--manifest', manifest]);
        assert.equal(result.status, 0, `${command.join(' ')}: ${result.stderr}`);
      }
      const diff = runCli(['diff', manifest, manifest, '--store', store]);
      assert.equal(diff.status, 0, diff.stderr);
    } finally {
      first.child.kill('SIGKILL');
      await first.exited;
    }
    // The operating system dropped the hold with the process: a new hub starts on the file.
    const next = await startServe(['--manifest', manifest, '--store', store]);
    assert.equal((await fetch(`${next.url}/healthz`)).status, 200);
    next.child.kill('SIGTERM');
    assert.equal(await next.exited, 0, next.stderr());
    // And a hub that stopped in order let go of it too.
    const replay = runCli(['replay', '--store', store, '--manifest', manifest]);
    assert.equal(replay.status, 0, replay.stderr);
  });

  it('runs, as npx runs it (the file itself, through its shebang), with a young generation of 16 MiB semi-spaces', () => {
    // Preloaded into the process the command starts: its new space before anything is allocated.
    const probe = join(dir, 'new-space-probe.cjs');
    writeFileSync(probe, "const v8 = require('node:v8'); process.stderr.write('new space ' + v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size + '\\n');\n");
    const newSpace = (command: readonly string[]) => {
      const run = spawnSync(command[0] as string, [...command.slice(1), '--help'], { env: { ...process.env, NODE_OPTIONS: `--require ${probe}` }, encoding: 'utf8' });
      assert.equal(run.status, 0, run.stderr);
      const found = /^new space (\d+)$/m.exec(run.stderr);
      assert.ok(found !== null, run.stderr);
      return Number(found[1]);
    };
    const MiB = 1024 * 1024;
    assert.ok(newSpace([BIN]) >= 16 * MiB, 'the shebang gives node --min-semi-space-size=16');
    // The same probe without the shebang: V8's own start (1 MiB), so the check above can fail.
    assert.ok(newSpace([process.execPath, BIN]) < 16 * MiB);
  });

  it('replay rebuilds the projections of a store from its log', () => {
    const store = `sqlite:${join(dir, 'demo', 'millrace.db')}`;
    const demo = runCli(['demo', ...SMALL_DEMO, '--data-dir', join(dir, 'demo')]);
    assert.equal(demo.status, 0, demo.stderr);
    const result = runCli(['replay', '--json', '--threads', '2', '--store', store, '--manifest', join(dir, 'demo', 'millrace.yaml')]);
    assert.equal(result.status, 0, result.stderr);
    const report = JSON.parse(result.stdout) as { events: number; threads: number };
    assert.equal(report.threads, 2);
    assert.ok(report.events >= 10, `replayed ${report.events} events`);
    const bad = runCli(['replay', '--threads', 'many', '--store', store, '--manifest', join(dir, 'demo', 'millrace.yaml')]);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--threads must be a whole number/);
  });

  it('stops quietly when the reader of its output goes away (report | head), without an EPIPE stack', () => {
    const demoDir = join(dir, 'demo');
    if (!existsSync(join(demoDir, 'millrace.db'))) assert.equal(runCli(['demo', ...SMALL_DEMO, '--data-dir', demoDir]).status, 0);
    const errors = join(dir, 'report-epipe.err');
    // `head -c 0` exits at once: every write of the report meets a pipe nobody reads.
    const run = spawnSync('bash', ['-c', `"${process.execPath}" "${BIN}" report --store "sqlite:${join(demoDir, 'millrace.db')}" --manifest "${join(demoDir, 'millrace.yaml')}" 2>"${errors}" | head -c 0; echo "\${PIPESTATUS[0]}"`], { encoding: 'utf8' });
    assert.equal(run.stdout.trim(), '0', readFileSync(errors, 'utf8'));
    assert.equal(readFileSync(errors, 'utf8'), '');
  });

  it('says in one line, without a stack, when a store cannot be opened, and creates none where a command only reads', () => {
    const manifest = resolve('examples/millrace.yaml');
    // A mistyped path: report and replay read what is there, so they make no empty store (nor its folders).
    const missing = join(dir, 'no-such-folder', 'millrace.db');
    for (const command of [['report'], ['replay'], ['keys', 'list'], ['keys', 'revoke', 'k_0123456789ab']]) {
      const result = runCli([...command, '--store', `sqlite:${missing}`, '--manifest', manifest]);
      assert.equal(result.status, 1, result.stderr);
      assert.equal(result.stderr, `millrace: store_unavailable: no store at ${missing}: nothing was ever written there (check --store, MILLRACE_STORE or the manifest's hub.store)\n`);
    }
    assert.equal(existsSync(join(dir, 'no-such-folder')), false);
    // A file that is no database.
    const text = join(dir, 'notes.txt');
    writeFileSync(text, 'not a database, but long enough for SQLite to read its header and say so'.repeat(20));
    const notDb = runCli(['keys', 'list', '--store', `sqlite:${text}`, '--manifest', manifest]);
    assert.equal(notDb.status, 1);
    assert.equal(notDb.stderr, `millrace: store_unavailable: cannot open the store sqlite:${text}: file is not a database\n`);
    // A database server that does not answer; the password in the URL is not printed.
    const down = runCli(['report', '--store', 'postgres://millrace:s3cret@127.0.0.1:1/test', '--manifest', manifest]);
    assert.equal(down.status, 1);
    assert.match(down.stderr, /^millrace: store_unavailable: cannot open the store postgres:\/\/millrace:\*\*\*@127\.0\.0\.1:1\/test: connect ECONNREFUSED 127\.0\.0\.1:1\n$/);
    assert.doesNotMatch(down.stderr, /s3cret/);
  });

  it('creates no PostgreSQL schema where a command only reads or rebuilds: a mistyped ?schema= is refused by name', async (t) => {
    if (!(await needPostgres(t))) return;
    const manifest = resolve('examples/millrace.yaml');
    const typo = uniqueSchema('cli_typo');
    const empty = uniqueSchema('cli_empty');
    const schemaExists = async (schema: string): Promise<boolean> => {
      const client = new pg.Client({ connectionString: POSTGRES_URL });
      await client.connect();
      try {
        return (await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema])).rowCount === 1;
      } finally {
        await client.end();
      }
    };
    try {
      // A schema that is not there: report, replay and diff --store say so, and make none.
      const store = `${POSTGRES_URL}?schema=${typo}`;
      const said = `millrace: store_unavailable: no store at ${store}: the database has no schema "${typo}": nothing was ever written there (check --store, MILLRACE_STORE or the manifest's hub.store)\n`;
      for (const command of [['report'], ['replay']]) {
        const result = runCli([...command, '--store', store, '--manifest', manifest]);
        assert.equal(result.status, 1, result.stderr);
        assert.equal(result.stderr, said);
      }
      const diff = runCli(['diff', manifest, manifest, '--store', store]);
      assert.equal(diff.status, 2, diff.stderr);
      assert.equal(diff.stderr, said);
      assert.equal(await schemaExists(typo), false, `schema ${typo} was created`);
      // A schema that exists but holds no hub's tables (a fresh database's public schema, say).
      const client = new pg.Client({ connectionString: POSTGRES_URL });
      await client.connect();
      await client.query(`CREATE SCHEMA ${empty}`).finally(() => client.end());
      const bare = runCli(['report', '--store', `${POSTGRES_URL}?schema=${empty}`, '--manifest', manifest]);
      assert.equal(bare.status, 1, bare.stderr);
      assert.equal(bare.stderr, `millrace: store_unavailable: no store at ${POSTGRES_URL}?schema=${empty}: schema "${empty}" holds no Millrace tables: nothing was ever written there (check --store, MILLRACE_STORE or the manifest's hub.store)\n`);
      // A command that sets a store up still creates it; then the readers read it.
      const key = runCli(['keys', 'add', '--system', 'erp-core', '--store', store, '--manifest', manifest]);
      assert.equal(key.status, 0, key.stderr);
      assert.equal(await schemaExists(typo), true);
      const report = runCli(['report', '--json', '--store', store, '--manifest', manifest]);
      assert.equal(report.status, 0, report.stderr);
      const replay = runCli(['replay', '--store', store, '--manifest', manifest]);
      assert.equal(replay.status, 0, replay.stderr);
    } finally {
      await dropSchema(typo);
      await dropSchema(empty);
    }
  });

  it("report prints the KPIs of a hub's store: the same figures the demo reported", () => {
    const data = join(dir, 'demo-report');
    const demo = runCli(['demo', ...SMALL_DEMO, '--json', '--data-dir', data]);
    assert.equal(demo.status, 0, demo.stderr);
    const shown = JSON.parse(demo.stdout) as { kpiWindow: { from: string; to: string }; match: unknown; exceptions: { raised: number }; governance: { flowShare: number; eventShare: number } };
    const store = `sqlite:${join(data, 'millrace.db')}`;
    const manifest = join(data, 'millrace.yaml');
    const result = runCli(['report', '--json', '--from', shown.kpiWindow.from, '--to', shown.kpiWindow.to, '--store', store, '--manifest', manifest]);
    assert.equal(result.status, 0, result.stderr);
    type Rates = { firstTime: number; matched: number; firstTimeRate: number | null; finalRate: number | null };
    const k = JSON.parse(result.stdout) as { match: Rates & { invoices: number; lines: Rates & { billed: number } }; exceptions: { raised: number }; governance: { flowShare: number; eventShare: number } };
    // The demo reports invoice lines (ADR 0053): the KPIs' match.lines; invoices count each document once.
    const { billed, ...lineRates } = k.match.lines;
    assert.deepEqual({ invoices: billed, ...lineRates }, shown.match);
    assert.ok(k.match.invoices > 0 && k.match.invoices <= billed, `${k.match.invoices} invoices for ${billed} invoice lines`);
    assert.equal(k.exceptions.raised, shown.exceptions.raised);
    assert.equal(k.governance.flowShare, shown.governance.flowShare);
    const human = runCli(['report', '--from', shown.kpiWindow.from, '--to', shown.kpiWindow.to, '--store', store, '--manifest', manifest]);
    assert.match(human.stdout, /match \d+\.\d% first time, \d+\.\d% final \(\d+ invoices?, \d+ lines?\)/);
    assert.match(human.stdout, /milestone lag/);
    // The funnel in one line, with the JSON's numbers.
    const funnel = (JSON.parse(result.stdout) as { funnel: { lines: number; steps: { step: string; reached: number; firstTime?: number }[] } }).funnel;
    assert.ok(funnel.lines > 0, 'the demo releases PO lines in its window');
    const steps = funnel.steps.map((s) => `${s.reached} ${s.step}${s.firstTime === undefined ? '' : ` (${s.firstTime} first time)`}`).join(' > ');
    assert.ok(human.stdout.includes(`P2P funnel of the ${funnel.lines} PO line(s) released in the window: ${steps}\n`), human.stdout);
    const bad = runCli(['report', '--from', 'yesterday', '--store', store, '--manifest', manifest]);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /invalid_request: --from must be an RFC 3339 time, not "yesterday"/);
    // The window as a duration: the demo's window written in minutes is the same window.
    const minutes = (Date.parse(shown.kpiWindow.to) - Date.parse(shown.kpiWindow.from)) / 60_000;
    const windowed = runCli(['report', '--json', '--window', `${minutes}m`, '--to', shown.kpiWindow.to, '--store', store, '--manifest', manifest]);
    assert.equal(windowed.status, 0, windowed.stderr);
    assert.deepEqual((JSON.parse(windowed.stdout) as { window: unknown }).window, (JSON.parse(result.stdout) as { window: unknown }).window);
    const badWindow = runCli(['report', '--window', '2w', '--store', store, '--manifest', manifest]);
    assert.equal(badWindow.status, 2);
    assert.match(badWindow.stderr, /window must be a duration such as 7d, 24h or 90m/);
  });
});
