// What `millrace lint [FILE]` does (declared in lint.command.ts): every problem of a manifest with
// FILE:LINE:COL, a stable code and a fix hint; exit 1 on errors (or on warnings with --strict).
import { existsSync } from 'node:fs';
import { contractsFolderOf, DEFAULT_CONTRACTS_DIR, loadContracts, readManifest } from '../bootstrap/index.js';
import type { LocatedProblem } from '../bootstrap/index.js';
import { printJson, readInput, unusable } from './flags.js';

export interface LintOptions {
  readonly contracts?: string;
  readonly json?: boolean;
  readonly strict?: boolean;
}

export function lint(file: string, options: LintOptions): void {
  if (!existsSync(file)) unusable(`cannot read ${file}: no such file (run "millrace init" to create one)`);
  const contracts = loadContracts(options.contracts ?? DEFAULT_CONTRACTS_DIR, contractsFolderOf(file));
  const load = readManifest(file, readInput(file, 'utf8'), contracts.registry.catalog());
  const problems = load.ok ? load.warnings : load.problems;
  const errors = problems.filter((p) => p.severity === 'error').length;
  const warnings = problems.length - errors;
  if (options.json === true) printJson({ file, errors, warnings, problems: problems.map(({ file: _file, ...rest }) => rest) });
  else printProblems(file, problems, errors, warnings);
  if (errors > 0 || (options.strict === true && warnings > 0)) process.exitCode = 1;
}

function printProblems(file: string, problems: readonly LocatedProblem[], errors: number, warnings: number): void {
  const out = (line = ''): boolean => process.stdout.write(`${line}\n`);
  for (const p of problems) {
    out(`${p.file}:${p.line}:${p.column}  ${p.severity.padEnd(7)}  ${p.code}  ${p.message}`);
    out(`    hint: ${p.hint}`);
  }
  if (problems.length > 0) out();
  out(`${file}: ${errors} error(s), ${warnings} warning(s)`);
}
