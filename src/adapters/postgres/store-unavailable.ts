// Which failures of PostgreSQL a client should retry: those of the database (its connection, its
// time limits), said as `store_unavailable` (HTTP 503), never as a 500 that blames the hub.
import type pg from 'pg';
import { MillraceError } from '../../core/index.js';

/** SQLSTATEs and socket codes that say the database did not answer, not that the request was wrong. */
const UNAVAILABLE_CODES = new Set([
  // The server shutting down or not accepting connections; a session ended for idling in a transaction.
  '57P01', '57P02', '57P03', '25P03',
  // Too many connections.
  '53300',
  // A statement cut at the store's time limit (statement_timeout) or by an operator's cancel; a lock
  // not granted within lock_timeout (a lock held by another session: a frozen one, an operator's).
  '57014', '55P03',
  'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH',
]);

/**
 * The error as the hub says it: a failure of the database connection itself (SQLSTATE class 08
 * and the codes above, a socket refused, reset or cut) or a statement that did not finish within
 * the store's time limits becomes `store_unavailable`; any other error is returned as it is.
 */
export function unavailable(error: unknown): unknown {
  if (error instanceof MillraceError) return error;
  const { code, message } = error as { code?: unknown; message?: unknown };
  const text = typeof message === 'string' ? message : String(error);
  const lost =
    (typeof code === 'string' && (code.startsWith('08') || UNAVAILABLE_CODES.has(code))) ||
    /^Connection terminated|not queryable|timeout exceeded when trying to connect/.test(text);
  if (!lost) return error;
  return new MillraceError('store_unavailable', `the database did not answer (${text}); if these were events, send them again: a resend of what was stored is answered as a duplicate`, {});
}

/**
 * Makes every `pool.query` of the store reject with `unavailable(error)`: the reads of the HTTP
 * API (lists, KPIs, timelines) answer 503 as the writes do when the database does not answer.
 * Only the promise form is used by the store; a callback call is passed through as it is.
 */
export function guardQueries(pool: pg.Pool): pg.Pool {
  const query = pool.query.bind(pool) as (...args: unknown[]) => unknown;
  const guarded = (...args: unknown[]): unknown => {
    const result = query(...args);
    return result instanceof Promise ? result.catch((error: unknown) => Promise.reject(unavailable(error) as Error)) : result;
  };
  Object.assign(pool, { query: guarded });
  return pool;
}
