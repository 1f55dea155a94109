// What `millrace contracts compat|asyncapi` do (declared in contracts.command.ts): whether a new
// version of a data schema may follow the earlier ones under a compatibility mode; the event
// catalogue as an AsyncAPI 3.0 document.
import { readFileSync, writeFileSync } from 'node:fs';
import { asyncApiOf, DEFAULT_CONTRACTS_DIR, loadContracts, loadGovernance, processEnvironment } from '../bootstrap/index.js';
import {
  checkCompatibility,
  schemaDepthProblem,
  SchemaInputError,
  type AsyncApiDocument,
  type CompatibilityMode,
  type CompatibilityReport,
  type SchemaVersion,
} from '../core/index.js';
import { configFlags, fileProblem, printJson, unusable, usageError } from './flags.js';

export interface CompatOptions {
  readonly mode: CompatibilityMode;
  readonly contracts?: string;
  readonly json?: boolean;
}

export interface AsyncApiOptions {
  readonly manifest?: string;
  readonly contracts?: string;
  readonly out?: string;
}

export function exportAsyncApi(options: AsyncApiOptions): void {
  const { manifest, contracts: loaded } = loadGovernance(configFlags(options), processEnvironment(), 'on first use');
  const document: AsyncApiDocument = asyncApiOf(manifest, loaded);
  const text = `${JSON.stringify(document, null, 2)}\n`;
  if (options.out === undefined) {
    process.stdout.write(text);
    return;
  }
  try {
    writeFileSync(options.out, text);
  } catch (error) {
    unusable(`cannot write ${options.out}: ${fileProblem(error, options.out, 'write')}`);
  }
  const channels = Object.values(document.channels);
  const messages = channels.reduce((sum, channel) => sum + Object.keys(channel.messages).length, 0);
  process.stdout.write(`${options.out}: AsyncAPI ${document.asyncapi}, ${channels.length} channels, ${messages} messages, ${Object.keys(document.operations).length} operations\n`);
}

export function checkCompat(files: string[], options: CompatOptions): void {
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
}

function readSchema(file: string): SchemaVersion {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    unusable(`cannot read ${file}: ${fileProblem(error, file, 'read')}`);
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
    return loadContracts(contractsDir, undefined, 'on first use').set.shared;
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
