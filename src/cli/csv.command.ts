// `millrace csv check FILE --mapping ID`: what a plant's export would give at the door, offline,
// before it is sent (or while a mapping is being written).
import { existsSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { isMillraceError } from '../core/index.js';
import type { CommonOptions } from './flags.js';
import { configFlags, givesVerdict, printJson, readInput, unusable } from './flags.js';

const HELP = `
Exit status: 0 every row would be accepted, 1 some rows would be quarantined, 2 no verdict: a
usage error, or unusable input (no such file or mapping, a manifest that cannot be loaded, or a
file that cannot be read at all: wrong encoding, missing header columns). Resends and a partner's purchase-order scope need the hub's store and are not judged.
Mapping reference: docs/csv.md.`;

export function registerCsv(program: Command): void {
  const csv = program.command('csv').description('CSV files of legacy plant systems');
  givesVerdict(csv.command('check'))
    .description('What a CSV file would give under a manifest mapping: accepted events and quarantined rows, by line and column')
    .addOption(new Option('--manifest <file>', 'governance manifest (env MILLRACE_MANIFEST)').default(undefined, './millrace.yaml'))
    .option('--contracts <dir>', 'contracts folder (env MILLRACE_CONTRACTS)')
    .argument('<file>', 'the CSV file')
    .requiredOption('--mapping <id>', 'the csvMappings id')
    .option('--json', 'print {"mapping", "rows", "blankRows", "accepted": [{"id", "lines"}], "quarantined": [{"lines", "problems"}]}')
    .addHelpText('after', HELP)
    .action(async (file: string, options: CommonOptions & { mapping: string }) => {
      if (!existsSync(file)) unusable(`cannot read ${file}: no such file`);
      const bytes = readInput(file);
      // Loaded here, not at the top: building the program for another command (or --help) must
      // not load the hub's adapters (docs/adr/0042).
      const { checkCsvFile, loadGovernance, processEnvironment } = await import('../bootstrap/index.js');
      const { manifest, contracts } = loadGovernance(configFlags(options), processEnvironment(), 'on first use');
      let result;
      try {
        result = checkCsvFile(manifest, contracts, options.mapping, bytes);
      } catch (error) {
        if (isMillraceError(error) && (error.code === 'csv_unreadable' || error.code === 'not_found')) unusable(error.message, error.code);
        throw error;
      }
      if (options.json === true) printJson(result);
      else {
        const out = (line: string): boolean => process.stdout.write(`${line}\n`);
        for (const event of result.accepted) out(`accept      ${event.id}  (line ${event.lines.join(', ')})`);
        for (const group of result.quarantined) for (const problem of group.problems) out(`quarantine  ${problem.code}  ${problem.message}`);
        const blank = result.blankRows.length === 0 ? '' : `; ${result.blankRows.length} blank row(s) skipped (line ${result.blankRows.join(', ')})`;
        out(`${file}: ${result.rows} row(s), ${result.accepted.length} event(s) accepted, ${result.quarantined.length} group(s) quarantined${blank}`);
      }
      if (result.quarantined.length > 0) process.exitCode = 1;
    });
}
