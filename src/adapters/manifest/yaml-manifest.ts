// Reads millrace.yaml, keeping each node's position so every problem is reported as
// FILE:LINE:COLUMN with a stable code.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { isNode, LineCounter, parseDocument, visit, type Alias, type Document } from 'yaml';
import type { ContractCatalog, Manifest, ManifestProblem } from '../../core/index.js';
import { checkManifest, MillraceError } from '../../core/index.js';

export interface LocatedProblem extends ManifestProblem {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

/**
 * `<<` merge keys, which YAML 1.2 leaves out but boards use to share a block between systems
 * (`- <<: *wms`); without them `<<` was read as a property and refused as unknown.
 */
const YAML_OPTIONS = { merge: true } as const;

export type ManifestLoad =
  | { readonly ok: true; readonly manifest: Manifest; readonly warnings: readonly LocatedProblem[] }
  | { readonly ok: false; readonly problems: readonly LocatedProblem[] };

/** Parses and checks a manifest; problems (and warnings) are sorted by line and column. */
export function readManifest(file: string, text: string, catalog: ContractCatalog): ManifestLoad {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { ...YAML_OPTIONS, lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      problems: doc.errors.map((error) => {
        const at = lineCounter.linePos(error.pos[0]);
        // The parser's words for this one name its own API (parseAllDocuments).
        const message = error.code === 'MULTIPLE_DOCS' ? 'the file holds more than one YAML document (a line "---" starts another); a manifest is one document' : (error.message.split('\n')[0] ?? error.message);
        return { file, line: at.line, column: at.col, path: [], code: 'yaml_syntax', severity: 'error' as const, message, hint: 'fix the YAML syntax' };
      }),
    };
  }
  // The parser leaves an alias unresolved (`*name` before or without its `&name`) and aliases
  // that expand without bound to the conversion, which throws for them.
  let data: unknown;
  try {
    data = doc.toJS();
  } catch (error) {
    const alias = unresolvedAlias(doc);
    const at = alias?.range === undefined || alias.range === null ? { line: 1, col: 1 } : lineCounter.linePos(alias.range[0]);
    return { ok: false, problems: [{ file, line: at.line, column: at.col, path: [], code: 'yaml_syntax', severity: 'error', message: (error as Error).message, hint: alias === undefined ? 'aliases (*name) here would expand to too many copies; write the repeated parts out, or alias fewer times' : 'set the anchor (&name) before any alias (*name) of it' }] };
  }
  const check = checkManifest(data, catalog);
  const locate = (problems: readonly ManifestProblem[]): LocatedProblem[] =>
    problems.map((problem) => ({ ...problem, file, ...positionOf(doc, lineCounter, problem.path) })).sort((a, b) => a.line - b.line || a.column - b.column);
  if (check.ok) return { ok: true, manifest: check.manifest, warnings: locate(check.warnings) };
  return { ok: false, problems: locate(check.problems) };
}

/** The first alias whose anchor is not set before it, if any. */
function unresolvedAlias(doc: Document): Alias | undefined {
  let found: Alias | undefined;
  visit(doc, {
    Alias(_key, node) {
      if (node.resolve(doc) !== undefined) return undefined;
      found = node;
      return visit.BREAK;
    },
  });
  return found;
}

/**
 * The board's contracts folder a manifest names (`contracts.folder`), resolved against the
 * manifest's own directory; read before the manifest is checked, since the check needs the
 * contracts. Undefined when the file is unreadable or names none (loading reports the rest).
 */
export function contractsFolderOf(file: string): string | undefined {
  let folder: unknown;
  try {
    folder = (parseDocument(readFileSync(file, 'utf8'), YAML_OPTIONS).toJS() as { contracts?: { folder?: unknown } } | null)?.contracts?.folder;
  } catch {
    return undefined;
  }
  return typeof folder === 'string' && folder !== '' ? resolve(dirname(file), folder) : undefined;
}

/** Loads and checks a manifest file; throws one error listing every error. Warnings come back with it. */
export function loadManifestFile(file: string, catalog: ContractCatalog): { readonly manifest: Manifest; readonly warnings: readonly LocatedProblem[] } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    // The hint to write one fits a file that is not there, not a folder given for the file or one the user may not read.
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'EISDIR'
        ? `it is a folder; give the manifest file, e.g. ${join(file, 'millrace.yaml')}`
        : code === 'ENOENT'
          ? 'no such file (run "millrace init" to create one)'
          : code === 'EACCES' || code === 'EPERM'
            ? 'permission denied (not readable by this user)'
            : `${(error as Error).message} (run "millrace init" to create one)`;
    throw new MillraceError('invalid_manifest', `cannot read manifest ${file}: ${why}`);
  }
  const load = readManifest(file, text, catalog);
  if (load.ok) return load;
  const errors = load.problems.filter((p) => p.severity === 'error');
  throw new MillraceError('invalid_manifest', `manifest ${file} has ${errors.length} error(s) (npx millrace lint ${file} explains each):\n${formatProblems(errors)}`, {
    problems: load.problems,
  });
}

/** One problem per line: FILE:LINE:COL severity code: message (hint). */
export function formatProblems(problems: readonly LocatedProblem[]): string {
  return problems.map((p) => `  ${p.file}:${p.line}:${p.column} ${p.severity} ${p.code}: ${p.message} (${p.hint})`).join('\n');
}

/** The position of the deepest node that exists along `path` (a missing key points at its parent). */
function positionOf(doc: Document, lineCounter: LineCounter, path: readonly (string | number)[]): { line: number; column: number } {
  for (let depth = path.length; depth >= 0; depth -= 1) {
    const node: unknown = depth === 0 ? doc.contents : doc.getIn(path.slice(0, depth), true);
    if (isNode(node) && node.range !== undefined && node.range !== null) {
      const at = lineCounter.linePos(node.range[0]);
      return { line: at.line, column: at.col };
    }
  }
  return { line: 1, column: 1 };
}
