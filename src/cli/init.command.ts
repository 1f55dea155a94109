// `millrace init`: write a commented starter manifest for a small example enterprise.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { MillraceError } from '../core/index.js';
import { printJson, writeOutput } from './flags.js';

const STARTER = fileURLToPath(new URL('../../examples/millrace.yaml', import.meta.url));
const SCHEMA = fileURLToPath(new URL('../../schemas/manifest.v1.schema.json', import.meta.url));

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
      // The editor modeline must point at the schema from where the new file is.
      const schema = relative(dirname(resolve(file)), SCHEMA).split('\\').join('/');
      writeOutput(file, readFileSync(STARTER, 'utf8').replace('$schema=../schemas/manifest.v1.schema.json', `$schema=${schema}`));
      if (options.json === true) printJson({ written: file });
      else process.stdout.write(`wrote ${file}\nnext: npx millrace keys add --system erp-core, then npx millrace serve\n`);
    });
}
