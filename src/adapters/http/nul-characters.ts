// U+0000 in a request's query, path parameters or JSON body, refused with 400 before a route
// reaches the store: PostgreSQL takes no NUL in a text parameter ("invalid byte sequence for
// encoding UTF8: 0x00"), so `/v1/exceptions?po=%00` or `/v1/workflows/p2p/%00` answered 500
// there, while SQLite looked the text up and found nothing. No id, key or code the hub stores
// holds one (the envelope refuses control characters in ids), so nothing findable is refused.
import { refuseOnRoute } from './request-value-rules.js';

/** The `onRoute` hook for routes whose schema declares a query, path parameters or a body. */
export const refuseNulCharacters = refuseOnRoute({
  appliesTo: () => true,
  refuses: (value) => typeof value === 'string' && value.includes('\u0000'),
  names: true,
  detail: (where) => `${where.replaceAll('\u0000', '\\u0000')} must not contain U+0000 (NUL)`,
});
