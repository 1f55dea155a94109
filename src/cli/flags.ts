// Maps command-line options to configuration flags (flag > env > manifest > default).
import { readFileSync, writeFileSync } from 'node:fs';
import { CommanderError, Option, type Command } from 'commander';
import type { ConfigFlags } from '../bootstrap/index.js';
import type { MillraceError } from '../core/index.js';

export interface CommonOptions {
  readonly manifest?: string;
  readonly store?: string;
  readonly contracts?: string;
  readonly port?: string;
  readonly host?: string;
  readonly bodyLimit?: string;
  readonly logLevel?: string;
  readonly workflows?: string;
  readonly deliveries?: string;
  readonly otlpEndpoint?: string;
  readonly appendThread?: string;
  readonly deliveryConcurrency?: string;
  readonly deliveryPerSubscription?: string;
  readonly json?: boolean;
}

export function configFlags(options: CommonOptions): ConfigFlags {
  const flags: ConfigFlags = {};
  if (options.manifest !== undefined) flags.manifestPath = options.manifest;
  if (options.store !== undefined) flags.store = options.store;
  if (options.contracts !== undefined) flags.contractsDir = options.contracts;
  if (options.port !== undefined) flags.port = options.port;
  if (options.host !== undefined) flags.host = options.host;
  if (options.bodyLimit !== undefined) flags.bodyLimit = options.bodyLimit;
  if (options.logLevel !== undefined) flags.logLevel = options.logLevel;
  if (options.workflows !== undefined) flags.workflows = options.workflows;
  if (options.deliveries !== undefined) flags.deliveries = options.deliveries;
  if (options.otlpEndpoint !== undefined) flags.otlpEndpoint = options.otlpEndpoint;
  if (options.appendThread !== undefined) flags.appendThread = options.appendThread;
  if (options.deliveryConcurrency !== undefined) flags.deliveryConcurrency = options.deliveryConcurrency;
  if (options.deliveryPerSubscription !== undefined) flags.deliveryPerSubscription = options.deliveryPerSubscription;
  return flags;
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Options every command that opens the hub's configuration accepts. */
export function addConfigOptions(command: Command): Command {
  return command
    .addOption(new Option('--manifest <file>', 'governance manifest (env MILLRACE_MANIFEST)').default(undefined, './millrace.yaml'))
    .addOption(new Option('--store <url>', 'sqlite:PATH or postgres://... (env MILLRACE_STORE)').default(undefined, 'sqlite:./millrace-data/millrace.db'))
    .option('--contracts <dir>', 'contracts folder (env MILLRACE_CONTRACTS)');
}

/** Unusable input ends with exit status 2, as a usage error does, after saying why. */
export function unusable(message: string, code = 'invalid_request'): never {
  process.stderr.write(`millrace: ${code}: ${oneLine(message)}\n`);
  throw new CommanderError(2, 'millrace.unusableInput', message);
}

/**
 * A hub error (a manifest with lint errors, a store that cannot be opened) as unusable input,
 * with its own code and its listing one problem to a line, as `serve` prints it. The trap:
 * through unusable() a manifest's listing came out as one line holding a literal "\n", and diff
 * said invalid_request for what the catalogue calls invalid_manifest or store_unavailable.
 */
export function unusableError(error: MillraceError): never {
  process.stderr.write(`millrace: ${error.code}: ${error.message.split('\n').map(oneLine).join('\n')}\n`);
  throw new CommanderError(2, 'millrace.unusableInput', error.message);
}

/**
 * A file the user named, read whole; one it cannot read (a folder, no permission, gone) is
 * unusable input, said in one line. The trap: checking existsSync first lets a folder through
 * to readFileSync, whose EISDIR then surfaced as a stack trace with exit 1.
 */
export function readInput(file: string): Buffer;
export function readInput(file: string, encoding: BufferEncoding): string;
export function readInput(file: string, encoding?: BufferEncoding): Buffer | string {
  try {
    return encoding === undefined ? readFileSync(file) : readFileSync(file, encoding);
  } catch (error) {
    unusable(`cannot read ${file}: ${(error as Error).message}`);
  }
}

/** A file the user asked for, written whole; one it cannot write is unusable input. */
export function writeOutput(file: string, text: string, mode?: number): void {
  try {
    writeFileSync(file, text, mode === undefined ? undefined : { mode });
  } catch (error) {
    unusable(`cannot write ${file}: ${(error as Error).message}`);
  }
}

/**
 * The message with line breaks, other control characters and invisible marks written as escapes.
 * The trap: Node's JSON.parse quotes the start of the text it refused, so a file holding
 * "TODO\n" gave a two-line error, and a UTF-8 byte order mark showed as an invisible character.
 */
function oneLine(message: string): string {
  // eslint-disable-next-line no-control-regex
  return message.replace(/[\u0000-\u001f\u007f\u2028\u2029\ufeff]/g, (c) => ({ '\n': '\\n', '\r': '\\r', '\t': '\\t' })[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

