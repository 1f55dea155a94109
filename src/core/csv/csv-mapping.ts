// CSV mappings (manifest `csvMappings`): how the columns of a plant's export become the fields
// of a canonical event. `mapCsvRecords` turns parsed records into CloudEvents, or into problems
// located by line and column; it is pure (the CSV parser and the hashing live in adapters).
import type { CloudEvent } from '../envelope.js';
import type { Violation } from '../errors.js';
import type { Steps } from '../steps.js';
import { runSteps } from '../steps.js';
import type { CsvEncoding, DatePattern, DecimalFormat } from './csv-values.js';
import { compileDateFormat, isTimeZone, listedValue, parseDate, parseDecimal } from './csv-values.js';

export type CsvFieldType = 'string' | 'decimal' | 'integer' | 'date' | 'datetime' | 'boolean';

/** How a canonical field's value is read, wherever it comes from (a CSV column, an MQTT payload field). */
export interface FieldReading {
  /** A constant instead of a column or payload field (the plant of a single-plant WMS, a reason). */
  readonly value?: string | number | boolean;
  readonly type?: CsvFieldType;
  /** Date format for this field, overriding the mapping's `dates.format`. */
  readonly format?: string;
  /** Cross reference through masterData: the mapping source's item or supplier codes, or the mapping's `units`. */
  readonly codes?: 'item' | 'supplier' | 'unit';
  /** Local values and the canonical values they stand for (e.g. movement types: { "101": receipt }). */
  readonly values?: Readonly<Record<string, string>>;
  /** An empty cell leaves the field out instead of being an error. */
  readonly optional?: boolean;
}

/** One canonical field: where its value comes from and how to read it. */
export interface CsvFieldSpec extends FieldReading {
  /** Header name of the column holding the value. */
  readonly column?: string;
}

export interface CsvMappingDeclaration {
  readonly id: string;
  /** The system or partner the file speaks for: its events carry that source, and only its credentials may send the file. */
  readonly source: string;
  readonly eventType: string;
  readonly dataversion?: number;
  readonly encoding: CsvEncoding;
  readonly delimiter: string;
  readonly quote: string;
  readonly decimal: DecimalFormat;
  readonly dates: { readonly format: string; readonly timezone: string };
  /** Columns whose values gather consecutive and scattered rows into one event (one row per line). */
  readonly groupBy?: readonly string[];
  /** Columns that identify an event in the source (default: `groupBy`); the event id is built from them. */
  readonly key?: readonly string[];
  /** When the fact happened: the event's `time`. */
  readonly time: CsvFieldSpec;
  /** Canonical field path (`receiptId`, `lines[].quantity`) to its spec. */
  readonly fields: Readonly<Record<string, CsvFieldSpec>>;
  /** Local unit codes and the canonical units (`ST: EA`). */
  readonly units?: Readonly<Record<string, string>>;
  /** A folder `millrace serve` watches for files of this mapping (relative to the manifest). */
  readonly dropFolder?: string;
}

/** The master data a mapping reads (the manifest's `masterData`). */
export interface CsvMasterData {
  readonly itemCodes?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  readonly supplierCodes?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  readonly unitConversions?: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

interface CompiledField {
  readonly path: string;
  /** For `lines[].quantity`: `lines`; undefined for a top-level field. */
  readonly array?: string;
  readonly name: string;
  readonly spec: CsvFieldSpec;
  readonly date?: DatePattern;
}

export interface CompiledCsvMapping {
  readonly declaration: CsvMappingDeclaration;
  readonly fields: readonly CompiledField[];
  readonly time: CompiledField;
  readonly array?: string;
  /** Every column the mapping reads. */
  readonly columns: readonly string[];
}

/** A mistake in a mapping declaration, located under the mapping (`fields/lines[].quantity/format`). */
export interface MappingProblem {
  readonly path: readonly (string | number)[];
  readonly message: string;
}

export const FIELD_PATH = /^[a-zA-Z][a-zA-Z0-9]*(\[\]\.[a-zA-Z][a-zA-Z0-9]*)?$/;

/** Checks what the manifest schema cannot: field paths, date formats, time zone, grouping. */
export function compileCsvMapping(declaration: CsvMappingDeclaration): { ok: true; mapping: CompiledCsvMapping } | { ok: false; problems: MappingProblem[] } {
  const problems: MappingProblem[] = [];
  const compileField = (path: string, spec: CsvFieldSpec, at: (string | number)[]): CompiledField | undefined => {
    if ((spec.column === undefined) === (spec.value === undefined)) {
      problems.push({ path: at, message: `${path} needs either a column or a value` });
      return undefined;
    }
    const [head = '', tail] = path.split('[].');
    let date: DatePattern | undefined;
    if (spec.type === 'date' || spec.type === 'datetime') {
      const compiled = compileDateFormat(spec.format ?? declaration.dates.format);
      if (typeof compiled === 'string') {
        // Say it once for the mapping's own format, where it is written.
        const path = spec.format === undefined ? ['dates', 'format'] : [...at, 'format'];
        if (!problems.some((p) => p.path.join('/') === path.join('/'))) problems.push({ path, message: compiled });
      }
      else date = compiled;
    } else if (spec.format !== undefined) {
      problems.push({ path: [...at, 'format'], message: `${path} has a date format but is of type ${spec.type ?? 'string'}` });
    }
    return { path, name: tail ?? head, ...(tail === undefined ? {} : { array: head }), spec, ...(date === undefined ? {} : { date }) };
  };
  const fields: CompiledField[] = [];
  for (const [path, spec] of Object.entries(declaration.fields)) {
    if (!FIELD_PATH.test(path)) {
      problems.push({ path: ['fields', path], message: `"${path}" is not a field path: use name or array[].name` });
      continue;
    }
    const field = compileField(path, spec, ['fields', path]);
    if (field !== undefined) fields.push(field);
  }
  const timeSpec: CsvFieldSpec = { ...declaration.time, type: declaration.time.type ?? 'datetime' };
  if (timeSpec.type !== 'datetime' && timeSpec.type !== 'date') problems.push({ path: ['time', 'type'], message: 'the event time must be of type datetime or date' });
  const time = compileField('time', { ...timeSpec, type: 'datetime' }, ['time']);
  const arrays = [...new Set(fields.flatMap((field) => (field.array === undefined ? [] : [field.array])))];
  if (arrays.length > 1) problems.push({ path: ['fields'], message: `one repeated array per mapping; this one fills ${arrays.join(' and ')}` });
  if (arrays.length > 0 && (declaration.groupBy ?? []).length === 0) {
    problems.push({ path: ['groupBy'], message: `rows fill ${arrays[0] ?? ''}[]: say which columns gather the rows of one event (groupBy)` });
  }
  if (!isTimeZone(declaration.dates.timezone)) problems.push({ path: ['dates', 'timezone'], message: `time zone "${declaration.dates.timezone}" is not an IANA time zone` });
  if (declaration.delimiter === declaration.quote) problems.push({ path: ['quote'], message: 'the quote character cannot be the delimiter' });
  if (declaration.decimal.separator === declaration.decimal.thousands) problems.push({ path: ['decimal'], message: 'the decimal and thousands separators must differ' });
  if (problems.length > 0 || time === undefined) return { ok: false, problems };
  const columns = new Set<string>([...(declaration.groupBy ?? []), ...(declaration.key ?? [])]);
  for (const field of [...fields, time]) if (field.spec.column !== undefined) columns.add(field.spec.column);
  return { ok: true, mapping: { declaration, fields, time, ...(arrays[0] === undefined ? {} : { array: arrays[0] }), columns: [...columns] } };
}

/** One parsed CSV record: its values and the lines of the file it spans. */
export interface CsvRecord {
  readonly line: number;
  readonly endLine: number;
  readonly values: readonly string[];
}

/**
 * The lines of the text no record spans: the reader skips blank ones, empty or of delimiters
 * only, and nothing else (CsvReader), so these are the blank rows, in file order.
 */
export function blankLines(text: string, records: readonly CsvRecord[]): number[] {
  let total = 0;
  for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) total += 1;
  if (text.length > 0 && !text.endsWith('\n')) total += 1;
  const blank: number[] = [];
  let next = 1;
  for (const record of records) {
    for (let line = next; line < record.line; line += 1) blank.push(line);
    next = Math.max(next, record.endLine + 1);
  }
  for (let line = next; line <= total; line += 1) blank.push(line);
  return blank;
}

export const CSV_ROW_PROBLEMS = [
  'field_count',
  'missing_value',
  'not_decimal',
  'not_integer',
  'not_date',
  'not_boolean',
  'unknown_value',
  'unknown_item_code',
  'unknown_supplier_code',
  'unit_not_convertible',
  'group_mismatch',
  'contract_violation',
  // The row's event is held in the master-data quarantine until master data maps a code (docs/adr/0019).
  'master_data_gap',
  'forbidden',
  'event_conflict',
] as const;
export type CsvRowProblemCode = (typeof CSV_ROW_PROBLEMS)[number];

/** Why a row cannot be accepted: `line 14, column "Qty": "1.2.3" is not a decimal`. */
export interface CsvRowProblem {
  readonly line: number;
  readonly column?: string;
  readonly value?: string;
  readonly code: CsvRowProblemCode;
  readonly message: string;
}

/** An event made from rows of a file, and where each of its fields came from. */
export interface MappedCsvEvent {
  readonly event: CloudEvent;
  readonly records: readonly CsvRecord[];
  /** Finds the line, column and cell behind a JSON pointer into the event (`/data/lines/1/quantity`). */
  locate(pointer: string): { line: number; column?: string; value?: string };
}

/** Rows that could not become an event, and every reason. */
export interface RejectedCsvGroup {
  readonly records: readonly CsvRecord[];
  readonly problems: readonly CsvRowProblem[];
}

export interface CsvMappingInput {
  readonly mapping: CompiledCsvMapping;
  /** The source URI reference (`/systems/wms-p02`). */
  readonly source: string;
  readonly header: CsvRecord;
  readonly records: readonly CsvRecord[];
  readonly masterData: CsvMasterData;
  /** Hex digest of the whole file: with no key columns, event ids are digest + first line. */
  readonly fileDigest: string;
  /** Original line numbers when the records come from a quarantined excerpt (record line -> file line). */
  readonly lineOf?: (line: number) => number;
}

export type CsvMappingResult =
  | { readonly ok: true; readonly events: readonly MappedCsvEvent[]; readonly rejected: readonly RejectedCsvGroup[] }
  /** The file as a whole cannot be read with this mapping (a column missing from the header). */
  | { readonly ok: false; readonly message: string; readonly line: number };

/** Maps every record; a group with any bad row is rejected whole, with every problem of its rows. */
export function mapCsvRecords(input: CsvMappingInput): CsvMappingResult {
  return runSteps(mapCsvRecordsInSteps(input));
}

/** mapCsvRecords a group at a time: each step yields the rows of the group it mapped. */
export function* mapCsvRecordsInSteps(input: CsvMappingInput): Steps<CsvMappingResult> {
  const { mapping, header } = input;
  const lineOf = input.lineOf ?? ((line: number) => line);
  const headerLine = lineOf(header.line);
  const index = new Map<string, number>();
  const positions = new Map<string, number[]>();
  header.values.forEach((name, at) => {
    const trimmed = name.trim();
    if (!index.has(trimmed)) index.set(trimmed, at);
    positions.set(trimmed, [...(positions.get(trimmed) ?? []), at + 1]);
  });
  const missing = mapping.columns.filter((column) => !index.has(column));
  if (missing.length > 0) {
    const found = header.values.map((name) => JSON.stringify(name.trim())).join(', ');
    return { ok: false, line: headerLine, message: `line ${headerLine}: the header lacks column(s) ${missing.map((c) => JSON.stringify(c)).join(', ')} that mapping ${mapping.declaration.id} reads (found ${found}); check the delimiter (${JSON.stringify(mapping.declaration.delimiter)}) and the export layout` };
  }
  // Two columns of one name (an ordered and a received "Menge"): reading the first would be a guess.
  const twice = mapping.columns.filter((column) => (positions.get(column) ?? []).length > 1);
  if (twice.length > 0) {
    const where = twice.map((column) => `${JSON.stringify(column)} (columns ${(positions.get(column) ?? []).join(', ')})`).join(', ');
    return { ok: false, line: headerLine, message: `line ${headerLine}: the header names ${where} more than once; mapping ${mapping.declaration.id} reads ${twice.length === 1 ? 'it' : 'them'} and cannot tell which is meant: rename the export's columns` };
  }
  const groups = new Map<string, CsvRecord[]>();
  const order: CsvRecord[][] = [];
  const groupColumns = mapping.declaration.groupBy ?? [];
  for (const record of input.records) {
    const key = groupColumns.length === 0 ? `#${record.line}` : JSON.stringify(groupColumns.map((column) => cell(record, index, column).trim()));
    let group = groups.get(key);
    if (group === undefined) {
      group = [];
      groups.set(key, group);
      order.push(group);
    }
    group.push(record);
  }
  const events: MappedCsvEvent[] = [];
  const rejected: RejectedCsvGroup[] = [];
  for (const records of order) {
    const built = buildEvent(input, index, records, lineOf, header.values.length);
    if ('problems' in built) rejected.push({ records, problems: built.problems });
    else events.push(built);
    yield records.length;
  }
  return { ok: true, events, rejected };
}

function cell(record: CsvRecord, index: ReadonlyMap<string, number>, column: string): string {
  const at = index.get(column);
  return at === undefined ? '' : (record.values[at] ?? '');
}

function buildEvent(
  input: CsvMappingInput,
  index: ReadonlyMap<string, number>,
  records: readonly CsvRecord[],
  lineOf: (line: number) => number,
  width: number,
): MappedCsvEvent | { problems: CsvRowProblem[] } {
  const { mapping } = input;
  const declaration = mapping.declaration;
  const problems: CsvRowProblem[] = [];
  const first = records[0];
  if (first === undefined) return { problems };
  for (const record of records) {
    if (record.values.length !== width) {
      const line = lineOf(record.line);
      const short = record.values.length < width;
      problems.push({
        line,
        code: 'field_count',
        message: `line ${line}: ${record.values.length} value(s), the header has ${width} column(s)${short ? ` (missing ${JSON.stringify(headerNameAt(index, record.values.length))} and after)` : ''}`,
      });
    }
  }
  if (problems.length > 0) return { problems };
  const read = (field: CompiledField, record: CsvRecord): unknown => {
    const spec = field.spec;
    if (spec.value !== undefined) return spec.value;
    const column = spec.column ?? '';
    const raw = cell(record, index, column);
    const line = lineOf(record.line);
    const where = `line ${line}, column ${JSON.stringify(column)}`;
    const problem = (code: CsvRowProblemCode, message: string): undefined => {
      const text = `${where}: ${message}`;
      // The event time and a data field often read the same column: say it once.
      if (!problems.some((p) => p.message === text)) problems.push({ line, column, value: raw, code, message: text });
      return undefined;
    };
    const text = raw.trim();
    if (text === '') return spec.optional === true ? undefined : problem('missing_value', `no value for ${field.path}`);
    return convert(field, text, input, declaration, problem);
  };
  const data: Record<string, unknown> = {};
  const items: Record<string, unknown>[] = [];
  const topLevel = mapping.fields.filter((field) => field.array === undefined);
  const perLine = mapping.fields.filter((field) => field.array !== undefined);
  for (const field of topLevel) {
    const value = read(field, first);
    if (value !== undefined) data[field.name] = value;
  }
  // The rows of one event must agree on what is said once per event (its fields and its time).
  const once = new Set([...topLevel, mapping.time].flatMap((field) => (field.spec.column === undefined ? [] : [field.spec.column])));
  for (const column of once) {
    for (const record of records.slice(1)) {
      const other = cell(record, index, column).trim();
      const mine = cell(first, index, column).trim();
      if (other !== mine) {
        const line = lineOf(record.line);
        problems.push({ line, column, value: other, code: 'group_mismatch', message: `line ${line}, column ${JSON.stringify(column)}: ${JSON.stringify(other)} differs from line ${lineOf(first.line)} (${JSON.stringify(mine)}) of the same ${declaration.eventType}` });
      }
    }
  }
  const time = read(mapping.time, first);
  if (mapping.array !== undefined) {
    for (const record of records) {
      const item: Record<string, unknown> = {};
      for (const field of perLine) {
        const value = read(field, record);
        if (value !== undefined) item[field.name] = value;
      }
      items.push(item);
    }
    data[mapping.array] = items;
  }
  checkUnits(input, [data, ...items], records, index, lineOf, problems);
  if (problems.length > 0) return { problems };
  const keyColumns = declaration.key ?? declaration.groupBy ?? [];
  const idPart = keyColumns.length > 0 ? keyColumns.map((column) => cell(first, index, column).trim()).join('/') : `${input.fileDigest.slice(0, 16)}:${lineOf(first.line)}`;
  const event: CloudEvent = {
    specversion: '1.0',
    id: `${declaration.id}/${idPart}`,
    source: input.source,
    type: declaration.eventType,
    time: String(time),
    ...(declaration.dataversion === undefined ? {} : { dataversion: declaration.dataversion }),
    data,
  };
  const at = (record: CsvRecord, column: string | undefined): { line: number; column?: string; value?: string } =>
    column === undefined ? { line: lineOf(record.line) } : { line: lineOf(record.line), column, value: cell(record, index, column) };
  const locate = (pointer: string): { line: number; column?: string; value?: string } => {
    const parts = pointer.split('/').slice(1);
    if (parts[0] === 'time') return at(first, mapping.time.spec.column);
    // The id is built from the key columns: a control character, or else the length, is in one of them.
    if (parts[0] === 'id' && keyColumns.length > 0) return at(first, idColumn(keyColumns, (column) => cell(first, index, column)));
    if (parts[0] !== 'data') return at(first, undefined);
    const [name, position, inner] = parts.slice(1);
    if (mapping.array !== undefined && name === mapping.array && position !== undefined) {
      const record = records[Number(position)] ?? first;
      return at(record, inner === undefined ? undefined : perLine.find((field) => field.name === inner)?.spec.column);
    }
    return at(first, topLevel.find((field) => field.name === name)?.spec.column);
  };
  return { event, records, locate };
}

/** The key column an id problem is about: one holding a control character, else the longest. */
function idColumn(keyColumns: readonly string[], valueOf: (column: string) => string): string {
  const control = keyColumns.find((column) => [...valueOf(column)].some((char) => {
    const code = char.codePointAt(0) ?? 0;
    return code < 0x20 || (code >= 0x7f && code <= 0x9f);
  }));
  return control ?? keyColumns.reduce((longest, column) => (valueOf(column).length > valueOf(longest).length ? column : longest));
}

function headerNameAt(index: ReadonlyMap<string, number>, at: number): string {
  for (const [name, position] of index) if (position === at) return name;
  return `#${at + 1}`;
}

function convert(
  field: CompiledField,
  text: string,
  input: CsvMappingInput,
  declaration: CsvMappingDeclaration,
  problem: (code: CsvRowProblemCode, message: string) => undefined,
): unknown {
  const spec = field.spec;
  if (spec.values !== undefined) {
    const listed = listedValue(spec.values, text);
    if (!listed.ok) return problem('unknown_value', listed.message);
    text = listed.value;
  }
  switch (spec.type ?? 'string') {
    case 'decimal': {
      const result = parseDecimal(text, declaration.decimal);
      return result.ok ? result.value : problem('not_decimal', result.message);
    }
    case 'integer': {
      if (!/^-?\d+$/.test(text)) return problem('not_integer', `${JSON.stringify(text)} is not a whole number`);
      // Past 2^53 a number loses digits (99999999999999999999 would go in as 100000000000000000000).
      const whole = Number(text);
      return Number.isSafeInteger(whole) ? whole : problem('not_integer', `${JSON.stringify(text)} is too large a whole number to keep exactly (at most ${Number.MAX_SAFE_INTEGER})`);
    }
    case 'boolean': {
      const lower = text.toLowerCase();
      if (['true', '1', 'yes', 'y', 'x'].includes(lower)) return true;
      if (['false', '0', 'no', 'n'].includes(lower)) return false;
      return problem('not_boolean', `${JSON.stringify(text)} is not true/false, 1/0, yes/no or x`);
    }
    case 'date':
    case 'datetime': {
      if (field.date === undefined) return problem('not_date', 'the mapping has no usable date format');
      const result = parseDate(text, field.date, spec.type === 'date' ? 'date' : 'datetime', declaration.dates.timezone);
      return result.ok ? result.value : problem('not_date', result.message);
    }
    case 'string':
      break;
  }
  if (spec.codes === 'item' || spec.codes === 'supplier') {
    const table = (spec.codes === 'item' ? input.masterData.itemCodes : input.masterData.supplierCodes)?.[declaration.source] ?? {};
    const canonical = Object.hasOwn(table, text) ? table[text] : undefined;
    if (canonical === undefined) {
      const section = spec.codes === 'item' ? 'itemCodes' : 'supplierCodes';
      return problem(spec.codes === 'item' ? 'unknown_item_code' : 'unknown_supplier_code', `${spec.codes} code ${JSON.stringify(text)} is not in masterData.${section}.${declaration.source}`);
    }
    return canonical;
  }
  if (spec.codes === 'unit') {
    const units = declaration.units ?? {};
    return Object.hasOwn(units, text) ? units[text] : text.toUpperCase();
  }
  return text;
}

/**
 * An item whose unit conversions master data keeps can only be counted in one of those units:
 * otherwise the quantity could not be compared with the PO or the stock (`unit_not_convertible`).
 */
function checkUnits(
  input: CsvMappingInput,
  objects: readonly Record<string, unknown>[],
  records: readonly CsvRecord[],
  index: ReadonlyMap<string, number>,
  lineOf: (line: number) => number,
  problems: CsvRowProblem[],
): void {
  const conversions = input.masterData.unitConversions ?? {};
  const unitField = input.mapping.fields.find((field) => field.name === 'uom');
  objects.forEach((object, at) => {
    const item = object.itemId;
    const unit = object.uom;
    if (typeof item !== 'string' || typeof unit !== 'string') return;
    const sizes = Object.hasOwn(conversions, item) ? conversions[item] : undefined;
    if (sizes === undefined || Object.hasOwn(sizes, unit)) return;
    // objects[0] is the top level (first row); objects[i + 1] the line of records[i].
    const record = at === 0 ? records[0] : records[at - 1];
    if (record === undefined) return;
    const line = lineOf(record.line);
    const column = unitField?.spec.column;
    problems.push({
      line,
      ...(column === undefined ? {} : { column, value: cell(record, index, column) }),
      code: 'unit_not_convertible',
      message: `line ${line}${column === undefined ? '' : `, column ${JSON.stringify(column)}`}: ${item} is not kept in ${unit}; masterData.unitConversions.${item} has ${Object.keys(sizes).join(', ')}`,
    });
  });
}

/** Contract violations of a mapped event, located by line and column of the file. */
export function locateViolations(mapped: MappedCsvEvent, violations: readonly Violation[], code: CsvRowProblemCode = 'contract_violation'): CsvRowProblem[] {
  return violations.map((violation) => {
    const { line, column, value } = mapped.locate(violation.pointer);
    const where = column === undefined ? `line ${line}` : `line ${line}, column ${JSON.stringify(column)}`;
    const cellText = value === undefined ? '' : `${JSON.stringify(value)}: `;
    return {
      line,
      ...(column === undefined ? {} : { column }),
      ...(value === undefined ? {} : { value }),
      code,
      message: `${where}: ${cellText}${mapped.event.type} contract: ${violation.pointer.replace(/^\/data\//, '').replace(/^\//, '')} ${violation.message}`,
    };
  });
}
