// Inbound X12 to canonical events: reads the envelopes, resolves the sender through the
// manifest, maps each transaction set to one CloudEvent, and says for every interchange, group
// and set what is accepted and what is rejected, and why (in acknowledgement codes).
import type { CloudEvent } from '../envelope.js';
import type { Steps } from '../steps.js';
import { runSteps } from '../steps.js';
import { map810 } from './x12-810.mapper.js';
import { map850 } from './x12-850.mapper.js';
import { map855 } from './x12-855.mapper.js';
import { map856 } from './x12-856.mapper.js';
import type { MappedData, SetMapper, X12Directory, X12Party } from './x12-mapping.js';
import { SetReader } from './x12-set-reader.js';
import type { SegmentError } from './x12-set-reader.js';
import { segmentIdProblem } from './x12-segment-ids.js';
import { checkPlacement, setTableOf } from './x12-set-tables.js';
import type { PlacedSegment } from './x12-set-tables.js';
import { parseDate, isTime, readX12InSteps } from './x12-syntax.js';
import type { EnvelopeFault, GroupFault, SetFault, Ta1Note, X12Group, X12Interchange, X12TransactionSet } from './x12-syntax.js';

/** The transaction sets Millrace maps, with their functional group (GS01) and canonical type. */
export const SUPPORTED_SETS: Readonly<Record<string, { readonly functionalId: string; readonly type: string; readonly mapper: SetMapper }>> = {
  '850': { functionalId: 'PO', type: 'po.released', mapper: map850 },
  '855': { functionalId: 'PR', type: 'supplier.confirmation', mapper: map855 },
  '856': { functionalId: 'SH', type: 'shipment.dispatched', mapper: map856 },
  '810': { functionalId: 'IN', type: 'invoice.received', mapper: map810 },
};
const FUNCTIONAL_IDS: ReadonlySet<string> = new Set(Object.values(SUPPORTED_SETS).map((s) => s.functionalId));
export const SUPPORTED_VERSIONS = ['004010', '005010'] as const;

export interface X12Diagnostic {
  readonly level: 'error' | 'warning';
  /** TA1:<note>, AK905:<code>, AK502:<code>, AK304:<code>, AK403:<code>, or a Millrace code for what the door refused. */
  readonly code: string;
  readonly message: string;
  /** The segment id the diagnostic is about. */
  readonly segment: string;
  /** 1-based ordinal of that segment in the whole text. */
  readonly position: number;
}

export interface X12ControlNumbers {
  /** ISA13. */
  readonly interchange: string;
  /** GS06. */
  readonly group: string;
  /** ST02. */
  readonly set: string;
}

export interface X12SetReading {
  readonly set: X12TransactionSet;
  readonly controlNumbers: X12ControlNumbers;
  /** The set's text, ST to SE, with the interchange's delimiters. */
  readonly raw: string;
  /** The canonical event, when the set maps cleanly (the door may still refuse it). */
  readonly event: CloudEvent | undefined;
  /** AK3/AK4 errors. */
  readonly errors: readonly SegmentError[];
  /** AK5 codes from the envelope (trailer missing, counts, control numbers, unsupported). */
  readonly faults: readonly EnvelopeFault<SetFault>[];
  /** Why the set is rejected (undefined: mapped). */
  readonly reason: string | undefined;
}

export interface X12GroupReading {
  readonly group: X12Group;
  readonly sets: readonly X12SetReading[];
  /** AK9 codes: the group is rejected whole when there is one. */
  readonly faults: readonly EnvelopeFault<GroupFault>[];
}

export interface X12InterchangeReading {
  readonly interchange: X12Interchange;
  readonly sender: X12Party | undefined;
  readonly groups: readonly X12GroupReading[];
  /** TA1 note codes; the interchange is rejected whole when there is one. */
  readonly faults: readonly EnvelopeFault<Ta1Note>[];
}

export interface X12Reading {
  readonly interchanges: readonly X12InterchangeReading[];
  readonly diagnostics: readonly X12Diagnostic[];
  /** Why the text could not be read as X12 at all. */
  readonly unusable: string | undefined;
}

/** The event id of a set: sender and the three control numbers, so a resend is a duplicate. */
export function x12EventId(qualifier: string, senderId: string, numbers: X12ControlNumbers): string {
  return `x12:${qualifier}:${senderId}:${numbers.interchange}:${numbers.group}:${numbers.set}`;
}

/** Reads X12 text and maps every transaction set it can; pure. */
export function readX12Events(text: string, directory: X12Directory): X12Reading {
  return runSteps(readX12EventsInSteps(text, directory));
}

/** readX12Events a transaction set at a time: a step yields 1 when a set is read, and 1 when it is mapped (or found rejected). */
export function* readX12EventsInSteps(text: string, directory: X12Directory): Steps<X12Reading> {
  const document = yield* readX12InSteps(text);
  const diagnostics: X12Diagnostic[] = [];
  if (document.unusable !== undefined) {
    diagnostics.push({ level: 'error', code: 'x12_unreadable', message: document.unusable, segment: '', position: 0 });
    return { interchanges: [], diagnostics, unusable: document.unusable };
  }
  const interchanges: X12InterchangeReading[] = [];
  for (const interchange of document.interchanges) interchanges.push(yield* readInterchange(interchange, directory, diagnostics));
  return { interchanges, diagnostics, unusable: undefined };
}

function* readInterchange(interchange: X12Interchange, directory: X12Directory, diagnostics: X12Diagnostic[]): Steps<X12InterchangeReading> {
  const faults: EnvelopeFault<Ta1Note>[] = [...interchange.faults];
  const sender = faults.some((f) => f.code === '005' || f.code === '006') ? undefined : directory.party(interchange.senderQualifier, interchange.senderId);
  if (sender === undefined && !faults.some((f) => f.code === '005' || f.code === '006')) {
    faults.push({ code: '006', message: `no partner or system of the manifest has X12 id ${interchange.senderQualifier}:${interchange.senderId}`, segment: interchange.header });
  }
  for (const fault of faults) diagnostics.push(diagnostic('error', `TA1:${fault.code}`, fault.message, fault.segment ?? interchange.header));
  if (faults.length > 0 || sender === undefined) return { interchange, sender, groups: [], faults };
  const receiver = directory.receiver?.(interchange.receiverQualifier, interchange.receiverId);
  const groups: X12GroupReading[] = [];
  for (const group of interchange.groups) groups.push(yield* readGroup(interchange, group, sender, receiver, directory, diagnostics));
  return { interchange, sender, groups, faults };
}

function* readGroup(
  interchange: X12Interchange,
  group: X12Group,
  sender: X12Party,
  receiver: X12Party | undefined,
  directory: X12Directory,
  diagnostics: X12Diagnostic[],
): Steps<X12GroupReading> {
  const faults: EnvelopeFault<GroupFault>[] = [...group.faults];
  if (!FUNCTIONAL_IDS.has(group.functionalId)) {
    faults.push({ code: '1', message: `functional group ${group.functionalId || '(empty)'} is not supported (PO, PR, SH, IN)`, segment: group.header });
  }
  if (!SUPPORTED_VERSIONS.some((version) => group.version.startsWith(version))) {
    faults.push({ code: '2', message: `GS08 "${group.version}": only versions ${SUPPORTED_VERSIONS.join(' and ')} are supported`, segment: group.header });
  }
  for (const fault of faults) diagnostics.push(diagnostic('error', `AK905:${fault.code}`, fault.message, fault.segment ?? group.header));
  const time = eventTime(interchange, group);
  const sets: X12SetReading[] = [];
  for (const set of group.sets) {
    const reading = readSet(interchange, group, set, sender, receiver, directory, time, diagnostics);
    sets.push(faults.length === 0 || reading.reason !== undefined ? reading : { ...reading, event: undefined, reason: `its functional group ${group.controlNumber} is rejected: ${faults.map((f) => f.message).join('; ')}` });
    yield 1;
  }
  return { group, sets, faults };
}

function readSet(
  interchange: X12Interchange,
  group: X12Group,
  set: X12TransactionSet,
  sender: X12Party,
  receiver: X12Party | undefined,
  directory: X12Directory,
  time: string,
  diagnostics: X12Diagnostic[],
): X12SetReading {
  const faults: EnvelopeFault<SetFault>[] = [...set.faults];
  const supported = SUPPORTED_SETS[set.type];
  if (supported === undefined && !faults.some((f) => f.code === '6')) {
    faults.push({ code: '1', message: `transaction set ${set.type} is not supported (850, 855, 856, 810)`, segment: set.header });
  } else if (supported !== undefined && FUNCTIONAL_IDS.has(group.functionalId) && supported.functionalId !== group.functionalId) {
    faults.push({ code: '6', message: `a ${set.type} belongs in a ${supported.functionalId} functional group, not ${group.functionalId}`, segment: set.header });
  }
  const controlNumbers = { interchange: interchange.controlNumber, group: group.controlNumber, set: set.controlNumber };
  const { segment: terminator } = interchange.delimiters;
  const raw = set.segments.map((s) => `${s.text}${terminator}`).join(terminator === '\n' || terminator === '\r' ? '' : '\n');
  for (const fault of faults) diagnostics.push(diagnostic('error', `AK502:${fault.code}`, fault.message, fault.segment ?? set.header));
  if (faults.length > 0 || supported === undefined) {
    return { set, controlNumbers, raw, event: undefined, errors: [], faults, reason: faults.map((f) => f.message).join('; ') };
  }
  const reader = new SetReader(set);
  let unrecognized = false;
  // Well-formed ids the hub's list lacks: answered (AK3 code 1) but the set is still read (AK5 E).
  const noted: SegmentError[] = [];
  /** The segments whose place the set's table decides: those with an id the hub recognizes. */
  const placed: PlacedSegment[] = [];
  for (const at of reader.body()) {
    const problem = segmentIdProblem(at.segment.id, set.type, at.segment.text);
    if (problem === undefined) {
      placed.push({ id: at.segment.id, index: at.index });
      continue;
    }
    const message = `segment ${at.index} of ${set.type} ${set.controlNumber}: ${problem.message}`;
    if (!problem.rejects) {
      noted.push({ segmentId: at.segment.id, position: at.index, filePosition: at.segment.position, code: problem.code, elements: [], message, noted: true });
      continue;
    }
    reader.segmentId(at, problem.code, message);
    unrecognized ||= problem.code === '1';
  }
  // Each segment against the set's table (ADR 0069): out of sequence, not in the set, over its
  // maximum use, a mandatory one missing. The set is rejected, and not mapped: a mapper reads
  // what it finds wherever it stands, and would add to the one real fault what it makes of the
  // rest (a BEG after the first PO1 read as the order's, the line's N1 loops as the order's).
  const table = setTableOf(set.type, group.version);
  const end = set.trailer === undefined ? set.segments.length + 1 : set.segments.length;
  // Not with a segment that cannot be X12's: `beg` is no BEG, and is not answered as a BEG missing too (ADR 0040).
  const misplaced = table === undefined || unrecognized ? [] : checkPlacement(table, placed, end);
  for (const problem of misplaced) {
    const message = `segment ${problem.position} of ${set.type} ${set.controlNumber}: ${problem.message}`;
    if (problem.code === '3') reader.missing(problem.segmentId, problem.position, message);
    else reader.placement(problem.segmentId, problem.position, problem.code, message);
  }
  let mapped: MappedData | undefined;
  // A set with a segment that cannot be X12's is not mapped: `beg` is no BEG, and mapping would
  // add what that does to the rest (a BEG missing, a CTT01 one line short) to the one real fault.
  if (!unrecognized && misplaced.length === 0) {
    try {
      mapped = supported.mapper(reader, { sender, receiver, directory });
    } catch (error) {
      // A mapper bug must not lose the set: it is rejected and reported like any other problem.
      reader.missing(set.type, 1, `the ${set.type} mapping failed: ${(error as Error).message}`);
    }
  }
  const rejecting = reader.problems();
  const errors = noted.length === 0 ? rejecting : [...rejecting, ...noted].sort((a, b) => a.position - b.position);
  for (const error of errors) {
    if (error.elements.length === 0) diagnostics.push({ level: error.noted === true ? 'warning' : 'error', code: `AK304:${error.code}`, message: error.message, segment: error.segmentId, position: error.filePosition });
    for (const e of error.elements) diagnostics.push({ level: 'error', code: `AK403:${e.code}`, message: e.message, segment: error.segmentId, position: error.filePosition });
  }
  for (const w of mapped?.warnings ?? []) diagnostics.push({ level: 'warning', ...w });
  if (rejecting.length > 0 || mapped === undefined) {
    const reason = rejecting.map((e) => (e.elements.length === 0 ? e.message : e.elements.map((x) => x.message).join('; '))).join('; ') || `the ${set.type} could not be mapped`;
    return { set, controlNumbers, raw, event: undefined, errors, faults, reason };
  }
  const event: CloudEvent = {
    specversion: '1.0',
    id: x12EventId(interchange.senderQualifier, interchange.senderId, controlNumbers),
    source: sender.source,
    type: mapped.type,
    time,
    datacontenttype: 'application/json',
    ...(mapped.dataversion === undefined ? {} : { dataversion: mapped.dataversion }),
    data: mapped.data,
  };
  return { set, controlNumbers, raw, event, errors, faults, reason: undefined };
}

/** When the document was made: GS04/GS05 (read as UTC; X12 carries no offset); ISA09/ISA10 only as a fallback, since a GS04/GS05 that is no date or time refuses the interchange (TA1 024). */
function eventTime(interchange: X12Interchange, group: X12Group): string {
  const date = /^\d{8}$/.test(group.date) ? parseDate(group.date) : undefined;
  if (date !== undefined && isTime(group.time)) return `${date}T${group.time.slice(0, 2)}:${group.time.slice(2, 4)}:${group.time.length >= 6 ? group.time.slice(4, 6) : '00'}Z`;
  const isaDate = parseDate(interchange.date) ?? '2000-01-01';
  return `${isaDate}T${interchange.time.slice(0, 2)}:${interchange.time.slice(2, 4)}:00Z`;
}

function diagnostic(level: 'error' | 'warning', code: string, message: string, segment: { readonly id: string; readonly position: number }): X12Diagnostic {
  return { level, code, message, segment: segment.id, position: segment.position };
}
