// `millrace keys`: API keys bound to a system or partner. A key is printed once; only its
// hash is stored. What the commands do is in keys.action.ts, loaded when one runs.
import type { Command } from 'commander';
import { addConfigOptions } from './flags.js';
import type { KeyOptions } from './keys.action.js';

export function registerKeys(program: Command): void {
  const keys = program.command('keys').description('Manage API keys (one key belongs to one system or partner)');

  addConfigOptions(keys.command('add').description('Create a key and print it once'))
    .option('--system <id>', 'the system (from the manifest) the key speaks for')
    .option('--partner <id>', 'the partner (from the manifest) the key speaks for')
    .option('--operator <name>', 'a person who reads the hub and resolves exceptions (not in the manifest)')
    // No commander default: a --role given with --system or --partner must be seen to be refused.
    .option('--role <role>', 'for --operator: viewer (read only) or operator (also resolves exceptions; the default)')
    .option('--label <text>', 'a note, e.g. who holds the key')
    .option('--json', 'print the result as JSON')
    .action(async (options: KeyOptions) => (await import('./keys.action.js')).addKey(options));

  addConfigOptions(keys.command('list').description('List keys (ids and owners, never secrets)'))
    .option('--json', 'print the result as JSON')
    .action(async (options: KeyOptions) => (await import('./keys.action.js')).listKeys(options));

  addConfigOptions(keys.command('revoke').description('Revoke a key by its id'))
    .argument('<keyId>', 'the key id shown by "keys list"')
    .option('--json', 'print the result as JSON')
    .action(async (keyId: string, options: KeyOptions) => (await import('./keys.action.js')).revokeKey(keyId, options));
}
