// Quarantine use cases: list what the asynchronous channels could not accept, retry an entry
// with the current manifest (its channel reprocesses the raw bytes), or discard it saying why.
// Nothing is deleted: a discarded entry keeps its bytes, who discarded it, when and why.
import type { Principal, PublishingAuthority } from '../core/index.js';
import { MillraceError, shownValue, sourceOf } from '../core/index.js';
import type { Clock, NewQuarantineEntry, Page, QuarantineAttempt, QuarantineEntry, QuarantineFilter, QuarantineReason, QuarantineStore } from '../ports/index.js';

/** What a channel's reprocessing of a quarantined message did. */
export interface ReprocessOutcome {
  /** accepted: everything went in; reprocessed: part went in, the rest is in new entries; still_failing: nothing went in. */
  readonly outcome: 'accepted' | 'reprocessed' | 'still_failing';
  readonly reason?: QuarantineReason;
  readonly accepted?: readonly { readonly id: string; readonly source: string; readonly sequence: number }[];
  readonly requarantined?: readonly string[];
}

/**
 * What the quarantine keeps of a payload over its channel's limit (an MQTT or NATS message, a drop
 * folder file): enough to see which device or export sent what, not the whole. Kept whole, every
 * resend of a 10 MB message was one more 10 MB row, and every `GET /v1/quarantine` page carried
 * them in base64 (ADR 0063, 0067).
 */
export const KEPT_PREFIX_BYTES = 4096;

/** A payload over its channel's limit: where it came from, its first bytes, its size and the SHA-256 of the whole. */
export interface OversizePayload {
  readonly channel: string;
  readonly source: string;
  readonly ref: string;
  /** The topic, subject or file name. */
  readonly name: string;
  readonly receivedTime: string;
  /** At least its first KEPT_PREFIX_BYTES bytes (more are cut off here). */
  readonly head: Uint8Array;
  readonly bytes: number;
  readonly sha256: string;
  readonly message: string;
  /** More context for the entry (the topic or subject). */
  readonly context?: Readonly<Record<string, unknown>>;
}

/**
 * The quarantine entry of a payload over the limit. The digest of the whole, in the context, keeps
 * ADR 0029's folding right: the same payload sent again is one more resend on its entry, and
 * another with the same first bytes is an entry of its own.
 */
export function oversizeEntry(payload: OversizePayload): NewQuarantineEntry {
  const reason: QuarantineReason = { code: 'payload_too_large', message: payload.message, problems: [{ code: 'payload_too_large', message: payload.message }] };
  return {
    channel: payload.channel,
    source: payload.source,
    ref: payload.ref,
    name: payload.name,
    receivedTime: payload.receivedTime,
    // A copy: a client library may reuse the buffer of a large message.
    raw: payload.head.slice(0, KEPT_PREFIX_BYTES),
    reason,
    context: { ...payload.context, payloadBytes: payload.bytes, sha256: payload.sha256 },
  };
}

/**
 * An entry that holds only the first bytes of its payload: no retry can take it, whatever the
 * manifest says (undefined for an entry kept whole). `what` names the payload ("message", "file"),
 * `then` says how to get it in.
 */
export function cutShort(entry: QuarantineEntry, what: string, limit: string, then: string): ReprocessOutcome | undefined {
  const bytes = entry.context.payloadBytes;
  if (typeof bytes !== 'number' || entry.raw.byteLength >= bytes) return undefined;
  const message = `only the first ${entry.raw.byteLength} of the ${what}'s ${bytes} bytes were kept (it was over the ${limit}): it cannot be taken from the quarantine; ${then}, then discard this entry`;
  return { outcome: 'still_failing', reason: { code: 'payload_too_large', message, problems: [{ code: 'payload_too_large', message }] } };
}

/**
 * A channel that can run a quarantined message again (CSV, X12, MQTT). `reprocess` reads the
 * entry's raw bytes with the CURRENT manifest and mappings and submits what it can through the
 * ingest use case, as the message's source (not as the operator who asked). It must not create
 * an entry for a message that still fails whole: the entry stays held with the new reason.
 */
export interface QuarantineChannel {
  readonly name: string;
  reprocess(entry: QuarantineEntry, requestedBy?: Principal): Promise<ReprocessOutcome>;
}

/**
 * A quarantine entry as the API shows it: the raw bytes in base64, and how often its source sent
 * the same message again while it was held (`resends`, each one a `resend` attempt) with the
 * last time the message came in.
 */
export type QuarantineView = Omit<QuarantineEntry, 'raw'> & { readonly rawBase64: string; readonly rawBytes: number; readonly resends: number; readonly lastReceivedTime: string };

export class QuarantineService {
  private readonly channels = new Map<string, QuarantineChannel>();

  constructor(
    private readonly store: QuarantineStore,
    private readonly clock: Clock,
    /** Read scopes: a key of a system or partner the manifest no longer declares reads nothing (absent: scoped by source only). */
    private readonly reads?: Pick<PublishingAuthority, 'readScopeOf'>,
  ) {}

  /** Makes a channel's entries retryable. One channel per name. */
  register(channel: QuarantineChannel): void {
    if (this.channels.has(channel.name)) throw new Error(`quarantine channel ${channel.name} is registered twice`);
    this.channels.set(channel.name, channel);
  }

  /** Operators see every entry; a system or partner key only those of its own source. */
  async list(viewer: Principal, filter: QuarantineFilter, limit: number, after?: string): Promise<Page<QuarantineView>> {
    const own = ownSourceOf(viewer);
    if (this.removed(viewer) || (own !== undefined && filter.source !== undefined && filter.source !== own)) return { items: [] };
    const page = await this.store.listQuarantine({ ...filter, ...(own === undefined ? {} : { source: own }) }, limit, after);
    return { items: page.items.map(view), ...(page.next === undefined ? {} : { next: page.next }) };
  }

  async get(id: string, viewer: Principal): Promise<QuarantineView> {
    return view(await this.visible(id, viewer));
  }

  async retry(id: string, by: Principal): Promise<QuarantineView> {
    requireOperator(by, 'retrying a quarantined message');
    const entry = await this.open(id, by);
    const channel = this.channels.get(entry.channel);
    if (channel === undefined) throw new MillraceError('invalid_request', `no ${entry.channel} channel runs in this hub to reprocess entry ${id}`);
    const result = await channel.reprocess(entry, by);
    const attempt: QuarantineAttempt = {
      at: this.clock.now().toISOString(),
      by: `operator:${by.id}`,
      action: 'retry',
      outcome: result.outcome,
      ...(result.reason === undefined ? {} : { reason: result.reason }),
      ...(result.accepted === undefined ? {} : { accepted: result.accepted }),
      ...(result.requarantined === undefined ? {} : { requarantined: result.requarantined }),
    };
    const status = result.outcome === 'still_failing' ? 'held' : result.outcome;
    return view(await this.record(id, attempt, status));
  }

  async discard(id: string, reason: string, by: Principal): Promise<QuarantineView> {
    requireOperator(by, 'discarding a quarantined message');
    if (reason.trim() === '') throw new MillraceError('invalid_request', 'say why the message is discarded: "reason" must not be empty');
    await this.open(id, by);
    const attempt: QuarantineAttempt = { at: this.clock.now().toISOString(), by: `operator:${by.id}`, action: 'discard', outcome: 'discarded', note: reason.trim() };
    return view(await this.record(id, attempt, 'discarded'));
  }

  private async visible(id: string, viewer: Principal): Promise<QuarantineEntry> {
    const entry = await this.store.getQuarantined(id);
    const own = ownSourceOf(viewer);
    // Another source's entry is answered like a missing one: ids cannot be probed. A removed
    // system's or partner's key reads nothing, its own source's entries neither (docs/adr/0060).
    if (entry === undefined || (own !== undefined && entry.source !== own) || this.removed(viewer)) throw new MillraceError('not_found', `no quarantine entry ${shownValue(id)}`);
    return entry;
  }

  /** A key of a system or partner the manifest does not declare (any more). */
  private removed(viewer: Principal): boolean {
    return this.reads?.readScopeOf(viewer).kind === 'none';
  }

  private async open(id: string, by: Principal): Promise<QuarantineEntry> {
    const entry = await this.visible(id, by);
    if (entry.status !== 'held') throw closed(entry);
    return entry;
  }

  private async record(id: string, attempt: QuarantineAttempt, status: QuarantineEntry['status']): Promise<QuarantineEntry> {
    const updated = await this.store.recordQuarantineAttempt(id, attempt, status, attempt.at);
    if (updated !== undefined) return updated;
    const now = await this.store.getQuarantined(id);
    if (now === undefined) throw new MillraceError('not_found', `no quarantine entry ${shownValue(id)}`);
    throw closed(now);
  }
}

function closed(entry: QuarantineEntry): MillraceError {
  const last = entry.attempts[entry.attempts.length - 1];
  return new MillraceError('quarantine_entry_closed', `quarantine entry ${entry.id} is ${entry.status}${last === undefined ? '' : ` (by ${last.by} at ${last.at})`}; only held entries can be retried or discarded`, {
    entry: view(entry),
  });
}

function requireOperator(by: Principal, what: string): void {
  if (by.kind !== 'operator' || by.role !== 'operator') {
    throw new MillraceError('forbidden_action', `${what} needs an operator key with the operator role (millrace keys add --operator NAME)`);
  }
}

function ownSourceOf(viewer: Principal): string | undefined {
  return viewer.kind === 'operator' ? undefined : sourceOf(viewer.kind, viewer.id);
}

function view(entry: QuarantineEntry): QuarantineView {
  const { raw, ...rest } = entry;
  const resends = entry.attempts.filter((attempt) => attempt.action === 'resend');
  return { ...rest, rawBytes: raw.length, rawBase64: base64(raw), resends: resends.length, lastReceivedTime: resends.at(-1)?.at ?? entry.receivedTime };
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Base64 without Buffer (the app layer uses no node:* modules). */
function base64(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const a = bytes[i] ?? 0;
    const b = bytes[i + 1];
    const c = bytes[i + 2];
    const n = (a << 16) | ((b ?? 0) << 8) | (c ?? 0);
    out += ALPHABET[(n >> 18) & 63] ?? '';
    out += ALPHABET[(n >> 12) & 63] ?? '';
    out += b === undefined ? '=' : (ALPHABET[(n >> 6) & 63] ?? '');
    out += c === undefined ? '=' : (ALPHABET[n & 63] ?? '');
  }
  return out;
}
