// Command-line options of the benchmark scripts: strict parsing, --help, numbers with a floor,
// and a readable message with the usage (exit code 2) for anything else.
import { parseArgs, type ParseArgsConfig } from 'node:util';

export class UsageError extends Error {}

type Options = NonNullable<ParseArgsConfig['options']>;

/** Parses `argv` strictly; on --help prints `usage` and exits 0. */
export function parseBenchOptions<T extends Options>(argv: readonly string[], options: T, usage: string) {
  if (argv.includes('--help')) {
    process.stdout.write(usage);
    process.exit(0);
  }
  try {
    return parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** A numeric option's value, at least `min`. */
export function numberOption(name: string, raw: string, min: number): number {
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min) throw new UsageError(`--${name} must be a number of at least ${min}, not ${raw}`);
  return value;
}

/** Runs a benchmark's main: a usage error prints the usage and exits 2, a failure exits 1. */
export function runBench(name: string, usage: string, main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    if (error instanceof UsageError) process.stderr.write(`${name}: ${error.message}\n${usage}`);
    else process.stderr.write(`${name} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = error instanceof UsageError ? 2 : 1;
  });
}
