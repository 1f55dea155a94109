// The exceptions view: one row per exception, from its exception.raised and
// exception.resolved events, with the owner, the status and the events behind it.
import type { StoredEvent } from '../envelope.js';

export interface ExceptionView {
  readonly exceptionId: string;
  readonly code: string;
  readonly owner: string;
  readonly status: 'open' | 'resolved';
  readonly workflow: string;
  readonly severity?: string;
  readonly message: string;
  /** The workflow key (a PO line is `PO/LINE`). */
  readonly key?: string;
  readonly poNumber?: string;
  readonly line?: number;
  readonly invoiceNumber?: string;
  readonly receiptId?: string;
  readonly shipmentId?: string;
  readonly supplierId?: string;
  readonly plant?: string;
  /** Ids of the events that led to the exception. */
  readonly evidence: readonly string[];
  readonly raisedAt: string;
  readonly raisedSequence: number;
  readonly resolvedAt?: string;
  readonly resolvedSequence?: number;
  readonly resolvedBy?: string;
  readonly resolution?: string;
  readonly reason?: string;
}

const KEYS = ['poNumber', 'invoiceNumber', 'receiptId', 'shipmentId', 'supplierId', 'plant'] as const;

/** The row after one event; `undefined` in, `undefined` out when the event is not about exceptions. */
export function applyExceptionEvent(row: ExceptionView | undefined, stored: StoredEvent): ExceptionView | undefined {
  const { event, sequence } = stored;
  const data = event.data;
  if (event.type === 'exception.raised') {
    if (row !== undefined) return row;
    const fields: Record<string, unknown> = {};
    for (const key of KEYS) if (typeof data[key] === 'string') fields[key] = data[key];
    if (typeof data.line === 'number') fields.line = data.line;
    return {
      exceptionId: String(data.exceptionId),
      code: String(data.code),
      owner: String(data.owner),
      status: 'open',
      workflow: String(data.workflow),
      ...(typeof data.severity === 'string' ? { severity: data.severity } : {}),
      message: String(data.message),
      ...(event.correlationid === undefined ? {} : { key: event.correlationid }),
      ...fields,
      evidence: Array.isArray(data.evidence) ? (data.evidence as string[]) : [],
      raisedAt: event.time,
      raisedSequence: sequence,
    };
  }
  if (event.type === 'exception.resolved') {
    if (row === undefined || row.status === 'resolved') return row;
    return {
      ...row,
      status: 'resolved',
      resolvedAt: event.time,
      resolvedSequence: sequence,
      resolvedBy: String(data.resolvedBy),
      resolution: String(data.resolution),
      reason: String(data.reason),
    };
  }
  return row;
}

export function exceptionIdOf(stored: StoredEvent): string | undefined {
  const { type, data } = stored.event;
  return type === 'exception.raised' || type === 'exception.resolved' ? String((data).exceptionId) : undefined;
}
