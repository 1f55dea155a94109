// `millrace contracts compat` as a governance check in CI runs it: exit 0 compatible, 1 not,
// 2 unusable input, and the --json document a pipeline parses.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../support/cli.js';

const PO_V1 = 'contracts/purchasing/po.released/v1.schema.json';

describe('millrace contracts compat', () => {
  let dir: string;
  let poV2: string;
  let poV3: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'millrace-compat-'));
    const v2 = JSON.parse(readFileSync(PO_V1, 'utf8')) as { $id: string; properties: Record<string, unknown> };
    v2.$id = 'https://millrace.dev/contracts/po.released/v2.schema.json';
    v2.properties.notes = { type: 'string', maxLength: 500 };
    poV2 = join(dir, 'po-v2.json');
    poV3 = join(dir, 'po-v3.json');
    writeFileSync(poV2, JSON.stringify(v2));
    writeFileSync(poV3, JSON.stringify({ ...v2, $id: 'https://millrace.dev/contracts/po.released/v3.schema.json', title: 'v3' }));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('exits 0 when NEW is compatible, and --json prints {compatible, changes[path, kind, breaking, message]}', () => {
    const result = runCli(['contracts', 'compat', PO_V1, poV2, '--mode', 'backward', '--json']);
    assert.equal(result.status, 0, result.stderr);
    const report = JSON.parse(result.stdout) as Record<string, unknown>;
    assert.deepEqual(Object.keys(report), ['compatible', 'changes']);
    assert.deepEqual(report, {
      compatible: true,
      changes: [{ path: '/notes', kind: 'property_added_to_closed_model', breaking: false, message: 'property "notes" is now allowed; readers on the old closed model reject it' }],
    });
  });

  it('exits 1 when it is not, with one line per change and the verdict', () => {
    const result = runCli(['contracts', 'compat', PO_V1, poV2, '--mode', 'forward']);
    assert.equal(result.status, 1, result.stderr);
    assert.match(result.stdout, /^BREAKING {2}\/notes {2}property_added_to_closed_model: /m);
    assert.match(result.stdout, /NOT compatible \(forward\): .*po-v2\.json against contracts\/purchasing\/po\.released\/v1\.schema\.json, 1 breaking change\(s\) of 1/);
    const json = runCli(['contracts', 'compat', PO_V1, poV2, '--mode', 'full', '--json']);
    assert.equal(json.status, 1);
    assert.equal((JSON.parse(json.stdout) as { compatible: boolean }).compatible, false);
  });

  it('transitive modes take several OLD files in order and check NEW against each', () => {
    assert.equal(runCli(['contracts', 'compat', PO_V1, poV2, poV3, '--mode', 'full']).status, 0, 'v3 = v2 in substance');
    const transitive = runCli(['contracts', 'compat', PO_V1, poV2, poV3, '--mode', 'full_transitive', '--json']);
    assert.equal(transitive.status, 1);
    const { changes } = JSON.parse(transitive.stdout) as { changes: { path: string; kind: string; breaking: boolean }[] };
    assert.deepEqual(changes.map((c) => [c.path, c.kind, c.breaking]), [['/notes', 'property_added_to_closed_model', true]]);
  });

  it('never says compatible when it cannot decide: a changed pattern exits 1 in every mode but none', () => {
    const v2 = JSON.parse(readFileSync(PO_V1, 'utf8')) as { properties: { incoterms: { pattern: string } } };
    v2.properties.incoterms.pattern = '^(FCA|DAP|DDP)$';
    const file = join(dir, 'po-pattern.json');
    writeFileSync(file, JSON.stringify(v2));
    for (const mode of ['backward', 'forward', 'full']) {
      const result = runCli(['contracts', 'compat', PO_V1, file, '--mode', mode]);
      assert.equal(result.status, 1, mode);
      assert.match(result.stdout, /BREAKING {2}\/incoterms {2}pattern_undecidable: undecidable: /);
    }
    assert.equal(runCli(['contracts', 'compat', PO_V1, file, '--mode', 'none']).status, 0);
  });

  it('exits 2 on unusable input, saying why, with nothing on stdout', () => {
    const notJson = join(dir, 'broken.json');
    writeFileSync(notJson, '{"type": ');
    const danglingRef = join(dir, 'dangling.json');
    writeFileSync(danglingRef, JSON.stringify({ type: 'object', properties: { a: { $ref: '#/$defs/missing' } } }));
    const notSchema = join(dir, 'array.json');
    writeFileSync(notSchema, '[1, 2]');
    // 600 levels of properties (1,200 of JSON): checking it against the meta-schema overflowed the stack, and the command printed a stack trace.
    const deep = join(dir, 'deep.json');
    writeFileSync(deep, `{"type":"object","properties":{"a":${'{"type":"object","properties":{"a":'.repeat(600)}{"type":"string"}${'}}'.repeat(600)}}}`);
    // Node's JSON.parse quotes the text it refused: a placeholder file gave a two-line error, a byte order mark an invisible one.
    const placeholder = join(dir, 'placeholder.json');
    writeFileSync(placeholder, 'TODO\n');
    const withBom = join(dir, 'bom.json');
    writeFileSync(withBom, `\ufeff${readFileSync(PO_V1, 'utf8')}`);
    const cases: [string[], RegExp][] = [
      [[PO_V1, placeholder, '--mode', 'backward'], /placeholder\.json is not JSON: Unexpected token 'T', "TODO\\n" is not valid JSON$/],
      [[PO_V1, withBom, '--mode', 'backward'], /bom\.json is not JSON: Unexpected token '\\ufeff'/],
      [[PO_V1, deep, '--mode', 'backward'], /deep\.json nests deeper than 128 levels of objects and arrays \(at \/properties\/a\/properties\/a/],
      [[PO_V1, join(dir, 'missing.json'), '--mode', 'backward'], /cannot read .*missing\.json/],
      [[PO_V1, notJson, '--mode', 'backward', '--json'], /broken\.json is not JSON/],
      [[PO_V1, danglingRef, '--mode', 'backward'], /dangling\.json: \$ref "#\/\$defs\/missing" at \/properties\/a points to nothing/],
      [[notSchema, PO_V1, '--mode', 'forward'], /array\.json: is not a JSON Schema/],
      [[PO_V1, poV2, '--mode', 'sideways'], /argument 'sideways' is invalid\. Allowed choices are backward, backward_transitive, forward/],
      [[PO_V1, poV2], /required option '--mode <mode>' not specified/],
      [[PO_V1, '--mode', 'backward'], /give at least two schema files/],
    ];
    for (const [args, message] of cases) {
      const result = runCli(['contracts', 'compat', ...args]);
      assert.equal(result.status, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr.trimEnd(), message);
      // Commander's usage errors (an unknown mode, a missing --mode) too: one line in the hub's form.
      assert.match(result.stderr, /^millrace: [a-z_]+: [^\n]+\n$/, `one line: ${JSON.stringify(result.stderr)}`);
      assert.equal(result.stdout, '');
    }
  });

  it('documents the modes and exit codes in --help', () => {
    const help = runCli(['contracts', 'compat', '--help']);
    assert.equal(help.status, 0);
    assert.match(help.stdout, /^Usage: millrace contracts compat \[options\] <schemas\.\.\.>/);
    assert.match(help.stdout, /full_transitive/);
    assert.match(help.stdout, /Exit status: 0 compatible, 1 not compatible/);
  });
});
