// Reads the elements of one transaction set for a mapper and records every problem in the
// terms of an acknowledgement: AK3 (segment, position in the set, syntax error code) and AK4
// (element position, data element reference number, error code, the bad value).
import { parseDate, isTime } from './x12-syntax.js';
import type { X12Segment, X12TransactionSet } from './x12-syntax.js';

/** AK304 / IK304 segment syntax error codes (element 720). */
export type SegmentFault = '1' | '2' | '3' | '4' | '5' | '6' | '7' | '8';
/** AK403 / IK403 data element syntax error codes (element 723). */
export type ElementFault = '1' | '2' | '3' | '4' | '5' | '6' | '7' | '8' | '9' | '10';

export interface ElementError {
  /** Element position in the segment (AK401). */
  readonly position: number;
  /** Data element reference number (AK402). */
  readonly reference: string;
  readonly code: ElementFault;
  /** A copy of the bad value (AK404), when there is one. */
  readonly value: string | undefined;
  readonly message: string;
}

export interface SegmentError {
  readonly segmentId: string;
  /** Position in the set, ST being 1 (AK302). */
  readonly position: number;
  /** Position in the whole text, for diagnostics. */
  readonly filePosition: number;
  readonly code: SegmentFault;
  readonly elements: readonly ElementError[];
  readonly message: string;
  /** Reported, but the set is accepted all the same (AK5 E, "accepted but errors were noted"). */
  readonly noted?: true;
}

/** A segment of the set with its position in the set (ST = 1). */
export interface SetSegment {
  readonly segment: X12Segment;
  readonly index: number;
}

export class SetReader {
  private readonly errors = new Map<string, { segment: Omit<SegmentError, 'elements'>; elements: ElementError[] }>();

  constructor(readonly set: X12TransactionSet) {}

  /** Every segment between ST and SE, with its position in the set. */
  body(): SetSegment[] {
    return this.set.segments.slice(1, this.set.trailer === undefined ? undefined : -1).map((segment, i) => ({ segment, index: i + 2 }));
  }

  first(id: string): SetSegment | undefined {
    return this.body().find((s) => s.segment.id === id);
  }

  element(at: SetSegment, n: number): string {
    return (at.segment.elements[n] ?? '').trim();
  }

  /** A value that must be there: missing is AK4 code 1. */
  required(at: SetSegment, n: number, reference: string, what: string): string | undefined {
    const value = this.element(at, n);
    if (value !== '') return value;
    this.elementError(at, { position: n, reference, code: '1', value: undefined, message: `${at.segment.id}${pad2(n)} (${what}) is missing` });
    return undefined;
  }

  optional(at: SetSegment, n: number): string | undefined {
    const value = this.element(at, n);
    return value === '' ? undefined : value;
  }

  /** CCYYMMDD (or YYMMDD) to YYYY-MM-DD; not a calendar date is AK4 code 8. */
  date(at: SetSegment, n: number, reference: string, what: string, required = true): string | undefined {
    const value = required ? this.required(at, n, reference, what) : this.optional(at, n);
    if (value === undefined) return undefined;
    const date = /^\d{8}$/.test(value) || /^\d{6}$/.test(value) ? parseDate(value) : undefined;
    if (date === undefined) this.elementError(at, { position: n, reference, code: '8', value, message: `${at.segment.id}${pad2(n)} (${what}) "${value}" is not a date (CCYYMMDD)` });
    return date;
  }

  /** HHMM[SS]; not a time is AK4 code 9. */
  time(at: SetSegment, n: number, reference: string, what: string): string | undefined {
    const value = this.optional(at, n);
    if (value === undefined) return undefined;
    if (!isTime(value)) {
      this.elementError(at, { position: n, reference, code: '9', value, message: `${at.segment.id}${pad2(n)} (${what}) "${value}" is not a time (HHMM)` });
      return undefined;
    }
    return value;
  }

  /** An X12 decimal (R) as a canonical decimal string; anything else is AK4 code 6. */
  decimal(at: SetSegment, n: number, reference: string, what: string, required = true): string | undefined {
    const value = required ? this.required(at, n, reference, what) : this.optional(at, n);
    if (value === undefined) return undefined;
    const canonical = canonicalDecimal(value);
    if (canonical === undefined) this.elementError(at, { position: n, reference, code: '6', value, message: `${at.segment.id}${pad2(n)} (${what}) "${value}" is not a decimal number` });
    return canonical;
  }

  /** A whole number of 1 or more (line numbers); anything else is AK4 code 6. */
  lineNumber(at: SetSegment, n: number, reference: string, what: string): number | undefined {
    const value = this.required(at, n, reference, what);
    if (value === undefined) return undefined;
    if (!/^0*[1-9]\d{0,8}$/.test(value)) {
      this.elementError(at, { position: n, reference, code: '6', value, message: `${at.segment.id}${pad2(n)} (${what}) "${value}" is not a line number (a whole number from 1)` });
      return undefined;
    }
    return Number(value);
  }

  /** One of `codes`; anything else is AK4 code 7. */
  code<C extends string>(at: SetSegment, n: number, reference: string, what: string, codes: readonly C[], required = true): C | undefined {
    const value = required ? this.required(at, n, reference, what) : this.optional(at, n);
    if (value === undefined) return undefined;
    if ((codes as readonly string[]).includes(value)) return value as C;
    this.elementError(at, { position: n, reference, code: '7', value, message: `${at.segment.id}${pad2(n)} (${what}) "${value}" is not one of ${codes.join(', ')}` });
    return undefined;
  }

  /** A value the mapping cannot use although its syntax is fine (e.g. an unknown plant): AK4 code 7. */
  invalid(at: SetSegment, n: number, reference: string, message: string): void {
    this.elementError(at, { position: n, reference, code: '7', value: this.element(at, n), message });
  }

  /** Any other element error with its code. */
  elementValue(at: SetSegment, n: number, reference: string, code: ElementFault, message: string): void {
    this.elementError(at, { position: n, reference, code, value: this.element(at, n), message });
  }

  /** A segment the mapping needs is absent (AK3 code 3), reported where it was expected. */
  missing(segmentId: string, position: number, message: string): void {
    this.segmentError(segmentId, position, this.filePositionOf(position), '3', message);
  }

  /** A segment whose id is no X12 segment id the hub recognizes (code 1), or an envelope segment inside the set (code 2). */
  segmentId(at: SetSegment, code: '1' | '2', message: string): void {
    this.segmentError(at.segment.id, at.index, at.segment.position, code, message);
  }

  /** A segment the set's table has elsewhere (7), nowhere (6), or fewer times (5; 4 for a loop); `position` in the set. */
  placement(segmentId: string, position: number, code: '4' | '5' | '6' | '7', message: string): void {
    this.segmentError(segmentId, position, this.filePositionOf(position), code, message);
  }

  /** A segment where the set's structure does not allow it (AK3 code 2). */
  unexpected(at: SetSegment, message: string): void {
    this.segmentError(at.segment.id, at.index, at.segment.position, '2', message);
  }

  /** Every error, in the order of the set. */
  problems(): SegmentError[] {
    return [...this.errors.values()]
      .map(({ segment, elements }) => ({ ...segment, elements: [...elements].sort((a, b) => a.position - b.position) }))
      .sort((a, b) => a.position - b.position || a.segmentId.localeCompare(b.segmentId));
  }

  hasProblems(): boolean {
    return this.errors.size > 0;
  }

  private elementError(at: SetSegment, error: ElementError): void {
    const key = `${at.index}:${at.segment.id}`;
    let entry = this.errors.get(key);
    if (entry === undefined) {
      entry = { segment: { segmentId: at.segment.id, position: at.index, filePosition: at.segment.position, code: '8', message: error.message }, elements: [] };
      this.errors.set(key, entry);
    }
    entry.elements.push(error);
  }

  private segmentError(segmentId: string, position: number, filePosition: number, code: SegmentFault, message: string): void {
    const key = `${position}:${segmentId}`;
    if (!this.errors.has(key)) this.errors.set(key, { segment: { segmentId, position, filePosition, code, message }, elements: [] });
  }

  private filePositionOf(setPosition: number): number {
    const segments = this.set.segments;
    const found = segments[Math.min(setPosition - 1, segments.length - 1)];
    return found?.position ?? this.set.header.position;
  }
}

/** "12.50", ".5", "-3", "7." as canonical decimal strings ("12.50", "0.5", "-3", "7"); undefined when not a number. */
export function canonicalDecimal(value: string): string | undefined {
  const match = /^(-?)(\d*)(?:\.(\d*))?$/.exec(value);
  if (match === null) return undefined;
  const [, sign = '', whole = '', fraction = ''] = match;
  if (whole === '' && fraction === '') return undefined;
  const integer = whole.replace(/^0+(?=\d)/, '') || '0';
  const text = fraction === '' ? integer : `${integer}.${fraction}`;
  return sign === '-' && /[1-9]/.test(text) ? `-${text}` : text;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}
