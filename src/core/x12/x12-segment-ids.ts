// Which segment ids are X12's, for AK304 / IK304: an id the hub does not recognize is code 1
// ("Unrecognized segment ID"), an envelope or acknowledgement segment inside a set is code 2
// ("Unexpected segment") (ADR 0040). An id that cannot be X12's rejects its set; a well-formed id
// the list lacks is noted (AK5 E). Where any other segment may stand is the set's table's to say
// (x12-set-tables.ts, ADR 0069): no place in the set is code 6, out of sequence 7.
import { shownValue } from '../errors.js';
import { TABLE_SEGMENT_IDS } from './x12-set-tables.js';

/**
 * The segment ids the hub recognizes, besides those of the tables of the sets it reads
 * (TABLE_SEGMENT_IDS): the segments of their neighbours in purchasing (860, 865, 846, 830, 862, 820), and
 * the control and acknowledgement segments. Not the whole X12 dictionary (over a thousand ids,
 * licensed table data): a well-formed id outside it is answered as unrecognized but does not
 * reject its set (AK5 E), since the list may lack a standard id a partner's translator sends.
 */
const KNOWN_SEGMENT_IDS: ReadonlySet<string> = new Set([
  // control and acknowledgement
  'ISA', 'IEA', 'GS', 'GE', 'ST', 'SE', 'TA1', 'AK1', 'AK2', 'AK3', 'AK4', 'AK5', 'AK9', 'IK3', 'IK4', 'IK5', 'CTX',
  // beginning segments
  'BEG', 'BAK', 'BSN', 'BIG', 'BCH', 'BCA', 'BIA', 'BFR', 'BSS', 'BPR', 'BCT', 'BGN', 'BQT', 'BRA',
  // header and detail segments of the supported sets and their neighbours
  'ACK', 'ADV', 'ADX', 'AMT', 'ATH', 'BAL', 'CAD', 'CB1', 'CLD', 'CN1', 'CRC', 'CSH', 'CTB', 'CTP', 'CTT', 'CUR', 'DIS', 'DTM',
  'ENT', 'ETD', 'FA1', 'FA2', 'FOB', 'FST', 'G53', 'GF', 'HL', 'INC', 'ISS', 'IT1', 'IT3', 'IT8', 'ITA', 'ITD', 'JIT', 'L7', 'LDT',
  'LE', 'LEP', 'LFH', 'LH1', 'LH2', 'LH3', 'LH4', 'LH6', 'LHR', 'LHT', 'LIN', 'LM', 'LQ', 'LS', 'MAN', 'MEA', 'MSG', 'MTX', 'N1',
  'N2', 'N3', 'N4', 'N9', 'NTE', 'NX1', 'NX2', 'PAL', 'PAM', 'PCT', 'PER', 'PID', 'PKG', 'PO1', 'PO3', 'PO4', 'POC', 'PRF', 'PWK',
  'QTY', 'REF', 'RMR', 'SAC', 'SCH', 'SDP', 'SDQ', 'SHP', 'SI', 'SLN', 'SN1', 'SPI', 'SR', 'TAX', 'TC2', 'TD1', 'TD3', 'TD4', 'TD5',
  'TDS', 'TSD', 'TXI', 'UIT', 'USD', 'V1', 'V9', 'YNQ', 'G61', 'G62', 'DTP', 'RCD', 'LX', 'IRF', 'PD', 'PDD', 'PDS', 'PSD',
]);

/** Segments that never stand inside a transaction set: envelopes and acknowledgements. */
const CONTROL_SEGMENT_IDS: ReadonlySet<string> = new Set(['ISA', 'IEA', 'GS', 'GE', 'TA1', 'AK1', 'AK2', 'AK3', 'AK4', 'AK5', 'AK9', 'IK3', 'IK4', 'IK5', 'CTX']);

/** X12's syntax for a segment id: two or three capital letters or digits, the first a letter. */
const SEGMENT_ID = /^[A-Z][A-Z0-9]{1,2}$/;

/** What is wrong with a segment id inside a set: its AK304 code, why, and whether it rejects the set. */
export interface SegmentIdProblem {
  readonly code: '1' | '2';
  readonly message: string;
  /** False for a well-formed id the list lacks: noted in the answer (AK5 E), the set still read. */
  readonly rejects: boolean;
}

/**
 * AK301 (IK301) for a segment in error whose id, as the answer may copy it, is shorter than the
 * element's two characters: none (the segment begins with the element separator) or one. AK301 is
 * mandatory, 2 to 3 characters: `AK3**3**1` was itself a bad segment. No X12 id begins with a
 * digit, so this one is never taken for a segment the sender sent (docs/adr/0047).
 */
export const UNNAMED_SEGMENT_ID = '000';

/** AK301 for an id in error, already rid of the answer's delimiters: as sent, cut to three characters, or UNNAMED_SEGMENT_ID. */
export function acknowledgedSegmentId(id: string): string {
  return id.length < 2 ? UNNAMED_SEGMENT_ID : id.slice(0, 3);
}

/** What is wrong with a segment id inside a set of type `setType` (`text`: the segment as sent), or undefined. */
export function segmentIdProblem(id: string, setType: string, text = id): SegmentIdProblem | undefined {
  if (!SEGMENT_ID.test(id)) {
    const unnamed = id.length < 2 ? `; the acknowledgement names it ${UNNAMED_SEGMENT_ID}` : '';
    const message =
      id === ''
        ? `it has no segment id ("${shownValue(text.trim())}" begins with the element separator)`
        : `"${id}" is not an X12 segment id (two or three capital letters or digits, the first a letter; ids are case-sensitive)`;
    return { code: '1', rejects: true, message: `${message}${unnamed}` };
  }
  if (!KNOWN_SEGMENT_IDS.has(id) && !TABLE_SEGMENT_IDS.has(id)) {
    return { code: '1', rejects: false, message: `"${id}" is not a segment id the hub recognizes in an X12 ${setType}; the set was read without it` };
  }
  // Where a recognized segment may stand in a set is its table's to say (x12-set-tables.ts).
  if (CONTROL_SEGMENT_IDS.has(id)) return { code: '2', rejects: true, message: `${id} is an envelope or acknowledgement segment; it has no place inside a transaction set` };
  return undefined;
}
