// Writes X12 interchanges: the fixed-width ISA, groups and sets from element lists, with
// the counts and control numbers of their trailers computed, never typed by hand.
import type { X12Delimiters } from './x12-syntax.js';

export interface X12Identity {
  readonly qualifier: string;
  readonly id: string;
}

export interface OutboundGroup {
  readonly functionalId: string;
  readonly senderCode: string;
  readonly receiverCode: string;
  readonly controlNumber: number;
  /** GS08, e.g. 004010 or 005010X231A1. */
  readonly version: string;
  /** Each set's segments between ST and SE (ST and SE are added), with its ST01 and optional ST03. */
  readonly sets: readonly { readonly type: string; readonly convention?: string; readonly segments: readonly (readonly string[])[] }[];
}

export interface OutboundInterchange {
  readonly sender: X12Identity;
  readonly receiver: X12Identity;
  readonly controlNumber: number;
  /** RFC 3339 instant the interchange is made (the hub's clock, passed in). */
  readonly now: string;
  /** 00401 or 00501. */
  readonly version: string;
  readonly usage: 'P' | 'T';
  readonly delimiters: X12Delimiters;
  /** Segments between ISA and the first GS (a TA1). */
  readonly leading?: readonly (readonly string[])[];
  readonly groups: readonly OutboundGroup[];
}

export const DEFAULT_DELIMITERS: X12Delimiters = { element: '*', component: ':', repetition: '^', segment: '~' };

/** The largest interchange control number (ISA13 has nine digits). */
export const MAX_CONTROL_NUMBER = 999_999_999;

export function writeInterchange(interchange: OutboundInterchange): string {
  const { delimiters } = interchange;
  const stamp = stampOf(interchange.now);
  const isa13 = nine(interchange.controlNumber);
  const lines: string[][] = [
    [
      'ISA', '00', ' '.repeat(10), '00', ' '.repeat(10),
      interchange.sender.qualifier, interchange.sender.id.padEnd(15).slice(0, 15),
      interchange.receiver.qualifier, interchange.receiver.id.padEnd(15).slice(0, 15),
      stamp.date.slice(2), stamp.time,
      interchange.version >= '00402' ? (delimiters.repetition ?? '^') : 'U',
      interchange.version, isa13, '0', interchange.usage, delimiters.component,
    ],
    ...(interchange.leading ?? []).map((s) => [...s]),
  ];
  for (const group of interchange.groups) {
    lines.push(['GS', group.functionalId, group.senderCode, group.receiverCode, stamp.date, stamp.time, String(group.controlNumber), 'X', group.version]);
    group.sets.forEach((set, index) => {
      const control = String(index + 1).padStart(4, '0');
      const body = set.segments.map((s) => [...s]);
      lines.push(['ST', set.type, control, ...(set.convention === undefined ? [] : [set.convention])], ...body, ['SE', String(body.length + 2), control]);
    });
    lines.push(['GE', String(group.sets.length), String(group.controlNumber)]);
  }
  lines.push(['IEA', String(interchange.groups.length), isa13]);
  return writeSegments(lines, delimiters);
}

/** Segments joined with the delimiters; trailing empty elements are dropped (except in the ISA). */
export function writeSegments(segments: readonly (readonly string[])[], delimiters: X12Delimiters): string {
  const layout = delimiters.segment === '\n' || delimiters.segment === '\r' ? '' : '\n';
  return segments
    .map((segment) => {
      const elements = segment[0] === 'ISA' ? [...segment] : trimTrailing(segment);
      return `${elements.join(delimiters.element)}${delimiters.segment}${layout}`;
    })
    .join('');
}

function trimTrailing(segment: readonly string[]): string[] {
  const out = [...segment];
  while (out.length > 1 && out[out.length - 1] === '') out.pop();
  return out;
}

export function nine(n: number): string {
  return String(n).padStart(9, '0');
}

/** CCYYMMDD and HHMM of an instant, in UTC. */
export function stampOf(now: string): { date: string; time: string } {
  const iso = new Date(now).toISOString();
  return { date: iso.slice(0, 10).replaceAll('-', ''), time: iso.slice(11, 16).replace(':', '') };
}
