// Keyset cursors of the listings (exceptions, deliveries, quarantine): a listing takes back only
// the `next` it gave. Anything else is refused, rather than read as NaN or "before 0" (an empty
// page on SQLite, a 500 on PostgreSQL, whose bigint takes neither NaN nor 1e23) or dropped (the
// first page again, which a client walking the pages never leaves).
import { MillraceError } from '../../core/index.js';

/** Refuses an `after` this listing never gave: invalid_request (400 over HTTP). */
export function refuseForeignCursor(after: string): never {
  throw new MillraceError('invalid_request', `after "${after}" is not a cursor of this listing: pass the \`next\` of the page before`);
}

/** A log sequence as a cursor writes it (`String(sequence)`), or undefined. */
export function cursorSequence(text: string): number | undefined {
  if (!/^[1-9][0-9]{0,15}$/.test(text)) return undefined;
  const sequence = Number(text);
  return Number.isSafeInteger(sequence) ? sequence : undefined;
}
