// `millrace manifest schema`: the manifest's JSON Schema, for editors and CI checks.
import type { Command } from 'commander';
import { MANIFEST_SCHEMA } from '../core/index.js';
import { printJson } from './flags.js';

export function registerManifest(program: Command): void {
  const manifest = program.command('manifest').description('Governance manifest tools');
  manifest
    .command('schema')
    .description('Print the JSON Schema of millrace.yaml')
    .action(() => printJson(MANIFEST_SCHEMA));
}
