// `millrace diff OLD NEW`: what a manifest change does, for a governance board's review and CI.
// Contract changes with their compatibility verdict, authority, SLAs, tolerances, limits,
// exception owners and subscriptions; with --store, what it touches in a running hub. Exit 1
// when the change breaks a rule of the old manifest's compatibility mode. The comparison is in
// diff.action.ts, loaded when the command runs.
import type { Command } from 'commander';
import type { DiffOptions } from './diff.action.js';
import { givesVerdict } from './flags.js';

const HELP = `
Each manifest's contracts.folder is read beside that manifest and layered on the shipped
contracts. New and changed contract versions are checked in the OLD manifest's compatibility
mode; a version taken out of force (or removed) while someone may publish its type breaks
every mode but none. A subscription removed or narrowed (a type dropped, a filter set or
changed) is warned about: its queued deliveries are withdrawn, never sent, when the hub next
starts (with --store: how many).

Exit status: 0 no breaking change, 1 a breaking change, 2 no verdict (a usage error, a manifest
that cannot be read or has lint errors, a contracts folder or store that cannot be read). The JSON document and
the meaning of "touches" are described in docs/manifest-diff.md.`;

export function registerDiff(program: Command): void {
  givesVerdict(program.command('diff'))
    .description('What a manifest change does: contract compatibility, authority, SLAs, tolerances, owners, subscriptions, and who is affected')
    .argument('<old>', 'the manifest in force')
    .argument('<new>', 'the proposed manifest')
    .option('--store <url>', 'count the in-flight workflows and open exceptions the change touches in this store (sqlite:PATH or postgres://...)')
    .option('--contracts <dir>', 'shipped contracts folder (default: the bundled contracts)')
    .option('--json', 'print one JSON document: {"old", "new", "mode", "breaking", "counts", "changes", "impact", "warnings"}')
    .addHelpText('after', HELP)
    .action(async (oldFile: string, newFile: string, options: DiffOptions) => (await import('./diff.action.js')).diff(oldFile, newFile, options));
}
