// Compact index keys: the first 8 bytes of SHA-256 as a signed 64-bit integer. An 8-byte key
// keeps the dedupe and correlation indexes small as the log grows (a text key on
// source+id would be several times larger and fall out of the page cache sooner). Two
// different strings may share a key, so readers always compare the full text too.
import { createHash } from 'node:crypto';

export function hashKey(text: string): bigint {
  return createHash('sha256').update(text).digest().readBigInt64BE(0);
}
