// FNV-1a over a string's UTF-16 code units, 32 bits: a short, stable, dependency-free hash for
// ids that must stay within a contract's length and for spreading keys over partitions. Not
// collision-resistant: callers that need a unique id check for a clash themselves.

export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

/** The hash as 8 hex digits. */
export function fnv1aHex(text: string): string {
  return fnv1a(text).toString(16).padStart(8, '0');
}
