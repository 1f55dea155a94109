// The `millrace` command line. Thin: it parses arguments, calls bootstrap, prints results
// (human-readable, or one JSON document with --json) and maps failures to exit codes: 0 done,
// 1 the work failed, 2 a usage error (docs/adr/0037-cli-exit-status.md).
//
// Every run builds the whole program, so building it must stay cheap: a command's module declares
// it (name, options, help) and its action imports the implementation, which alone loads the
// hub's adapters and drivers (docs/adr/0042; main.test.ts checks it).
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { isMillraceError } from '../core/index.js';
import { registerContracts } from './contracts.command.js';
import { registerCsv } from './csv.command.js';
import { registerDemo } from './demo.command.js';
import { registerDiff } from './diff.command.js';
import { exitStatusOf, oneLine } from './flags.js';
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

/**
 * The package's version, read as bootstrap's PACKAGE_VERSION is: that constant comes with the
 * bootstrap layer's surface, which loads every adapter (about a second) for `--version`.
 */
function packageVersion(): string {
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

export function buildProgram(): Command {
  const program = new Command('millrace')
    .description('Workflow-sync governance hub for manufacturers')
    .version(packageVersion())
    // The program's own options (--version) only before a command: `x12 from-event --version
    // 005010` printed the program's version and exited 0 instead of writing a 005010 850.
    .enablePositionalOptions()
    .exitOverride()
    // Commander's own usage errors (unknown option, missing argument, a value outside --mode's
    // choices) in the hub's one-line form; a "Did you mean" suggestion joins the line. Subcommands
    // inherit this, so it is set before they are registered.
    .configureOutput({
      outputError: (text, write) => write(`millrace: invalid_request: ${text.trim().replace(/^error: /, '').replace(/\s*\n\s*/g, ' ')} (run with --help for usage)\n`),
    });
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
  // The command whose action ran: whether its exit status 1 is a verdict decides a failure's status.
  let running: Command | undefined;
  program.hook('preAction', (_program, action) => {
    running = action;
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end through here with exit code 0.
      return error.exitCode === 0 ? 0 : 2;
    }
    if (isMillraceError(error)) {
      // A listing (a manifest's problems) keeps one problem to a line; within a line, breaks
      // and invisible characters of quoted input are written as escapes.
      process.stderr.write(`millrace: ${error.code}: ${error.message.split('\n').map(oneLine).join('\n')}\n`);
      return exitStatusOf(error, running);
    }
    process.stderr.write(`millrace: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return exitStatusOf(error, running);
  }
}
