// Loads the contracts folder (contracts/README.md describes its layout) into a ContractSet.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { ContractSet, LabelledContract, SchemaDocument } from '../../core/index.js';
import { contractDeclarationProblem, schemaDepthProblem } from '../../core/index.js';

/** Every example file beside a contract, for tests and `millrace contracts` tooling. */
export interface ContractExample {
  readonly file: string;
  readonly valid: boolean;
  readonly body: unknown;
}

export function loadContractSet(root: string): ContractSet {
  const { contracts, ...rest } = readContractFolder(root);
  return { ...rest, contracts: contracts.map((contract) => contract.schema) };
}

/** A contract set whose event contracts are told apart by origin, each with its file. */
export interface LayeredContractSet extends ContractSet {
  readonly shipped: readonly LabelledContract[];
  readonly board: readonly LabelledContract[];
}

/**
 * The shipped contracts plus a board's own folder, which holds only event contracts (no
 * envelope, no common definitions): new event types and new versions. A contract that
 * redefines a shipped type and version is refused, so `v1` means the same everywhere.
 */
export function loadLayeredContractSet(root: string, extra: string | undefined): LayeredContractSet {
  const base = readContractFolder(root);
  const key = (doc: SchemaDocument): string => `${String(doc['x-event-type'])}@${String(doc['x-version'])}`;
  const shipped = new Set(base.contracts.map((contract) => key(contract.schema)));
  const board: LabelledContract[] = [];
  for (const file of extra === undefined ? [] : walk(extra)) {
    if (!file.endsWith('.schema.json')) continue;
    const doc = readJson(file) as SchemaDocument;
    declaredBy(file, doc);
    if (shipped.has(key(doc))) throw new Error(`${file} redefines the shipped contract ${key(doc).replace('@', ' v')}; publish a new version instead`);
    board.push({ label: file, schema: doc });
  }
  return {
    shared: base.shared,
    envelope: base.envelope,
    contracts: [...base.contracts, ...board].map((contract) => contract.schema),
    shipped: base.contracts,
    board,
  };
}

function readContractFolder(root: string): { shared: SchemaDocument[]; envelope: SchemaDocument; contracts: LabelledContract[] } {
  const shared: SchemaDocument[] = [];
  let envelope: SchemaDocument | undefined;
  const contracts: LabelledContract[] = [];
  for (const file of walk(root)) {
    if (!file.endsWith('.schema.json')) continue;
    const doc = readJson(file) as SchemaDocument;
    const rel = relative(root, file).split('\\').join('/');
    if (rel.startsWith('common/')) shared.push(doc);
    else if (rel.startsWith('envelope/')) envelope = doc;
    else {
      declaredBy(file, doc);
      contracts.push({ label: file, schema: doc });
    }
  }
  if (envelope === undefined) throw new Error(`no envelope schema under ${join(root, 'envelope')}`);
  return { shared, envelope, contracts };
}

export function loadContractExamples(root: string): ContractExample[] {
  return walk(root)
    .filter((file) => /\/examples\/[^/]+\.json$/.test(file.split('\\').join('/')))
    .map((file) => ({ file, valid: /\.valid\.[^/]+\.json$/.test(file), body: readJson(file) }));
}

/** A contract without its `x-` annotations and `$id` cannot be told apart from the others: say which file it is. */
function declaredBy(file: string, doc: SchemaDocument): void {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new Error(`${file}: is not a JSON Schema object`);
  const problem = contractDeclarationProblem(doc);
  if (problem !== undefined) throw new Error(`${file}: ${problem}`);
}

function readJson(file: string): unknown {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`${file}: ${(error as Error).message}`);
  }
  const tooDeep = schemaDepthProblem(parsed);
  if (tooDeep !== undefined) throw new Error(`${file}: ${tooDeep}`);
  return parsed;
}

function walk(dir: string): string[] {
  const files: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) files.push(...walk(path));
    else files.push(path);
  }
  return files;
}
