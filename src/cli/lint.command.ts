// `millrace lint [FILE]`: every problem of a manifest with FILE:LINE:COL, a stable code and a
// fix hint, for a governance board's CI. Exit 1 on errors (or on warnings with --strict).
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { contractsFolderOf, DEFAULT_CONTRACTS_DIR, loadContracts, readManifest } from '../bootstrap/index.js';
import type { LocatedProblem } from '../bootstrap/index.js';
import { givesVerdict, printJson, readInput, unusable } from './flags.js';

interface LintOptions {
  readonly contracts?: string;
  readonly json?: boolean;
  readonly strict?: boolean;
}

const HELP = `
Exit status: 0 no errors (warnings are printed), 1 errors (or warnings with --strict),
2 no verdict (a usage error, or the file cannot be read). Every code is explained in docs/manifest-lint.md.`;

export function registerLint(program: Command): void {
  // The manifest's contracts folder is part of what lint judges: contracts the hub refuses
  // (invalid_manifest) are errors of the manifest, exit 1.
  givesVerdict(program.command('lint'), ['invalid_manifest'])
    .description('Check a governance manifest: every problem with file, line, column, code and a fix hint')
    .argument('[file]', 'the manifest', 'millrace.yaml')
    .option('--contracts <dir>', 'shipped contracts folder (default: the bundled contracts); the manifest\'s contracts.folder is layered on it')
    .option('--strict', 'warnings fail too')
    .option('--json', 'print {"file", "errors", "warnings", "problems": [{"line", "column", "severity", "code", "message", "hint", "path"}]}')
    .addHelpText('after', HELP)
    .action((file: string, options: LintOptions) => {
      if (!existsSync(file)) unusable(`cannot read ${file}: no such file (run "millrace init" to create one)`);
      const contracts = loadContracts(options.contracts ?? DEFAULT_CONTRACTS_DIR, contractsFolderOf(file));
      const load = readManifest(file, readInput(file, 'utf8'), contracts.registry.catalog());
      const problems = load.ok ? load.warnings : load.problems;
      const errors = problems.filter((p) => p.severity === 'error').length;
      const warnings = problems.length - errors;
      if (options.json === true) printJson({ file, errors, warnings, problems: problems.map(({ file: _file, ...rest }) => rest) });
      else printProblems(file, problems, errors, warnings);
      if (errors > 0 || (options.strict === true && warnings > 0)) process.exitCode = 1;
    });
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
