// The embedded store's dedupe and correlation index, in memory. A B-tree on random keys in the
// SQLite file costs a dirty 4 KB page per event and slows appends as the log grows; here an
// append writes one sequential row (seq, hashes) to a narrow table, and the lookups run against
// open-addressing tables of 64-bit hashes built from that table when the store opens. About 36
// bytes per event; a hash names candidates only, the caller always compares the full text.

/** A 64-bit hash of a string as two 32-bit halves (two FNV-1a lanes with different offsets, then mixed). */
export function hash64(text: string): [number, number] {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  // Final avalanche so that keys differing in one character spread over the whole table.
  a ^= a >>> 16;
  a = Math.imul(a, 0x85ebca6b);
  a ^= a >>> 13;
  b = Math.imul(b ^ (b >>> 16), 0xc2b2ae35);
  b ^= b >>> 16;
  a ^= b;
  return [a | 0, b | 0];
}

/** Open addressing over (hi, lo, seq); several slots may share a hash, all are candidates. */
class HashSlots {
  private hi: Int32Array;
  private lo: Int32Array;
  private seq: Uint32Array;
  private used = 0;

  constructor(capacity = 1 << 16) {
    this.hi = new Int32Array(capacity);
    this.lo = new Int32Array(capacity);
    this.seq = new Uint32Array(capacity);
  }

  get size(): number {
    return this.used;
  }

  /** Adds an entry (duplicates allowed). */
  add(hi: number, lo: number, sequence: number): void {
    if ((this.used + 1) * 2 > this.seq.length) this.grow();
    this.place(hi, lo, sequence);
    this.used += 1;
  }

  /** Replaces the sequence of the entry with this hash, or adds one (for "latest per key" tables). */
  set(hi: number, lo: number, sequence: number): number {
    const mask = this.seq.length - 1;
    for (let slot = (lo ^ hi) & mask; ; slot = (slot + 1) & mask) {
      const current = this.seq[slot] ?? 0;
      if (current === 0) break;
      if (this.hi[slot] === hi && this.lo[slot] === lo) {
        this.seq[slot] = sequence;
        return current;
      }
    }
    this.add(hi, lo, sequence);
    return 0;
  }

  /** Every sequence stored under this hash. */
  find(hi: number, lo: number): number[] {
    const found: number[] = [];
    const mask = this.seq.length - 1;
    for (let slot = (lo ^ hi) & mask; ; slot = (slot + 1) & mask) {
      const current = this.seq[slot] ?? 0;
      if (current === 0) return found;
      if (this.hi[slot] === hi && this.lo[slot] === lo) found.push(current);
    }
  }

  private place(hi: number, lo: number, sequence: number): void {
    const mask = this.seq.length - 1;
    let slot = (lo ^ hi) & mask;
    while ((this.seq[slot] ?? 0) !== 0) slot = (slot + 1) & mask;
    this.hi[slot] = hi;
    this.lo[slot] = lo;
    this.seq[slot] = sequence;
  }

  private grow(): void {
    const { hi, lo, seq } = this;
    this.hi = new Int32Array(seq.length * 2);
    this.lo = new Int32Array(seq.length * 2);
    this.seq = new Uint32Array(seq.length * 2);
    for (let slot = 0; slot < seq.length; slot += 1) {
      const sequence = seq[slot] ?? 0;
      if (sequence !== 0) this.place(hi[slot] ?? 0, lo[slot] ?? 0, sequence);
    }
  }
}

/**
 * Candidates by dedupe key (source + id) and by correlation id. Correlations are chained: the
 * table holds the latest sequence per correlation and `previous[seq]` the one before it.
 */
export class KeyIndex {
  private readonly dedupe = new HashSlots();
  private readonly correlation = new HashSlots();
  private previous = new Uint32Array(1 << 16);
  /** Highest sequence indexed. */
  head = 0;

  /**
   * Indexes the next event. Events come in sequence order; one already indexed is ignored (the
   * append thread's commit can be read back by a catch-up before its answer arrives).
   */
  add(sequence: number, dedupe: readonly [number, number], correlation: readonly [number, number] | undefined): void {
    if (sequence <= this.head) return;
    this.dedupe.add(dedupe[0], dedupe[1], sequence);
    if (correlation !== undefined) {
      if (sequence >= this.previous.length) {
        const grown = new Uint32Array(Math.max(sequence + 1, this.previous.length * 2));
        grown.set(this.previous);
        this.previous = grown;
      }
      this.previous[sequence] = this.correlation.set(correlation[0], correlation[1], sequence);
    }
    this.head = sequence;
  }

  /** Sequences whose dedupe hash equals this one (usually none or one). */
  candidates(dedupe: readonly [number, number]): number[] {
    return this.dedupe.find(dedupe[0], dedupe[1]);
  }

  /** Sequences whose correlation hash equals this one, ascending. */
  correlated(correlation: readonly [number, number]): number[] {
    const sequences: number[] = [];
    for (const latest of this.correlation.find(correlation[0], correlation[1])) {
      for (let sequence = latest; sequence !== 0; sequence = this.previous[sequence] ?? 0) sequences.push(sequence);
    }
    return sequences.sort((a, b) => a - b);
  }

  get events(): number {
    return this.dedupe.size;
  }
}
