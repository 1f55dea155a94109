// Reads millrace.yaml, keeping each node's position so every problem is reported as
// FILE:LINE:COLUMN with a stable code.
import { readFileSync } from 'node:fs';
import { isNode, LineCounter, parseDocument, type Document } from 'yaml';
import type { Manifest, ManifestProblem } from '../../core/index.js';
import { checkManifest, MillraceError } from '../../core/index.js';

export interface LocatedProblem extends ManifestProblem {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

export type ManifestLoad =
  | { readonly ok: true; readonly manifest: Manifest }
  | { readonly ok: false; readonly problems: readonly LocatedProblem[] };

export function readManifest(file: string, text: string, publishableTypes: ReadonlySet<string>): ManifestLoad {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      problems: doc.errors.map((error) => {
        const at = lineCounter.linePos(error.pos[0]);
        return { file, line: at.line, column: at.col, path: [], code: 'yaml_syntax', message: error.message.split('\n')[0] ?? error.message };
      }),
    };
  }
  const check = checkManifest(doc.toJS(), publishableTypes);
  if (check.ok) return check;
  return { ok: false, problems: check.problems.map((problem) => ({ ...problem, file, ...positionOf(doc, lineCounter, problem.path) })) };
}

/** Loads and checks a manifest file; throws one error listing every problem. */
export function loadManifestFile(file: string, publishableTypes: ReadonlySet<string>): Manifest {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new MillraceError('invalid_manifest', `cannot read manifest ${file}: ${(error as Error).message} (run "millrace init" to create one)`);
  }
  const load = readManifest(file, text, publishableTypes);
  if (load.ok) return load.manifest;
  throw new MillraceError('invalid_manifest', `manifest ${file} has ${load.problems.length} problem(s):\n${formatProblems(load.problems)}`, {
    problems: load.problems,
  });
}

export function formatProblems(problems: readonly LocatedProblem[]): string {
  return problems.map((p) => `  ${p.file}:${p.line}:${p.column} ${p.code}: ${p.message}`).join('\n');
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
