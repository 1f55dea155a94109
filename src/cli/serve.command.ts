// `millrace serve`: run the hub until SIGINT/SIGTERM.
import type { Command } from 'commander';
import { formatProblems, loadSetup, processEnvironment } from '../bootstrap/index.js';
import { startServer, stopOnSignals } from '../server/index.js';
import type { CommonOptions } from './flags.js';
import { addConfigOptions, configFlags } from './flags.js';

export function registerServe(program: Command): void {
  addConfigOptions(program.command('serve').description('Run the hub: HTTP intake on the configured store'))
    .option('--port <n>', 'port to listen on (env MILLRACE_PORT, default 8080; 0 picks a free one)')
    .option('--host <host>', 'address to bind (env MILLRACE_HOST, default 127.0.0.1)')
    .option('--body-limit <size>', 'largest request body, e.g. 5MB (env MILLRACE_BODY_LIMIT)')
    .option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent (env MILLRACE_LOG_LEVEL)')
    .option('--workflows <on|off>', 'off: an intake-only node, while another hub on the same PostgreSQL database runs the workflows (one hub per SQLite file) (env MILLRACE_WORKFLOWS)')
    .option('--deliveries <on|off>', 'off: send no deliveries to subscribers, another hub on the same database does (env MILLRACE_DELIVERIES)')
    .option('--delivery-concurrency <n>', 'deliveries in flight at once, over all subscriptions (env MILLRACE_DELIVERY_CONCURRENCY, default 16)')
    .option('--delivery-per-subscription <n>', 'deliveries of one subscription in flight at once, at most --delivery-concurrency (env MILLRACE_DELIVERY_PER_SUBSCRIPTION, default 4)')
    .option('--append-thread <on|off>', 'on: commit log appends on a thread of their own (SQLite; env MILLRACE_APPEND_THREAD, default off, docs/adr/0024)')
    .option('--otlp-endpoint <url>', 'send traces to this OTLP/HTTP collector, e.g. http://127.0.0.1:4318 (env MILLRACE_OTLP_ENDPOINT; default: tracing off)')
    .action(async (options: CommonOptions) => {
      const setup = loadSetup(configFlags(options), processEnvironment());
      if (setup.manifestWarnings.length > 0) {
        process.stderr.write(`manifest: ${setup.manifestWarnings.length} warning(s), the hub runs anyway:\n${formatProblems(setup.manifestWarnings)}\n`);
      }
      const server = await startServer(setup);
      // Listening for SIGTERM/SIGINT before the line that says the hub is up: a script that
      // stops the hub as soon as it reads the line would otherwise meet the signal's default
      // action (the process killed, exit by signal) in the moment between the two.
      const stopped = stopOnSignals(server);
      // One machine-readable line, so scripts and tests can find the port when it was 0.
      process.stdout.write(`${JSON.stringify({ listening: server.url, store: setup.config.store })}\n`);
      await stopped;
    });
}
