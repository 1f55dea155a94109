// Quarantine: inbound messages an asynchronous channel (CSV, X12, MQTT) could not accept, kept
// with their raw bytes, the reason and the source until someone retries them after a fix or
// discards them, saying why. Adapters: SQLite, PostgreSQL (test/conformance/quarantine-store.conformance.ts).
import type { Page } from './workflow-store.port.js';

export type QuarantineStatus = 'held' | 'accepted' | 'reprocessed' | 'discarded';

/** One problem that kept the message out, located where the channel can locate it. */
export interface QuarantineProblem {
  readonly code: string;
  readonly message: string;
  /** CSV: the file's line; X12: the segment position. */
  readonly line?: number;
  readonly column?: string;
  readonly value?: string;
  /** Master data: the kind of code without a mapping (item, supplier, plant, unit). */
  readonly kind?: string;
}

export interface QuarantineReason {
  /** A row problem code, `csv_unreadable`, `x12_rejected`, ... */
  readonly code: string;
  readonly message: string;
  readonly problems: readonly QuarantineProblem[];
}

/** One thing that happened to an entry after it was quarantined. */
export interface QuarantineAttempt {
  readonly at: string;
  /** `operator:<id>` for a retry or a discard, `millrace:startup`, or the source (`/systems/wms-p02`) that sent the same message again. */
  readonly by: string;
  /** `resend`: the source sent the same message again while the entry was held (see QuarantineOptions). */
  readonly action: 'retry' | 'discard' | 'resend';
  /** What a retry did: everything accepted, part accepted (the rest quarantined anew), or still failing (a resend is always still failing). */
  readonly outcome: 'accepted' | 'reprocessed' | 'still_failing' | 'discarded';
  /** A resend carries one only when it failed for another reason than the entry's. */
  readonly reason?: QuarantineReason;
  /** Why an entry was discarded. */
  readonly note?: string;
  /** Events that went in, and entries made from what still failed. */
  readonly accepted?: readonly { readonly id: string; readonly source: string; readonly sequence: number }[];
  readonly requarantined?: readonly string[];
}

export interface NewQuarantineEntry {
  readonly channel: string;
  /** The source the message speaks for (`/systems/wms-p02`, `/partners/sup-0107`). */
  readonly source: string;
  /** The mapping (CSV) or partner agreement (X12) it came in under. */
  readonly ref?: string;
  readonly receivedTime: string;
  readonly raw: Uint8Array;
  /** File name, interchange control number, topic: whatever names the message where it came from. */
  readonly name?: string;
  readonly reason: QuarantineReason;
  /** What the channel needs to reprocess the raw bytes as they were first processed (CSV: the file digest, original line numbers). */
  readonly context: Readonly<Record<string, unknown>>;
}

export interface QuarantineEntry extends NewQuarantineEntry {
  readonly id: string;
  readonly status: QuarantineStatus;
  readonly attempts: readonly QuarantineAttempt[];
  readonly updatedTime: string;
}

export interface QuarantineOptions {
  /**
   * For channels whose senders resend whole messages (a CSV file, an X12 interchange): an entry
   * equal to one that is still held (same channel, source, ref, raw bytes and context) is not
   * stored again. The held entry gets a `resend` attempt (by the source, at the new entry's
   * received time) and is returned in its place.
   */
  readonly foldResends?: boolean;
}

export interface QuarantineFilter {
  readonly status?: QuarantineStatus;
  readonly channel?: string;
  readonly source?: string;
}

/**
 * Promises:
 * - `quarantine` stores the entries (status `held`, no attempts) in one transaction and returns
 *   them with their ids, in order. The raw bytes read back byte for byte. With `foldResends`, an
 *   entry equal to a held one is that held entry, with one more `resend` attempt; two hubs
 *   receiving the same message at once keep one entry.
 * - A resend never closes an entry, and never makes `recordQuarantineAttempt` miss: that misses
 *   only when the entry was closed meanwhile.
 * - `listQuarantine` answers newest first, paged by an opaque cursor (`next`).
 * - `recordQuarantineAttempt` appends the attempt and sets the status only while the entry is
 *   still `held` (compare-and-set); it resolves with the updated entry, or undefined when the
 *   entry does not exist or was closed meanwhile. A still-failing retry keeps it `held`.
 * Leaves out: reprocessing (the channels do); deleting entries (nothing is dropped).
 */
export interface QuarantineStore {
  quarantine(entries: readonly NewQuarantineEntry[], options?: QuarantineOptions): Promise<QuarantineEntry[]>;
  getQuarantined(id: string): Promise<QuarantineEntry | undefined>;
  /** How many entries each channel has in each status (for metrics). */
  quarantineCounts(): Promise<readonly { readonly channel: string; readonly status: QuarantineStatus; readonly count: number }[]>;
  /** Newest first; `after` is the `next` of the previous page, and anything else is refused (MillraceError invalid_request). */
  listQuarantine(filter: QuarantineFilter, limit: number, after?: string): Promise<Page<QuarantineEntry>>;
  recordQuarantineAttempt(id: string, attempt: QuarantineAttempt, status: QuarantineStatus, updatedTime: string): Promise<QuarantineEntry | undefined>;
}
