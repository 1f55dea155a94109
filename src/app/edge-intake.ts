// Edge intake: MES messages from MQTT topics and canonical events from NATS JetStream go
// through the same door as HTTP (IngestService), as the system the manifest binds to the topic
// or stream. `receive` resolves once the message is durably kept (committed, or quarantined
// when it cannot be mapped or is refused) so the adapter acks only then; it rejects when the
// store fails, and the adapter then leaves the message unacked for the broker to redeliver.
// Per-publisher sequence numbers are checked against the position kept in the store: a gap or a
// reset raises an exception to the source's data owner, written with the new position in one
// transaction, after the message's commit and before the ack. Decisions:
// docs/adr/0020-mqtt-and-nats-at-the-edge.md (the crash points are listed there).
import type { CloudEvent, CompiledMqttTopic, EdgeExceptionCode, EdgeMessageProblem, Manifest, MessageStanding, NatsConsumerDeclaration, Principal, SequenceVerdict, Violation } from '../core/index.js';
import { advancePosition, compileMqttTopic, edgeExceptionOwner, fnv1aHex, isMillraceError, judgeSequence, mapMqttMessage, MILLRACE_SOURCE, parseUntrustedJson, sourceOf, topicMatches } from '../core/index.js';
import type { Clock, PublisherMark, PublisherSequenceStore, QuarantineEntry, QuarantineProblem, QuarantineReason, QuarantineStore } from '../ports/index.js';
import type { IngestService } from './ingest.js';
import type { QuarantineChannel, ReprocessOutcome } from './quarantine.js';
import { cutShort, KEPT_PREFIX_BYTES, oversizeEntry } from './quarantine.js';

export interface EdgeIntakeDependencies {
  readonly manifest: Manifest;
  readonly ingest: IngestService;
  /** Where each publisher's numbering stands; also appends the gap and reset exceptions with it. */
  readonly sequences: PublisherSequenceStore;
  readonly quarantine: QuarantineStore;
  readonly clock: Clock;
  /** Told of every gap or reset once its exception is committed (metrics, the workflows' wake-up). */
  readonly onBreach?: (breach: SequenceBreach) => void;
  /**
   * The largest payload taken, in bytes (the hub's edge payload limit, by default its HTTP body
   * limit). A larger one is kept in quarantine as `payload_too_large`, its first bytes only.
   */
  readonly payloadLimit: number;
  /** A digest of a whole payload (SHA-256 hex): what tells two oversize messages apart once only their first bytes are kept. */
  readonly digest: (bytes: Uint8Array) => string;
  /** Told of every message over the limit once it is kept in quarantine (metrics, the log). */
  readonly onTooLarge?: (refusal: TooLargeRefusal) => void;
}

/** A message (or drop folder file) over its limit, kept in quarantine. */
export interface TooLargeRefusal {
  readonly channel: 'mqtt' | 'nats' | 'csv';
  /** The topic (MQTT), subject (NATS) or file name (CSV). */
  readonly name: string;
  readonly bytes: number;
  readonly limit: number;
  readonly quarantineId: string;
}

/** What became of one message: in the log (new or already there), or kept in quarantine. */
export type EdgeOutcome =
  | { readonly kind: 'accepted' | 'duplicate'; readonly id: string; readonly source: string; readonly sequence: number }
  | { readonly kind: 'quarantined'; readonly quarantineId: string; readonly reason: QuarantineReason };

export interface SequenceBreach {
  readonly code: EdgeExceptionCode;
  readonly source: string;
  readonly topic: string;
  readonly publisher: string;
  /** Messages never received (gaps). */
  readonly missing: number;
  readonly exceptionId: string;
}

/** Shared by both channels: submit one event as its source, or quarantine it with the door's reason. */
abstract class EdgeChannel implements QuarantineChannel {
  abstract readonly name: string;

  constructor(protected readonly deps: EdgeIntakeDependencies) {}

  abstract reprocess(entry: QuarantineEntry): Promise<ReprocessOutcome>;

  protected principalOf(id: string): Principal {
    return { kind: this.deps.manifest.partners.some((partner) => partner.id === id) ? 'partner' : 'system', id };
  }

  /** The source (`/systems/mes-p01`) a topic's or consumer's declared publisher speaks for. */
  protected sourceOfDeclaration(id: string): string {
    const principal = this.principalOf(id);
    return sourceOf(principal.kind, principal.id);
  }

  /** The door's answer for one event; a refusal (a MillraceError) comes back as a reason, other failures throw. */
  protected async submit(principal: Principal, event: unknown): Promise<{ kind: 'accepted' | 'duplicate'; id: string; source: string; sequence: number } | { kind: 'refused'; reason: QuarantineReason }> {
    try {
      const receipt = await this.deps.ingest.submit(principal, [event], false);
      const accepted = receipt.accepted[0];
      const stored = accepted ?? receipt.duplicates[0];
      if (stored === undefined) throw new Error('the door answered without the event');
      return { kind: accepted === undefined ? 'duplicate' : 'accepted', id: stored.id, source: stored.source, sequence: stored.sequence };
    } catch (error) {
      if (!isMillraceError(error)) throw error;
      const violations = (error.details.violations ?? []) as Violation[];
      const denials = (error.details.denials ?? []) as { pointer: string; message: string; rule: string }[];
      const problems: QuarantineProblem[] = [
        ...violations.map((v) => ({ code: error.code, message: `${v.pointer || '/'} ${v.message}` })),
        ...denials.map((d) => ({ code: error.code, message: `${d.message} (${d.rule})` })),
      ];
      return { kind: 'refused', reason: { code: error.code, message: error.message, problems: problems.length > 0 ? problems : [{ code: error.code, message: error.message }] } };
    }
  }

  /**
   * Keeps the message in the quarantine. The same bytes on the same topic (subject) under the same
   * mapping (consumer) while the first copy is still held are that entry, one resend more (ADR
   * 0029): a device retrying, a plant republishing or a JetStream redelivery must not flood the
   * quarantine. The topic is part of what must be equal, as the mapping may read fields from it.
   */
  protected async keep(entry: { source: string; ref: string; name: string; raw: Uint8Array; reason: QuarantineReason }): Promise<EdgeOutcome> {
    const [kept] = await this.deps.quarantine.quarantine(
      [{ channel: this.name, source: entry.source, ref: entry.ref, name: entry.name, receivedTime: this.deps.clock.now().toISOString(), raw: entry.raw, reason: entry.reason, context: { [this.nameKey]: entry.name } }],
      { foldResends: true },
    );
    return { kind: 'quarantined', quarantineId: kept?.id ?? '', reason: entry.reason };
  }

  /** What the channel calls the name a message came in under (the context key of its entries). */
  protected abstract readonly nameKey: 'topic' | 'subject';

  /**
   * A payload over the limit, kept in quarantine and not read: its first bytes, its full size and
   * the digest of the whole (in the context, so that a resend of the same message folds into its
   * entry and another message with the same first bytes does not). Undefined when within the limit.
   */
  protected async keepTooLarge(entry: { source: string; ref: string; name: string; payload: Uint8Array }): Promise<EdgeOutcome | undefined> {
    const limit = this.deps.payloadLimit;
    const bytes = entry.payload.byteLength;
    if (bytes <= limit) return undefined;
    const message = `the message on ${entry.name} is ${bytes} bytes, over the edge payload limit of ${limit} bytes; only its first ${KEPT_PREFIX_BYTES} bytes are kept`;
    const [kept] = await this.deps.quarantine.quarantine(
      [oversizeEntry({ channel: this.name, source: entry.source, ref: entry.ref, name: entry.name, receivedTime: this.deps.clock.now().toISOString(), head: entry.payload, bytes, sha256: this.deps.digest(entry.payload), message, context: { [this.nameKey]: entry.name } })],
      { foldResends: true },
    );
    const quarantineId = kept?.id ?? '';
    this.deps.onTooLarge?.({ channel: this.name as 'mqtt' | 'nats', name: entry.name, bytes, limit, quarantineId });
    return { kind: 'quarantined', quarantineId, reason: { code: 'payload_too_large', message, problems: [{ code: 'payload_too_large', message }] } };
  }

  /** An entry that holds only the first bytes of its message: no retry can take it, whatever the manifest says. */
  protected cutShort(entry: QuarantineEntry): ReprocessOutcome | undefined {
    return cutShort(entry, 'message', 'edge payload limit', 'have the publisher send it again within the limit (or raise edgePayloadLimit)');
  }
}

export class MqttIntake extends EdgeChannel {
  readonly name = 'mqtt';
  protected readonly nameKey = 'topic';
  private readonly topics: CompiledMqttTopic[] = [];
  /** Each publisher's position as recorded in the store, read once before the first message is judged. */
  private positions: Promise<Map<string, PublisherMark>> | undefined;

  constructor(deps: EdgeIntakeDependencies) {
    super(deps);
    // The manifest passed lint (an invalid topic stops the hub), so each one compiles.
    for (const declaration of deps.manifest.mqtt?.topics ?? []) {
      const compiled = compileMqttTopic(declaration);
      if (compiled.ok) this.topics.push(compiled.topic);
    }
  }

  /** The topic filters to subscribe to. */
  filters(): string[] {
    return this.topics.map((topic) => topic.declaration.filter);
  }

  /**
   * The broker client connects again: another hub on the store may have held the session and
   * moved the publishers' positions meanwhile. Judged against the positions this hub read before,
   * its next message was a false gap for all the other hub had taken. They are read again.
   */
  sessionResumed(): void {
    this.positions = undefined;
  }

  /**
   * Takes one message. Resolves once it is committed, found to be a duplicate, or kept in
   * quarantine; rejects when the store fails (the message must then stay unacknowledged).
   */
  async receive(topicName: string, payload: Uint8Array): Promise<EdgeOutcome> {
    const topic = this.topics.find((candidate) => topicMatches(candidate.declaration.filter, topicName));
    // Not read, so no sequence number is judged: its publisher's next message may show a gap,
    // whose range names this one (the entry holds its topic and first bytes).
    const tooLarge = await this.keepTooLarge({ source: topic === undefined ? '' : this.sourceOfDeclaration(topic.declaration.source), ref: topic?.declaration.id ?? '', name: topicName, payload });
    if (tooLarge !== undefined) return tooLarge;
    if (topic === undefined) {
      const reason = { code: 'mqtt_unmapped_topic', message: `no mqtt.topics filter matches topic ${topicName}`, problems: [] };
      return this.keep({ source: '', ref: '', name: topicName, raw: payload, reason });
    }
    return this.process(topic, topicName, payload, true);
  }

  async reprocess(entry: QuarantineEntry): Promise<ReprocessOutcome> {
    const cut = this.cutShort(entry);
    if (cut !== undefined) return cut;
    const topic = this.topics.find((candidate) => candidate.declaration.id === entry.ref) ?? this.topics.find((candidate) => topicMatches(candidate.declaration.filter, entry.name ?? ''));
    if (topic === undefined) return { outcome: 'still_failing', reason: { code: 'mqtt_unmapped_topic', message: `no mqtt.topics entry ${entry.ref ?? ''} or filter for ${entry.name ?? ''} in the current manifest`, problems: [] } };
    const outcome = await this.process(topic, entry.name ?? '', entry.raw, false);
    if (outcome.kind === 'quarantined') return { outcome: 'still_failing', reason: outcome.reason };
    return { outcome: 'accepted', accepted: [{ id: outcome.id, source: outcome.source, sequence: outcome.sequence }] };
  }

  private async process(topic: CompiledMqttTopic, topicName: string, payload: Uint8Array, live: boolean): Promise<EdgeOutcome> {
    const declaration = topic.declaration;
    const principal = this.principalOf(declaration.source);
    const source = sourceOf(principal.kind, principal.id);
    const text = utf8(payload);
    const mapped =
      text === undefined
        ? { ok: false as const, problems: [{ code: 'payload_not_json' as const, message: `the payload on ${topicName} is not valid UTF-8` }] }
        : isBlank(text)
          ? { ok: false as const, problems: [{ code: 'payload_not_json' as const, message: `the payload on ${topicName} is empty: publish one JSON object per message` }] }
          : mapMqttMessage({ topic, topicName, payload: text, source, masterData: this.deps.manifest.masterData });
    const base = { source, ref: declaration.id, name: topicName, raw: payload };
    let outcome: EdgeOutcome;
    if (!mapped.ok) {
      // A retry of a quarantined message keeps its entry open instead of making another.
      const reason = mappingReason(mapped.problems);
      outcome = live ? await this.keep({ ...base, reason }) : { kind: 'quarantined', quarantineId: '', reason };
    } else {
      const answer = await this.submit(principal, mapped.mapped.event);
      if (answer.kind === 'refused') outcome = live ? await this.keep({ ...base, reason: answer.reason }) : { kind: 'quarantined', quarantineId: '', reason: answer.reason };
      else outcome = answer;
    }
    const sequence = mapped.ok ? mapped.mapped.sequence : mapped.sequence;
    if (live && sequence !== undefined) {
      const evidence = mapped.ok ? mapped.mapped.event.id : outcome.kind === 'quarantined' ? `quarantine:${outcome.quarantineId}` : topicName;
      await this.checkSequence(topic, topicName, sequence, outcome, evidence);
    }
    return outcome;
  }

  /**
   * The store's positions, read once (the first message after a start is judged against the last
   * one before it). A failed read is tried again with the next message.
   */
  private loadPositions(): Promise<Map<string, PublisherMark>> {
    this.positions ??= this.deps.sequences.publisherMarks().then(
      (marks) => new Map(marks.map((mark) => [positionKey(mark.binding, mark.publisher), mark])),
      (error: unknown) => {
        this.positions = undefined;
        throw error;
      },
    );
    return this.positions;
  }

  /**
   * Judges the message's number against the recorded position, then records the new position
   * and, for a gap or a reset, its exception, in one transaction. Runs after the message is kept
   * and before the ack: a crash in between redelivers the message, judged again the same way.
   */
  private async checkSequence(topic: CompiledMqttTopic, topicName: string, sequence: { publisher: string; number: number }, outcome: EdgeOutcome, evidence: string): Promise<void> {
    const positions = await this.loadPositions();
    const binding = topic.declaration.id;
    const key = positionKey(binding, sequence.publisher);
    const position = positions.get(key);
    const standing: MessageStanding =
      outcome.kind === 'quarantined' ? { kind: 'quarantined' } : { kind: outcome.kind === 'duplicate' ? 'in_log' : 'new', logSequence: outcome.sequence };
    const verdict = judgeSequence(position, sequence.number, standing);
    const next = advancePosition(position, sequence.number, verdict, standing);
    if (next === undefined || next === position) return;
    const mark: PublisherMark = { binding, publisher: sequence.publisher, last: next.last, logSequence: next.logSequence, epoch: next.epoch };
    const breach = verdict.kind === 'gap' || verdict.kind === 'reset' ? this.breachOf(topic, topicName, sequence, verdict, next.epoch, evidence) : undefined;
    await this.deps.sequences.recordPublisher(mark, breach?.event, this.deps.clock.now().toISOString());
    positions.set(key, mark);
    if (breach !== undefined) this.deps.onBreach?.(breach.breach);
  }

  /**
   * A sequence gap or reset as an exception event, to the source's data owner. Its id names the
   * mapping, the publisher, the publisher's epoch (restarts so far) and the number: a publisher
   * that starts counting again and skips the same number gets a new exception, not a clash.
   */
  private breachOf(
    topic: CompiledMqttTopic,
    topicName: string,
    sequence: { publisher: string; number: number },
    verdict: Extract<SequenceVerdict, { kind: 'gap' | 'reset' }>,
    epoch: number,
    evidence: string,
  ): { event: CloudEvent; breach: SequenceBreach } {
    const declaration = topic.declaration;
    const code: EdgeExceptionCode = verdict.kind === 'gap' ? 'sequence_gap' : 'sequence_reset';
    const exceptionId = `${code === 'sequence_gap' ? 'gap' : 'reset'}-${fnv1aHex(`${declaration.id}\u0000${sequence.publisher}\u0000${epoch}\u0000${sequence.number}`)}`;
    const missing = verdict.kind === 'gap' ? verdict.missingTo - verdict.missingFrom + 1 : 0;
    const what =
      verdict.kind === 'gap'
        ? `${missing === 1 ? `message ${verdict.missingFrom}` : `messages ${verdict.missingFrom} to ${verdict.missingTo}`} of publisher ${sequence.publisher} never arrived on ${topicName} (received ${sequence.number} after ${verdict.missingFrom - 1})`
        : `publisher ${sequence.publisher} started counting again on ${topicName}: ${sequence.number} after ${verdict.previous} (a restart of the publisher, or messages sent twice under new numbers)`;
    const source = this.sourceOfDeclaration(declaration.source);
    const owner = edgeExceptionOwner(this.deps.manifest, declaration, code);
    const plant = this.deps.manifest.systems.find((s) => s.id === declaration.source)?.plant;
    const event: CloudEvent = {
      specversion: '1.0',
      id: exceptionId,
      source: MILLRACE_SOURCE,
      type: 'exception.raised',
      time: this.deps.clock.now().toISOString(),
      correlationid: `${source}/${sequence.publisher}`,
      ...(plant === undefined ? {} : { plant }),
      data: {
        exceptionId,
        code,
        owner,
        workflow: 'intake',
        severity: verdict.kind === 'gap' ? 'high' : 'medium',
        message: `${declaration.source}: ${what}`,
        ...(plant === undefined ? {} : { plant }),
        evidence: [evidence],
        details: {
          source,
          topic: topicName,
          binding: declaration.id,
          publisher: sequence.publisher,
          received: sequence.number,
          ...(verdict.kind === 'gap' ? { missingFrom: verdict.missingFrom, missingTo: verdict.missingTo, missing } : { previous: verdict.previous }),
        },
      },
    };
    return { event, breach: { code, source, topic: topicName, publisher: sequence.publisher, missing, exceptionId } };
  }
}

export class NatsIntake extends EdgeChannel {
  readonly name = 'nats';
  protected readonly nameKey = 'subject';

  /** The consumers the manifest declares. */
  consumers(): readonly NatsConsumerDeclaration[] {
    return this.deps.manifest.nats?.consumers ?? [];
  }

  /** Takes one structured-mode CloudEvent from a consumer's stream; same promises as MqttIntake.receive. */
  async receive(consumerId: string, subject: string, payload: Uint8Array): Promise<EdgeOutcome> {
    const consumer = this.consumers().find((c) => c.id === consumerId);
    if (consumer === undefined) throw new Error(`no nats consumer ${consumerId} in the manifest`);
    const tooLarge = await this.keepTooLarge({ source: this.sourceOfDeclaration(consumer.source), ref: consumer.id, name: subject, payload });
    if (tooLarge !== undefined) return tooLarge;
    const outcome = await this.process(consumer, subject, payload);
    if (outcome.kind !== 'refused') return outcome;
    return this.keep({ source: this.sourceOfDeclaration(consumer.source), ref: consumer.id, name: subject, raw: payload, reason: outcome.reason });
  }

  async reprocess(entry: QuarantineEntry): Promise<ReprocessOutcome> {
    const cut = this.cutShort(entry);
    if (cut !== undefined) return cut;
    const consumer = this.consumers().find((c) => c.id === entry.ref);
    if (consumer === undefined) return { outcome: 'still_failing', reason: { code: 'nats_unknown_consumer', message: `no nats consumer ${entry.ref ?? ''} in the current manifest`, problems: [] } };
    const outcome = await this.process(consumer, entry.name ?? '', entry.raw);
    if (outcome.kind === 'refused') return { outcome: 'still_failing', reason: outcome.reason };
    return { outcome: 'accepted', accepted: [{ id: outcome.id, source: outcome.source, sequence: outcome.sequence }] };
  }

  private async process(consumer: NatsConsumerDeclaration, subject: string, payload: Uint8Array) {
    const text = utf8(payload);
    const notJson = (message: string) => ({ kind: 'refused' as const, reason: { code: 'payload_not_json', message, problems: [{ code: 'payload_not_json', message }] } });
    if (text === undefined) return notJson(`the message on ${subject} is not valid UTF-8`);
    if (isBlank(text)) return notJson(`the message on ${subject} is empty: publish one CloudEvent per message`);
    let event: unknown;
    try {
      // The parser of the HTTP door: a prototype-poisoning key is not JSON here either.
      event = parseUntrustedJson(text);
    } catch (error) {
      return notJson(`the message on ${subject} is not JSON: ${(error as Error).message}`);
    }
    return this.submit(this.principalOf(consumer.source), event);
  }
}

/** Strict: bytes that are not UTF-8 are refused, as the HTTP door refuses them, not decoded to U+FFFD. */
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** Nothing but JSON white space: said as empty, as the HTTP door says of an empty body, not as JSON's "Unexpected end of JSON input". */
function isBlank(text: string): boolean {
  return /^[ \t\n\r]*$/.test(text);
}

/** The payload as text, or undefined when it is not valid UTF-8. */
function utf8(payload: Uint8Array): string | undefined {
  try {
    return UTF8.decode(payload);
  } catch {
    return undefined;
  }
}

function mappingReason(problems: readonly EdgeMessageProblem[]): QuarantineReason {
  const first = problems[0];
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem(s))` : '';
  return {
    code: first?.code ?? 'mqtt_unmappable',
    message: `${first?.message ?? 'the message cannot be mapped'}${more}`,
    problems: problems.map((p) => ({ code: p.code, message: p.message, ...(p.at === undefined ? {} : { column: p.at }), ...(p.value === undefined ? {} : { value: p.value }) })),
  };
}

function positionKey(binding: string, publisher: string): string {
  return `${binding}\u0000${publisher}`;
}
