// The error catalogue: every failure a caller can act on has a stable code, an HTTP status
// and the data needed to fix it. docs/errors.md lists them; a test keeps the two in sync.

/** One failing place in a submitted document, as a JSON pointer into what the caller sent. */
export interface Violation {
  readonly pointer: string;
  readonly message: string;
  readonly keyword?: string;
}

export const ERROR_CATALOGUE = {
  malformed_json: { status: 400, title: 'The body is not valid JSON' },
  invalid_request: { status: 400, title: 'The request is not usable' },
  window_conflict: { status: 400, title: 'The window is given in ways that conflict' },
  unauthenticated: { status: 401, title: 'Missing or invalid credentials' },
  forbidden_source: { status: 403, title: 'The event source is not the caller' },
  forbidden_event_type: { status: 403, title: 'The caller may not publish this event type' },
  forbidden_action: { status: 403, title: 'The caller may not do this' },
  forbidden_object: { status: 403, title: 'The event is about a business object the caller does not own' },
  not_found: { status: 404, title: 'No such resource' },
  method_not_allowed: { status: 405, title: 'The path does not take this method' },
  event_conflict: { status: 409, title: 'An event with the same source and id but a different body exists' },
  exception_already_resolved: { status: 409, title: 'The exception is already resolved' },
  delivery_not_retryable: { status: 409, title: 'The delivery cannot be retried in its current status' },
  quarantine_entry_closed: { status: 409, title: 'The quarantine entry was already accepted or discarded' },
  payload_too_large: { status: 413, title: 'The body is larger than the configured limit' },
  unsupported_media_type: { status: 415, title: 'The content type is not accepted here' },
  malformed_x12: { status: 400, title: 'The body is not an X12 interchange' },
  forbidden_x12_sender: { status: 403, title: 'The interchange sender is not the caller' },
  contract_violation: { status: 422, title: 'The event breaks its contract' },
  unknown_event_type: { status: 422, title: 'No contract exists for this event type and version' },
  contract_version_not_in_force: { status: 422, title: 'The contract version is not in force' },
  empty_batch: { status: 422, title: 'The batch holds no events' },
  unknown_subscription: { status: 422, title: 'The manifest declares no such subscription' },
  csv_unreadable: { status: 422, title: 'The CSV file cannot be read with its mapping' },
  master_data_gap: { status: 422, title: 'A local code has no mapping to a canonical id in master data' },
  rate_limited: { status: 429, title: 'Too many requests for this credential' },
  store_unavailable: { status: 503, title: 'The event store cannot take writes right now' },
  invalid_config: { status: 500, title: 'The configuration is invalid' },
  address_in_use: { status: 500, title: 'The address to listen on is in use' },
  invalid_manifest: { status: 500, title: 'The governance manifest is invalid' },
  internal_error: { status: 500, title: 'Unexpected error' },
} as const;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

/** How many characters of a caller's value an error message repeats. */
export const SHOWN_CHARACTERS = 80;

/** How many of a request's URL: it holds a path and several values, each shown up to 80 on its own. */
export const SHOWN_URL_CHARACTERS = 256;

/**
 * A value the caller sent, as an error message repeats it: whole up to `most` characters, else
 * its first `most` and its length (`XXXX… (10000 characters)`). Characters are code points, so a
 * cut never splits a surrogate pair. The trap it avoids: a 404 for a 10,000-character id
 * repeated all of it, in the detail and again in `instance`.
 */
export function shownValue(value: string, most = SHOWN_CHARACTERS): string {
  if (value.length <= most) return value;
  const characters = [...value];
  return characters.length <= most ? value : `${characters.slice(0, most).join('')}… (${characters.length} characters)`;
}

/** Base of every error Millrace raises on purpose. `details` is safe to show the caller. */
export class MillraceError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly title: string;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, detail: string, details: Record<string, unknown> = {}) {
    super(detail);
    this.name = 'MillraceError';
    this.code = code;
    this.status = ERROR_CATALOGUE[code].status;
    this.title = ERROR_CATALOGUE[code].title;
    this.details = details;
  }
}

/** The codes of an event refused for its content: its contract, its type or its version. */
export type ContractViolationCode = 'contract_violation' | 'unknown_event_type' | 'contract_version_not_in_force';

/**
 * The one code of a submission whose events were refused with these codes: the shared code when
 * they agree, `contract_violation` when they differ (each violation keeps its own `keyword`).
 */
export function submissionCode(codes: Iterable<ContractViolationCode>): ContractViolationCode {
  const distinct = new Set(codes);
  const [only] = distinct;
  return distinct.size === 1 && only !== undefined ? only : 'contract_violation';
}

/** An event (or a batch entry) broke its contract; `violations` holds every failing pointer. */
export class ContractViolationError extends MillraceError {
  readonly violations: readonly Violation[];
  constructor(detail: string, violations: readonly Violation[], code: ContractViolationCode = 'contract_violation') {
    super(code, detail, { violations });
    this.violations = violations;
  }
}

export function isMillraceError(error: unknown): error is MillraceError {
  return error instanceof MillraceError;
}
