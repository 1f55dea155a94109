// SHA-256 of a file's bytes, hex: names a file in reports and derives event ids of keyless mappings.
import { createHash } from 'node:crypto';

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
