// `millrace contracts`: tools for the canonical contracts. `compat` tells whether a new version of
// a data schema may follow the earlier ones under a Confluent Schema Registry compatibility mode;
// `asyncapi` exports the event catalogue as an AsyncAPI 3.0 document.
import { readFileSync, writeFileSync } from 'node:fs';
import { type Command, Option } from 'commander';
import { asyncApiOf, DEFAULT_CONTRACTS_DIR, loadContracts, loadGovernance, processEnvironment } from '../bootstrap/index.js';
import {
  checkCompatibility,
  COMPATIBILITY_MODES,
  schemaDepthProblem,
  SchemaInputError,
  type AsyncApiDocument,
  type CompatibilityMode,
  type CompatibilityReport,
  type SchemaVersion,
} from '../core/index.js';
import { configFlags, givesVerdict, printJson, unusable, usageError } from './flags.js';

interface CompatOptions {
  readonly mode: CompatibilityMode;
  readonly contracts?: string;
  readonly json?: boolean;
}

const EXIT_CODES = `
Arguments are OLD.json [OLDER...] NEW.json: every file but the last is an earlier version,
oldest first; the last is the candidate. Transitive modes check NEW against every earlier
version, the others against the last one only.

Exit status: 0 compatible, 1 not compatible (a breaking or undecidable change), 2 no verdict:
a usage error (unknown mode, fewer than two files) or unusable input (unreadable file, not
JSON, not a JSON Schema 2020-12 document, unresolvable $ref).`;

interface AsyncApiOptions {
  readonly manifest?: string;
  readonly contracts?: string;
  readonly out?: string;
}

const ASYNCAPI_HELP = `
The document describes the hub: each event type is a channel (address = the type), each
contract version a message whose payload is the whole structured-mode CloudEvent; what systems
and partners may publish are the hub's receive operations, subscriptions its send operations.
Output is stable (sorted) so that two exports can be diffed in CI.

Exit status: 0 written, 1 no document (no manifest, a manifest with errors, unloadable
contracts, an unwritable --out file), 2 a usage error.`;

export function registerContracts(program: Command): void {
  const contracts = program.command('contracts').description('Canonical contract tools');
  contracts
    .command('asyncapi')
    .description('Export the event catalogue as an AsyncAPI 3.0 document: channels per event type, a message per contract version, publishers and subscribers')
    .addOption(new Option('--manifest <file>', 'governance manifest (env MILLRACE_MANIFEST)').default(undefined, './millrace.yaml'))
    .option('--contracts <dir>', "shipped contracts folder (env MILLRACE_CONTRACTS); the manifest's contracts.folder is layered on it")
    .option('--out <file>', 'write the document to FILE instead of stdout')
    .addHelpText('after', ASYNCAPI_HELP)
    .action((options: AsyncApiOptions) => {
      const { manifest, contracts: loaded } = loadGovernance(configFlags(options), processEnvironment());
      const document: AsyncApiDocument = asyncApiOf(manifest, loaded);
      const text = `${JSON.stringify(document, null, 2)}\n`;
      if (options.out === undefined) {
        process.stdout.write(text);
        return;
      }
      try {
        writeFileSync(options.out, text);
      } catch (error) {
        unusable(`cannot write ${options.out}: ${(error as Error).message}`);
      }
      const channels = Object.values(document.channels);
      const messages = channels.reduce((sum, channel) => sum + Object.keys(channel.messages).length, 0);
      process.stdout.write(`${options.out}: AsyncAPI ${document.asyncapi}, ${channels.length} channels, ${messages} messages, ${Object.keys(document.operations).length} operations\n`);
    });
  givesVerdict(contracts.command('compat'))
    .description('Check that NEW is a compatible next version of OLD under a compatibility mode')
    .argument('<schemas...>', 'OLD.json [OLDER.json ...] NEW.json, oldest first, NEW last')
    .addOption(new Option('--mode <mode>', 'compatibility mode').choices(COMPATIBILITY_MODES).makeOptionMandatory())
    .option('--contracts <dir>', 'contracts folder whose common/ definitions resolve absolute $refs (default: the bundled contracts)')
    .option('--json', 'print {"compatible": bool, "changes": [{"path", "kind", "breaking", "message"}]}')
    .addHelpText('after', EXIT_CODES)
    .action((files: string[], options: CompatOptions) => {
      if (files.length < 2) usageError('give at least two schema files: OLD.json NEW.json');
      const versions = files.map(readSchema);
      const shared = sharedDocuments(options.contracts ?? DEFAULT_CONTRACTS_DIR);
      let report: CompatibilityReport;
      try {
        report = checkCompatibility({ previous: versions.slice(0, -1), next: versions.at(-1)!, mode: options.mode, shared });
      } catch (error) {
        if (error instanceof SchemaInputError) unusable(error.message);
        throw error;
      }
      if (options.json === true) printJson(report);
      else printReport(report, options.mode, files);
      if (!report.compatible) process.exitCode = 1;
    });
}

function readSchema(file: string): SchemaVersion {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    unusable(`cannot read ${file}: ${(error as Error).message}`);
  }
  let schema: unknown;
  try {
    schema = JSON.parse(text) as unknown;
  } catch (error) {
    unusable(`${file} is not JSON: ${(error as Error).message}`);
  }
  const tooDeep = schemaDepthProblem(schema);
  if (tooDeep !== undefined) unusable(`${file} ${tooDeep}`);
  return { label: file, schema };
}

function sharedDocuments(contractsDir: string): readonly unknown[] {
  try {
    return loadContracts(contractsDir).set.shared;
  } catch (error) {
    unusable(`cannot load the shared contract definitions from ${contractsDir}: ${(error as Error).message}`);
  }
}

function printReport(report: CompatibilityReport, mode: CompatibilityMode, files: readonly string[]): void {
  const out = (line = ''): boolean => process.stdout.write(`${line}\n`);
  const next = files.at(-1)!;
  const against = mode.endsWith('_transitive') ? files.slice(0, -1) : files.slice(-2, -1);
  const pathOf = (path: string): string => (path === '' ? '(root)' : path);
  const width = Math.max(0, ...report.changes.map((change) => pathOf(change.path).length));
  for (const change of report.changes) {
    out(`${change.breaking ? 'BREAKING' : 'ok      '}  ${pathOf(change.path).padEnd(width)}  ${change.kind}: ${change.message}`);
  }
  if (report.changes.length > 0) out();
  const breaking = report.changes.filter((change) => change.breaking).length;
  const scope = `${next} against ${against.join(', ')}`;
  if (report.compatible) out(`compatible (${mode}): ${scope}, ${report.changes.length === 0 ? 'no changes' : `${report.changes.length} change(s), none breaking`}`);
  else out(`NOT compatible (${mode}): ${scope}, ${breaking} breaking change(s) of ${report.changes.length}`);
  if (!mode.endsWith('_transitive') && files.length > 2) out(`(${mode} is not transitive: only the last earlier version was checked)`);
}
