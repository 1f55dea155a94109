// Every `millrace` command starts by building the whole program (every command's name, options
// and help): that must not load what only running a command needs, the store drivers, the HTTP
// server, the brokers' clients and telemetry (about a second of start-up, `--help` included).
// A command's implementation is loaded by its action (docs/adr/0042).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { it } from 'node:test';

const MAIN = new URL('./main.ts', import.meta.url).href;

/**
 * A module resolve hook that refuses what building the program must not load: the hub's layers
 * below the CLI (bootstrap picks and starts adapters) and the drivers they bring. Refused by the
 * hook, an import fails in the child with the module and its importer named.
 */
const REFUSE_RUNTIME = `
const refused = /\\/src\\/(bootstrap|adapters|app|server|ports)\\/|\\/node_modules\\/(fastify|@fastify\\/[^/]+|pg|better-sqlite3|mqtt|@nats-io\\/[^/]+|@opentelemetry\\/[^/]+|pino|prom-client|yaml|csv-parse|csv-stringify)\\//;
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  if (refused.test(resolved.url)) throw new Error('loaded ' + resolved.url + ' (imported by ' + context.parentURL + ')');
  return resolved;
}`;

/** Runs `body` (an ES module's text, with `main` the URL of main.ts) in a node under the hook; its stdout, stderr and status. */
function underTheHook(body: string): { readonly status: number | null; readonly stdout: string; readonly stderr: string } {
  const code = `import { register } from 'node:module';
register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(REFUSE_RUNTIME)}));
const main = ${JSON.stringify(MAIN)};
${body}`;
  const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { encoding: 'utf8', timeout: 60_000 });
  return { status: child.status, stdout: child.stdout, stderr: child.stderr };
}

it("builds every command, with its help, and refuses a usage error, without loading the hub's runtime", () => {
  const child = underTheHook(`
const { buildProgram, main: run } = await import(main);
const commands = [];
const walk = (command, path) => {
  for (const sub of command.commands) {
    const name = [...path, sub.name()].join(' ');
    if (sub.helpInformation().length === 0) throw new Error('no help for ' + name);
    commands.push(name);
    walk(sub, [...path, sub.name()]);
  }
};
walk(buildProgram(), []);
const usageError = await run(['x12', 'to-events', 'a.edi', '--no-such-flag']);
process.stdout.write(JSON.stringify({ commands, usageError }));
`);
  assert.equal(child.status, 0, child.stderr);
  const { commands, usageError } = JSON.parse(child.stdout) as { commands: string[]; usageError: number };
  assert.deepEqual(commands, [
    'demo',
    'serve',
    'init',
    'keys',
    'keys add',
    'keys list',
    'keys revoke',
    'lint',
    'diff',
    'manifest',
    'manifest schema',
    'rehearse',
    'replay',
    'report',
    'contracts',
    'contracts asyncapi',
    'contracts compat',
    'x12',
    'x12 to-events',
    'x12 from-event',
    'csv',
    'csv check',
    'simulate',
  ]);
  assert.equal(usageError, 2);
  assert.match(child.stderr, /^millrace: invalid_request: unknown option '--no-such-flag'/);
});

it('the check above sees an eager import of the runtime', () => {
  const child = underTheHook(`await import(new URL('../bootstrap/index.ts', main).href);`);
  assert.notEqual(child.status, 0);
  assert.match(child.stderr, /loaded file:\/\/\S+\/src\/bootstrap\/index\.ts/);
});
