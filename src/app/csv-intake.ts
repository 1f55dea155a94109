// CSV intake: a plant's export file, read with its manifest mapping, becomes canonical events
// that go through the same door as every other channel (IngestService). Good rows go in; rows
// that cannot be mapped, break their contract or are refused go to quarantine with their raw
// lines and the reason, each located by line and column. A file that cannot be read at all is
// quarantined whole. Decisions: docs/adr/0014-csv-and-quarantine.md.
import type { CsvMappingDeclaration, CompiledCsvMapping, CsvRecord, CsvRowProblem, Manifest, MappedCsvEvent, Principal, Violation } from '../core/index.js';
import { blankLines, compileCsvMapping, decodeCsv, isMillraceError, locateViolations, mapCsvRecordsInSteps, MillraceError, shownValue, sourceOf } from '../core/index.js';
import type { Clock, CsvReader, InboundMessagePart, InboundMessageStore, NewQuarantineEntry, QuarantineEntry, QuarantineReason, QuarantineStore, TraceContext } from '../ports/index.js';
import type { IngestService } from './ingest.js';
import type { QuarantineChannel, ReprocessOutcome } from './quarantine.js';
import { cutShort, KEPT_PREFIX_BYTES, oversizeEntry } from './quarantine.js';
import type { TooLargeRefusal } from './edge-intake.js';
import type { HeldEvent } from './master-data-gate.js';
import type { Pacing } from './pacing.js';
import { mapPaced, runPaced } from './pacing.js';

export interface CsvIntakeDependencies {
  readonly manifest: Manifest;
  readonly ingest: IngestService;
  readonly quarantine: QuarantineStore;
  readonly reader: CsvReader;
  /** Hex SHA-256 of bytes (node:crypto lives in adapters). */
  readonly digest: (bytes: Uint8Array) => string;
  readonly clock: Clock;
  /** Where each file is kept as received, linked to the events of its rows (absent: not kept). */
  readonly inbound?: Pick<InboundMessageStore, 'keepInbound'>;
  /** A large file's rows are mapped a slice at a time (pacing.ts); absent: at once. */
  readonly pacing?: Pacing;
  /** Told of every drop folder file over the limit once it is kept in quarantine (metrics, the log). */
  readonly onTooLarge?: (refusal: TooLargeRefusal) => void;
}

/** A drop folder file over the limit, not read: its first bytes, its size and the SHA-256 of the whole (read as a stream by the adapter). */
export interface OversizeFile {
  readonly name: string;
  readonly head: Uint8Array;
  readonly bytes: number;
  readonly sha256: string;
  readonly limit: number;
}

export interface CsvEventReport {
  readonly id: string;
  readonly source: string;
  readonly sequence: number;
  /** First line of each row the event was made of. */
  readonly lines: readonly number[];
}

export interface CsvQuarantineReport {
  readonly quarantineId: string;
  readonly lines: readonly number[];
  readonly problems: readonly CsvRowProblem[];
}

/** What became of a file: every row is in exactly one of accepted, duplicates or quarantined. */
export interface CsvFileReport {
  readonly mapping: string;
  readonly file: { readonly name?: string; readonly bytes: number; readonly sha256: string; readonly encoding: string; readonly bom: boolean };
  readonly rows: number;
  /**
   * Lines left out as blank rows, not counted in `rows`: empty, or delimiters and spaces only
   * (`;;;;;;;;`, which spreadsheet exports end with). Listed so that the rows add up to the file.
   */
  readonly blankRows: readonly number[];
  readonly accepted: readonly CsvEventReport[];
  readonly duplicates: readonly CsvEventReport[];
  readonly quarantined: readonly CsvQuarantineReport[];
}

/** Where a file (or a quarantined excerpt of one) came from, so its events get the ids the first reading gave them. */
interface ReadContext {
  readonly fileDigest: string;
  /** The file's name, kept with it. */
  readonly name?: string | undefined;
  /** Excerpt line k (1-based) is line lineMap[k - 1] of the original file. */
  readonly lineMap?: readonly number[];
}

interface RejectedExcerpt {
  readonly raw: Uint8Array;
  readonly lineMap: readonly number[];
  readonly lines: readonly number[];
  readonly problems: readonly CsvRowProblem[];
}

type Evaluation =
  | { readonly kind: 'unreadable'; readonly message: string; readonly line?: number }
  | {
      readonly kind: 'read';
      readonly encoding: string;
      readonly bom: boolean;
      readonly rows: number;
      readonly blankRows: number[];
      readonly accepted: CsvEventReport[];
      readonly duplicates: CsvEventReport[];
      readonly rejected: RejectedExcerpt[];
      readonly held: CsvQuarantineReport[];
    };

/**
 * The same file sent again while its rejects are held (a timeout on the sender's side, a re-run
 * export job) is counted on the entries it already has: an operator sees one entry per problem.
 * Its bad rows have the same bytes and context (file digest, lines); a changed file has another digest.
 */
const RESENDS = { foldResends: true } as const;

export class CsvIntake implements QuarantineChannel {
  readonly name = 'csv';
  private readonly mappings = new Map<string, CompiledCsvMapping>();

  constructor(private readonly deps: CsvIntakeDependencies) {
    // The manifest passed lint (an invalid mapping stops the hub), so each one compiles.
    for (const declaration of deps.manifest.csvMappings) {
      const compiled = compileCsvMapping(declaration);
      if (compiled.ok) this.mappings.set(declaration.id, compiled.mapping);
    }
  }

  /** The mappings with a drop folder, for the folder watcher. */
  mappingDeclarations(): readonly CsvMappingDeclaration[] {
    return [...this.mappings.values()].map((mapping) => mapping.declaration);
  }

  /** The principal a mapping's files publish as: its system or partner. */
  principalOf(mappingId: string): Principal | undefined {
    const mapping = this.mappings.get(mappingId);
    return mapping === undefined ? undefined : this.sourcePrincipal(mapping.declaration.source);
  }

  private sourcePrincipal(id: string): Principal {
    return { kind: this.deps.manifest.partners.some((partner) => partner.id === id) ? 'partner' : 'system', id };
  }

  /**
   * Takes a file sent by `principal` (which must be the mapping's source). Resolves with the
   * report once the good rows are committed and the bad ones quarantined; throws 422
   * `csv_unreadable` (after quarantining the whole file) when nothing of it can be read.
   * `trace`: the intake span's context, stored with the events (when tracing is on).
   */
  async receive(principal: Principal, mappingId: string, bytes: Uint8Array, name?: string, trace?: TraceContext): Promise<CsvFileReport> {
    const mapping = this.mappings.get(mappingId);
    if (mapping === undefined) throw new MillraceError('not_found', `no CSV mapping ${shownValue(mappingId)} in the manifest`);
    const expected = this.sourcePrincipal(mapping.declaration.source);
    if (principal.kind !== expected.kind || principal.id !== expected.id) {
      throw new MillraceError('forbidden_source', `mapping ${mappingId} reads files of ${sourceOf(expected.kind, expected.id)}; this credential is ${principal.kind} "${principal.id}"`, {
        denials: [{ pointer: '', id: mappingId, rule: `csvMappings[id=${mappingId}].source is ${mapping.declaration.source}`, message: 'only the mapping source may send its files' }],
      });
    }
    const fileDigest = this.deps.digest(bytes);
    const evaluation = await this.evaluate(mapping, principal, bytes, { fileDigest, name }, trace);
    const source = sourceOf(expected.kind, expected.id);
    const receivedTime = this.deps.clock.now().toISOString();
    if (evaluation.kind === 'unreadable') {
      const [entry] = await this.deps.quarantine.quarantine([
        { channel: 'csv', source, ref: mappingId, receivedTime, raw: bytes, ...(name === undefined ? {} : { name }), reason: unreadableReason(evaluation), context: { fileDigest } },
      ], RESENDS);
      throw new MillraceError('csv_unreadable', `${name ?? 'the file'} cannot be read with mapping ${mappingId}: ${evaluation.message}; the whole file is quarantined`, {
        mapping: mappingId,
        ...(evaluation.line === undefined ? {} : { line: evaluation.line }),
        quarantineId: entry?.id,
      });
    }
    const entries = await this.deps.quarantine.quarantine(evaluation.rejected.map((excerpt) => excerptEntry(excerpt, { source, mappingId, receivedTime, fileDigest, name })), RESENDS);
    return {
      mapping: mappingId,
      file: { ...(name === undefined ? {} : { name }), bytes: bytes.length, sha256: fileDigest, encoding: evaluation.encoding, bom: evaluation.bom },
      rows: evaluation.rows,
      blankRows: evaluation.blankRows,
      accepted: evaluation.accepted,
      duplicates: evaluation.duplicates,
      quarantined: [...evaluation.rejected.map((excerpt, index) => ({ quarantineId: entries[index]?.id ?? '', lines: excerpt.lines, problems: excerpt.problems })), ...evaluation.held].sort(
        (a, b) => (a.lines[0] ?? 0) - (b.lines[0] ?? 0),
      ),
    };
  }

  /**
   * Keeps a drop folder file over the limit in quarantine, unread, as MQTT and NATS messages over
   * theirs are (`payload_too_large`: its first bytes, its size, the digest of the whole); the same
   * file dropped again is one more resend on its entry. The whole file stays on disk (failed/).
   */
  async keepTooLarge(mappingId: string, file: OversizeFile): Promise<{ quarantineId: string; message: string }> {
    const mapping = this.mappings.get(mappingId);
    if (mapping === undefined) throw new MillraceError('not_found', `no CSV mapping ${shownValue(mappingId)} in the manifest`);
    const principal = this.sourcePrincipal(mapping.declaration.source);
    const message = `${file.name} is ${file.bytes} bytes, over the drop folder limit of ${file.limit} bytes: it was not read; only its first ${KEPT_PREFIX_BYTES} bytes are kept here, the whole file is in the drop folder's failed/ folder`;
    const [entry] = await this.deps.quarantine.quarantine(
      [oversizeEntry({ channel: 'csv', source: sourceOf(principal.kind, principal.id), ref: mappingId, name: file.name, receivedTime: this.deps.clock.now().toISOString(), head: file.head, bytes: file.bytes, sha256: file.sha256, message, context: { fileDigest: file.sha256 } })],
      RESENDS,
    );
    const quarantineId = entry?.id ?? '';
    this.deps.onTooLarge?.({ channel: 'csv', name: file.name, bytes: file.bytes, limit: file.limit, quarantineId });
    return { quarantineId, message };
  }

  /** Runs a quarantined file or excerpt again with the current manifest and mapping. */
  async reprocess(entry: QuarantineEntry): Promise<ReprocessOutcome> {
    const cut = cutShort(entry, 'file', 'drop folder limit', "take the whole file from the drop folder's failed/ folder and drop it again within the limit (raise dropFolderLimit, or split it)");
    if (cut !== undefined) return cut;
    const mappingId = entry.ref ?? '';
    const mapping = this.mappings.get(mappingId);
    if (mapping === undefined) {
      return { outcome: 'still_failing', reason: { code: 'csv_unreadable', message: `no CSV mapping ${mappingId} in the current manifest`, problems: [] } };
    }
    const context = { ...readContextOf(entry), name: entry.name };
    const evaluation = await this.evaluate(mapping, this.sourcePrincipal(mapping.declaration.source), entry.raw, context);
    if (evaluation.kind === 'unreadable') return { outcome: 'still_failing', reason: unreadableReason(evaluation) };
    const went = [...evaluation.accepted, ...evaluation.duplicates].map(({ id, source, sequence }) => ({ id, source, sequence }));
    // Events now held for master data have entries of their own (channel master-data).
    const held = evaluation.held.map((h) => h.quarantineId);
    if (evaluation.rejected.length === 0) return held.length === 0 ? { outcome: 'accepted', accepted: went } : { outcome: 'reprocessed', accepted: went, requarantined: held };
    if (went.length === 0) return { outcome: 'still_failing', reason: rowsReason(evaluation.rejected.flatMap((excerpt) => excerpt.problems)) };
    // Part went in: what still fails becomes entries of its own, so this one can close.
    const receivedTime = this.deps.clock.now().toISOString();
    const entries = await this.deps.quarantine.quarantine(
      evaluation.rejected.map((excerpt) => excerptEntry(excerpt, { source: entry.source, mappingId, receivedTime, fileDigest: context.fileDigest, name: entry.name })),
    );
    return { outcome: 'reprocessed', accepted: went, requarantined: entries.map((e) => e.id), reason: rowsReason(evaluation.rejected.flatMap((excerpt) => excerpt.problems)) };
  }

  /** Reads, maps and submits; what is refused is returned, not yet quarantined. */
  private async evaluate(mapping: CompiledCsvMapping, principal: Principal, bytes: Uint8Array, context: ReadContext, trace?: TraceContext): Promise<Evaluation> {
    const declaration = mapping.declaration;
    const decoded = decodeCsv(bytes, declaration.encoding);
    const lineOf = (line: number): number => context.lineMap?.[line - 1] ?? line;
    if (!decoded.ok) return { kind: 'unreadable', message: decoded.message, ...(decoded.line === undefined ? {} : { line: lineOf(decoded.line) }) };
    const read = this.deps.reader.read(decoded.text, { delimiter: declaration.delimiter, quote: declaration.quote });
    if (!read.ok) return { kind: 'unreadable', message: read.message, line: lineOf(read.line) };
    const [header, ...rows] = read.records;
    if (header === undefined) return { kind: 'unreadable', message: 'the file is empty: not even a header row', line: 1 };
    const mapped = await runPaced(
      mapCsvRecordsInSteps({
        mapping,
        source: sourceOf(principal.kind, principal.id),
        header,
        records: rows,
        masterData: this.deps.manifest.masterData,
        fileDigest: context.fileDigest,
        lineOf,
      }),
      this.deps.pacing,
    );
    if (!mapped.ok) return { kind: 'unreadable', message: mapped.message, line: mapped.line };
    const lines = lineIndex(bytes);
    const excerpt = (records: readonly CsvRecord[], problems: readonly CsvRowProblem[]): RejectedExcerpt => {
      const parts: Uint8Array[] = [];
      const lineMap: number[] = [];
      for (const record of [header, ...records]) {
        for (let line = record.line; line <= record.endLine; line += 1) lineMap.push(lineOf(line));
        parts.push(withLineEnd(bytes.subarray(lines[record.line - 1] ?? bytes.length, lines[record.endLine] ?? bytes.length)));
      }
      return { raw: concat(parts), lineMap, lines: records.map((record) => lineOf(record.line)), problems };
    };
    const rejected = mapped.rejected.map((group) => excerpt(group.records, group.problems));
    const submitted = await this.submitAll(principal, mapped.events, trace);
    for (const refused of submitted.refused) rejected.push(excerpt(refused.mapped.records, refused.problems));
    rejected.sort((a, b) => (a.lines[0] ?? 0) - (b.lines[0] ?? 0));
    const part = ([mappedEvent]: [MappedCsvEvent, number]): InboundMessagePart => ({
      source: mappedEvent.event.source,
      id: mappedEvent.event.id,
      locator: linesLocator(mappedEvent.records.map((r) => [lineOf(r.line), lineOf(r.endLine)])),
      excerpt: excerpt(mappedEvent.records, []).raw,
    });
    if (this.deps.inbound !== undefined) await this.keepFile(principal, bytes, context, await mapPaced([...submitted.accepted, ...submitted.duplicates], part, this.deps.pacing));
    const report = (mappedEvent: MappedCsvEvent, sequence: number): CsvEventReport => ({
      id: mappedEvent.event.id,
      source: mappedEvent.event.source,
      sequence,
      lines: mappedEvent.records.map((record) => lineOf(record.line)),
    });
    return {
      kind: 'read',
      encoding: decoded.encoding,
      bom: decoded.bom,
      rows: rows.length,
      blankRows: blankLines(decoded.text, read.records).map(lineOf),
      accepted: submitted.accepted.map(([event, sequence]) => report(event, sequence)),
      duplicates: submitted.duplicates.map(([event, sequence]) => report(event, sequence)),
      rejected,
      // Rows whose event waits in the master-data quarantine for a mapping: in the report, with their own entry.
      held: submitted.held.map(([mappedEvent, held]) => ({
        quarantineId: held.quarantineId,
        lines: mappedEvent.records.map((record) => lineOf(record.line)),
        problems: held.gaps.map((gap): CsvRowProblem => {
          const { line, column } = mappedEvent.locate(gap.pointer);
          return { line, ...(column === undefined ? {} : { column }), value: gap.code, code: 'master_data_gap', message: `${gap.kind} code ${gap.code} is not in ${gap.table}; the event waits in quarantine until it is` };
        }),
      })),
    };
  }

  /**
   * Keeps the file (or the quarantined excerpt that went in on a retry) as received, each event
   * linked to its header and rows, after the events are committed and before the caller hears so.
   */
  private async keepFile(principal: Principal, bytes: Uint8Array, context: ReadContext, parts: readonly InboundMessagePart[]): Promise<void> {
    const inbound = this.deps.inbound;
    if (inbound === undefined || parts.length === 0) return;
    await inbound.keepInbound({
      channel: 'csv',
      source: sourceOf(principal.kind, principal.id),
      receivedTime: this.deps.clock.now().toISOString(),
      ...(context.name === undefined ? {} : { name: context.name }),
      mediaType: 'text/csv',
      sha256: context.lineMap === undefined ? context.fileDigest : this.deps.digest(bytes),
      raw: bytes,
      parts,
    });
  }

  /**
   * Submits the mapped events as one batch; the door refuses a batch whole, so the events it
   * names are taken out (with the reason, located by line and column) and the rest is sent
   * again, until the door takes what remains.
   */
  private async submitAll(principal: Principal, events: readonly MappedCsvEvent[], trace: TraceContext | undefined) {
    let pending = [...events];
    const refused: { mapped: MappedCsvEvent; problems: CsvRowProblem[] }[] = [];
    while (pending.length > 0) {
      try {
        const receipt = await this.deps.ingest.submit(principal, pending.map((mapped) => mapped.event), true, { trace });
        const byId = new Map(pending.map((mapped) => [mapped.event.id, mapped]));
        const pair = (event: { id: string; sequence: number }): [MappedCsvEvent, number][] => {
          const mapped = byId.get(event.id);
          return mapped === undefined ? [] : [[mapped, event.sequence]];
        };
        const held = (receipt.quarantined ?? []).flatMap((h): [MappedCsvEvent, HeldEvent][] => {
          const mapped = byId.get(h.id);
          return mapped === undefined ? [] : [[mapped, h]];
        });
        return { accepted: receipt.accepted.flatMap(pair), duplicates: receipt.duplicates.flatMap(pair), refused, held };
      } catch (error) {
        const problems = refusedEvents(error, pending);
        if (problems === undefined || problems.size === 0) throw error;
        for (const [index, list] of problems) {
          const mapped = pending[index];
          if (mapped !== undefined) refused.push({ mapped, problems: list });
        }
        pending = pending.filter((_, index) => !problems.has(index));
      }
    }
    return { accepted: [] as [MappedCsvEvent, number][], duplicates: [] as [MappedCsvEvent, number][], refused, held: [] as [MappedCsvEvent, HeldEvent][] };
  }
}

/** The events of a batch the door refused, by index, with their problems; undefined when the error is not about events. */
function refusedEvents(error: unknown, pending: readonly MappedCsvEvent[]): Map<number, CsvRowProblem[]> | undefined {
  if (!isMillraceError(error)) return undefined;
  const found = new Map<number, CsvRowProblem[]>();
  const add = (pointer: string, make: (mapped: MappedCsvEvent, inner: string) => CsvRowProblem[]): void => {
    const match = /^\/(\d+)(.*)$/.exec(pointer);
    const index = Number(match?.[1]);
    const mapped = pending[index];
    if (match === null || mapped === undefined) return;
    found.set(index, [...(found.get(index) ?? []), ...make(mapped, match[2] ?? '')]);
  };
  switch (error.code) {
    case 'contract_violation':
    case 'unknown_event_type':
    case 'contract_version_not_in_force':
      for (const violation of (error.details.violations ?? []) as Violation[]) {
        add(violation.pointer, (mapped, inner) => locateViolations(mapped, [{ ...violation, pointer: inner }]));
      }
      return found;
    case 'forbidden_source':
    case 'forbidden_event_type':
    case 'forbidden_object':
      for (const denial of (error.details.denials ?? []) as { pointer: string; rule: string; message: string }[]) {
        add(denial.pointer, (mapped, inner) => {
          const { line, column } = mapped.locate(inner);
          return [{ line, ...(column === undefined ? {} : { column }), code: 'forbidden', message: `line ${line}${column === undefined ? '' : `, column ${JSON.stringify(column)}`}: ${denial.message} (${denial.rule})` }];
        });
      }
      return found;
    case 'event_conflict':
      for (const conflict of (error.details.conflicts ?? []) as { pointer: string; id: string; existingSequence?: number }[]) {
        add(conflict.pointer, (mapped) => {
          const line = mapped.locate('').line;
          return [{ line, code: 'event_conflict', message: `line ${line}: event ${conflict.id} was already received with different content${conflict.existingSequence === undefined ? '' : ` (sequence ${conflict.existingSequence})`}; a correction needs a new document number` }];
        });
      }
      return found;
    default:
      return undefined;
  }
}

function unreadableReason(evaluation: { message: string; line?: number }): QuarantineReason {
  return { code: 'csv_unreadable', message: evaluation.message, problems: [{ code: 'csv_unreadable', message: evaluation.message, ...(evaluation.line === undefined ? {} : { line: evaluation.line }) }] };
}

function rowsReason(problems: readonly CsvRowProblem[]): QuarantineReason {
  const first = problems[0];
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem(s))` : '';
  return { code: first?.code ?? 'csv_rows_rejected', message: `${first?.message ?? 'rows refused'}${more}`, problems: problems.map((problem) => ({ ...problem })) };
}

function excerptEntry(
  excerpt: RejectedExcerpt,
  at: { source: string; mappingId: string; receivedTime: string; fileDigest: string; name: string | undefined },
): NewQuarantineEntry {
  return {
    channel: 'csv',
    source: at.source,
    ref: at.mappingId,
    receivedTime: at.receivedTime,
    raw: excerpt.raw,
    ...(at.name === undefined ? {} : { name: at.name }),
    reason: rowsReason(excerpt.problems),
    context: { fileDigest: at.fileDigest, lineMap: excerpt.lineMap },
  };
}

function readContextOf(entry: QuarantineEntry): ReadContext {
  const digest = entry.context.fileDigest;
  const lineMap = entry.context.lineMap;
  return {
    fileDigest: typeof digest === 'string' ? digest : '',
    ...(Array.isArray(lineMap) && lineMap.every((line) => typeof line === 'number') ? { lineMap: lineMap } : {}),
  };
}

/** `line 4`, `lines 4-6`, `lines 4, 9-10`: where an event's rows are in the file. */
function linesLocator(spans: readonly (readonly [number, number])[]): string {
  const merged: [number, number][] = [];
  for (const [from, to] of [...spans].sort((a, b) => a[0] - b[0])) {
    const last = merged[merged.length - 1];
    if (last !== undefined && from <= last[1] + 1) last[1] = Math.max(last[1], to);
    else merged.push([from, to]);
  }
  const text = merged.map(([from, to]) => (from === to ? `${from}` : `${from}-${to}`)).join(', ');
  return merged.length === 1 && merged[0]?.[0] === merged[0]?.[1] ? `line ${text}` : `lines ${text}`;
}

/** Byte offset where each line starts (index 0 is line 1); one past the end for a final LF. */
function lineIndex(bytes: Uint8Array): number[] {
  const starts = [0];
  for (let i = 0; i < bytes.length; i += 1) if (bytes[i] === 0x0a) starts.push(i + 1);
  return starts;
}

function withLineEnd(part: Uint8Array): Uint8Array {
  return part.length > 0 && part[part.length - 1] !== 0x0a ? concat([part, Uint8Array.of(0x0a)]) : part;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
