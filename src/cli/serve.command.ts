// `millrace serve`: run the hub until SIGINT/SIGTERM. The hub is started by serve.action.ts,
// loaded when the command runs.
import type { Command } from 'commander';
import type { CommonOptions } from './flags.js';
import { addConfigOptions } from './flags.js';

export function registerServe(program: Command): void {
  addConfigOptions(program.command('serve').description('Run the hub: HTTP intake on the configured store'))
    .option('--port <n>', 'port to listen on (env MILLRACE_PORT, default 8080; 0 picks a free one)')
    .option('--host <host>', 'address to bind (env MILLRACE_HOST, default 127.0.0.1)')
    .option('--body-limit <size>', 'largest request body, e.g. 5MB (env MILLRACE_BODY_LIMIT)')
    .option('--edge-payload-limit <size>', 'largest MQTT or NATS message taken, e.g. 1MB; default the body limit (env MILLRACE_EDGE_PAYLOAD_LIMIT)')
    .option('--drop-folder-limit <size>', 'largest CSV drop folder file taken, e.g. 50MB; default the body limit (env MILLRACE_DROP_FOLDER_LIMIT)')
    .option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent (env MILLRACE_LOG_LEVEL)')
    .option('--workflows <on|off>', 'off: an intake-only node, while another hub on the same PostgreSQL database runs the workflows (one hub per SQLite file) (env MILLRACE_WORKFLOWS)')
    .option('--deliveries <on|off>', 'off: send no deliveries to subscribers, another hub on the same database does (env MILLRACE_DELIVERIES)')
    .option('--delivery-concurrency <n>', 'deliveries in flight at once, over all subscriptions (env MILLRACE_DELIVERY_CONCURRENCY, default 16)')
    .option('--delivery-per-subscription <n>', 'deliveries of one subscription in flight at once, at most --delivery-concurrency (env MILLRACE_DELIVERY_PER_SUBSCRIPTION, default 4)')
    .option('--append-thread <on|off>', 'on: commit log appends on a thread of their own (SQLite; env MILLRACE_APPEND_THREAD, default off, docs/adr/0024)')
    .option('--otlp-endpoint <url>', 'send traces to this OTLP/HTTP collector, e.g. http://127.0.0.1:4318 (env MILLRACE_OTLP_ENDPOINT; default: tracing off)')
    .option('--metrics-auth <none|operator>', 'operator: GET /metrics asks for an operator key (env MILLRACE_METRICS_AUTH; default none: no key)')
    .action(async (options: CommonOptions) => (await import('./serve.action.js')).serve(options));
}
