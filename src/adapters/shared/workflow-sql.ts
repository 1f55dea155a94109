// The workflow projections' tables and statements, shared by the SQLite and PostgreSQL
// adapters. Statements use `?` placeholders; the PostgreSQL adapter numbers them.
import type { ExceptionGroup, ExceptionView, FlowCount, LineGroup, P2PLine, P2PStage, PlantKey, PlantStateRow, PlantWorkflow, StoredEvent, TaggedPlantState, WorkflowCensus } from '../../core/index.js';
import { applyExceptionEvent, canonicalJson, exceptionIdOf, nextDueOf, openExceptionsOf, plantStateFromJson, stageOf } from '../../core/index.js';
import type { ExceptionFilter, LineFilter, PlantStateFilter } from '../../ports/index.js';
import { cursorLineKey, cursorSequence, refuseForeignCursor } from './page-cursor.js';

/** DDL; `{bigint}` becomes INTEGER (SQLite) or BIGINT (PostgreSQL), `{wor}` WITHOUT ROWID or nothing. */
export const WORKFLOW_TABLES = `
CREATE TABLE IF NOT EXISTS p2p_lines (
  key TEXT PRIMARY KEY,
  po_number TEXT NOT NULL,
  line INTEGER NOT NULL,
  supplier_id TEXT,
  plant TEXT,
  stage TEXT NOT NULL,
  next_due TEXT,
  open_exceptions INTEGER NOT NULL,
  state TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS p2p_lines_po ON p2p_lines (po_number);
CREATE INDEX IF NOT EXISTS p2p_lines_due ON p2p_lines (next_due) WHERE next_due IS NOT NULL;
CREATE INDEX IF NOT EXISTS p2p_lines_stage ON p2p_lines (stage, key);
CREATE INDEX IF NOT EXISTS p2p_lines_supplier ON p2p_lines (supplier_id, key);
CREATE INDEX IF NOT EXISTS p2p_lines_plant ON p2p_lines (plant, key);
CREATE TABLE IF NOT EXISTS p2p_shipments (
  shipment_id TEXT NOT NULL,
  key TEXT NOT NULL,
  PRIMARY KEY (shipment_id, key)
) {wor};
CREATE TABLE IF NOT EXISTS workflow_links (
  key TEXT NOT NULL,
  seq {bigint} NOT NULL,
  PRIMARY KEY (key, seq)
) {wor};
CREATE TABLE IF NOT EXISTS exceptions (
  exception_id TEXT PRIMARY KEY,
  code TEXT NOT NULL,
  owner TEXT NOT NULL,
  status TEXT NOT NULL,
  workflow TEXT NOT NULL,
  key TEXT,
  po_number TEXT,
  supplier_id TEXT,
  plant TEXT,
  raised_seq {bigint} NOT NULL,
  view TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS exceptions_owner ON exceptions (owner, status, raised_seq);
CREATE INDEX IF NOT EXISTS exceptions_code ON exceptions (code, status, raised_seq);
CREATE INDEX IF NOT EXISTS exceptions_status ON exceptions (status, raised_seq);
CREATE INDEX IF NOT EXISTS exceptions_po ON exceptions (po_number);
CREATE TABLE IF NOT EXISTS governance_flows (
  source TEXT NOT NULL,
  type TEXT NOT NULL,
  dataversion INTEGER NOT NULL,
  events {bigint} NOT NULL,
  ungoverned {bigint} NOT NULL,
  lag_breaches {bigint} NOT NULL,
  worst_lag_ms {bigint} NOT NULL,
  first_received TEXT NOT NULL,
  last_received TEXT NOT NULL,
  PRIMARY KEY (source, type, dataversion)
);
CREATE TABLE IF NOT EXISTS plant_states (
  workflow TEXT NOT NULL,
  key TEXT NOT NULL,
  plant TEXT,
  to_plant TEXT,
  stage TEXT NOT NULL,
  next_due TEXT,
  open_exceptions INTEGER NOT NULL,
  state TEXT NOT NULL,
  PRIMARY KEY (workflow, key)
);
CREATE INDEX IF NOT EXISTS plant_states_due ON plant_states (next_due) WHERE next_due IS NOT NULL;
CREATE INDEX IF NOT EXISTS plant_states_plant ON plant_states (workflow, plant);
CREATE INDEX IF NOT EXISTS plant_states_to_plant ON plant_states (workflow, to_plant);
CREATE TABLE IF NOT EXISTS workflow_cursor (
  name TEXT PRIMARY KEY,
  up_to {bigint} NOT NULL
);
`;

/** Secondary indexes of the lines table, which a bulk rebuild drops and creates again at the end. */
export const LINE_INDEXES = ['p2p_lines_po', 'p2p_lines_due', 'p2p_lines_stage', 'p2p_lines_supplier', 'p2p_lines_plant'];

export const RESET_WORKFLOWS = ['DELETE FROM p2p_lines', 'DELETE FROM p2p_shipments', 'DELETE FROM workflow_links', 'DELETE FROM exceptions', 'DELETE FROM governance_flows', 'DELETE FROM plant_states', 'DELETE FROM workflow_cursor'];

export const CURSOR_NAME = 'p2p';

/** Whether a step may be applied on a store whose cursor is `stored`: it was computed from there (or says nothing). */
export function stepStartsAt(step: { readonly from?: number }, stored: number): boolean {
  return step.from === undefined || step.from === stored;
}

/** Why a step was refused: the cursor moved since the processor read it. */
export function stepRefused(step: { readonly from?: number; readonly upTo: number }, stored: number): Error {
  return new Error(`workflow step ${step.from ?? '?'}..${step.upTo} refused: the stored cursor is at ${stored} (another hub process applied those events); starting again from the store`);
}

export const SQL = {
  cursor: 'SELECT up_to FROM workflow_cursor WHERE name = ?',
  setCursor: 'INSERT INTO workflow_cursor (name, up_to) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET up_to = excluded.up_to',
  upsertLine:
    'INSERT INTO p2p_lines (key, po_number, line, supplier_id, plant, stage, next_due, open_exceptions, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ' +
    'ON CONFLICT (key) DO UPDATE SET supplier_id = excluded.supplier_id, plant = excluded.plant, stage = excluded.stage, next_due = excluded.next_due, ' +
    'open_exceptions = excluded.open_exceptions, state = excluded.state',
  insertShipment: 'INSERT INTO p2p_shipments (shipment_id, key) VALUES (?, ?) ON CONFLICT DO NOTHING',
  insertLink: 'INSERT INTO workflow_links (key, seq) VALUES (?, ?) ON CONFLICT DO NOTHING',
  exception: 'SELECT view FROM exceptions WHERE exception_id = ?',
  upsertException:
    'INSERT INTO exceptions (exception_id, code, owner, status, workflow, key, po_number, supplier_id, plant, raised_seq, view) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ' +
    'ON CONFLICT (exception_id) DO UPDATE SET status = excluded.status, view = excluded.view',
  dueLines: 'SELECT state FROM p2p_lines WHERE next_due IS NOT NULL AND next_due <= ? ORDER BY next_due, key LIMIT ?',
  linesOfPo: 'SELECT state FROM p2p_lines WHERE po_number = ? ORDER BY line',
  upsertPlantState:
    'INSERT INTO plant_states (workflow, key, plant, to_plant, stage, next_due, open_exceptions, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ' +
    'ON CONFLICT (workflow, key) DO UPDATE SET plant = excluded.plant, to_plant = excluded.to_plant, stage = excluded.stage, next_due = excluded.next_due, ' +
    'open_exceptions = excluded.open_exceptions, state = excluded.state',
  duePlantStates: 'SELECT workflow, state FROM plant_states WHERE next_due IS NOT NULL AND next_due <= ? ORDER BY next_due, workflow, key LIMIT ?',
  plantStates: 'SELECT workflow, state FROM plant_states WHERE workflow = ? ORDER BY key',
  plantStatesOfPlant: 'SELECT workflow, state FROM plant_states WHERE workflow = ? AND (plant = ? OR to_plant = ?) ORDER BY key',
  // Portable SQL (no GREATEST/MAX(a, b) difference between the two databases).
  addFlow:
    'INSERT INTO governance_flows (source, type, dataversion, events, ungoverned, lag_breaches, worst_lag_ms, first_received, last_received) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ' +
    'ON CONFLICT (source, type, dataversion) DO UPDATE SET events = governance_flows.events + excluded.events, ' +
    'ungoverned = governance_flows.ungoverned + excluded.ungoverned, lag_breaches = governance_flows.lag_breaches + excluded.lag_breaches, ' +
    'worst_lag_ms = CASE WHEN excluded.worst_lag_ms > governance_flows.worst_lag_ms THEN excluded.worst_lag_ms ELSE governance_flows.worst_lag_ms END, ' +
    'first_received = CASE WHEN excluded.first_received < governance_flows.first_received THEN excluded.first_received ELSE governance_flows.first_received END, ' +
    'last_received = CASE WHEN excluded.last_received > governance_flows.last_received THEN excluded.last_received ELSE governance_flows.last_received END',
  flows:
    'SELECT source, type, dataversion, events, ungoverned, lag_breaches, worst_lag_ms, first_received, last_received FROM governance_flows ORDER BY source, type, dataversion',
} as const;

export function plantRowParams(row: PlantStateRow): (string | number | null)[] {
  return [row.workflow, row.key, row.plant, row.toPlant, row.stage, row.nextDue, row.openExceptions, row.state];
}

export interface PlantRow {
  readonly workflow: string;
  readonly state: string;
}

export function plantStateOfRow(row: PlantRow): TaggedPlantState {
  return plantStateFromJson(row.workflow as PlantWorkflow, row.state);
}

/** The statement and parameters listing one plant workflow's states. */
export function plantStatesQuery(workflow: PlantWorkflow, filter: PlantStateFilter): { sql: string; params: string[] } {
  return filter.plant === undefined ? { sql: SQL.plantStates, params: [workflow] } : { sql: SQL.plantStatesOfPlant, params: [workflow, filter.plant, filter.plant] };
}

/** Loading plant states by key: grouped per workflow, `IN` lists of at most 500 keys. */
export function plantKeyQueries(keys: readonly PlantKey[]): { sql: string; params: string[] }[] {
  const byWorkflow = new Map<PlantWorkflow, string[]>();
  for (const { workflow, key } of keys) byWorkflow.set(workflow, [...(byWorkflow.get(workflow) ?? []), key]);
  const queries: { sql: string; params: string[] }[] = [];
  for (const [workflow, list] of byWorkflow) {
    for (let i = 0; i < list.length; i += 500) {
      const chunk = list.slice(i, i + 500);
      queries.push({ sql: `SELECT workflow, state FROM plant_states WHERE workflow = ? AND key IN (${chunk.map(() => '?').join(', ')})`, params: [workflow, ...chunk] });
    }
  }
  return queries;
}

export interface FlowRow {
  readonly source: string;
  readonly type: string;
  readonly dataversion: number | string;
  readonly events: number | string;
  readonly ungoverned: number | string;
  readonly lag_breaches: number | string;
  readonly worst_lag_ms: number | string;
  readonly first_received: string;
  readonly last_received: string;
}

export function flowParams(flow: FlowCount): (string | number)[] {
  return [flow.source, flow.type, flow.dataversion, flow.events, flow.ungoverned, flow.lagBreaches, flow.worstLagMs, flow.firstReceived, flow.lastReceived];
}

/** A row as either driver returns it (PostgreSQL BIGINT comes back as text). */
export function flowFromRow(row: FlowRow): FlowCount {
  return {
    source: row.source,
    type: row.type,
    dataversion: Number(row.dataversion),
    events: Number(row.events),
    ungoverned: Number(row.ungoverned),
    lagBreaches: Number(row.lag_breaches),
    worstLagMs: Number(row.worst_lag_ms),
    firstReceived: row.first_received,
    lastReceived: row.last_received,
  };
}

export interface LineRow {
  readonly key: string;
  readonly poNumber: string;
  readonly line: number;
  readonly supplierId: string | null;
  readonly plant: string | null;
  readonly stage: string;
  readonly nextDue: string | null;
  readonly openExceptions: number;
  readonly state: string;
}

export function lineRow(state: P2PLine): LineRow {
  return {
    key: state.key,
    poNumber: state.poNumber,
    line: state.line,
    supplierId: state.terms?.supplierId ?? null,
    plant: state.terms?.buyerPlant ?? null,
    stage: stageOf(state),
    nextDue: nextDueOf(state) ?? null,
    openExceptions: openExceptionsOf(state).length,
    // Plain JSON: evolve builds states in one key order whatever the order it is fed in, and
    // the replay tests compare this text byte for byte.
    state: JSON.stringify(state),
  };
}

export function lineRowParams(row: LineRow): (string | number | null)[] {
  return [row.key, row.poNumber, row.line, row.supplierId, row.plant, row.stage, row.nextDue, row.openExceptions, row.state];
}

export function exceptionParams(view: ExceptionView): (string | number | null)[] {
  return [
    view.exceptionId,
    view.code,
    view.owner,
    view.status,
    view.workflow,
    view.key ?? null,
    view.poNumber ?? null,
    view.supplierId ?? null,
    view.plant ?? null,
    view.raisedSequence,
    canonicalJson(view),
  ];
}

/**
 * The exception views a set of events produces, given a way to read an existing view.
 * Events must be in sequence order.
 */
export function exceptionUpdates(events: readonly StoredEvent[], read: (exceptionId: string) => ExceptionView | undefined): ExceptionView[] {
  const views = new Map<string, ExceptionView | undefined>();
  for (const stored of events) {
    const id = exceptionIdOf(stored);
    if (id === undefined) continue;
    const before = views.has(id) ? views.get(id) : read(id);
    views.set(id, applyExceptionEvent(before, stored));
  }
  return [...views.values()].filter((view): view is ExceptionView => view !== undefined);
}

export function shipmentLinks(lines: readonly P2PLine[]): [string, string][] {
  return lines.flatMap((state) => Object.keys(state.shipments).map((shipmentId): [string, string] => [shipmentId, state.key]));
}

type Condition = readonly [sql: string, value: string | number | undefined];

/** `SELECT ... WHERE` the conditions whose value is given, `ORDER BY ... LIMIT limit + 1`. */
function listing(select: string, conditions: readonly Condition[], order: string, limit: number): { sql: string; params: (string | number)[] } {
  const given = conditions.filter((condition): condition is readonly [string, string | number] => condition[1] !== undefined);
  const where = given.length > 0 ? ` WHERE ${given.map(([sql]) => sql).join(' AND ')}` : '';
  return { sql: `${select}${where} ORDER BY ${order} LIMIT ?`, params: [...given.map(([, value]) => value), limit + 1] };
}

/** A line listing (keyset paging on `key`: any line key, as lineKey writes it, starts after itself). */
export function lineQuery(filter: LineFilter, limit: number, after: string | undefined): { sql: string; params: (string | number)[] } {
  return listing(
    'SELECT state FROM p2p_lines',
    [
      ['stage = ?', filter.stage],
      ['supplier_id = ?', filter.supplierId],
      ['plant = ?', filter.plant],
      ['po_number = ?', filter.poNumber],
      ['key > ?', after === undefined ? undefined : (cursorLineKey(after) ?? refuseForeignCursor(after))],
    ],
    'key',
    limit,
  );
}

/** Exceptions newest first (keyset paging on the raising sequence). */
export function exceptionQuery(filter: ExceptionFilter, limit: number, after: string | undefined): { sql: string; params: (string | number)[] } {
  return listing(
    'SELECT view, raised_seq FROM exceptions',
    [
      ['owner = ?', filter.owner],
      ['code = ?', filter.code],
      ['status = ?', filter.status],
      ['supplier_id = ?', filter.supplierId],
      ['po_number = ?', filter.poNumber],
      ['plant = ?', filter.plant],
      ['raised_seq < ?', after === undefined ? undefined : (cursorSequence(after) ?? refuseForeignCursor(after))],
    ],
    'raised_seq DESC',
    limit,
  );
}

/** Cuts the extra row a listing asked for into the `next` cursor. */
export function pageOf<T>(rows: readonly T[], limit: number, cursorOf: (last: T) => string): { items: T[]; next?: string } {
  if (rows.length <= limit) return { items: [...rows] };
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return last === undefined ? { items } : { items, next: cursorOf(last) };
}

/**
 * The census's line groups; `category` is the dialect's expression for the PO line's item
 * category, which only the state's JSON holds (a full scan: `millrace diff --store` runs it once).
 */
export function lineCensusQuery(stages: readonly P2PStage[], category: string): { sql: string; params: string[] } {
  return {
    sql: `SELECT stage, supplier_id, plant, ${category} AS item_category, COUNT(*) AS n FROM p2p_lines WHERE stage IN (${stages.map(() => '?').join(', ')}) GROUP BY stage, supplier_id, plant, item_category`,
    params: [...stages],
  };
}

export const EXCEPTION_CENSUS = "SELECT code, owner, plant, COUNT(*) AS n FROM exceptions WHERE status = 'open' GROUP BY code, owner, plant";

export interface LineCensusRow {
  readonly stage: string;
  readonly supplier_id: string | null;
  readonly plant: string | null;
  readonly item_category: string | null;
  /** PostgreSQL answers COUNT(*) as a string. */
  readonly n: number | string;
}

export interface ExceptionCensusRow {
  readonly code: string;
  readonly owner: string;
  readonly plant: string | null;
  readonly n: number | string;
}

export function censusOf(lines: readonly LineCensusRow[], exceptions: readonly ExceptionCensusRow[]): WorkflowCensus {
  return {
    lines: lines.map((row): LineGroup => ({
      stage: row.stage as P2PStage,
      ...(row.supplier_id === null ? {} : { supplierId: row.supplier_id }),
      ...(row.plant === null ? {} : { plant: row.plant }),
      ...(row.item_category === null ? {} : { itemCategory: row.item_category }),
      count: Number(row.n),
    })),
    openExceptions: exceptions.map((row): ExceptionGroup => ({ code: row.code, owner: row.owner, ...(row.plant === null ? {} : { plant: row.plant }), count: Number(row.n) })),
  };
}
