// SHA-256 of a file's bytes, hex: names a file in reports and derives event ids of keyless mappings.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * A file's first `keep` bytes, its size and its SHA-256, read as a stream: a file too large to be
 * taken is never held whole in memory (a chunk at a time, 64 KiB).
 */
export async function headAndDigest(path: string, keep: number): Promise<{ head: Uint8Array; bytes: number; sha256: string }> {
  const hash = createHash('sha256');
  const parts: Buffer[] = [];
  let kept = 0;
  let bytes = 0;
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    bytes += chunk.length;
    if (kept < keep) {
      const part = Buffer.from(chunk.subarray(0, keep - kept));
      parts.push(part);
      kept += part.length;
    }
  }
  return { head: Buffer.concat(parts), bytes, sha256: hash.digest('hex') };
}
