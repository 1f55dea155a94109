// Strings of an event must be well-formed Unicode: no lone surrogate (a `\ud800` escape without
// its pair). CloudEvents forbids them in its String type and I-JSON (RFC 7493) in any string or
// member name. JSON.parse takes them, and what happens next depends on the store: SQLite keeps
// them as sent, PostgreSQL's driver turns each into U+FFFD, so a resend of an event whose id held
// one was not recognised there and was stored a second time.
import { escapePointer } from './contracts/schema-scope.js';

/**
 * The JSON pointer of the first string or member name in `value` that is not well-formed
 * Unicode, or undefined when every one is. Recursive: for values whose depth the door has
 * already bounded.
 */
export function illFormedAt(value: unknown): string | undefined {
  if (typeof value === 'string') return value.isWellFormed() ? undefined : '';
  if (value === null || typeof value !== 'object') return undefined;
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index += 1) {
      const below = illFormedAt(value[index]);
      if (below !== undefined) return `/${index}${below}`;
    }
    return undefined;
  }
  for (const key of Object.keys(value)) {
    const name = escapePointer(key);
    if (!key.isWellFormed()) return `/${name}`;
    const below = illFormedAt((value as Record<string, unknown>)[key]);
    if (below !== undefined) return `/${name}${below}`;
  }
  return undefined;
}

/** Whether JSON text may hold a lone surrogate: only a `\u` escape can spell one in valid UTF-8. */
export function mayHoldSurrogateEscape(text: string): boolean {
  return text.includes('\\u');
}
