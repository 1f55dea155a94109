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

/** Slots of the previous table moved per addition while a grown table fills (at least 2 keep ahead of the next growth). */
const MOVED_PER_ADD = 8;

/**
 * One open-addressing table: per slot three 32-bit words side by side, the hash halves and the
 * sequence (0: empty; read unsigned), so that a probe touches one cache line, not three: a log
 * of a million events has tables of tens of megabytes, and each probe of three parallel arrays
 * missed the cache three times.
 */
interface Table {
  readonly words: Int32Array;
  readonly capacity: number;
}

const WORDS_PER_SLOT = 3;

function table(capacity: number): Table {
  return { words: new Int32Array(capacity * WORDS_PER_SLOT), capacity };
}

/** The sequence in a slot (0: empty). */
function sequenceAt(from: Table, slot: number): number {
  return (from.words[slot * WORDS_PER_SLOT + 2] ?? 0) >>> 0;
}

/** Whether a slot holds this hash. */
function holds(from: Table, slot: number, hi: number, lo: number): boolean {
  const at = slot * WORDS_PER_SLOT;
  return from.words[at] === hi && from.words[at + 1] === lo;
}

/**
 * Open addressing over (hi, lo, seq); several slots may share a hash, all are candidates.
 * Growth is incremental: a full table is kept beside its doubled successor and its entries move
 * over a few per addition, so that no single append pays for rehashing the whole log (at a
 * million events that was a stop of the event loop of about 0.2 s). Until they have moved,
 * lookups see the old table's slots not yet moved.
 */
class HashSlots {
  private current: Table;
  /** The table before the last growth and the first of its slots not moved yet. */
  private older: { readonly table: Table; next: number } | undefined;
  private used = 0;

  constructor(capacity = 1 << 16) {
    this.current = table(capacity);
  }

  get size(): number {
    return this.used;
  }

  /** Adds an entry (duplicates allowed). */
  add(hi: number, lo: number, sequence: number): void {
    if ((this.used + 1) * 2 > this.current.capacity) this.grow();
    this.move(MOVED_PER_ADD);
    place(this.current, hi, lo, sequence);
    this.used += 1;
  }

  /** Replaces the sequence of the entry with this hash, or adds one (for "latest per key" tables). */
  set(hi: number, lo: number, sequence: number): number {
    const replaced = replace(this.current, 0, hi, lo, sequence);
    if (replaced !== 0) return replaced;
    const older = this.older;
    const moved = older === undefined ? 0 : replace(older.table, older.next, hi, lo, sequence);
    if (moved !== 0) return moved;
    this.add(hi, lo, sequence);
    return 0;
  }

  /** Every sequence stored under this hash. */
  find(hi: number, lo: number): number[] {
    const found: number[] = [];
    collect(this.current, 0, hi, lo, found);
    if (this.older !== undefined) collect(this.older.table, this.older.next, hi, lo, found);
    return found;
  }

  private grow(): void {
    // The previous growth's table has moved over long before this one (MOVED_PER_ADD); finish it if not.
    this.move(Number.POSITIVE_INFINITY);
    this.older = { table: this.current, next: 0 };
    this.current = table(this.current.capacity * 2);
  }

  /** Moves up to `count` slots of the older table into the current one. */
  private move(count: number): void {
    const older = this.older;
    if (older === undefined) return;
    const from = older.table;
    const end = Math.min(from.capacity, older.next + count);
    for (let slot = older.next; slot < end; slot += 1) {
      const sequence = sequenceAt(from, slot);
      const at = slot * WORDS_PER_SLOT;
      if (sequence !== 0) place(this.current, from.words[at] ?? 0, from.words[at + 1] ?? 0, sequence);
    }
    older.next = end;
    if (end === from.capacity) this.older = undefined;
  }
}

function place(into: Table, hi: number, lo: number, sequence: number): void {
  const mask = into.capacity - 1;
  let slot = (lo ^ hi) & mask;
  while (sequenceAt(into, slot) !== 0) slot = (slot + 1) & mask;
  const at = slot * WORDS_PER_SLOT;
  into.words[at] = hi;
  into.words[at + 1] = lo;
  into.words[at + 2] = sequence;
}

/**
 * Walks the probe chain of a hash; slots below `movedBelow` (already moved out of an older table)
 * are skipped but still walked, as the chain runs through them.
 */
function collect(from: Table, movedBelow: number, hi: number, lo: number, found: number[]): void {
  const mask = from.capacity - 1;
  for (let slot = (lo ^ hi) & mask; ; slot = (slot + 1) & mask) {
    const current = sequenceAt(from, slot);
    if (current === 0) return;
    if (slot >= movedBelow && holds(from, slot, hi, lo)) found.push(current);
  }
}

/** Sets the sequence of the first entry with this hash (at or above `movedBelow`); returns the one it had, or 0. */
function replace(into: Table, movedBelow: number, hi: number, lo: number, sequence: number): number {
  const mask = into.capacity - 1;
  for (let slot = (lo ^ hi) & mask; ; slot = (slot + 1) & mask) {
    const current = sequenceAt(into, slot);
    if (current === 0) return 0;
    if (slot >= movedBelow && holds(into, slot, hi, lo)) {
      into.words[slot * WORDS_PER_SLOT + 2] = sequence;
      return current;
    }
  }
}

/** The correlation chains are kept in chunks of 2^16 sequences. */
const CHAIN_BITS = 16;
const CHAIN_MASK = (1 << CHAIN_BITS) - 1;

/**
 * Candidates by dedupe key (source + id) and by correlation id. Correlations are chained: the
 * table holds the latest sequence per correlation and `previous[seq]` the one before it.
 */
export class KeyIndex {
  private readonly dedupe = new HashSlots();
  private readonly correlation = new HashSlots();
  /** `previous[seq]`, in chunks of 2^CHAIN_BITS: growing never copies what is there (a copy of 4 MB stopped intake for tens of ms). */
  private readonly chains: Uint32Array[] = [];
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
      const chunk = sequence >>> CHAIN_BITS;
      while (this.chains.length <= chunk) this.chains.push(new Uint32Array(1 << CHAIN_BITS));
      (this.chains[chunk] as Uint32Array)[sequence & CHAIN_MASK] = this.correlation.set(correlation[0], correlation[1], sequence);
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
      for (let sequence = latest; sequence !== 0; sequence = this.chains[sequence >>> CHAIN_BITS]?.[sequence & CHAIN_MASK] ?? 0) sequences.push(sequence);
    }
    return sequences.sort((a, b) => a - b);
  }

  get events(): number {
    return this.dedupe.size;
  }
}

/** An event written under a key, and the next one written under a key of the same hash. */
interface WrittenEntry<T> {
  readonly key: string;
  readonly value: T;
  readonly next: WrittenEntry<T> | undefined;
}

/**
 * What a transaction under way has written, by dedupe key, before the index learns of it at
 * commit. Kept by the key's 64-bit hash, which planning computes for the index anyway: a Map
 * keyed by the fresh key string hashes its 50-odd characters a second time (about 150 ns an
 * event, docs/benchmarks.md, twenty-seventh session). Keys of the same hash are chained and
 * told apart by their text.
 */
export class WrittenKeys<T> {
  private readonly byHash = new Map<number, WrittenEntry<T>>();

  get(key: string, hash: readonly [number, number]): T | undefined {
    for (let entry = this.byHash.get(slotOf(hash)); entry !== undefined; entry = entry.next) if (entry.key === key) return entry.value;
    return undefined;
  }

  set(key: string, hash: readonly [number, number], value: T): void {
    const slot = slotOf(hash);
    this.byHash.set(slot, { key, value, next: this.byHash.get(slot) });
  }
}

/** A Map key from a 64-bit hash, within V8's small integers (31 bits): no number is boxed. */
function slotOf(hash: readonly [number, number]): number {
  return (hash[0] ^ hash[1]) & 0x3fffffff;
}
