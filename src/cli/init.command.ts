// `millrace init`: write a commented starter manifest for a small example enterprise.
import { copyFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { MillraceError } from '../core/index.js';
import { printJson } from './flags.js';

const STARTER = fileURLToPath(new URL('../../examples/millrace.yaml', import.meta.url));

export function registerInit(program: Command): void {
  program
    .command('init')
    .description('Write a commented starter manifest (2 plants, an ERP, AP automation, 3 suppliers)')
    .argument('[file]', 'where to write it', 'millrace.yaml')
    .option('--force', 'overwrite an existing file')
    .option('--json', 'print the result as JSON')
    .action((file: string, options: { force?: boolean; json?: boolean }) => {
      if (existsSync(file) && options.force !== true) {
        throw new MillraceError('invalid_request', `${file} exists; use --force to overwrite it`);
      }
      copyFileSync(STARTER, file);
      if (options.json === true) printJson({ written: file });
      else process.stdout.write(`wrote ${file}\nnext: npx millrace keys add --system erp-core, then npx millrace serve\n`);
    });
}
