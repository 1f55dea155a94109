// Keyset cursors of the listings (PO lines, exceptions, deliveries, quarantine): a listing takes
// back only the `next` it gave. Anything else is refused, rather than read as NaN or "before 0"
// (an empty page on SQLite, a 500 on PostgreSQL, whose bigint takes neither NaN nor 1e23), as a
// key that sorts after every line (`garbage`: an empty page) or dropped (the first page again,
// which a client walking the pages never leaves).
import { MillraceError, shownValue } from '../../core/index.js';

/** Refuses an `after` this listing never gave: invalid_request (400 over HTTP). */
export function refuseForeignCursor(after: string): never {
  throw new MillraceError('invalid_request', `after "${shownValue(after)}" is not a cursor of this listing: pass the \`next\` of the page before`);
}

/** A log sequence as a cursor writes it (`String(sequence)`), or undefined. */
export function cursorSequence(text: string): number | undefined {
  if (!/^[1-9][0-9]{0,15}$/.test(text)) return undefined;
  const sequence = Number(text);
  return Number.isSafeInteger(sequence) ? sequence : undefined;
}

/**
 * A PO line key as a cursor writes it (lineKey: `<PO number>/<line>`, the PO number an identifier
 * of at most 64 characters, the line 1 or more without leading zeros), or undefined.
 */
export function cursorLineKey(text: string): string | undefined {
  const match = /^(.{1,64})\/([1-9][0-9]{0,15})$/u.exec(text);
  return match === null || cursorSequence(match[2] ?? '') === undefined ? undefined : text;
}
