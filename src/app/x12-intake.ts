// The X12 use cases: translate an interchange file into canonical events with its
// acknowledgements (offline, for `millrace x12 to-events`), and take one in through the door
// (POST /v1/inbound/x12): the good sets are submitted together, the rejected ones are
// reported with their text and kept in quarantine so nothing is lost, and the 997/999 says
// which is which.
import type { CloudEvent, ContractRegistry, Principal, Steps, X12ControlNumbers as ControlNumbersOfSet, X12Diagnostic, X12Directory, X12Reading, X12SetReading } from '../core/index.js';
import { ackControlNumbersNeeded, buildAcknowledgements, isMillraceError, MillraceError, readX12Events, readX12EventsInSteps, runSteps, sourceOf, windows1252Bytes, windows1252Text } from '../core/index.js';
import type { AppendedEvent, Clock, InboundMessageStore, QuarantineEntry, QuarantineReason, QuarantineStore, TraceContext, X12ControlNumbers } from '../ports/index.js';
import type { IngestService } from './ingest.js';
import type { Pacing } from './pacing.js';
import { mapPaced, runPaced } from './pacing.js';
import type { QuarantineChannel, ReprocessOutcome } from './quarantine.js';

/** A transaction set that was not accepted: its text and why, ready for a quarantine. */
export interface RejectedX12Set {
  readonly controlNumbers: ControlNumbersOfSet;
  /** ST01. */
  readonly transactionSet: string;
  /** ISA05:ISA06 of its interchange. */
  readonly sender: string;
  /** The set as sent, ST to SE. */
  readonly raw: string;
  readonly reason: string;
  /** x12_syntax (the 997/999 rejects it), contract_violation, forbidden_object, forbidden_event_type, event_conflict... */
  readonly code: string;
  /** The event it mapped to, when it got that far (a door refusal). */
  readonly eventId: string | undefined;
  /** Where it is kept until fixed, when the hub has a quarantine. */
  readonly quarantineId?: string | undefined;
}

export interface X12Translation {
  readonly reading: X12Reading;
  /** Events of the sets that mapped and meet their contracts. */
  readonly events: readonly CloudEvent[];
  readonly rejected: readonly RejectedX12Set[];
  readonly ack: string;
  readonly ta1: string | undefined;
  readonly diagnostics: readonly X12Diagnostic[];
}

export interface TranslateOptions {
  readonly now: string;
  readonly firstControlNumber: number;
  readonly use999?: boolean;
}

/**
 * Maps X12 text to canonical events and checks them against their contracts; builds the
 * acknowledgements. Pure apart from the registry: nothing is stored.
 */
export function translateX12(text: string, directory: X12Directory, registry: ContractRegistry, options: TranslateOptions): X12Translation {
  const reading = readX12Events(text, directory);
  const { refused, diagnostics } = runSteps(checkContracts(reading, registry));
  return finish(reading, refused, diagnostics, options);
}

/** Checks each mapped set's event against its contract, a set at a time: what is refused and why, and the diagnostics with the reading's. */
function* checkContracts(reading: X12Reading, registry: ContractRegistry): Steps<{ refused: Map<string, { code: string; reason: string }>; diagnostics: X12Diagnostic[] }> {
  const refused = new Map<string, { code: string; reason: string }>();
  const diagnostics = [...reading.diagnostics];
  for (const set of setsOf(reading)) {
    yield 1;
    if (set.event === undefined) continue;
    const check = registry.check(set.event);
    if (check.ok) continue;
    const reason = check.violations.map((v) => `${v.pointer} ${v.message}`).join('; ');
    refused.set(set.event.id, { code: check.code, reason });
    diagnostics.push({ level: 'error', code: check.code, message: `${set.set.type} ${set.controlNumbers.set}: the mapped ${set.event.type} breaks its contract: ${reason}`, segment: 'ST', position: set.set.header.position });
  }
  return { refused, diagnostics };
}

function finish(reading: X12Reading, refused: ReadonlyMap<string, { code: string; reason: string }>, diagnostics: X12Diagnostic[], options: TranslateOptions): X12Translation {
  const acks = buildAcknowledgements(reading, {
    now: options.now,
    firstControlNumber: options.firstControlNumber,
    use999: options.use999 === true,
    refused: new Map([...refused].map(([id, r]) => [id, r.reason])),
  });
  const events: CloudEvent[] = [];
  const rejected: RejectedX12Set[] = [];
  for (const { interchange, set } of setsWithInterchange(reading)) {
    const refusal = set.event === undefined ? undefined : refused.get(set.event.id);
    if (set.event !== undefined && refusal === undefined) {
      events.push(set.event);
      continue;
    }
    rejected.push({
      controlNumbers: set.controlNumbers,
      transactionSet: set.set.type,
      sender: `${interchange}`,
      raw: set.raw,
      reason: refusal?.reason ?? set.reason ?? 'rejected',
      code: refusal?.code ?? 'x12_syntax',
      eventId: set.event?.id,
    });
  }
  // Interchanges rejected whole (TA1) have no set readings: their sets are kept as text too.
  for (const i of reading.interchanges) {
    if (i.faults.length === 0) continue;
    for (const group of i.interchange.groups) {
      for (const set of group.sets) {
        rejected.push({
          controlNumbers: { interchange: i.interchange.controlNumber, group: group.controlNumber, set: set.controlNumber },
          transactionSet: set.type,
          sender: `${i.interchange.senderQualifier}:${i.interchange.senderId}`,
          raw: set.segments.map((s) => `${s.text}${i.interchange.delimiters.segment}`).join(''),
          reason: `its interchange is rejected: ${i.faults.map((f) => f.message).join('; ')}`,
          code: 'x12_envelope',
          eventId: undefined,
        });
      }
    }
  }
  return { reading, events, rejected, ack: acks.ack, ta1: acks.ta1, diagnostics };
}

function setsOf(reading: X12Reading): X12SetReading[] {
  return reading.interchanges.flatMap((i) => i.groups.flatMap((g) => g.sets));
}

function setsWithInterchange(reading: X12Reading): { interchange: string; set: X12SetReading }[] {
  return reading.interchanges.flatMap((i) => i.groups.flatMap((g) => g.sets.map((set) => ({ interchange: `${i.interchange.senderQualifier}:${i.interchange.senderId}`, set }))));
}

export interface X12IntakeResult {
  readonly accepted: readonly X12AcceptedSet[];
  readonly duplicates: readonly X12AcceptedSet[];
  readonly rejected: readonly RejectedX12Set[];
  readonly ack: string;
  readonly ta1: string | undefined;
  readonly diagnostics: readonly X12Diagnostic[];
}

export interface X12SubmitOptions {
  /** Acknowledge with a 999 instead of a 997. */
  readonly use999?: boolean;
  /** The intake span's context, stored with the events (when tracing is on). */
  readonly trace?: TraceContext;
}

export interface X12AcceptedSet {
  readonly id: string;
  readonly source: string;
  readonly type: string;
  readonly sequence: number;
}

export interface X12IntakeDependencies {
  readonly ingest: IngestService;
  readonly registry: ContractRegistry;
  readonly directory: X12Directory;
  readonly controlNumbers: X12ControlNumbers;
  readonly clock: Clock;
  /** The X12 id the manifest gives a principal (partners[].x12, systems[].x12). */
  readonly x12IdOf: (principal: Principal) => { readonly qualifier: string; readonly id: string } | undefined;
  /** Where rejected sets are kept until fixed (absent: they are only reported). */
  readonly quarantine?: Pick<QuarantineStore, 'quarantine'>;
  /**
   * Where each file is kept as received, linked to the events of its sets (for the lineage),
   * with the hex SHA-256 of its bytes. Absent: files are not kept.
   */
  readonly inbound?: { readonly store: Pick<InboundMessageStore, 'keepInbound'>; readonly digest: (bytes: Uint8Array) => string };
  /** A large file's sets are mapped and checked a slice at a time (pacing.ts); absent: at once. */
  readonly pacing?: Pacing;
}

/** What an X12 quarantine entry keeps to run its file again as its sender. */
interface X12EntryContext {
  readonly principal: { readonly kind: Principal['kind']; readonly id: string };
  readonly controlNumbers: ControlNumbersOfSet;
  readonly transactionSet: string;
  readonly use999: boolean;
}

/**
 * A quarantine channel too: each rejected set is kept with the whole file it came in (a set
 * alone is no interchange), and a retry runs the file again with the current manifest as its
 * sender. The file's other sets come back as duplicates; the entry is accepted once its own set
 * goes in.
 */
export class X12Intake implements QuarantineChannel {
  readonly name = 'x12';

  constructor(private readonly deps: X12IntakeDependencies) {}

  async reprocess(entry: QuarantineEntry): Promise<ReprocessOutcome> {
    const context = entry.context as unknown as X12EntryContext;
    const principal: Principal = { kind: context.principal.kind, id: context.principal.id };
    // The entry holds the file's bytes as received: read as the route read them.
    const result = await this.translateAndSubmit(principal, decodeX12(entry.raw), { use999: context.use999 }, entry.raw);
    const same = (c: ControlNumbersOfSet) => c.interchange === context.controlNumbers.interchange && c.group === context.controlNumbers.group && c.set === context.controlNumbers.set;
    const still = result.rejected.find((r) => same(r.controlNumbers));
    if (still !== undefined) return { outcome: 'still_failing', reason: rejectionReason(still) };
    const went = [...result.accepted, ...result.duplicates].map(({ id, source, sequence }) => ({ id, source, sequence }));
    return { outcome: 'accepted', accepted: went };
  }

  /**
   * Takes in an X12 file from a partner (or a system). Refuses the whole request (403) when an
   * interchange is not from the caller; otherwise every set is either accepted (committed
   * before this resolves), a duplicate, or rejected and listed with its text. `file` is the
   * body's bytes as received (kept as they are, in whatever encoding), or text (kept as UTF-8).
   */
  async submit(principal: Principal, file: string | Uint8Array, options: X12SubmitOptions = {}): Promise<X12IntakeResult> {
    const text = typeof file === 'string' ? file : decodeX12(file);
    const raw = typeof file === 'string' ? new TextEncoder().encode(file) : file;
    const result = await this.translateAndSubmit(principal, text, options, raw);
    const store = this.deps.quarantine;
    if (store === undefined || result.rejected.length === 0) return result;
    const receivedTime = this.deps.clock.now().toISOString();
    const entries = await store.quarantine(
      result.rejected.map((r) => ({
        channel: 'x12',
        source: sourceOf(principal.kind, principal.id),
        ref: principal.id,
        receivedTime,
        raw,
        name: `ISA13 ${r.controlNumbers.interchange} GS06 ${r.controlNumbers.group} ST02 ${r.controlNumbers.set} (${r.transactionSet})`,
        reason: rejectionReason(r),
        context: { principal: { kind: principal.kind, id: principal.id }, controlNumbers: r.controlNumbers, transactionSet: r.transactionSet, use999: options.use999 === true } satisfies X12EntryContext,
      })),
      // The same file sent again (a translator's retry) is counted on the entries of its rejected sets.
      { foldResends: true },
    );
    return { ...result, rejected: result.rejected.map((r, index) => ({ ...r, quarantineId: entries[index]?.id })) };
  }

  private async translateAndSubmit(principal: Principal, text: string, options: X12SubmitOptions, raw: Uint8Array): Promise<X12IntakeResult> {
    const { deps } = this;
    // A large file is mapped and checked a slice of sets at a time (pacing.ts), read once.
    const reading = await runPaced(readX12EventsInSteps(text, deps.directory), deps.pacing);
    if (reading.unusable !== undefined) throw new MillraceError('malformed_x12', reading.unusable);
    const own = deps.x12IdOf(principal);
    const senders = reading.interchanges.map((i) => ({ qualifier: i.interchange.senderQualifier, id: i.interchange.senderId, controlNumber: i.interchange.controlNumber }));
    const foreign = senders.filter((s) => own === undefined || s.qualifier !== own.qualifier || s.id !== own.id.trim());
    if (foreign.length > 0) {
      const caller = `${principal.kind} ${principal.id}`;
      const expected = own === undefined ? 'has no x12 id in the manifest' : `is ${own.qualifier}:${own.id}`;
      throw new MillraceError('forbidden_x12_sender', `interchange ${foreign[0]?.controlNumber ?? ''} comes from ${foreign[0]?.qualifier ?? ''}:${foreign[0]?.id ?? ''}; the caller (${caller}) ${expected}`, { interchanges: senders });
    }
    const use999 = options.use999 === undefined ? {} : { use999: options.use999 };
    const { refused, diagnostics } = await runPaced(checkContracts(reading, deps.registry), deps.pacing);
    const events = setsOf(reading).flatMap((set) => (set.event === undefined || refused.has(set.event.id) ? [] : [set.event]));
    const receipt = await this.submitGood(principal, reading, events, refused, diagnostics, options.trace);
    const first = await deps.controlNumbers.allocateControlNumbers(`${principal.kind}:${principal.id}`, ackControlNumbersNeeded(reading, options.use999 === true));
    const final = finish(reading, refused, diagnostics, { now: deps.clock.now().toISOString(), firstControlNumber: first, ...use999 });
    await this.keepFile(principal, raw, reading, [...receipt.accepted, ...receipt.duplicates]);
    const types = new Map(events.map((event) => [event.id, event.type]));
    const view = (e: AppendedEvent) => ({ id: e.id, source: e.source, type: types.get(e.id) ?? '', sequence: e.sequence });
    return { accepted: receipt.accepted.map(view), duplicates: receipt.duplicates.map(view), rejected: final.rejected, ack: final.ack, ta1: final.ta1, diagnostics: final.diagnostics };
  }

  /**
   * Keeps the file as received, each event linked to its set (ST to SE), once the events are
   * committed and before the caller hears so: a caller that never got the answer sends the file
   * again and the links are made then.
   */
  private async keepFile(principal: Principal, raw: Uint8Array, reading: X12Reading, events: readonly AppendedEvent[]): Promise<void> {
    const inbound = this.deps.inbound;
    if (inbound === undefined || events.length === 0) return;
    const sets = new Map(setsOf(reading).flatMap((set) => (set.event === undefined ? [] : [[set.event.id, set] as const])));
    // A set's excerpt in the file's own encoding, so its bytes are those sent.
    const utf8 = isUtf8(raw);
    const encoder = new TextEncoder();
    const encode = (part: string) => (utf8 ? encoder.encode(part) : windows1252Bytes(part));
    const parts = await mapPaced(
      events,
      (event) => {
        const set = sets.get(event.id);
        if (set === undefined) return [];
        const { interchange, group, set: number } = set.controlNumbers;
        return [{ source: event.source, id: event.id, locator: `ISA13 ${interchange} GS06 ${group} ST02 ${number} (${set.set.type})`, excerpt: encode(set.raw) }];
      },
      this.deps.pacing,
    );
    await inbound.store.keepInbound({
      channel: 'x12',
      source: sourceOf(principal.kind, principal.id),
      receivedTime: this.deps.clock.now().toISOString(),
      mediaType: 'application/edi-x12',
      sha256: inbound.digest(raw),
      raw,
      parts: parts.flat(),
    });
  }

  /**
   * One submission of every good set: all-or-nothing. When the door refuses some of them (a
   * conflict, another supplier's PO), those are taken out and the rest submitted again, so one
   * bad set never costs the good ones and none is half-applied.
   */
  private async submitGood(
    principal: Principal,
    reading: X12Reading,
    events: readonly CloudEvent[],
    refused: Map<string, { code: string; reason: string }>,
    diagnostics: X12Diagnostic[],
    trace: TraceContext | undefined,
  ): Promise<{ accepted: readonly AppendedEvent[]; duplicates: readonly AppendedEvent[] }> {
    const positions = new Map(setsOf(reading).map((set) => [set.event?.id ?? '', set.set.header.position]));
    let pending = [...events];
    while (pending.length > 0) {
      try {
        return await this.deps.ingest.submit(principal, pending, true, { trace });
      } catch (error) {
        if (!isMillraceError(error)) throw error;
        const indexes = refusedIndexes(error, pending.length);
        if (indexes.size === 0) throw error;
        for (const index of indexes) {
          const event = pending[index];
          if (event === undefined) continue;
          const reason = `${error.message}`;
          refused.set(event.id, { code: error.code, reason });
          diagnostics.push({ level: 'error', code: error.code, message: `${event.id}: ${reason}`, segment: 'ST', position: positions.get(event.id) ?? 0 });
        }
        pending = pending.filter((_, index) => !indexes.has(index));
      }
    }
    return { accepted: [], duplicates: [] };
  }
}

/** Which events of a batch a door error names, by the pointers of its details. */
function refusedIndexes(error: MillraceError, size: number): Set<number> {
  const pointers: string[] = [];
  const details = error.details as { denials?: { pointer: string }[]; conflicts?: { pointer: string }[]; violations?: { pointer: string }[] };
  for (const list of [details.denials, details.conflicts, details.violations]) for (const item of list ?? []) pointers.push(item.pointer);
  const indexes = new Set<number>();
  for (const pointer of pointers) {
    const index = Number(/^\/(\d+)/.exec(pointer)?.[1]);
    if (Number.isInteger(index) && index < size) indexes.add(index);
  }
  return indexes;
}

/**
 * An X12 body's text: UTF-8 when its bytes are UTF-8 (a BOM kept, as it came), otherwise
 * windows-1252, as the CSV intake reads a file (windows1252Text): € and curly quotes from a
 * Windows translator are those characters, not C1 controls, and the five bytes windows-1252
 * leaves undefined stay the C1 character of their code. Either way one character per byte, so
 * the text encodes back to the very bytes (keepFile). The route and `millrace x12 to-events`
 * read a file alike.
 */
export function decodeX12(bytes: Uint8Array): string {
  return isUtf8(bytes) ? new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes) : windows1252Text(bytes);
}

function isUtf8(bytes: Uint8Array): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

function rejectionReason(set: RejectedX12Set): QuarantineReason {
  return { code: set.code, message: set.reason, problems: [] };
}
