// `millrace x12 to-events FILE`: an X12 file as canonical events with its 997/999 and TA1,
// offline (nothing is stored). `millrace x12 from-event EVENT.json --partner ID`: the 850 the
// hub sends that partner for a po.released, numbered from the store's sequence for it. What they
// do is in x12.action.ts, loaded when one runs.
import type { Command } from 'commander';
import { addConfigOptions, givesVerdict } from './flags.js';
import type { FromEventOptions, ToEventsOptions } from './x12.action.js';

const TO_EVENTS_HELP = `
Supported: 850 (po.released), 855 (supplier.confirmation), 856 (shipment.dispatched) and 810
(invoice.received; invoice.credited when BIG07 is CR), versions 004010 and 005010, any
delimiters, several interchanges per file.
Senders are matched to the manifest's partners[].x12 and systems[].x12 (see docs/x12.md).
The acknowledgements are numbered from 1: offline, no control number is taken from a store.

Exit status: 0 every transaction set accepted, 1 some set or interchange rejected (the 997/999
or TA1 says why), 2 no verdict: a usage error, or unusable input (no such file, not X12, or
--partner does not match).`;

export function registerX12(program: Command): void {
  const x12 = program.command('x12').description('X12 EDI: read interchanges into canonical events, write 850s');
  addConfigOptions(
    givesVerdict(x12.command('to-events'))
      .description('Translate an X12 file into canonical CloudEvents, with its 997/999 and TA1 (nothing is stored)')
      .argument('<file>', 'the X12 file')
      .option('--partner <id>', 'the partner (or system) the file must come from, as POST /v1/inbound/x12 checks it')
      .option('--ack <kind>', '997 (default) or 999 for 005010 groups')
      .option('--json', 'print {"events": [...], "ack": "<997 text>", "ta1": "<TA1 text>" | null, "diagnostics": [...], "rejected": [...]}'),
  )
    .addHelpText('after', TO_EVENTS_HELP)
    .action(async (file: string, options: ToEventsOptions) => (await import('./x12.action.js')).toEvents(file, options));

  addConfigOptions(
    x12
      .command('from-event')
      .description('Print the 850 the hub sends a partner for a po.released event (takes the next control number for the partner from --store)')
      .argument('<event>', 'a po.released CloudEvent (JSON file)')
      .requiredOption('--partner <id>', 'the supplier partner (with x12 ids in the manifest)')
      .option('--version <version>', '004010 (default) or 005010'),
  )
    .addHelpText('after', '\nExit status: 0 the 850 is printed, 1 none (no such file, not a po.released, a partner without x12 ids), 2 a usage error.')
    .action(async (file: string, options: FromEventOptions) => (await import('./x12.action.js')).fromEvent(file, options));
}
