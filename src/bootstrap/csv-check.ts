// `millrace csv check`: what a CSV file would give under a mapping, offline. The same decoding,
// parsing, mapping, contract and publishing-authority checks as intake; no store, so resends
// (duplicates, conflicts) and a partner's purchase-order scope are not judged.
import { CsvParseReader, sha256Hex } from '../adapters/index.js';
import type { CsvRowProblem, Manifest, Principal } from '../core/index.js';
import { blankLines, compileCsvMapping, decodeCsv, locateViolations, mapCsvRecords, MillraceError, PublishingAuthority, sourceOf } from '../core/index.js';
import type { Contracts } from './hub.js';

export interface CsvCheckResult {
  readonly mapping: string;
  readonly rows: number;
  /** Lines skipped as blank rows (empty, or delimiters and spaces only), not counted in `rows`, as intake reports them. */
  readonly blankRows: readonly number[];
  /** Events that would be accepted (or be duplicates of earlier ones), with their rows' lines. */
  readonly accepted: readonly { readonly id: string; readonly lines: readonly number[] }[];
  readonly quarantined: readonly { readonly lines: readonly number[]; readonly problems: readonly CsvRowProblem[] }[];
}

/** Throws `csv_unreadable` when nothing of the file can be read, `not_found` for an unknown mapping. */
export function checkCsvFile(manifest: Manifest, contracts: Contracts, mappingId: string, bytes: Uint8Array): CsvCheckResult {
  const declaration = manifest.csvMappings.find((mapping) => mapping.id === mappingId);
  if (declaration === undefined) throw new MillraceError('not_found', `no CSV mapping ${mappingId} in the manifest (it has ${manifest.csvMappings.map((m) => m.id).join(', ') || 'none'})`);
  const compiled = compileCsvMapping(declaration);
  if (!compiled.ok) throw new MillraceError('invalid_manifest', `mapping ${mappingId}: ${compiled.problems.map((p) => p.message).join('; ')}`);
  const principal: Principal = { kind: manifest.partners.some((p) => p.id === declaration.source) ? 'partner' : 'system', id: declaration.source };
  const decoded = decodeCsv(bytes, declaration.encoding);
  if (!decoded.ok) throw new MillraceError('csv_unreadable', decoded.message, decoded.line === undefined ? {} : { line: decoded.line });
  const read = new CsvParseReader().read(decoded.text, declaration);
  if (!read.ok) throw new MillraceError('csv_unreadable', read.message, { line: read.line });
  const [header, ...rows] = read.records;
  if (header === undefined) throw new MillraceError('csv_unreadable', 'the file is empty: not even a header row', { line: 1 });
  const mapped = mapCsvRecords({ mapping: compiled.mapping, source: sourceOf(principal.kind, principal.id), header, records: rows, masterData: manifest.masterData, fileDigest: sha256Hex(bytes) });
  if (!mapped.ok) throw new MillraceError('csv_unreadable', mapped.message, { line: mapped.line });
  const registry = contracts.registry.withVersionsInForce(manifest.contracts.inForce);
  const authority = new PublishingAuthority(manifest);
  const accepted: { id: string; lines: number[] }[] = [];
  const quarantined = mapped.rejected.map((group) => ({ lines: group.records.map((r) => r.line), problems: group.problems }));
  for (const event of mapped.events) {
    const lines = event.records.map((r) => r.line);
    const decision = authority.decide(principal, event.event);
    if (!decision.allowed) {
      quarantined.push({ lines, problems: [{ line: lines[0] ?? 0, code: 'forbidden', message: `line ${lines[0] ?? 0}: ${decision.message} (${decision.rule})` }] });
      continue;
    }
    const check = registry.check(event.event);
    if (!check.ok) quarantined.push({ lines, problems: locateViolations(event, check.violations) });
    else accepted.push({ id: event.event.id, lines });
  }
  quarantined.sort((a, b) => (a.lines[0] ?? 0) - (b.lines[0] ?? 0));
  return { mapping: mappingId, rows: rows.length, blankRows: blankLines(decoded.text, read.records), accepted, quarantined };
}
