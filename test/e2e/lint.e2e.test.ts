// `millrace lint` as a governance board's CI runs it: positions, codes, hints, exit status.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MANIFEST_SCHEMA } from '../../src/core/index.js';
import { runCli } from '../support/cli.js';

interface LintJson {
  file: string;
  errors: number;
  warnings: number;
  problems: { line: number; column: number; severity: string; code: string; message: string; hint: string; path: (string | number)[] }[];
}

describe('millrace lint', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'millrace-lint-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('passes the starter manifest with exit 0', () => {
    const result = runCli(['lint', 'examples/millrace.yaml']);
    assert.equal(result.status, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /0 error\(s\), 0 warning\(s\)/);
  });

  it('lists every problem with file:line:column, code and hint, and exits 1', () => {
    const file = join(dir, 'bad.yaml');
    const starter = readFileSync('examples/millrace.yaml', 'utf8');
    // Two mistakes in an otherwise clean manifest: a misspelt event type and a second
    // system of record for inventory at P01.
    writeFileSync(file, starter.replace('publishes: [production.completed]', 'publishes: [production.complete]').replace('roles: { production: execution, inventory: engagement }', 'roles: { production: execution, inventory: record }'));
    const lineOf = (needle: string, also = ''): number => readFileSync(file, 'utf8').split('\n').findIndex((l) => l.includes(needle) && l.includes(also)) + 1;
    const result = runCli(['lint', file]);
    assert.equal(result.status, 1);
    assert.match(result.stdout, new RegExp(`bad\\.yaml:${lineOf('inventory: record }', 'production')}:\\d+  error    two_systems_of_record  wms-p01 is already the system of record for inventory at plant P01`));
    assert.match(result.stdout, new RegExp(`bad\\.yaml:${lineOf('production.complete]')}:\\d+  error    unknown_event_type`));
    assert.match(result.stdout, /hint: did you mean "production.completed"\?/);
    const json = JSON.parse(runCli(['lint', file, '--json']).stdout) as LintJson;
    assert.equal(json.errors, 2);
    assert.deepEqual(json.problems.filter((p) => p.severity === 'error').map((p) => p.code).sort(), ['two_systems_of_record', 'unknown_event_type']);
    // Nobody publishes production.completed now: the subscription to it will never receive one.
    assert.deepEqual(json.problems.filter((p) => p.severity === 'warning').map((p) => p.code), ['event_type_without_publisher', 'event_type_without_publisher']);
    assert.deepEqual(json.problems.find((p) => p.code === 'unknown_event_type')?.path, ['systems', 3, 'publishes', 0]);
  });

  it('prints warnings without failing, unless --strict', () => {
    const file = join(dir, 'warn.yaml');
    writeFileSync(file, `${readFileSync('examples/millrace.yaml', 'utf8')}\n`.replace('  master_data_gap: master-data', '  master_data_gap: master-data\n  price_varience: accounts-payable'));
    const relaxed = runCli(['lint', file, '--json']);
    assert.equal(relaxed.status, 0, relaxed.stderr);
    const json = JSON.parse(relaxed.stdout) as LintJson;
    assert.deepEqual([json.errors, json.warnings, json.problems[0]?.code, json.problems[0]?.hint], [0, 1, 'unknown_exception_code', 'did you mean "price_variance"?']);
    assert.equal(runCli(['lint', file, '--strict']).status, 1);
  });

  it('refuses a file it cannot read with exit 2, and YAML that is not YAML with exit 1', () => {
    const missing = runCli(['lint', join(dir, 'nope.yaml')]);
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /cannot read .*nope\.yaml/);
    const file = join(dir, 'broken.yaml');
    writeFileSync(file, 'version: 1\nenterprise: [unclosed\n');
    const broken = runCli(['lint', file]);
    assert.equal(broken.status, 1);
    assert.match(broken.stdout, /broken\.yaml:\d+:\d+ {2}error {4}yaml_syntax/);
  });

  it('layers the contracts folder the manifest names, and refuses one that redefines a shipped contract', () => {
    const board = join(dir, 'board');
    const contracts = join(board, 'contracts', 'quality', 'quality.inspection');
    mkdirSync(contracts, { recursive: true });
    runCli(['init', join(board, 'millrace.yaml')]);
    const manifest = join(board, 'millrace.yaml');
    writeFileSync(manifest, readFileSync(manifest, 'utf8').replace('contracts:\n  compatibility: backward', 'contracts:\n  folder: ./contracts\n  compatibility: backward').replace('publishes: [production.completed]', 'publishes: [production.completed, quality.inspection]'));
    const inspection = {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      $id: 'https://example.com/contracts/quality.inspection/v1',
      'x-event-type': 'quality.inspection',
      'x-version': 1,
      'x-domain': 'production',
      type: 'object',
      required: ['lot'],
      properties: { lot: { type: 'string' } },
    };
    // Without the contract, the type is unknown; with it, the manifest only warns that nobody receives it.
    writeFileSync(join(contracts, 'README.md'), 'no contract yet');
    assert.match(runCli(['lint', manifest]).stdout, /unknown_event_type {2}no contract declares event type quality\.inspection/);
    writeFileSync(join(contracts, 'v1.schema.json'), JSON.stringify(inspection));
    const layered = runCli(['lint', manifest, '--json']);
    assert.equal(layered.status, 0, layered.stdout + layered.stderr);
    assert.deepEqual((JSON.parse(layered.stdout) as LintJson).problems.map((p) => p.code), ['event_type_without_subscriber']);
    writeFileSync(join(contracts, 'v1.schema.json'), JSON.stringify({ ...inspection, 'x-event-type': 'po.released' }));
    const redefined = runCli(['lint', manifest]);
    assert.equal(redefined.status, 1);
    assert.match(redefined.stderr, /redefines the shipped contract po\.released v1; publish a new version instead/);
    // A broken file in the board's folder is named, so a board with many contracts knows which to fix.
    const { 'x-domain': _domain, ...undeclared } = inspection;
    writeFileSync(join(contracts, 'v1.schema.json'), JSON.stringify(undeclared));
    const unnamed = runCli(['lint', manifest]);
    assert.equal(unnamed.status, 1);
    assert.match(unnamed.stderr, /quality\.inspection[\\/]v1\.schema\.json: lacks x-domain/);
    writeFileSync(join(contracts, 'v1.schema.json'), JSON.stringify({ ...inspection, properties: { lot: { type: 'string', minLength: '3' } } }));
    const invalid = runCli(['lint', manifest]);
    assert.equal(invalid.status, 1);
    assert.match(invalid.stderr, /quality\.inspection v1 \(https:\/\/example\.com\/contracts\/quality\.inspection\/v1\): schema is invalid: data\/properties\/lot\/minLength must be integer/);
    writeFileSync(join(contracts, 'v1.schema.json'), JSON.stringify({ ...inspection, properties: { lot: { $ref: '#/$defs/lot' } } }));
    const dangling = runCli(['lint', manifest]);
    assert.equal(dangling.status, 1);
    assert.match(dangling.stderr, /quality\.inspection v1 \(https:\/\/example\.com\/contracts\/quality\.inspection\/v1\): can't resolve reference #\/\$defs\/lot/);
    // A hub refuses it at start as lint does (ADR 0077); keys, which check no event, are managed meanwhile.
    const store = `sqlite:${join(board, 'hub.db')}`;
    const serve = runCli(['serve', '--manifest', manifest, '--store', store, '--port', '0']);
    assert.equal(serve.status, 1);
    assert.match(serve.stderr, /^millrace: invalid_manifest: cannot load the contracts: quality\.inspection v1 \(https:\/\/example\.com\/contracts\/quality\.inspection\/v1\): can't resolve reference #\/\$defs\/lot/);
    const key = runCli(['keys', 'add', '--system', 'erp-core', '--manifest', manifest, '--store', store]);
    assert.equal(key.status, 0, key.stderr);
    assert.match(runCli(['keys', 'list', '--manifest', manifest, '--store', store]).stdout, /system:erp-core/);
  });

  it('takes a board version of a shipped type that the workflows can read as the latest, and refuses one they cannot', () => {
    const board = join(dir, 'versions');
    const folder = join(board, 'contracts', 'purchasing', 'supplier.confirmation');
    mkdirSync(folder, { recursive: true });
    runCli(['init', join(board, 'millrace.yaml')]);
    const manifest = join(board, 'millrace.yaml');
    writeFileSync(manifest, readFileSync(manifest, 'utf8').replace('contracts:\n  compatibility: backward', 'contracts:\n  folder: ./contracts\n  compatibility: backward'));
    const v2 = JSON.parse(readFileSync('contracts/purchasing/supplier.confirmation/v2.schema.json', 'utf8'));
    const v3 = { ...v2, $id: 'https://example.com/contracts/supplier.confirmation/v3', 'x-version': 3, properties: { ...v2.properties, salesOrderNumber: { type: 'string', maxLength: 35 } } };
    writeFileSync(join(folder, 'v3.schema.json'), JSON.stringify(v3));
    const readable = runCli(['lint', manifest]);
    assert.equal(readable.status, 0, readable.stdout + readable.stderr);
    const loosened = structuredClone(v3);
    loosened.properties.lines.items.properties.status.enum.push('backordered');
    writeFileSync(join(folder, 'v3.schema.json'), JSON.stringify(loosened));
    const refused = runCli(['lint', manifest]);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /millrace: invalid_manifest: the contracts hold 1 version\(s\) the workflows cannot read:/);
    assert.match(refused.stderr, /v3\.schema\.json: supplier\.confirmation v3 cannot be read as v2, the version the workflows read: .*\/lines\/\*\/status enum_value_added/);
  });

  it('publishes the manifest schema as schemas/manifest.v1.schema.json, equal to the one the hub checks with', () => {
    assert.deepEqual(JSON.parse(readFileSync('schemas/manifest.v1.schema.json', 'utf8')), JSON.parse(JSON.stringify(MANIFEST_SCHEMA)));
  });

  it('docs/manifest-lint.md lists every rule code', async () => {
    const { MANIFEST_RULES } = await import('../../src/core/index.js');
    const documented = [...readFileSync('docs/manifest-lint.md', 'utf8').matchAll(/^\| `([a-z0-9_]+)` \| (error|warning) \|/gm)].map((m) => `${m[1]} ${m[2]}`);
    assert.deepEqual(documented.sort(), Object.entries(MANIFEST_RULES).map(([code, rule]) => `${code} ${rule.severity}`).sort());
  });
});
