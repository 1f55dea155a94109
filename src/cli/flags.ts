// Maps command-line options to configuration flags (flag > env > manifest > default).
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import type { ConfigFlags } from '../bootstrap/index.js';
import type { ErrorCode } from '../core/index.js';
import { isMillraceError, MillraceError } from '../core/index.js';

export interface CommonOptions {
  readonly manifest?: string;
  readonly store?: string;
  readonly contracts?: string;
  readonly port?: string;
  readonly host?: string;
  readonly bodyLimit?: string;
  readonly edgePayloadLimit?: string;
  readonly dropFolderLimit?: string;
  readonly logLevel?: string;
  readonly workflows?: string;
  readonly deliveries?: string;
  readonly otlpEndpoint?: string;
  readonly metricsAuth?: string;
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
  if (options.edgePayloadLimit !== undefined) flags.edgePayloadLimit = options.edgePayloadLimit;
  if (options.dropFolderLimit !== undefined) flags.dropFolderLimit = options.dropFolderLimit;
  if (options.logLevel !== undefined) flags.logLevel = options.logLevel;
  if (options.workflows !== undefined) flags.workflows = options.workflows;
  if (options.deliveries !== undefined) flags.deliveries = options.deliveries;
  if (options.otlpEndpoint !== undefined) flags.otlpEndpoint = options.otlpEndpoint;
  if (options.metricsAuth !== undefined) flags.metricsAuth = options.metricsAuth;
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

/**
 * A usage error: the command line itself is wrong (a flag value malformed or out of range, flags
 * that conflict, a flag or argument missing), found before any work is done. It ends the command
 * with exit status 2; a failure while doing the work is a MillraceError, exit status 1
 * (docs/adr/0037-cli-exit-status.md).
 */
export class UsageError extends MillraceError {
  constructor(message: string) {
    super('invalid_request', message);
    this.name = 'UsageError';
  }
}

/** Refuses the command line, naming the flag and the value it was given. */
export function usageError(message: string): never {
  throw new UsageError(message);
}

/** A whole number within limits, or a usage error naming the flag. */
export function integer(flag: string, raw: string, [min, max]: readonly [number, number]): number {
  const value = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(value) || value < min || value > max) usageError(`${flag} must be a whole number from ${min} to ${max}, got "${raw}"`);
  return value;
}

/**
 * Input the command cannot use: a file it cannot read or write, or whose content is not what it
 * should be. The work fails (exit status 1), unless the command gives a verdict (givesVerdict).
 */
export function unusable(message: string, code: ErrorCode = 'invalid_request'): never {
  // One line: Node's JSON.parse quotes the start of the text it refused, breaks and all.
  throw new MillraceError(code, oneLine(message));
}

/** Commands whose exit status 1 is a verdict, with the error codes that are that verdict. */
const verdictCommands = new WeakMap<Command, readonly ErrorCode[]>();

/**
 * Marks a command whose exit status 1 is a verdict ("not compatible", "the manifest has errors",
 * "rows would be quarantined"): there, every other failure ends with 2, "no verdict", as with
 * diff(1) and grep(1). The trap: a CI job that reads 1 as "the change breaks" would otherwise
 * say so of a file that was never read. An error with one of `verdictCodes` is the verdict
 * itself (lint: contracts the manifest's folder holds that the hub refuses).
 */
export function givesVerdict(command: Command, verdictCodes: readonly ErrorCode[] = []): Command {
  verdictCommands.set(command, verdictCodes);
  return command;
}

/**
 * The exit status of a command that ended with `error`: 2 for a usage error, and for any failure
 * of a command that gives a verdict; 1 for any other failure. Settings given as flags or MILLRACE_*
 * variables are part of the command line: their problems are usage errors; a manifest's are not.
 */
export function exitStatusOf(error: unknown, command: Command | undefined): 1 | 2 {
  if (error instanceof UsageError) return 2;
  if (isMillraceError(error) && error.code === 'invalid_config' && error.details.inManifest === false) return 2;
  const verdictCodes = command === undefined ? undefined : verdictCommands.get(command);
  if (verdictCodes === undefined) return 1;
  return isMillraceError(error) && verdictCodes.includes(error.code) ? 1 : 2;
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
    unusable(`cannot read ${file}: ${fileProblem(error, file, 'read')}`);
  }
}

/**
 * Why a file cannot be read or written, in words: Node's own message is its errno text
 * (`EISDIR: illegal operation on a directory, read`), and for a write into a folder that is not
 * there it named the file, not the folder missing.
 */
export function fileProblem(error: unknown, file: string, use: 'read' | 'write'): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EISDIR') return 'it is a folder, not a file';
  if (code === 'ENOENT') return use === 'read' ? 'no such file' : `the folder ${dirname(resolve(file))} does not exist`;
  if (code === 'ENOTDIR') return `a part of the path is a file, not a folder`;
  if (code === 'EACCES' || code === 'EPERM') return `permission denied (${use === 'read' ? 'not readable' : 'not writable'} by this user)`;
  return (error as Error).message;
}

/** A file the user asked for, written whole; one it cannot write is unusable input. */
export function writeOutput(file: string, text: string, mode?: number): void {
  try {
    writeFileSync(file, text, mode === undefined ? undefined : { mode });
  } catch (error) {
    unusable(`cannot write ${file}: ${fileProblem(error, file, 'write')}`);
  }
}

/**
 * The message with line breaks, other control characters and invisible marks written as escapes.
 * The trap: Node's JSON.parse quotes the start of the text it refused, so a file holding
 * "TODO\n" gave a two-line error, and a UTF-8 byte order mark showed as an invisible character.
 */
export function oneLine(message: string): string {
  // eslint-disable-next-line no-control-regex
  return message.replace(/[\u0000-\u001f\u007f\u2028\u2029\ufeff]/g, (c) => ({ '\n': '\\n', '\r': '\\r', '\t': '\\t' })[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

