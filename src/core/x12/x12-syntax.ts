// Reads X12 text into interchanges, functional groups and transaction sets, with the
// delimiters each ISA declares. Envelope faults are collected (with TA1 note codes and AK9 /
// AK5 codes) instead of thrown, so the acknowledgements can say exactly what was wrong.
import type { Steps } from '../steps.js';
import { runSteps } from '../steps.js';

/** The delimiters of one interchange, as its ISA declares them. */
export interface X12Delimiters {
  readonly element: string;
  readonly component: string;
  /** ISA11 from version 00402 on; undefined in 004010 (where ISA11 is the standards id `U`). */
  readonly repetition: string | undefined;
  readonly segment: string;
}

/** One segment: `elements[0]` is its id, `elements[n]` its n-th element. */
export interface X12Segment {
  readonly id: string;
  readonly elements: readonly string[];
  /** 1-based ordinal of the segment in the whole text (what diagnostics call `position`). */
  readonly position: number;
  /** The segment as sent, without its terminator. */
  readonly text: string;
}

export interface EnvelopeFault<Code extends string> {
  readonly code: Code;
  readonly message: string;
  readonly segment: X12Segment | undefined;
}

/** TA1 note codes (X12 element I18) this reader reports. */
export type Ta1Note = '001' | '005' | '006' | '007' | '008' | '010' | '011' | '012' | '013' | '014' | '015' | '016' | '017' | '018' | '019' | '020' | '021' | '022' | '023' | '024' | '025' | '026' | '027';
/** AK9 / AK905 functional group syntax error codes (element 716); 19 exists from 005010 on. */
export type GroupFault = '1' | '2' | '3' | '4' | '5' | '6' | '19';
/** AK5 / AK502 transaction set syntax error codes (element 718). */
export type SetFault = '1' | '2' | '3' | '4' | '5' | '6' | '7' | '23';

export interface X12TransactionSet {
  readonly header: X12Segment;
  /** ST01, e.g. 850. */
  readonly type: string;
  /** ST02. */
  readonly controlNumber: string;
  /** ST03 (005010 implementation convention reference), when sent. */
  readonly convention: string | undefined;
  /** From ST to SE inclusive (or to the last segment before the group ended, without an SE). */
  readonly segments: readonly X12Segment[];
  readonly trailer: X12Segment | undefined;
  readonly faults: readonly EnvelopeFault<SetFault>[];
}

export interface X12Group {
  readonly header: X12Segment;
  /** GS01: PO, PR, SH, IN, FA... */
  readonly functionalId: string;
  readonly senderCode: string;
  readonly receiverCode: string;
  /** GS04 (CCYYMMDD) and GS05 (HHMM[SS[dd]]). */
  readonly date: string;
  readonly time: string;
  /** GS06. */
  readonly controlNumber: string;
  /** GS08, e.g. 004010 or 005010X220A1. */
  readonly version: string;
  readonly sets: readonly X12TransactionSet[];
  readonly trailer: X12Segment | undefined;
  readonly faults: readonly EnvelopeFault<GroupFault>[];
}

export interface X12Interchange {
  readonly header: X12Segment;
  readonly delimiters: X12Delimiters;
  readonly senderQualifier: string;
  /** ISA06 without its padding. */
  readonly senderId: string;
  readonly receiverQualifier: string;
  readonly receiverId: string;
  /** ISA09 (YYMMDD) and ISA10 (HHMM). */
  readonly date: string;
  readonly time: string;
  /** ISA12: 00401, 00501. */
  readonly version: string;
  /** ISA13. */
  readonly controlNumber: string;
  readonly ackRequested: boolean;
  readonly usage: string;
  readonly groups: readonly X12Group[];
  readonly trailer: X12Segment | undefined;
  readonly faults: readonly EnvelopeFault<Ta1Note>[];
  /** The interchange's text as sent, from ISA to IEA (or to where it ended). */
  readonly text: string;
}

export interface X12Document {
  readonly interchanges: readonly X12Interchange[];
  /** Set when the text holds no interchange at all (no ISA where one must start). */
  readonly unusable: string | undefined;
}

/** ISA element lengths, ISA01..ISA16 (the ISA is fixed-width: 106 characters with its terminator). */
const ISA_WIDTHS = [2, 10, 2, 10, 2, 15, 2, 15, 6, 4, 1, 5, 9, 1, 1, 1] as const;
/**
 * The TA1 note code for an invalid value in ISA01..ISA16. ISA01-ISA04 (authorization and
 * security) have their own codes, 010-013: a translator that strips the padding of an empty
 * ISA02 is told which field, not "invalid control structure" (022).
 */
const ISA_NOTES: readonly Ta1Note[] = ['010', '011', '012', '013', '005', '006', '007', '008', '014', '015', '016', '017', '018', '019', '020', '027'];
/** Interchange id qualifiers (element I05) of the 004010 and 005010 control standards. */
export const ID_QUALIFIERS: ReadonlySet<string> = new Set([
  '01', '02', '03', '04', '07', '08', '09', '10', '11', '12', '13', '14', '15', '16', '17', '18', '19', '20', '21', '22', '23', '24', '25', '26', '27', '28', '29', '30', '31', '32', '33', '34', '35', '36', '37', '38', 'AM', 'NR', 'SA', 'SN', 'ZZ',
]);
const SUPPORTED_CONTROL_VERSIONS: ReadonlySet<string> = new Set(['00401', '00501']);

/** Reads every interchange in `text`; several may follow one another, each with its own delimiters. */
export function readX12(text: string): X12Document {
  return runSteps(readX12InSteps(text));
}

/** readX12 a transaction set at a time: a step yields 1 at each ST segment read. */
export function* readX12InSteps(text: string): Steps<X12Document> {
  const interchanges: X12Interchange[] = [];
  let at = skipBlank(text, 0);
  if (text.charCodeAt(at) === 0xfeff) at = skipBlank(text, at + 1);
  if (!startsWithIsa(text, at)) {
    return { interchanges, unusable: at >= text.length ? 'the body is empty' : `expected an ISA segment at character ${at + 1}, found "${text.slice(at, at + 3)}"` };
  }
  let position = 0;
  // Control numbers seen so far, looked up rather than searched for: a file of 20,000 interchanges,
  // groups or sets compared each with all before it (quadratic: 4.7 s for 20,000 sets in one group).
  const seen = new Set<string>();
  while (at < text.length) {
    const header = readHeader(text, at);
    if (header === undefined) {
      const previous = interchanges[interchanges.length - 1];
      if (previous === undefined) return { interchanges, unusable: `the ISA segment at character ${at + 1} is not readable: it needs 16 elements and a segment terminator${caseHint(text.slice(at, at + 3), 'ISA')}` };
      // Whatever follows that is not a readable ISA is reported (TA1 022) against the sender of
      // the interchange before it: the file came from one sender, and its TA1 needs an addressee.
      interchanges.push(unreadable(text, at, ++position, previous));
      break;
    }
    const read = yield* readInterchange(text, header, position);
    interchanges.push(withUniqueControlNumber(read.interchange, seen));
    position = read.position;
    at = skipBlank(text, read.next);
  }
  return { interchanges, unusable: undefined };
}

/**
 * Whether an interchange header starts at `at`: ISA, or the same letters in another case, which
 * is read (at the ISA's fixed width only) so that its TA1 can say so with the interchange's own
 * control number, instead of the file being unreadable or a TA1 of zeros (docs/adr/0047).
 */
function startsWithIsa(text: string, at: number): boolean {
  return text.slice(at, at + 3).toUpperCase() === 'ISA';
}

/** ` ("isa" is not ISA: segment ids are case-sensitive)` when `id` is `expected` in other letters, else nothing. */
function caseHint(id: string, expected: string): string {
  return id !== expected && id.toUpperCase() === expected ? ` ("${id}" is not ${expected}: segment ids are case-sensitive)` : '';
}

/** Whether `segment` is the control segment `id` written in other letters (`se`, `Ge`, `iea`). */
function misspelled(segment: X12Segment | undefined, id: string): segment is X12Segment {
  return segment !== undefined && segment.id !== id && segment.id.toUpperCase() === id;
}

interface Header {
  readonly start: number;
  readonly end: number;
  readonly elements: string[];
  readonly delimiters: X12Delimiters;
}

function readHeader(text: string, start: number): Header | undefined {
  if (!startsWithIsa(text, start)) return undefined;
  const element = text[start + 3];
  if (element === undefined || /[A-Za-z0-9\s]/.test(element)) return undefined;
  // Count 16 element separators: ISA16 (one character) follows the last, then the terminator.
  let at = start + 3;
  for (let n = 0; n < 16; n += 1) {
    at = text.indexOf(element, at + (n === 0 ? 0 : 1));
    if (at < 0) return undefined;
  }
  const component = text[at + 1];
  const segment = text[at + 2];
  if (component === undefined || segment === undefined) return undefined;
  // `isa` in other letters is an interchange header only at the ISA's fixed width, 106 characters:
  // counting 16 separators from any segment so spelled could run across the segments after it.
  if (!text.startsWith('ISA', start) && at + 3 - start !== 106) return undefined;
  const elements = text.slice(start, at + 2).split(element);
  const version = elements[12] ?? '';
  const repetitionCandidate = elements[11] ?? '';
  const repetition = version >= '00402' && repetitionCandidate.length === 1 ? repetitionCandidate : undefined;
  return { start, end: at + 3, elements, delimiters: { element, component, repetition, segment } };
}

function* readInterchange(text: string, header: Header, startPosition: number): Steps<{ interchange: X12Interchange; next: number; position: number }> {
  const faults: EnvelopeFault<Ta1Note>[] = [];
  let position = startPosition;
  const { delimiters } = header;
  const isa = segmentOf(header.elements, text.slice(header.start, header.end - 1), ++position);
  // First, so the TA1 gives its note: the other faults may follow from the header not being one.
  if (isa.id !== 'ISA') faults.push({ code: '022', message: `the interchange begins with "${isa.id}", not ISA: segment ids are case-sensitive`, segment: isa });
  checkIsa(isa, delimiters, faults);
  const segments: X12Segment[] = [];
  let at = skipAfterTerminator(text, header.end, delimiters.segment);
  let trailer: X12Segment | undefined;
  let end = at;
  while (at < text.length) {
    if (startsWithIsa(text, at) && readHeader(text, at) !== undefined) break;
    const stop = text.indexOf(delimiters.segment, at);
    const raw = stop < 0 ? text.slice(at) : text.slice(at, stop);
    const next = stop < 0 ? text.length : skipAfterTerminator(text, stop + 1, delimiters.segment);
    end = stop < 0 ? text.length : stop + 1;
    at = next;
    if (raw.trim() === '') continue;
    const segment = segmentOf(raw.split(delimiters.element), raw, ++position);
    if (segment.id === 'IEA') {
      trailer = segment;
      break;
    }
    segments.push(segment);
    if (segment.id === 'ST') yield 1;
  }
  // An `iea` as the last segment is the trailer misspelled, not a segment outside a group (TA1 024):
  // answered as the trailer missing, with why (docs/adr/0047).
  const lowercaseTrailer = trailer === undefined && misspelled(segments[segments.length - 1], 'IEA') ? segments.pop() : undefined;
  const groups = readGroups(segments, faults);
  const controlNumber = header.elements[13] ?? '';
  if (trailer === undefined) {
    const why = lowercaseTrailer === undefined ? ' (the transmission is cut short)' : caseHint(lowercaseTrailer.id, 'IEA');
    faults.push({ code: '023', message: `interchange ${controlNumber} ends without an IEA segment${why}`, segment: isa });
  } else {
    if (trailer.elements[2] !== controlNumber) {
      faults.push({ code: '001', message: `IEA02 ${trailer.elements[2] ?? '(empty)'} does not match ISA13 ${controlNumber}`, segment: trailer });
    }
    const declared = trailer.elements[1] ?? '';
    if (declared !== String(groups.length) && Number(declared) !== groups.length) {
      faults.push({ code: '021', message: `IEA01 says ${declared || '(empty)'} functional group(s); the interchange holds ${groups.length}`, segment: trailer });
    }
  }
  const interchange: X12Interchange = {
    header: isa,
    delimiters,
    senderQualifier: header.elements[5] ?? '',
    senderId: (header.elements[6] ?? '').trim(),
    receiverQualifier: header.elements[7] ?? '',
    receiverId: (header.elements[8] ?? '').trim(),
    date: header.elements[9] ?? '',
    time: header.elements[10] ?? '',
    version: header.elements[12] ?? '',
    controlNumber,
    ackRequested: header.elements[14] === '1',
    usage: header.elements[15] ?? '',
    groups,
    trailer,
    faults,
    text: text.slice(header.start, end),
  };
  return { interchange, next: at, position };
}

function checkIsa(isa: X12Segment, delimiters: X12Delimiters, faults: EnvelopeFault<Ta1Note>[]): void {
  const fault = (code: Ta1Note, message: string) => faults.push({ code, message, segment: isa });
  if (delimiters.component === delimiters.element || delimiters.segment === delimiters.element) fault('026', 'the data element separator is also used as another delimiter');
  // A delimiter that can occur in data splits the data: a letter as ISA16 or as 00501's ISA11
  // would make "USD" two components or two repetitions, and the hub would read what the
  // interchange does not say (the 997 dropped the letter from its copies of values).
  if (isDataCharacter(delimiters.component)) fault('027', `ISA16 "${delimiters.component}" is a letter, digit or space; the component element separator must be a special character that does not occur in the data`);
  const repetition = isa.elements[11] ?? '';
  if ((isa.elements[12] ?? '') >= '00402' && repetition.length === 1) {
    if (isDataCharacter(repetition)) fault('016', `ISA11 "${repetition}" is a letter, digit or space; from version 00402 on ISA11 is the repetition separator, a special character that does not occur in the data`);
    else if (repetition === delimiters.element || repetition === delimiters.component || repetition === delimiters.segment) fault('016', `ISA11 "${repetition}", the repetition separator, is also used as another delimiter`);
  } else if (repetition.length === 1 && repetition !== 'U') {
    // Before 00402 ISA11 is the interchange control standards identifier, and U (US EDI community
    // of ASC X12) its only value: a `^` there is a 00501 translator's repetition separator under
    // a 00401 header, which says the header is not what the sender meant. (A width other than 1 is 016 below.)
    fault('016', `ISA11 "${repetition}" is not U: in version ${isa.elements[12] ?? ''} ISA11 is the interchange control standards identifier, and U its only value (a repetition separator there comes with version 00402 or later)`);
  }
  ISA_WIDTHS.forEach((width, index) => {
    const value = isa.elements[index + 1] ?? '';
    const note = ISA_NOTES[index];
    if (value.length !== width) {
      fault(note ?? '022', `ISA${pad2(index + 1)} "${value}" is ${value.length} characters long; the ISA is fixed-width and it must be ${width}`);
    }
  });
  const at = (n: number) => isa.elements[n] ?? '';
  if (!ID_QUALIFIERS.has(at(5))) fault('005', `ISA05 "${at(5)}" is not an interchange id qualifier (e.g. 01 DUNS, 12 phone, ZZ mutually defined)`);
  if (at(6).trim() === '') fault('006', 'ISA06, the sender id, is empty');
  if (!ID_QUALIFIERS.has(at(7))) fault('007', `ISA07 "${at(7)}" is not an interchange id qualifier (e.g. 01 DUNS, 12 phone, ZZ mutually defined)`);
  if (at(8).trim() === '') fault('008', 'ISA08, the receiver id, is empty');
  if (parseDate(at(9)) === undefined) fault('014', `ISA09 "${at(9)}" is not a date (YYMMDD)`);
  if (!isTime(at(10))) fault('015', `ISA10 "${at(10)}" is not a time (HHMM)`);
  if (!SUPPORTED_CONTROL_VERSIONS.has(at(12))) fault('017', `ISA12 "${at(12)}": only the 00401 and 00501 control versions are supported`);
  if (!/^\d{9}$/.test(at(13))) fault('018', `ISA13 "${at(13)}" is not a 9-digit interchange control number`);
  if (at(14) !== '0' && at(14) !== '1') fault('019', `ISA14 "${at(14)}" must be 0 or 1`);
  if (at(15) !== 'P' && at(15) !== 'T') fault('020', `ISA15 "${at(15)}" must be P (production) or T (test)`);
}

/** Whether a character may occur in data: a letter, a digit or white space, never a delimiter. */
export function isDataCharacter(character: string): boolean {
  return /^[A-Za-z0-9\s]$/.test(character);
}

function readGroups(segments: readonly X12Segment[], faults: EnvelopeFault<Ta1Note>[]): X12Group[] {
  const groups: X12Group[] = [];
  const seen = new Set<string>();
  let index = 0;
  while (index < segments.length) {
    const segment = segments[index];
    if (segment === undefined) break;
    if (segment.id !== 'GS') {
      const end = strayEnd(segments, index, 'GS');
      faults.push({ code: '024', message: strayMessage(segments.slice(index, end), 'GS', 'a functional group (GS ... GE)'), segment });
      index = end;
      continue;
    }
    let end = index + 1;
    while (end < segments.length && segments[end]?.id !== 'GE' && segments[end]?.id !== 'GS') end += 1;
    const trailer = segments[end]?.id === 'GE' ? segments[end] : undefined;
    const group = readGroup(segment, segments.slice(index + 1, end), trailer, seen, faults);
    // GS04/GS05 say when the group was made, the events' time: one that is no date or time is a
    // bad GS, which only the TA1 has a note for (024); taking the ISA's time instead said nothing.
    if (!/^\d{8}$/.test(group.date) || parseDate(group.date) === undefined) {
      faults.push({ code: '024', message: `GS04 "${group.date}" of functional group ${group.controlNumber} is not a date (CCYYMMDD)`, segment });
    }
    if (!isTime(group.time)) faults.push({ code: '024', message: `GS05 "${group.time}" of functional group ${group.controlNumber} is not a time (HHMM, HHMMSS or HHMMSSd..)`, segment });
    seen.add(group.controlNumber);
    groups.push(group);
    index = trailer === undefined ? end : end + 1;
  }
  return groups;
}

/** Where a run of segments outside their envelope, from `start`, ends: at the next `opening` segment. */
function strayEnd(segments: readonly X12Segment[], start: number, opening: 'GS' | 'ST'): number {
  let end = start + 1;
  while (end < segments.length && segments[end]?.id !== opening) end += 1;
  return end;
}

/**
 * One fault for a run of segments outside their envelope, not one per segment: a lowercase `st`
 * put a whole set outside, and each of its segments was reported. When the run begins with the
 * opening segment's id in other letters, the message says so.
 */
function strayMessage(run: readonly X12Segment[], opening: 'GS' | 'ST', envelope: string): string {
  const first = run[0]?.id ?? '';
  const last = run[run.length - 1]?.id ?? '';
  const named = (id: string) => (id === '' ? '(no id)' : id);
  // A segment with no id (it begins with the element separator) was " segment outside ...".
  const alone = first === '' ? `a segment with no id, "${(run[0]?.text ?? '').slice(0, 40)}",` : `${first} segment`;
  const segments = run.length === 1 ? alone : `${run.length} segments, ${named(first)} to ${named(last)},`;
  const control = ENVELOPE_IDS.find((id) => first !== id && first.toUpperCase() === id);
  return `${segments} outside ${envelope}${control === undefined ? '' : caseHint(first, control)}`;
}

/** The envelope segments, whose ids written in other letters get a hint wherever they stand. */
const ENVELOPE_IDS = ['ISA', 'GS', 'ST', 'SE', 'GE', 'IEA'] as const;

/**
 * `earlier`: the control numbers of the interchange's groups before this one; `interchangeFaults`
 * gets what only the TA1 can say about the group's content.
 */
function readGroup(header: X12Segment, body: readonly X12Segment[], trailer: X12Segment | undefined, earlier: ReadonlySet<string>, interchangeFaults: EnvelopeFault<Ta1Note>[]): X12Group {
  const faults: EnvelopeFault<GroupFault>[] = [];
  const controlNumber = header.elements[6] ?? '';
  const sets: X12TransactionSet[] = [];
  const seen = new Set<string>();
  let lowercaseTrailer: X12Segment | undefined;
  let index = 0;
  while (index < body.length) {
    const segment = body[index];
    if (segment === undefined) break;
    if (trailer === undefined && index === body.length - 1 && misspelled(segment, 'GE')) {
      // The group's last segment is its trailer misspelled, not a segment between sets (TA1 024,
      // which rejected the interchange's other groups too): answered as the GE missing (AK9 3).
      lowercaseTrailer = segment;
      break;
    }
    if (segment.id !== 'ST') {
      // Segments between sets belong to no set. The AK9 has no code for it (AK905 1 is "functional
      // group not supported", which told a partner its PR group was unsupported): like a segment
      // outside a group, it is invalid interchange content, TA1 024.
      const end = strayEnd(body, index, 'ST');
      interchangeFaults.push({ code: '024', message: strayMessage(body.slice(index, end), 'ST', `a transaction set (ST ... SE) in functional group ${controlNumber}`), segment });
      index = end;
      continue;
    }
    let end = index + 1;
    while (end < body.length && body[end]?.id !== 'SE' && body[end]?.id !== 'ST') end += 1;
    const setTrailer = body[end]?.id === 'SE' ? body[end] : undefined;
    const setSegments = body.slice(index, setTrailer === undefined ? end : end + 1);
    const set = readSet(segment, setSegments, setTrailer, seen);
    seen.add(set.controlNumber);
    sets.push(set);
    index = setTrailer === undefined ? end : end + 1;
  }
  if (!/^\d{1,9}$/.test(controlNumber)) faults.push({ code: '6', message: `GS06 "${controlNumber}" is not a group control number (1 to 9 digits)`, segment: header });
  else if (earlier.has(controlNumber)) {
    // Its sets would have the event ids of the earlier group's: a conflict, or a silent duplicate.
    // 005010 has a code for it; 004010 has none closer than 6 (the control number is not valid).
    const code = (header.elements[8] ?? '').startsWith('005010') ? '19' : '6';
    faults.push({ code, message: `GS06 ${controlNumber} is used by an earlier functional group of the same interchange`, segment: header });
  }
  if (trailer === undefined) {
    faults.push({ code: '3', message: `functional group ${controlNumber} ends without a GE segment${lowercaseTrailer === undefined ? '' : caseHint(lowercaseTrailer.id, 'GE')}`, segment: header });
  } else {
    if (trailer.elements[2] !== controlNumber) faults.push({ code: '4', message: `GE02 ${trailer.elements[2] ?? '(empty)'} does not match GS06 ${controlNumber}`, segment: trailer });
    const declared = trailer.elements[1] ?? '';
    if (Number(declared) !== sets.length || !/^\d+$/.test(declared)) {
      faults.push({ code: '5', message: `GE01 says ${declared || '(empty)'} transaction set(s); the group holds ${sets.length}`, segment: trailer });
    }
  }
  return {
    header,
    functionalId: header.elements[1] ?? '',
    senderCode: header.elements[2] ?? '',
    receiverCode: header.elements[3] ?? '',
    date: header.elements[4] ?? '',
    time: header.elements[5] ?? '',
    controlNumber,
    version: header.elements[8] ?? '',
    sets,
    trailer,
    faults,
  };
}

/** `earlier`: the control numbers of the group's sets before this one. */
function readSet(header: X12Segment, segments: readonly X12Segment[], trailer: X12Segment | undefined, earlier: ReadonlySet<string>): X12TransactionSet {
  const faults: EnvelopeFault<SetFault>[] = [];
  const type = header.elements[1] ?? '';
  const controlNumber = header.elements[2] ?? '';
  if (!/^\d{3}$/.test(type)) faults.push({ code: '6', message: `ST01 "${type}" is not a transaction set identifier`, segment: header });
  if (!/^[0-9A-Za-z]{4,9}$/.test(controlNumber)) faults.push({ code: '7', message: `ST02 "${controlNumber}" is not a transaction set control number (4 to 9 characters)`, segment: header });
  else if (earlier.has(controlNumber)) {
    faults.push({ code: '23', message: `ST02 ${controlNumber} is used by an earlier transaction set of the same group`, segment: header });
  }
  if (trailer === undefined) {
    // An `se` in the set (it ran on to the next ST or the group's end) is its trailer misspelled.
    const lowercase = segments.find((segment) => misspelled(segment, 'SE'));
    faults.push({ code: '2', message: `transaction set ${type} ${controlNumber} ends without an SE segment${lowercase === undefined ? '' : caseHint(lowercase.id, 'SE')}`, segment: header });
  } else {
    if (trailer.elements[2] !== controlNumber) faults.push({ code: '3', message: `SE02 ${trailer.elements[2] ?? '(empty)'} does not match ST02 ${controlNumber}`, segment: trailer });
    const declared = trailer.elements[1] ?? '';
    if (!/^\d+$/.test(declared) || Number(declared) !== segments.length) {
      // An envelope id in other letters inside the set (an `se` before its SE) is what throws the count off: say so (docs/adr/0069).
      const inner = segments.findIndex((segment, i) => i > 0 && i < segments.length - 1 && ENVELOPE_IDS.some((id) => misspelled(segment, id)));
      const misspelt = segments[inner];
      const hint = misspelt === undefined ? '' : `, segment ${inner + 1} among them${caseHint(misspelt.id, misspelt.id.toUpperCase())}`;
      faults.push({ code: '4', message: `SE01 says ${declared || '(empty)'} segment(s); the set holds ${segments.length} from ST to SE${hint}`, segment: trailer });
    }
  }
  return { header, type, controlNumber, convention: header.elements[3] === '' ? undefined : header.elements[3], segments, trailer, faults };
}

/**
 * TA1 025 for an interchange whose sender already used its ISA13 earlier in the file: its sets
 * would have the same event ids. `earlier` holds sender and ISA13 of the interchanges before it,
 * and gets this one's.
 */
function withUniqueControlNumber(interchange: X12Interchange, earlier: Set<string>): X12Interchange {
  const key = JSON.stringify([interchange.senderQualifier, interchange.senderId, interchange.controlNumber]);
  const repeated = earlier.has(key);
  earlier.add(key);
  if (!repeated || !/^\d{9}$/.test(interchange.controlNumber)) return interchange;
  const message = `ISA13 ${interchange.controlNumber} is used by an earlier interchange of ${interchange.senderQualifier}:${interchange.senderId} in the same file`;
  return { ...interchange, faults: [...interchange.faults, { code: '025', message, segment: interchange.header }] };
}

function unreadable(text: string, at: number, position: number, previous: X12Interchange): X12Interchange {
  const raw = text.slice(at, at + 106);
  const header = segmentOf(['ISA'], raw, position);
  const message = startsWithIsa(text, at)
    ? `the ISA segment at character ${at + 1} is not readable: it needs 16 elements and a segment terminator${caseHint(raw.slice(0, 3), 'ISA')}`
    : `after interchange ${previous.controlNumber}, expected an ISA segment or the end of the file at character ${at + 1}, found "${raw.slice(0, 20)}"`;
  return {
    header,
    delimiters: previous.delimiters,
    senderQualifier: previous.senderQualifier,
    senderId: previous.senderId,
    receiverQualifier: previous.receiverQualifier,
    receiverId: previous.receiverId,
    date: '',
    time: '',
    version: previous.version,
    controlNumber: '',
    ackRequested: false,
    usage: previous.usage,
    groups: [],
    trailer: undefined,
    faults: [{ code: '022', message, segment: header }],
    text: text.slice(at),
  };
}

function segmentOf(elements: string[], text: string, position: number): X12Segment {
  const id = (elements[0] ?? '').trim();
  return { id, elements: [id, ...elements.slice(1)], position, text };
}

/** Line breaks after a terminator are layout, not data (a `~` followed by a newline is common). */
function skipAfterTerminator(text: string, at: number, terminator: string): number {
  let next = at;
  while (next < text.length && (text[next] === '\r' || text[next] === '\n') && text[next] !== terminator) next += 1;
  return next;
}

/** White space, and the NUL and SUB (Ctrl-Z, DOS end of file) that VANs and old systems pad files with. */
function skipBlank(text: string, at: number): number {
  let next = at;
  while (next < text.length && (/\s/.test(text[next] ?? '') || text[next] === '\u0000' || text[next] === '\u001a')) next += 1;
  return next;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** YYMMDD or CCYYMMDD to YYYY-MM-DD; undefined when it is not a calendar date. Two-digit years are 20YY. */
export function parseDate(value: string): string | undefined {
  const match = /^(\d{2})?(\d{2})(\d{2})(\d{2})$/.exec(value);
  if (match === null) return undefined;
  const year = `${match[1] ?? '20'}${match[2] ?? ''}`;
  const month = Number(match[3]);
  const day = Number(match[4]);
  if (month < 1 || month > 12 || day < 1) return undefined;
  const y = Number(year);
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] ?? 0;
  if (day > days) return undefined;
  return `${year}-${match[3] ?? ''}-${match[4] ?? ''}`;
}

/** HHMM, HHMMSS or HHMMSSd..d. */
export function isTime(value: string): boolean {
  const match = /^(\d{2})(\d{2})(\d{2})?(\d{1,2})?$/.exec(value);
  if (match === null) return false;
  return Number(match[1]) < 24 && Number(match[2]) < 60 && (match[3] === undefined || Number(match[3]) < 60);
}
