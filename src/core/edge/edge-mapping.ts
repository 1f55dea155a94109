// MES messages over MQTT (manifest `mqtt.topics`): how a JSON payload on a topic becomes a
// canonical event. The declaration follows the CSV mappings (docs/csv.md): per canonical field
// where its value comes from (a payload field, a topic level or a constant) and how to read it,
// with the CSV value readers for decimals and dates. Pure: the broker client lives in adapters.
import type { CloudEvent } from '../envelope.js';
import type { CsvMasterData, FieldReading } from '../csv/csv-mapping.js';
import { FIELD_PATH } from '../csv/csv-mapping.js';
import type { DatePattern } from '../csv/csv-values.js';
import { compileDateFormat, isTimeZone, listedValue, parseDate, parseDecimal } from '../csv/csv-values.js';
import { parseUntrustedJson } from '../text/untrusted-json.js';

/** Where one value comes from: a payload field (dot path), a topic level (1-based) or a constant; read as in CSV mappings. */
export interface EdgeFieldSpec extends FieldReading {
  readonly field?: string;
  readonly topicLevel?: number;
}

/** One topic filter the hub subscribes to, and how its messages become events. */
export interface MqttTopicDeclaration {
  readonly id: string;
  /** MQTT topic filter (`plants/P01/mes/+/completed`). */
  readonly filter: string;
  /** The system (or partner) the messages speak for: the principal at the door. */
  readonly source: string;
  /** `json`: a plant payload mapped with `fields`; `cloudevent`: the payload is a structured-mode CloudEvent. */
  readonly format: 'json' | 'cloudevent';
  readonly eventType?: string;
  readonly dataversion?: number;
  /** Who published the message (a line PLC, a cell controller): sequence numbers count per publisher. */
  readonly publisher?: EdgeFieldSpec;
  /** The publisher's message counter; a gap is a completeness breach of the source. */
  readonly sequence?: EdgeFieldSpec;
  /** Payload fields that identify the event when there is no sequence (the id is built from them). */
  readonly key?: readonly string[];
  readonly time?: EdgeFieldSpec;
  readonly fields?: Readonly<Record<string, EdgeFieldSpec>>;
  readonly dates?: { readonly timezone: string };
  readonly units?: Readonly<Record<string, string>>;
}

export interface MqttDeclaration {
  readonly url: string;
  /** Stable client id: the broker keeps the persistent session (and what arrives while the hub is away) under it. */
  readonly clientId: string;
  /** How long the broker keeps the session after the hub disconnects (MQTT 5 session expiry). */
  readonly sessionExpiry: string;
  readonly topics: readonly MqttTopicDeclaration[];
}

/** A durable JetStream consumer whose messages are structured-mode CloudEvents of one source. */
export interface NatsConsumerDeclaration {
  readonly id: string;
  readonly stream: string;
  readonly durable: string;
  readonly filterSubject?: string;
  readonly source: string;
  /** How long JetStream waits for an ack before it redelivers (default 30s). */
  readonly ackWait: string;
}

export interface NatsDeclaration {
  readonly url: string;
  readonly consumers: readonly NatsConsumerDeclaration[];
}

export interface EdgeMappingProblem {
  readonly path: readonly (string | number)[];
  readonly message: string;
}

interface CompiledSpec {
  readonly path: string;
  readonly array?: string;
  readonly name: string;
  readonly spec: EdgeFieldSpec;
  readonly date?: DatePattern;
}

export interface CompiledMqttTopic {
  readonly declaration: MqttTopicDeclaration;
  readonly fields: readonly CompiledSpec[];
  readonly time?: CompiledSpec;
  readonly publisher?: CompiledSpec;
  readonly sequence?: CompiledSpec;
}

const RFC3339_FORMAT = 'RFC3339';

/** Checks what the manifest schema cannot: one source per value, date formats, time zone, how the id is formed. */
export function compileMqttTopic(declaration: MqttTopicDeclaration): { ok: true; topic: CompiledMqttTopic } | { ok: false; problems: EdgeMappingProblem[] } {
  const problems: EdgeMappingProblem[] = [];
  const levels = declaration.filter.split('/');
  const compile = (path: string, spec: EdgeFieldSpec, at: (string | number)[]): CompiledSpec | undefined => {
    const sources = [spec.field, spec.topicLevel, spec.value].filter((s) => s !== undefined).length;
    if (sources !== 1) {
      problems.push({ path: at, message: `${path} needs exactly one of field, topicLevel or value` });
      return undefined;
    }
    if (spec.topicLevel !== undefined && (spec.topicLevel > levels.length || levels[spec.topicLevel - 1] === '#')) {
      problems.push({ path: [...at, 'topicLevel'], message: `topic filter ${declaration.filter} has no level ${spec.topicLevel}` });
    }
    let date: DatePattern | undefined;
    if (spec.type === 'date' || spec.type === 'datetime') {
      const compiled = compileDateFormat(spec.format ?? RFC3339_FORMAT);
      if (typeof compiled === 'string') problems.push({ path: [...at, 'format'], message: compiled });
      else date = compiled;
    } else if (spec.format !== undefined) {
      problems.push({ path: [...at, 'format'], message: `${path} has a date format but is of type ${spec.type ?? 'string'}` });
    }
    const [head = '', tail] = path.split('[].');
    return { path, name: tail ?? head, ...(tail === undefined ? {} : { array: head }), spec, ...(date === undefined ? {} : { date }) };
  };
  if (!isTopicFilter(declaration.filter)) problems.push({ path: ['filter'], message: `"${declaration.filter}" is not an MQTT topic filter (+ and # stand alone in a level, # only last)` });
  if (declaration.format === 'cloudevent') {
    if (declaration.eventType !== undefined || declaration.fields !== undefined || declaration.time !== undefined) {
      problems.push({ path: ['format'], message: 'a cloudevent topic carries whole events: leave out eventType, time and fields' });
    }
  } else {
    if (declaration.eventType === undefined) problems.push({ path: [], message: 'a json topic needs an eventType' });
    if (declaration.time === undefined) problems.push({ path: [], message: 'a json topic needs a time (when the fact happened)' });
    if (declaration.fields === undefined || Object.keys(declaration.fields).length === 0) problems.push({ path: [], message: 'a json topic needs fields' });
    if (declaration.sequence === undefined && (declaration.key ?? []).length === 0) {
      problems.push({ path: [], message: 'say how the event id is formed: a publisher and its sequence, or key fields' });
    }
  }
  if (declaration.sequence !== undefined && declaration.publisher === undefined) {
    problems.push({ path: ['sequence'], message: 'sequence numbers count per publisher: declare publisher (a topicLevel or a payload field)' });
  }
  if (declaration.dates !== undefined && !isTimeZone(declaration.dates.timezone)) {
    problems.push({ path: ['dates', 'timezone'], message: `time zone "${declaration.dates.timezone}" is not an IANA time zone` });
  }
  const fields: CompiledSpec[] = [];
  for (const [path, spec] of Object.entries(declaration.fields ?? {})) {
    if (!FIELD_PATH.test(path)) {
      problems.push({ path: ['fields', path], message: `"${path}" is not a field path: use name or array[].name` });
      continue;
    }
    const field = compile(path, spec, ['fields', path]);
    if (field !== undefined) fields.push(field);
  }
  const arrays = new Set(fields.flatMap((f) => (f.array === undefined ? [] : [f.array])));
  if (arrays.size > 1) problems.push({ path: ['fields'], message: `one repeated array per topic; this one fills ${[...arrays].join(' and ')}` });
  const time = declaration.time === undefined ? undefined : compile('time', { ...declaration.time, type: 'datetime' }, ['time']);
  const publisher = declaration.publisher === undefined ? undefined : compile('publisher', declaration.publisher, ['publisher']);
  const sequence = declaration.sequence === undefined ? undefined : compile('sequence', { ...declaration.sequence, type: 'integer' }, ['sequence']);
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    topic: { declaration, fields, ...(time === undefined ? {} : { time }), ...(publisher === undefined ? {} : { publisher }), ...(sequence === undefined ? {} : { sequence }) },
  };
}

/** Whether `filter` is a valid MQTT topic filter. */
export function isTopicFilter(filter: string): boolean {
  if (filter === '') return false;
  const levels = filter.split('/');
  return levels.every((level, i) => (level.includes('+') || level.includes('#') ? level === '+' || (level === '#' && i === levels.length - 1) : true));
}

/** Whether a topic name matches a topic filter (MQTT 5 section 4.7). */
export function topicMatches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  // A filter starting with a wildcard does not match topics starting with $ (broker topics).
  if (topic.startsWith('$') && (f[0] === '+' || f[0] === '#')) return false;
  for (let i = 0; i < f.length; i += 1) {
    if (f[i] === '#') return true;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}

/** Whether some topic matches both filters (a message would be claimed twice). */
export function filtersOverlap(a: string, b: string): boolean {
  const x = a.split('/');
  const y = b.split('/');
  for (let i = 0; ; i += 1) {
    const p = x[i];
    const q = y[i];
    if (p === '#' || q === '#') return true;
    if (p === undefined || q === undefined) return p === q;
    if (p !== '+' && q !== '+' && p !== q) return false;
  }
}

/** Why a message could not become an event. */
export interface EdgeMessageProblem {
  readonly code: 'payload_not_json' | 'payload_not_object' | 'missing_value' | 'not_decimal' | 'not_integer' | 'not_sequence_number' | 'not_date' | 'not_boolean' | 'unknown_value' | 'unknown_item_code' | 'unknown_supplier_code';
  /** The payload field or `topic level N` the value came from. */
  readonly at?: string;
  readonly value?: string;
  readonly message: string;
}

export interface MappedMqttMessage {
  readonly event: CloudEvent;
  /** Present when the topic declares a sequence: who published and its counter. */
  readonly sequence?: { readonly publisher: string; readonly number: number };
}

export type MqttMappingResult =
  | { readonly ok: true; readonly mapped: MappedMqttMessage }
  | { readonly ok: false; readonly problems: readonly EdgeMessageProblem[]; readonly sequence?: MappedMqttMessage['sequence'] };

export interface MqttMessageInput {
  readonly topic: CompiledMqttTopic;
  readonly topicName: string;
  readonly payload: string;
  /** The source URI reference (`/systems/mes-p01`). */
  readonly source: string;
  readonly masterData: CsvMasterData;
}

/** Maps one message. The event id is `<topic id>/<publisher>/<sequence>` (or the key fields), so a redelivery dedupes. */
export function mapMqttMessage(input: MqttMessageInput): MqttMappingResult {
  const { topic } = input;
  const declaration = topic.declaration;
  let payload: unknown;
  try {
    // The parser of the HTTP door: a prototype-poisoning key is not JSON here either.
    payload = parseUntrustedJson(input.payload);
  } catch (error) {
    return { ok: false, problems: [{ code: 'payload_not_json', message: `the payload is not JSON: ${(error as Error).message}` }] };
  }
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
    // Every field read from it would be missing: one problem that says why, not one per field.
    const what = payload === null ? 'null' : Array.isArray(payload) ? 'an array' : `a ${typeof payload}`;
    return { ok: false, problems: [{ code: 'payload_not_object', message: `the payload is JSON but ${what}, not an object with the fields the mapping reads` }] };
  }
  const problems: EdgeMessageProblem[] = [];
  const levels = input.topicName.split('/');
  const read = (compiled: CompiledSpec, from: unknown): unknown => {
    const spec = compiled.spec;
    if (spec.value !== undefined) return spec.value;
    const at = spec.topicLevel !== undefined ? `topic level ${spec.topicLevel}` : (spec.field ?? '');
    const raw = spec.topicLevel !== undefined ? levels[spec.topicLevel - 1] : valueAt(from, spec.field ?? '');
    const problem = (code: EdgeMessageProblem['code'], message: string): undefined => {
      problems.push({ code, at, ...(raw === undefined ? {} : { value: textOf(raw) }), message: `${at}: ${message}` });
      return undefined;
    };
    if (raw === undefined || raw === null || raw === '') return spec.optional === true ? undefined : problem('missing_value', `no value for ${compiled.path}`);
    return convert(compiled, raw, input, problem);
  };
  // The publisher's counter first: a message that cannot be mapped still counts as received.
  const publisher = topic.publisher === undefined ? undefined : read(topic.publisher, payload);
  const number = topic.sequence === undefined ? undefined : read(topic.sequence, payload);
  const sequence = publisher !== undefined && typeof number === 'number' ? { publisher: textOf(publisher), number } : undefined;
  const failed = (): MqttMappingResult => ({ ok: false, problems, ...(sequence === undefined ? {} : { sequence }) });
  if (declaration.format === 'cloudevent') {
    if (problems.length > 0) return failed();
    return { ok: true, mapped: { event: payload as CloudEvent, ...(sequence === undefined ? {} : { sequence }) } };
  }
  const data: Record<string, unknown> = {};
  const arrayField = topic.fields.find((f) => f.array !== undefined)?.array;
  for (const field of topic.fields.filter((f) => f.array === undefined)) {
    const value = read(field, payload);
    if (value !== undefined) data[field.name] = value;
  }
  if (arrayField !== undefined) {
    // Per-line fields read from the payload's array of the same name.
    const items = valueAt(payload, arrayField);
    const rows = Array.isArray(items) ? items : [];
    if (!Array.isArray(items)) problems.push({ code: 'missing_value', at: arrayField, message: `${arrayField}: no array for ${arrayField}[]` });
    data[arrayField] = rows.map((row: unknown) => {
      const item: Record<string, unknown> = {};
      for (const field of topic.fields.filter((f) => f.array === arrayField)) {
        const value = read(field, row);
        if (value !== undefined) item[field.name] = value;
      }
      return item;
    });
  }
  const time = topic.time === undefined ? undefined : read(topic.time, payload);
  const keyParts = (declaration.key ?? []).map((path) => {
    const value = valueAt(payload, path);
    if (value === undefined || value === null || value === '') problems.push({ code: 'missing_value', at: path, message: `${path}: no value for the event key` });
    return textOf(value);
  });
  if (problems.length > 0) return failed();
  const idPart = sequence === undefined ? keyParts.join('/') : `${sequence.publisher}/${sequence.number}`;
  const event: CloudEvent = {
    specversion: '1.0',
    id: `${declaration.id}/${idPart}`,
    source: input.source,
    type: declaration.eventType ?? '',
    time: String(time),
    ...(declaration.dataversion === undefined ? {} : { dataversion: declaration.dataversion }),
    ...(typeof data.plant === 'string' ? { plant: data.plant } : {}),
    data,
  };
  return { ok: true, mapped: { event, ...(sequence === undefined ? {} : { sequence }) } };
}

function valueAt(from: unknown, path: string): unknown {
  let at: unknown = from;
  for (const part of path.split('.')) {
    if (at === null || typeof at !== 'object' || Array.isArray(at)) return undefined;
    at = (at as Record<string, unknown>)[part];
  }
  return at;
}

function textOf(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value) ?? '';
}

function convert(compiled: CompiledSpec, raw: unknown, input: MqttMessageInput, problem: (code: EdgeMessageProblem['code'], message: string) => undefined): unknown {
  const spec = compiled.spec;
  let text = typeof raw === 'string' ? raw.trim() : typeof raw === 'number' || typeof raw === 'boolean' ? String(raw) : undefined;
  if (text === undefined) return problem('missing_value', `${JSON.stringify(raw)} is not a value for ${compiled.path}`);
  if (spec.values !== undefined) {
    const listed = listedValue(spec.values, text);
    if (!listed.ok) return problem('unknown_value', listed.message);
    text = listed.value;
  }
  switch (spec.type ?? 'string') {
    case 'decimal': {
      // A JSON number is read as written (String of a double prints its shortest form); an
      // exponent or a fraction the double could not hold is refused, never rounded.
      if (typeof raw === 'number' && !/^-?\d+(\.\d+)?$/.test(text)) return problem('not_decimal', `${text} is not a plain decimal; send decimals as strings`);
      const result = parseDecimal(text, { separator: '.' });
      return result.ok ? result.value : problem('not_decimal', result.message);
    }
    case 'integer': {
      if (!/^-?\d+$/.test(text) || !Number.isSafeInteger(Number(text))) return problem('not_integer', `${JSON.stringify(text)} is not a whole number`);
      const value = Number(text);
      // A publisher's counter: taken, -3 would be an event id of its own and a reset of the count.
      if (compiled.path === 'sequence' && value < 0) return problem('not_sequence_number', `${text} is negative; a sequence number counts 0, 1, 2, ...`);
      return value;
    }
    case 'boolean':
      if (text === 'true' || text === '1') return true;
      if (text === 'false' || text === '0') return false;
      return problem('not_boolean', `${JSON.stringify(text)} is not true or false`);
    case 'date':
    case 'datetime': {
      if (compiled.date === undefined) return problem('not_date', 'the topic has no usable date format');
      const result = parseDate(text, compiled.date, spec.type === 'date' ? 'date' : 'datetime', input.topic.declaration.dates?.timezone ?? 'UTC');
      return result.ok ? result.value : problem('not_date', result.message);
    }
    case 'string':
      break;
  }
  const source = input.topic.declaration.source;
  if (spec.codes === 'item' || spec.codes === 'supplier') {
    const table = (spec.codes === 'item' ? input.masterData.itemCodes : input.masterData.supplierCodes)?.[source] ?? {};
    const canonical = Object.hasOwn(table, text) ? table[text] : undefined;
    if (canonical === undefined) {
      const section = spec.codes === 'item' ? 'itemCodes' : 'supplierCodes';
      return problem(spec.codes === 'item' ? 'unknown_item_code' : 'unknown_supplier_code', `${spec.codes} code ${JSON.stringify(text)} is not in masterData.${section}.${source}`);
    }
    return canonical;
  }
  if (spec.codes === 'unit') {
    const units = input.topic.declaration.units ?? {};
    return Object.hasOwn(units, text) ? units[text] : text.toUpperCase();
  }
  return text;
}
