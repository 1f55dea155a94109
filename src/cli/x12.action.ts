// What `millrace x12 to-events|from-event` do (declared in x12.command.ts): an X12 file as
// canonical events with its 997/999 and TA1, offline; the 850 the hub sends a partner for a
// po.released, numbered from the store's sequence for it.
import { existsSync } from 'node:fs';
import { decodeX12, render850, translateX12 } from '../app/index.js';
import { loadGovernance, loadSetup, openStore, processEnvironment, systemClock } from '../bootstrap/index.js';
import type { CloudEvent } from '../core/index.js';
import { manifestDirectory } from '../core/index.js';
import { configFlags, printJson, readInput, unusable, usageError } from './flags.js';
import type { CommonOptions } from './flags.js';

export interface ToEventsOptions extends CommonOptions {
  readonly partner?: string;
  readonly ack?: string;
}

export interface FromEventOptions extends CommonOptions {
  readonly partner: string;
  readonly version?: string;
}

export function toEvents(file: string, options: ToEventsOptions): void {
  if (options.ack !== undefined && options.ack !== '997' && options.ack !== '999') usageError(`--ack must be 997 or 999, not "${options.ack}"`);
  if (!existsSync(file)) unusable(`cannot read ${file}: no such file`);
  const { manifest, contracts } = loadGovernance(configFlags(options), processEnvironment(), 'on first use');
  const registry = contracts.registry.withVersionsInForce(manifest.contracts.inForce);
  const translation = translateX12(decodeX12(readInput(file)), manifestDirectory(manifest), registry, { now: systemClock.now().toISOString(), firstControlNumber: 1, use999: options.ack === '999' });
  if (translation.reading.unusable !== undefined) unusable(`${file} is not X12: ${translation.reading.unusable}`, 'malformed_x12');
  if (options.partner !== undefined) {
    const declared = manifest.partners.find((p) => p.id === options.partner)?.x12 ?? manifest.systems.find((s) => s.id === options.partner)?.x12;
    if (declared === undefined) unusable(`${options.partner} is no partner or system with an x12 id in the manifest`);
    const foreign = translation.reading.interchanges.find((i) => i.interchange.senderQualifier !== declared.qualifier || i.interchange.senderId !== declared.id);
    if (foreign !== undefined) unusable(`interchange ${foreign.interchange.controlNumber} comes from ${foreign.interchange.senderQualifier}:${foreign.interchange.senderId}, not ${options.partner} (${declared.qualifier}:${declared.id})`, 'forbidden_x12_sender');
  }
  if (options.json === true) {
    printJson({ events: translation.events, ack: translation.ack, ta1: translation.ta1 ?? null, diagnostics: translation.diagnostics, rejected: translation.rejected });
  } else {
    const out = (line = ''): boolean => process.stdout.write(`${line}\n`);
    for (const event of translation.events) out(`accepted  ${event.type}  ${event.id}`);
    for (const set of translation.rejected) out(`rejected  ${set.transactionSet} ${set.controlNumbers.interchange}/${set.controlNumbers.group}/${set.controlNumbers.set}  ${set.code}: ${set.reason}`);
    for (const d of translation.diagnostics) out(`${d.level.padEnd(7)}  ${d.code}  ${d.segment}@${d.position}  ${d.message}`);
    out();
    if (translation.ta1 !== undefined) out(translation.ta1);
    out(translation.ack);
  }
  // An interchange rejected for its envelope may hold no set (an unreadable tail): its TA1 still says R.
  if (translation.rejected.length > 0 || translation.reading.interchanges.some((i) => i.faults.length > 0)) process.exitCode = 1;
}

export async function fromEvent(file: string, options: FromEventOptions): Promise<void> {
  if (options.version !== undefined && options.version !== '004010' && options.version !== '005010') usageError(`--version must be 004010 or 005010, not "${options.version}"`);
  if (!existsSync(file)) unusable(`cannot read ${file}: no such file`);
  const text = readInput(file, 'utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    unusable(`${file} is not JSON: ${(error as Error).message}`, 'malformed_json');
  }
  // JSON that is no object (null, a number, an array) has no type to read.
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) unusable(`${file} holds no CloudEvent (a JSON object); an 850 is made from a po.released`);
  const event = parsed as CloudEvent;
  if (event.type !== 'po.released') unusable(`${file} is a ${JSON.stringify(event.type) ?? 'event without a type'} event; an 850 is made from a po.released`);
  const setup = loadSetup(configFlags(options), processEnvironment(), 'on first use');
  const check = setup.contracts.registry.check(event);
  if (!check.ok) unusable(`${file} breaks its contract: ${check.violations.map((v) => `${v.pointer} ${v.message}`).join('; ')}`, check.code);
  const partner = setup.manifest.partners.find((p) => p.id === options.partner);
  if (partner === undefined) unusable(`${options.partner} is not a partner of the manifest`);
  if (partner.x12 === undefined || setup.manifest.hub.x12 === undefined) unusable(`the manifest needs x12 ids for partner ${partner.id} and for the hub (hub.x12)`);
  const store = await openStore(setup.config.store);
  try {
    const rendered = await render850(event, partner, setup.manifest, { controlNumbers: store, clock: systemClock }, options.version === undefined ? {} : { version: options.version });
    if (rendered.dropped.length > 0) process.stderr.write(`millrace: note: the 850 does not carry ${rendered.dropped.join(', ')}\n`);
    process.stdout.write(rendered.text);
  } finally {
    await store.close();
  }
}
