// `millrace lint [FILE]`: every problem of a manifest with FILE:LINE:COL, a stable code and a
// fix hint, for a governance board's CI. Exit 1 on errors (or on warnings with --strict).
// The check is in lint.action.ts, loaded when the command runs.
import type { Command } from 'commander';
import { givesVerdict } from './flags.js';
import type { LintOptions } from './lint.action.js';

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
    .action(async (file: string, options: LintOptions) => (await import('./lint.action.js')).lint(file, options));
}
