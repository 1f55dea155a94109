// The `millrace` command line. Thin: it parses arguments, calls bootstrap, prints results
// (human-readable, or one JSON document with --json) and maps failures to exit codes.
import { Command, CommanderError } from 'commander';
import { PACKAGE_VERSION } from '../bootstrap/index.js';
import { isMillraceError } from '../core/index.js';
import { registerContracts } from './contracts.command.js';
import { registerCsv } from './csv.command.js';
import { registerDemo } from './demo.command.js';
import { registerDiff } from './diff.command.js';
import { registerInit } from './init.command.js';
import { registerKeys } from './keys.command.js';
import { registerLint } from './lint.command.js';
import { registerManifest } from './manifest.command.js';
import { registerRehearse } from './rehearse.command.js';
import { registerReplay } from './replay.command.js';
import { registerReport } from './report.command.js';
import { registerServe } from './serve.command.js';
import { registerSimulate } from './simulate.command.js';
import { registerX12 } from './x12.command.js';

export function buildProgram(): Command {
  const program = new Command('millrace')
    .description('Workflow-sync governance hub for manufacturers')
    .version(PACKAGE_VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerDemo(program);
  registerServe(program);
  registerInit(program);
  registerKeys(program);
  registerLint(program);
  registerDiff(program);
  registerManifest(program);
  registerRehearse(program);
  registerReplay(program);
  registerReport(program);
  registerContracts(program);
  registerX12(program);
  registerCsv(program);
  registerSimulate(program);
  return program;
}

export async function main(argv: readonly string[]): Promise<number> {
  // The reader of the output went away (`millrace report | head`): what is left to print is
  // wanted by nobody, so the command ends quietly, as Unix tools do, instead of with an
  // unhandled EPIPE and its stack.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
  });
  const program = buildProgram();
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end through here with exit code 0.
      return error.exitCode === 0 ? 0 : 2;
    }
    if (isMillraceError(error)) {
      process.stderr.write(`millrace: ${error.code}: ${error.message}\n`);
      return 1;
    }
    process.stderr.write(`millrace: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return 1;
  }
}
