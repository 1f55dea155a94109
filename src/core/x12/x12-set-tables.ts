// The segment tables of the sets the hub reads (850, 855, 856, 810; 004010 and 005010), and
// the check of a set against its table that a 997/999 answers with AK3 (IK3): a segment out of
// sequence (7), one no table of the set holds (6), a mandatory segment missing (3), a segment
// over its maximum use (5), a loop over its maximum (4). Before, mappers read what they needed
// wherever it stood: an 810's IT1 before its BIG was taken (docs/adr/0069).

/**
 * The tables as data, written from the X12 standard's published set structures (positions,
 * requirement, maximum use), one string per set and version, ST and SE left out:
 * `ID` a segment used at most once, `ID/12` at most 12 times, `ID/*` unbounded (X12's >1),
 * `ID!` mandatory; `[ID/200 ...]` a loop that repeats at most 200 times (`!` on its first
 * segment: the loop is mandatory), its first segment the loop's, used once per repetition.
 * The standard's areas (heading, detail, summary) follow one another, so one list holds them.
 */
const TABLES: Readonly<Record<string, string>> = {
  '850/004010': `BEG! CUR REF/* PER/3 TAX/* FOB/* CTP/* PAM/10 CSH/5 TC2/* [SAC/25 CUR] ITD/* DIS/20 INC DTM/10 LDT/12 LIN/5 SI/*
    PID/200 MEA/40 PWK/25 PKG/200 TD1/2 TD5/12 TD3/12 TD4/5 MAN/10 PCT/* CTB/5 TXI/* [AMT/* REF/* DTM PCT/* [FA1/* FA2!/*]]
    [N9/1000 DTM/* MSG/1000] [N1/200 N2/2 N3/2 N4/* NX2/* REF/12 PER/* SI/* FOB TD1/2 TD5/12 TD3/12 TD4/5 PKG/200] [LM/* LQ!/*]
    [SPI/* REF/5 DTM/5 MSG/50 [N1/20 N2/2 N3/2 N4 REF/20 G61 MSG/50] [CB1/* REF/20 DTM/5 LDT MSG/50]] [ADV/* DTM/* MTX/*]
    [PO1!/100000 LIN/* SI/* CUR CN1 PO3/25 [CTP/* CUR] PAM/10 MEA/40 [PID/1000 MEA/10] PWK/25 PO4/* REF/* PER/3 [SAC/25 CUR CTP]
      IT8 CSH/* ITD/2 DIS/20 INC TAX/* FOB/* SDQ/500 IT3/5 DTM/10 TC2/* TD1 TD5/12 TD3/12 TD4/5 PCT/* MAN/10 MSG/* SPI/* TXI/* CTB/*
      [QTY/* SI/*] [SCH/200 TD1/2 TD5/12 TD3/12 TD4/5 REF/*] [PKG/200 MEA/*] [LS [LDT!/* QTY/* MSG REF/3 [LM/* LQ!/*]] LE!]
      [N9/1000 DTM/* MEA/40 MSG/1000]
      [N1/200 N2/2 N3/2 N4 QTY/* NX2/* REF/12 PER/3 SI/* DTM FOB SCH/200 TD1/2 TD5/12 TD3/12 TD4/5 PKG/200 [LDT/* MAN/10 QTY/5 MSG REF/3]]
      [SLN/1000 MSG/* SI/* PID/1000 PO3/104 TC2/* ADV/* DTM/10 CTP/25 PAM/10 PO4 TAX/3 [N9/* DTM/* MSG/*] [SAC/25 CUR CTP] [QTY/* SI/*]
        [N1/10 N2/2 N3/2 N4 NX2/* REF/12 PER/3 SI/*]]
      [AMT/* REF PCT/*] [LM/* LQ!/*]]
    [CTT AMT]`,
  '850/005010': `BEG! CUR REF/* PER/3 TAX/* FOB/* CTP/* PAM/10 CSH/5 TC2/* [SAC/25 CUR] ITD/* DIS/20 INC DTM/10 LIN/5 SI/* PID/200
    MEA/40 PWK/25 PKG/200 TD1/2 TD5/* TD3/12 TD4/5 MAN/10 PCT/* CTB/5 TXI/* [LDT/* QTY/* MTX/* REF/*] [AMT/* REF/* DTM PCT/* [FA1/* FA2!/*]]
    [N9/1000 DTM/* MTX/* PWK/* EFI/*] [N1/200 N2/2 IN2/* N3/2 N4/* NX2/* REF/12 PER/* SI/* FOB TD1/2 TD5/12 TD3/12 TD4/5 PKG/200]
    [LM/* LQ!/*] [SPI/* REF/5 DTM/5 MTX/* [N1/20 N2/2 N3/2 N4 REF/20 G61 MTX/*] [CB1/* REF/20 DTM/5 LDT MTX/*]] [ADV/* DTM/* MTX/*]
    [PO1!/100000 LIN/* SI/* CUR CN1 PO3/25 [CTP/* CUR] PAM/10 MEA/40 [PID/1000 MEA/10] PWK/25 PO4/* REF/* PER/3 [SAC/25 CUR CTP]
      IT8 CSH/* ITD/2 DIS/20 INC TAX/* FOB/* SDQ/500 IT3/5 DTM/10 TC2/* TD1 TD5/12 TD3/12 TD4/5 PCT/* MAN/10 MTX/* SPI/* TXI/* CTB/*
      [QTY/* SI/*] [SCH/200 TD1/2 TD5/12 TD3/12 TD4/5 REF/*] [PKG/200 MEA/*] [LS [LDT!/* QTY/* MTX/* REF/3 [LM/* LQ!/*]] LE!]
      [N9/1000 DTM/* MEA/40 MTX/* PWK/* EFI/*]
      [N1/200 N2/2 IN2/* N3/2 N4 QTY/* NX2/* REF/12 PER/3 SI/* DTM FOB SCH/200 TD1/2 TD5/12 TD3/12 TD4/5 PKG/200 [LDT/* MAN/10 QTY/5 MTX/* REF/3]]
      [SLN/1000 MTX/* SI/* PID/1000 PO3/104 MEA/* TC2/* ADV/* DTM/10 CTP/25 PAM/10 PO4 TAX/3 [N9/* DTM/* MTX/*] [SAC/25 CUR CTP] [QTY/* SI/*]
        [N1/10 N2/2 IN2/* N3/2 N4 NX2/* REF/12 PER/3 SI/*]]
      [AMT/* REF/* PCT/*] [LM/* LQ!/*]]
    [CTT AMT]`,
  '855/004010': `BAK! CUR REF/* PER/3 TAX/* FOB/* CTP/* PAM/10 CSH [SAC/25 CUR] ITD/5 DIS/20 INC DTM/10 LDT/12 LIN/5 SI/* PID/200 MEA/40
    PWK/25 PKG/25 TD1/2 TD5/12 TD3/12 TD4/5 MAN/10 TXI/* CTB/* [N9/1000 DTM/* MSG/1000]
    [N1/200 N2/2 N3/2 N4 NX2/* REF/12 PER/* SI/* FOB TD1/2 TD5/12 TD3/12 TD4/5 PKG/25 MSG/*] [ADV/* DTM/* MTX/*]
    [PO1/100000 LIN/* SI/* CUR PO3/25 CTP/* PAM/10 MEA/40 [PID/1000 MEA/10] PWK/25 PO4/* REF/* PER/3 [SAC/25 CUR] IT8 CSH/* ITD/2
      DIS/20 INC TAX/* FOB/* SDQ/500 DTM/10 LDT/12 TD1 TD5/12 TD3/12 TD4/5 [ACK/104 DTM] MAN/10 AMT CTB/* TXI/* [QTY/* SI/*]
      [PKG/200 MEA/*] [SCH/200 TD1/2 TD5/12 TD3/12 TD4/5 REF/*] [N9/1000 DTM/* MSG/1000]
      [N1/200 N2/2 N3/2 N4 NX2/* REF/12 PER/3 SI/* DTM FOB SCH/200 TD1/2 TD5/12 TD3/12 TD4/5 QTY/* PKG/25]
      [SLN/1000 MSG/* SI/* PID/1000 PO3/25 CTP/25 PAM/10 ACK/104 [SAC/10 CUR] DTM/10 PO4 TAX/3 ADV/* [QTY/* SI/*] [N9/* DTM/* MSG/*]
        [N1/10 N2/2 N3/2 N4 NX2/* REF/12 PER/3 SI/*]]]
    [CTT AMT]`,
  '855/005010': `BAK! CUR REF/* PER/3 TAX/* FOB/* CTP/* PAM/10 CSH [SAC/25 CUR] ITD/5 DIS/20 INC DTM/10 LDT/12 LIN/5 SI/* PID/200 MEA/40
    PWK/25 PKG/25 TD1/2 TD5/12 TD3/12 TD4/5 MAN/10 TXI/* CTB/* [N9/1000 DTM/* MTX/* PWK/* EFI/*]
    [N1/200 N2/2 IN2/* N3/2 N4 NX2/* REF/12 PER/* SI/* FOB TD1/2 TD5/12 TD3/12 TD4/5 PKG/25 MTX/*] [ADV/* DTM/* MTX/*]
    [PO1/100000 LIN/* SI/* CUR PO3/25 CTP/* PAM/10 MEA/40 [PID/1000 MEA/10] PWK/25 PO4/* REF/* PER/3 [SAC/25 CUR] IT8 CSH/* ITD/2
      DIS/20 INC TAX/* FOB/* SDQ/500 DTM/10 LDT/12 TD1 TD5/12 TD3/12 TD4/5 [ACK/104 DTM] MAN/10 AMT CTB/* TXI/* [QTY/* SI/*]
      [PKG/200 MEA/*] [SCH/200 TD1/2 TD5/12 TD3/12 TD4/5 REF/*] [N9/1000 DTM/* MTX/* PWK/* EFI/*]
      [N1/200 N2/2 IN2/* N3/2 N4 NX2/* REF/12 PER/3 SI/* DTM FOB SCH/200 TD1/2 TD5/12 TD3/12 TD4/5 QTY/* PKG/25]
      [SLN/1000 MTX/* SI/* PID/1000 PO3/25 MEA/* CTP/25 PAM/10 ACK/104 [SAC/10 CUR] DTM/10 PO4 TAX/3 ADV/* [QTY/* SI/*] [N9/* DTM/* MTX/*]
        [N1/10 N2/2 IN2/* N3/2 N4 NX2/* REF/12 PER/3 SI/*]]]
    [CTT AMT]`,
  '856/004010': `BSN! DTM/10
    [HL!/200000 LIN SN1 SLN/1000 PRF PO4 PID/200 MEA/40 PWK/25 PKG/25 TD1/20 TD5/12 TD3/12 TD4/5 TSD REF/* PER/3
      [LH1/100 LH2/4 LH3/12 LFH/20 LEP/* LH4 LHT/3 LHR/10 PER/5 LHE] [CLD/200 REF/200 DTP] MAN/* DTM/10 FOB PAL
      [N1/200 N2/2 N3/2 N4 REF/12 PER/3 FOB] SDQ/50 ETD CUR [SAC/* CUR] GF YNQ/10 [LM/10 LQ!/100] [V1/* R4/* DTM/*]]
    CTT`,
  '856/005010': `BSN! DTM/10
    [HL!/200000 LIN SN1 SLN/1000 PRF PO4 PID/200 MEA/40 PWK/25 PKG/25 TD1/20 TD5/12 [TD3/12 AT9] TD4/5 TSD REF/* PER/3
      [LH1/100 LH2/4 LH3/12 LFH/20 LEP/* LH4/4 LHT/3 LHR/10 PER/5 LHE] [CLD/200 REF/200 DTP] MAN/* DTM/10 FOB PAL
      [N1/200 N2/2 N3/2 N4 REF/12 PER/3 FOB] SDQ/50 ETD CUR [SAC/* CUR] GF YNQ/10 [LM/10 LQ!/100] [V1/* R4/* DTM/*]]
    CTT`,
  '810/004010': `BIG! NTE/100 CUR REF/12 YNQ/10 PER/3 [N1/200 N2/2 N3/2 N4 REF/12 PER/3 DMG] ITD/* DTM/10 FOB PID/200 MEA/40 PWK/25
    PKG/25 L7 BAL/* INC PAM/* [LM/10 LQ!/100] [N9 MSG!/10] [V1/* R4/* DTM/*] [FA1/* FA2!/*]
    [IT1/200000 CRC QTY/5 CUR IT3/5 TXI/10 CTP/25 PAM/10 MEA/40 [PID/1000 MEA/10] PWK/25 PKG/25 PO4 ITD/2 REF/* YNQ/10 PER/5 SDQ/500
      DTM/10 CAD/* L7/* SR [SAC/25 TXI/10] [SLN/1000 DTM REF/* PID/1000 SAC/25 TC2/2 TXI/10] [N1/200 N2/2 N3/2 N4 REF/12 PER/3 DMG]
      [LM/10 LQ!/100] [V1/* R4/* DTM/*] [FA1/* FA2!/*]]
    TDS! TXI/10 CAD AMT/* [SAC/25 TXI/10] [ISS/* PID] CTT`,
  '810/005010': `BIG! NTE/100 CUR REF/12 YNQ/10 PER/3 [N1/200 N2/2 N3/2 N4 REF/12 PER/3 DMG] ITD/* DTM/10 FOB PID/200 MEA/40 PWK/25
    PKG/25 L7 BAL/* INC PAM/* CRC [LM/10 LQ!/100] [N9 MSG!/10] [V1/* R4/* DTM/*] [FA1/* FA2!/*]
    [IT1/200000 CRC QTY/5 CUR IT3/5 TXI/* CTP/25 PAM/10 MEA/40 [PID/1000 MEA/10] PWK/25 PKG/25 PO4 ITD/2 REF/* YNQ/10 PER/5 SDQ/500
      DTM/10 CAD/* L7/* SR [SAC/* [TXI/* DTM]] [SLN/1000 DTM REF/* PID/1000 SAC/* TC2/2 TXI/*] [N1/200 N2/2 N3/2 N4 REF/12 PER/3 DMG]
      [LM/10 LQ!/100] [V1/* R4/* DTM/*] [FA1/* FA2!/*]]
    TDS! TXI/* CAD AMT/* [SAC/* DTM/* [TXI/* DTM]] [ISS/* PID] CTT`,
};

interface TableSegment {
  readonly kind: 'segment';
  readonly id: string;
  readonly required: boolean;
  readonly max: number;
}

interface TableLoop {
  readonly kind: 'loop';
  /** The id of the loop's first segment, which starts each repetition. */
  readonly id: string;
  readonly required: boolean;
  /** How many times the loop may repeat. */
  readonly max: number;
  /** The loop's segments and inner loops; the first is the loop's first segment. */
  readonly entries: readonly TableEntry[];
}

type TableEntry = TableSegment | TableLoop;

/** One set's table: the entries between ST and SE. */
export interface SetTable {
  readonly setType: string;
  /** 004010 or 005010. */
  readonly version: string;
  readonly entries: readonly TableEntry[];
  /** Every segment id the table holds, at any depth. */
  readonly ids: ReadonlySet<string>;
}

const TOKEN = /\[|\]|([A-Z][A-Z0-9]{1,2})(!?)(?:\/(\d+|\*))?/g;
const UNBOUNDED = Number.POSITIVE_INFINITY;

/** Reads one table string into entries; a malformed table is a programming error, found by the tests at load. */
function parseTable(text: string): TableEntry[] {
  const stack: { entries: TableEntry[]; head: { id: string; required: boolean; max: number } | undefined }[] = [{ entries: [], head: undefined }];
  let opening = false;
  for (const match of text.matchAll(TOKEN)) {
    const [token, id, bang, max] = match;
    if (token === '[') {
      opening = true;
      continue;
    }
    if (token === ']') {
      const done = stack.pop();
      const parent = stack[stack.length - 1];
      if (done?.head === undefined || parent === undefined) throw new Error(`unbalanced ] in an X12 set table: ${text.slice(0, 40)}`);
      parent.entries.push({ kind: 'loop', ...done.head, entries: done.entries });
      continue;
    }
    const entry = { id: id ?? '', required: bang === '!', max: max === undefined ? 1 : max === '*' ? UNBOUNDED : Number(max) };
    if (opening) {
      // The loop's requirement and repeat are written on its first segment, which occurs once per repetition.
      stack.push({ entries: [{ kind: 'segment', id: entry.id, required: true, max: 1 }], head: entry });
      opening = false;
    } else {
      stack[stack.length - 1]?.entries.push({ kind: 'segment', ...entry });
    }
  }
  const [root] = stack;
  if (stack.length !== 1 || root === undefined) throw new Error(`unbalanced [ in an X12 set table: ${text.slice(0, 40)}`);
  return root.entries;
}

function idsOf(entries: readonly TableEntry[], into: Set<string>): Set<string> {
  for (const entry of entries) {
    into.add(entry.id);
    if (entry.kind === 'loop') idsOf(entry.entries, into);
  }
  return into;
}

const PARSED: ReadonlyMap<string, SetTable> = new Map(
  Object.entries(TABLES).map(([key, text]) => {
    const [setType = '', version = ''] = key.split('/');
    const entries = parseTable(text);
    return [key, { setType, version, entries, ids: idsOf(entries, new Set()) }];
  }),
);

/** Every segment id of every table: ids X12 puts in the sets the hub reads. */
export const TABLE_SEGMENT_IDS: ReadonlySet<string> = new Set([...PARSED.values()].flatMap((table) => [...table.ids]));

/**
 * The table of a set of type `setType` in a group of version `groupVersion` (GS08): 005010
 * (with or without an implementation convention) reads the 005010 table, anything else the
 * 004010 one (a group of another version is refused with AK905 2 anyway).
 */
export function setTableOf(setType: string, groupVersion: string): SetTable | undefined {
  return PARSED.get(`${setType}/${groupVersion.startsWith('005010') ? '005010' : '004010'}`);
}

/** A segment of a set as the check sees it: its id and its position in the set (ST = 1). */
export interface PlacedSegment {
  readonly id: string;
  readonly index: number;
}

/** What the check found: AK304 (IK304) code, the segment (or the one missing), its position in the set, and why. */
export interface PlacementProblem {
  readonly code: '3' | '4' | '5' | '6' | '7';
  readonly segmentId: string;
  /** AK302: the segment's position, or for a missing one the position of the segment that came in its place (SE's at the end). */
  readonly position: number;
  readonly message: string;
}

interface Frame {
  readonly entries: readonly TableEntry[];
  /** The loop this frame is a repetition of; undefined for the set itself. */
  readonly loop: TableLoop | undefined;
  /** Index of the entry last used; -1 before the first. */
  cursor: number;
  /** Uses of each entry in this repetition. */
  readonly counts: number[];
}

/**
 * Walks `segments` (the body of a set, in order, without ST and SE) through `table`, as a
 * translator does: each segment is looked for at or after the current place, first in the
 * innermost loop, then outward (leaving a loop closes it). A segment found nowhere ahead is
 * out of sequence and is skipped, the place kept, so one misplaced segment is one answer.
 * `end`: the position of SE (or where it would be), for what is missing at the end.
 */
export function checkPlacement(table: SetTable, segments: readonly PlacedSegment[], end: number): PlacementProblem[] {
  const problems: PlacementProblem[] = [];
  const name = `${table.version} ${table.setType}`;
  const frames: Frame[] = [{ entries: table.entries, loop: undefined, cursor: -1, counts: table.entries.map(() => 0) }];
  /** Mandatory entries of `frame` from `from` to before `to` that were not used: each is code 3 at `position`. */
  const missing = (frame: Frame, from: number, to: number, position: number) => {
    for (let i = Math.max(from, 0); i < to; i += 1) {
      const entry = frame.entries[i];
      if (entry === undefined || !entry.required || (frame.counts[i] ?? 0) > 0) continue;
      const what = entry.kind === 'loop' ? `the ${entry.id} loop` : entry.id;
      const where = frame.loop === undefined ? '' : ` in the ${frame.loop.id} loop`;
      problems.push({ code: '3', segmentId: entry.id, position, message: `${what}${where} is mandatory in an X12 ${table.setType} and is missing (the ${name} table)` });
    }
  };
  let previous = 'ST';
  for (const segment of segments) {
    const found = find(frames, segment.id);
    if (found === undefined) {
      problems.push(misplaced(table, frames, segment, previous));
      continue;
    }
    // Leaving the loops inside the one the segment is found in closes them: what they lack is missing.
    while (frames.length > found.depth + 1) {
      const closed = frames.pop();
      if (closed !== undefined) missing(closed, closed.cursor + 1, closed.entries.length, segment.index);
    }
    const frame = found.frame;
    missing(frame, frame.cursor + 1, found.index, segment.index);
    frame.cursor = found.index;
    const uses = (frame.counts[found.index] ?? 0) + 1;
    frame.counts[found.index] = uses;
    const entry = found.entry;
    if (uses > entry.max) problems.push(overused(table, entry, segment, uses, frame.loop));
    if (entry.kind === 'loop') frames.push({ entries: entry.entries, loop: entry, cursor: 0, counts: entry.entries.map((_, i) => (i === 0 ? 1 : 0)) });
    previous = segment.id;
  }
  for (let depth = frames.length - 1; depth >= 0; depth -= 1) {
    const frame = frames[depth];
    if (frame !== undefined) missing(frame, frame.cursor + 1, frame.entries.length, end);
  }
  return problems;
}

/** Where `id` can stand from the current place: the innermost frame that has it at or after its cursor. */
function find(frames: readonly Frame[], id: string): { depth: number; frame: Frame; index: number; entry: TableEntry } | undefined {
  for (let depth = frames.length - 1; depth >= 0; depth -= 1) {
    const frame = frames[depth];
    if (frame === undefined) continue;
    // A loop's first segment starts its next repetition, which the frame around it finds.
    for (let index = Math.max(frame.cursor, frame.loop === undefined ? 0 : 1); index < frame.entries.length; index += 1) {
      const entry = frame.entries[index];
      if (entry !== undefined && entry.id === id) return { depth, frame, index, entry };
    }
  }
  return undefined;
}

function overused(table: SetTable, entry: TableEntry, segment: PlacedSegment, uses: number, loop: TableLoop | undefined): PlacementProblem {
  const where = loop === undefined ? `an ${table.setType}` : `one ${loop.id} loop of an ${table.setType}`;
  const holds = entry.max === 1 ? 'one' : `at most ${entry.max}`;
  const what = `${uses === 2 ? 'a second ' : ''}${segment.id}${entry.kind === 'loop' ? ' loop' : ''}${uses === 2 ? '' : ` ${uses} times`}`;
  const limit = entry.kind === 'loop' ? `loop maximum ${entry.max}` : `maximum use ${entry.max}`;
  return { code: entry.kind === 'loop' ? '4' : '5', segmentId: segment.id, position: segment.index, message: `${what}; ${where} holds ${holds} (${limit})` };
}

/**
 * A segment found nowhere ahead: used up already behind the current place (5 for a segment,
 * 4 for a loop, e.g. a second BEG after the N1 loops), elsewhere in the table (7, not in proper
 * sequence, said with the place behind it that it would have had, else its first place in the
 * table), or in no place of the set's table at all (6).
 */
function misplaced(table: SetTable, frames: readonly Frame[], segment: PlacedSegment, previous: string): PlacementProblem {
  const name = `${table.version} ${table.setType}`;
  let place: string | undefined;
  for (let depth = frames.length - 1; depth >= 0 && place === undefined; depth -= 1) {
    const frame = frames[depth];
    if (frame === undefined) continue;
    const index = frame.entries.findIndex((entry, i) => entry.id === segment.id && i <= frame.cursor && (frame.loop === undefined || i > 0));
    const entry = frame.entries[index];
    if (entry === undefined) continue;
    const uses = frame.counts[index] ?? 0;
    if (uses >= entry.max) return overused(table, entry, segment, uses + 1, frame.loop);
    place = describe(frame.entries, index, frame.loop);
  }
  if (!table.ids.has(segment.id)) {
    return { code: '6', segmentId: segment.id, position: segment.index, message: `${segment.id} is not a segment of an X12 ${table.setType}: the ${name} table has no place for it` };
  }
  place ??= placeOf(table.entries, segment.id, undefined) ?? 'elsewhere';
  return { code: '7', segmentId: segment.id, position: segment.index, message: `${segment.id} is not in proper sequence: it follows ${previous}, and the ${name} table has it ${place}` };
}

/** "right after ST", "after INC", "in the PO1 loop after MEA": where entry `index` of `entries` stands. */
function describe(entries: readonly TableEntry[], index: number, loop: TableLoop | undefined): string {
  if (index === 0 && loop === undefined) return 'right after ST';
  const before = entries[index - 1]?.id ?? 'ST';
  return `${loop === undefined ? '' : `in the ${loop.id} loop `}after ${before}`;
}

/** Where `id` first stands in `entries`, at any depth. */
function placeOf(entries: readonly TableEntry[], id: string, loop: TableLoop | undefined): string | undefined {
  for (let i = 0; i < entries.length; i += 1) {
    const entry = entries[i];
    if (entry === undefined) continue;
    if (entry.id === id && (loop === undefined || i > 0)) return describe(entries, i, loop);
    if (entry.kind === 'loop') {
      const inner = placeOf(entry.entries, id, entry);
      if (inner !== undefined) return inner;
    }
  }
  return undefined;
}
