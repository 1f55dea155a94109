// `millrace simulate`: the demo's generator as a load source against any running hub, to size a
// deployment. The target must run the scenario's manifest (`--write-manifest FILE`, then
// `millrace serve --manifest FILE`) and hold keys for its systems and partners
// (`--write-keys FILE --store URL` issues them into the target's store). With `--keys FILE`
// every system and partner sends its traffic; with one `--key KEY --as KIND:ID` that sender
// sends its share. The traffic runs on the wall clock of the target: its events are dated from
// now on, in scenario order, as fast as `--rate` allows. The sending is in simulate.action.ts,
// loaded when the command runs.
import type { Command } from 'commander';
import { SCENARIO_DEFAULTS } from '../core/index.js';
import type { SimulateOptions } from './simulate.action.js';

export function registerSimulate(program: Command): void {
  program
    .command('simulate')
    .description("Send the demo scenario's traffic to a running hub (load generation), or write the manifest and keys it needs")
    .option('--target <url>', 'the hub, e.g. http://127.0.0.1:8080')
    .option('--keys <file>', 'a keys file ({"keys": {"system:ID" | "partner:ID": KEY}}, as --write-keys and the demo write): every sender sends')
    .option('--key <key>', 'one API key: only its sender (--as) sends its share of the traffic')
    .option('--as <kind:id>', "the key's system or partner, e.g. system:erp-p01")
    .option('--rate <n>', 'at most N messages per second (default: as fast as the target answers)')
    .option('--duration <d>', 'stop after this wall time, e.g. 60s, 5m (default: the whole scenario)')
    .option('--connections <n>', 'requests in flight at once', '8')
    .option('--write-manifest <file>', "write the scenario's manifest (run the target with it) and exit")
    .option('--write-keys <file>', "issue a key for every system and partner into --store and write them to FILE, and exit")
    .option('--store <url>', "the target's store, for --write-keys (sqlite:PATH or postgres://...)")
    .option('--days <n>', 'simulated days', String(SCENARIO_DEFAULTS.days))
    .option('--plants <n>', 'plants', String(SCENARIO_DEFAULTS.plants))
    .option('--suppliers <n>', 'suppliers', String(SCENARIO_DEFAULTS.suppliers))
    .option('--seed <n>', "the scenario's seed", String(SCENARIO_DEFAULTS.seed))
    .option('--start <time>', "the scenario's first instant, RFC 3339 (default: the current 15-minute tick, so the traffic is live)")
    .option('--run <n>', '0-99, part of every document number: another run against the same hub sends new documents', '1')
    .option('--json', 'print the result as JSON')
    .action(async (options: SimulateOptions) => (await import('./simulate.action.js')).simulateLoad(options));
}
