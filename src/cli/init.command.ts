// `millrace init`: write a commented starter manifest for a small example enterprise.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
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
    .action(async (file: string, options: { force?: boolean; json?: boolean }) => {
      if (existsSync(file) && statSync(file).isDirectory()) {
        throw new MillraceError('invalid_request', `${file} is a folder; name the file to write, e.g. ${join(file, 'millrace.yaml')}`);
      }
      if (existsSync(file) && options.force !== true) {
        throw new MillraceError('invalid_request', `${file} exists; use --force to overwrite it`);
      }
      // The editor modeline must point at the schema from where the new file is.
      const schema = relative(dirname(resolve(file)), SCHEMA).split('\\').join('/');
      writeOutput(file, readFileSync(STARTER, 'utf8').replace('$schema=../schemas/manifest.v1.schema.json', `$schema=${schema}`));
      // serve refuses to start deliveries without the secret of every webhook the starter signs:
      // the steps say so, or following them as printed ends in invalid_config.
      const secrets = await secretsOf(readFileSync(STARTER, 'utf8'));
      const manifest = file === 'millrace.yaml' ? '' : ` --manifest ${file}`;
      if (options.json === true) {
        printJson({ written: file, secrets: secrets.map(({ variable, subscription }) => ({ variable, subscription })) });
        return;
      }
      const steps = [
        `npx millrace keys add --system erp-core${manifest}      # an API key for the ERP, printed once`,
        ...secrets.map(({ variable, subscription }) => `export ${variable}=$(openssl rand -hex 32)   # signs subscription ${subscription}'s webhook`),
        `npx millrace serve${manifest}                           # or --deliveries off to send nothing yet`,
      ];
      process.stdout.write(`wrote ${file}\nnext:\n${steps.map((step) => `  ${step}\n`).join('')}`);
    });
}

/** The environment variables holding the webhook secrets the starter's subscriptions name. */
async function secretsOf(text: string): Promise<{ variable: string; subscription: string }[]> {
  // Loaded here, not when the program is built (docs/adr/0042).
  const [{ parse }, { secretVariableOf }] = await Promise.all([import('yaml'), import('../bootstrap/config.js')]);
  const { subscriptions = [] } = parse(text) as { subscriptions?: { id: string; channel: { secret?: string } }[] };
  return subscriptions.flatMap(({ id, channel }) => (channel.secret === undefined ? [] : [{ variable: secretVariableOf(channel.secret), subscription: id }]));
}
