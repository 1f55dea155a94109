// `millrace contracts`: tools for the canonical contracts. `compat` tells whether a new version of
// a data schema may follow the earlier ones under a Confluent Schema Registry compatibility mode;
// `asyncapi` exports the event catalogue as an AsyncAPI 3.0 document. What they do is in
// contracts.action.ts, loaded when one runs.
import { type Command, Option } from 'commander';
import { COMPATIBILITY_MODES } from '../core/index.js';
import type { AsyncApiOptions, CompatOptions } from './contracts.action.js';
import { givesVerdict } from './flags.js';

const EXIT_CODES = `
Arguments are OLD.json [OLDER...] NEW.json: every file but the last is an earlier version,
oldest first; the last is the candidate. Transitive modes check NEW against every earlier
version, the others against the last one only.

Exit status: 0 compatible, 1 not compatible (a breaking or undecidable change), 2 no verdict:
a usage error (unknown mode, fewer than two files) or unusable input (unreadable file, not
JSON, not a JSON Schema 2020-12 document, unresolvable $ref).`;

const ASYNCAPI_HELP = `
The document describes the hub: each event type is a channel (address = the type), each
contract version a message whose payload is the whole structured-mode CloudEvent; what systems
and partners may publish are the hub's receive operations, subscriptions its send operations.
Output is stable (sorted) so that two exports can be diffed in CI.

Exit status: 0 written, 1 no document (no manifest, a manifest with errors, unloadable
contracts, an unwritable --out file), 2 a usage error.`;

export function registerContracts(program: Command): void {
  const contracts = program.command('contracts').description('Canonical contract tools');
  contracts
    .command('asyncapi')
    .description('Export the event catalogue as an AsyncAPI 3.0 document: channels per event type, a message per contract version, publishers and subscribers')
    .addOption(new Option('--manifest <file>', 'governance manifest (env MILLRACE_MANIFEST)').default(undefined, './millrace.yaml'))
    .option('--contracts <dir>', "shipped contracts folder (env MILLRACE_CONTRACTS); the manifest's contracts.folder is layered on it")
    .option('--out <file>', 'write the document to FILE instead of stdout')
    .addHelpText('after', ASYNCAPI_HELP)
    .action(async (options: AsyncApiOptions) => (await import('./contracts.action.js')).exportAsyncApi(options));
  givesVerdict(contracts.command('compat'))
    .description('Check that NEW is a compatible next version of OLD under a compatibility mode')
    .argument('<schemas...>', 'OLD.json [OLDER.json ...] NEW.json, oldest first, NEW last')
    .addOption(new Option('--mode <mode>', 'compatibility mode').choices(COMPATIBILITY_MODES).makeOptionMandatory())
    .option('--contracts <dir>', 'contracts folder whose common/ definitions resolve absolute $refs (default: the bundled contracts)')
    .option('--json', 'print {"compatible": bool, "changes": [{"path", "kind", "breaking", "message"}]}')
    .addHelpText('after', EXIT_CODES)
    .action(async (files: string[], options: CompatOptions) => (await import('./contracts.action.js')).checkCompat(files, options));
}
