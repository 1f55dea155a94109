// Acknowledgements of what was read: a TA1 for an interchange rejected for its envelope (or
// when ISA14 asks for one), and a 997 (or, for 005010 groups when asked, a 999) per functional
// group, with AK3/AK4 (IK3/IK4) for each segment and element in error.
import type { X12GroupReading, X12Reading, X12SetReading } from './x12-inbound.js';
import type { X12Delimiters, X12Interchange } from './x12-syntax.js';
import { acknowledgedSegmentId } from './x12-segment-ids.js';
import { isDataCharacter } from './x12-syntax.js';
import type { OutboundGroup } from './x12-writer.js';
import { nine, writeInterchange } from './x12-writer.js';

export interface AckOptions {
  /** The hub's time (RFC 3339) for the acknowledgements' ISA and GS dates. */
  readonly now: string;
  /** First of a block of control numbers allocated for the answer (ackControlNumbersNeeded of them). */
  readonly firstControlNumber: number;
  /** Answer 005010 groups with a 999 instead of a 997. */
  readonly use999?: boolean;
  /** Sets that mapped but the door refused (by event id), and why. */
  readonly refused?: ReadonlyMap<string, string>;
}

export interface X12Acknowledgements {
  /** The 997/999 interchanges (one per interchange read whose envelope is sound). */
  readonly ack: string;
  /** TA1 interchanges for the interchanges rejected for their envelope; undefined when none. */
  readonly ta1: string | undefined;
}

/** How many control numbers the acknowledgements of `reading` use. */
export function ackControlNumbersNeeded(reading: X12Reading, use999 = false): number {
  return reading.interchanges.reduce((n, i) => n + Math.max(1, ackGroupsOf(i.groups, use999).length), 0);
}

export function buildAcknowledgements(reading: X12Reading, options: AckOptions): X12Acknowledgements {
  let next = options.firstControlNumber;
  const acks: string[] = [];
  const ta1s: string[] = [];
  for (const { interchange, groups, faults } of reading.interchanges) {
    const controlNumber = next;
    next += 1;
    const first = faults[0];
    const ta1 = ['TA1', /^\d{9}$/.test(interchange.controlNumber) ? interchange.controlNumber : nine(0), digitsOr(interchange.date, 6), digitsOr(interchange.time, 4), first === undefined ? 'A' : 'R', first?.code ?? '000'];
    const envelope = {
      sender: { qualifier: safeQualifier(interchange.receiverQualifier), id: interchange.receiverId },
      receiver: { qualifier: safeQualifier(interchange.senderQualifier), id: interchange.senderId },
      controlNumber,
      now: options.now,
      version: interchange.version === '00501' ? '00501' : '00401',
      usage: interchange.usage === 'T' ? ('T' as const) : ('P' as const),
      delimiters: answerDelimiters(interchange.delimiters),
    };
    if (first !== undefined) {
      ta1s.push(writeInterchange({ ...envelope, leading: [ta1], groups: [] }));
      continue;
    }
    const ackGroups = ackGroupsOf(groups, options.use999 === true).map((g, index): OutboundGroup => {
      const groupNumber = index === 0 ? controlNumber : next++;
      return {
        functionalId: 'FA',
        senderCode: g.groups[0]?.group.receiverCode ?? '',
        receiverCode: g.groups[0]?.group.senderCode ?? '',
        controlNumber: groupNumber,
        version: g.version,
        sets: g.groups.map((group) => ({ type: g.kind, ...(g.kind === '999' ? { convention: g.version } : {}), segments: ackSet(interchange, group, g.kind, options.refused) })),
      };
    });
    acks.push(writeInterchange({ ...envelope, ...(interchange.ackRequested ? { leading: [ta1] } : {}), groups: ackGroups }));
  }
  return { ack: acks.join(''), ta1: ta1s.length === 0 ? undefined : ta1s.join('') };
}

interface AckGroup {
  readonly kind: '997' | '999';
  readonly version: string;
  readonly groups: X12GroupReading[];
}

/** The FA groups of one answer: 997s by the version of the groups they answer, 999s together. */
function ackGroupsOf(groups: readonly X12GroupReading[], use999: boolean): AckGroup[] {
  const out: AckGroup[] = [];
  for (const reading of groups) {
    const kind = use999 && reading.group.version.startsWith('005010') ? '999' : '997';
    const version = kind === '999' ? '005010X231A1' : reading.group.version.startsWith('005010') ? '005010' : '004010';
    const found = out.find((g) => g.kind === kind && g.version === version);
    if (found === undefined) out.push({ kind, version, groups: [reading] });
    else found.groups.push(reading);
  }
  return out;
}

function ackSet(interchange: X12Interchange, reading: X12GroupReading, kind: '997' | '999', refused: ReadonlyMap<string, string> | undefined): string[][] {
  const { group } = reading;
  const is999 = kind === '999';
  const segments: string[][] = [['AK1', group.functionalId, group.controlNumber, ...(is999 ? [group.version] : [])]];
  let accepted = 0;
  for (const set of reading.sets) {
    segments.push(['AK2', set.set.type, set.set.controlNumber, ...(is999 && set.set.convention !== undefined ? [set.set.convention] : [])]);
    for (const error of set.errors) {
      // An unrecognized id is copied as sent but for the answer's delimiters, cut to AK301's three
      // characters; one too short for AK301 (none, or one character) is named 000 (ADR 0047).
      segments.push([is999 ? 'IK3' : 'AK3', acknowledgedSegmentId(clean(error.segmentId, interchange).trim()), String(error.position), '', error.code]);
      for (const e of error.elements) segments.push([is999 ? 'IK4' : 'AK4', String(e.position), e.reference, e.code, ...(e.value === undefined ? [] : [clean(e.value, interchange)])]);
    }
    const status = setStatus(set, reading, refused);
    if (status[0] === 'A' || status[0] === 'E') accepted += 1;
    segments.push([is999 ? 'IK5' : 'AK5', ...status]);
  }
  const received = reading.sets.length;
  const declared = group.trailer?.elements[1] ?? '';
  const included = /^\d+$/.test(declared) ? String(Number(declared)) : String(received);
  const groupCodes = reading.faults.map((f) => f.code).slice(0, 5);
  const code = groupCodes.length > 0 ? 'R' : accepted === received ? 'A' : accepted === 0 ? 'R' : 'P';
  segments.push(['AK9', code, included, String(received), String(accepted), ...groupCodes]);
  return segments;
}

function setStatus(set: X12SetReading, group: X12GroupReading, refused: ReadonlyMap<string, string> | undefined): string[] {
  if (set.faults.length > 0) return ['R', ...set.faults.map((f) => f.code).slice(0, 5)];
  if (set.errors.some((e) => e.noted !== true) || set.event === undefined && group.faults.length === 0) return ['R', '5'];
  // Rejected with its group: the AK9 says why.
  if (group.faults.length > 0) return ['R'];
  if (refused?.has(set.event?.id ?? '') === true) return ['R', '5'];
  return set.errors.length > 0 ? ['E'] : ['A'];
}

/**
 * ISA09 / ISA10 as TA102 / TA103, or zeros when they are not `width` digits: a value copied as
 * sent could hold a line break (a file wrapped at 80 columns) or the segment terminator, and
 * cut the TA1 that says the ISA is wrong. ISA13 is what the partner matches a TA1 on.
 */
function digitsOr(value: string, width: number): string {
  return value.length === width && /^\d+$/.test(value) ? value : '0'.repeat(width);
}

function safeQualifier(qualifier: string): string {
  return /^[0-9A-Z]{2}$/.test(qualifier) ? qualifier : 'ZZ';
}

/**
 * A copied bad value may not contain the answer's delimiters, nor control characters: a line
 * break inside an element (`DTM*002*202603<CR><LF>16`) would split the AK4 for a reader that takes
 * line breaks as layout or as the terminator. A run of them becomes one space, so the copy
 * still shows where the value was broken rather than looking like a good date.
 */
function clean(value: string, interchange: X12Interchange): string {
  const { element, component, segment, repetition } = interchange.delimiters;
  const kept = [...value].filter((c) => c !== element && c !== component && c !== segment && c !== repetition).join('');
  // eslint-disable-next-line no-control-regex -- control characters are what is removed
  return kept.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').slice(0, 99);
}

/**
 * The partner's delimiters for the answer, but for a component or repetition separator that can
 * occur in data (refused with TA1 027 or 016): the answer must not repeat the fault it reports,
 * so that one gets a special character the others do not use.
 */
function answerDelimiters(delimiters: X12Delimiters): X12Delimiters {
  const taken = new Set([delimiters.element, delimiters.segment, delimiters.component, delimiters.repetition]);
  const spare = () => ANSWER_SEPARATORS.find((c) => !taken.has(c)) ?? ':';
  const component = isDataCharacter(delimiters.component) ? spare() : delimiters.component;
  taken.add(component);
  const repetition = delimiters.repetition !== undefined && isDataCharacter(delimiters.repetition) ? spare() : delimiters.repetition;
  return { ...delimiters, component, repetition };
}

/** Separators an answer may use in place of a partner's unusable one, in order of preference. */
const ANSWER_SEPARATORS = [':', '^', '>', '\\', '!'] as const;
