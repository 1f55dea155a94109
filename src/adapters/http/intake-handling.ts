// POST /v1/events, what both of its doors share: the Fastify route (http-server.ts) and the
// intake lane (intake-lane.ts) read the same media types, call the same use case, answer with
// the same receipt and turn the same errors into the same problem, counted and logged alike
// (`refusal` is also the error handler of every other route).
import type { Logger } from 'pino';
import type { Principal } from '../../core/index.js';
import { MillraceError, traceIdOf } from '../../core/index.js';
import type { IngestReceipt, IngestService, IntakeRefusals } from '../../app/index.js';
import type { SpanHandle, TraceContext } from '../../ports/index.js';
import type { HubMetrics } from '../metrics/hub-metrics.js';
import { EVENT_MEDIA_TYPES, problemFromError, type Problem, type ProblemRequest } from './problem.js';

/** What the intake needs of a request, whichever door it came through. */
export interface IntakeRequest extends ProblemRequest {
  readonly method: string;
}

export interface IntakeHandlingDependencies {
  readonly ingest: IngestService;
  readonly bodyLimit: number;
  readonly metrics?: HubMetrics | undefined;
  readonly refusals?: IntakeRefusals | undefined;
  readonly logger?: Logger | undefined;
}

/** The channel each intake route is, for the refusal counts of integration health. */
const INTAKE_CHANNELS: Readonly<Record<string, string>> = { '/v1/events': 'api', '/v1/inbound/x12': 'x12', '/v1/inbound/csv/:mapping': 'csv' };

export class IntakeHandling {
  constructor(private readonly deps: IntakeHandlingDependencies) {}

  /** Checks and commits events read from a body (eventsOf); rejects with a MillraceError for a refusal. */
  ingest(principal: Principal, submission: { events: unknown[]; batch: boolean }, trace: TraceContext | undefined): Promise<IngestReceipt> {
    return this.deps.ingest.submit(principal, submission.events, submission.batch, { trace });
  }

  /**
   * The bookkeeping of an accepted submission, done after the 202 is written so that it does
   * not hold up the other answers of the same commit.
   */
  recordAccepted(principal: Principal, events: readonly unknown[], receipt: IngestReceipt, seconds: number, trace: TraceContext | undefined): void {
    this.deps.metrics?.recordIntake(receipt.accepted, receipt.duplicates, typeLookup(events), seconds);
    // Debug only: a log line per request costs the intake path even when nobody reads it.
    const logger = this.deps.logger;
    if (logger?.isLevelEnabled('debug') === true) logger.debug(intakeLogFields(principal, events, receipt, trace), 'events taken in');
  }

  /**
   * The problem for an error of any route, counted (intake refusals per code, and per source
   * and channel for integration health) and logged: 5xx as errors, refusals at info.
   * `route` is the route's pattern, `seconds` the request's time so far.
   */
  refusal(error: unknown, request: IntakeRequest, route: string | undefined, context: { principal?: Principal | undefined; span?: SpanHandle | undefined; seconds: number }): Problem {
    const body = problemFromError(error, request, this.deps.bodyLimit);
    const { principal, span } = context;
    if (route === '/v1/events') this.deps.metrics?.recordRefusal(body.code, context.seconds);
    const channel = INTAKE_CHANNELS[route ?? ''];
    if (channel !== undefined && principal !== undefined) this.deps.refusals?.record(principal, channel, body.code);
    span?.setAttributes({ 'millrace.problem': body.code });
    const traceId = traceIdOf(span?.context);
    const who = principal === undefined ? {} : { principal: `${principal.kind}:${principal.id}` };
    const logger = this.deps.logger;
    if (body.status >= 500) logger?.error({ err: error, method: request.method, url: request.url, ...who, ...(traceId === undefined ? {} : { traceId }) }, 'request failed');
    else logger?.info({ code: body.code, status: body.status, method: request.method, url: request.url, ...who, ...(traceId === undefined ? {} : { traceId }) }, 'request refused');
    return body;
  }
}

/** The key of an `Authorization: Bearer <key>` header. */
export function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  // As clients send it ("Bearer " and a key of visible ASCII) it is read without the regular
  // expression, whose match array and capture the intake path would pay per request.
  return header.startsWith('Bearer ') && isVisibleAscii(header, 7) ? header.slice(7) : BEARER.exec(header)?.[1];
}

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/** Whether the text from `start` on is one or more characters between ! and ~ (none of them white space). */
function isVisibleAscii(text: string, start: number): boolean {
  if (text.length <= start) return false;
  for (let i = start; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    if (code < 0x21 || code > 0x7e) return false;
  }
  return true;
}

/** The media type says whether a body is one event or a batch; plain JSON may be either. */
export function eventsOf(contentType: string | undefined, body: unknown): { events: unknown[]; batch: boolean } {
  const header = contentType ?? '';
  // Most clients send the bare media type; only a parameter or capitals need the slower reading.
  const mediaType = EVENT_MEDIA_TYPES.includes(header as (typeof EVENT_MEDIA_TYPES)[number]) ? header : header.split(';')[0]?.trim().toLowerCase();
  if (mediaType === 'application/cloudevents-batch+json') {
    if (!Array.isArray(body)) throw new MillraceError('invalid_request', 'application/cloudevents-batch+json must be a JSON array of CloudEvents');
    return { events: body, batch: true };
  }
  if (Array.isArray(body)) {
    if (mediaType === 'application/cloudevents+json') {
      throw new MillraceError('invalid_request', 'application/cloudevents+json carries one event; send an array as application/cloudevents-batch+json');
    }
    return { events: body, batch: true };
  }
  if (body === null || typeof body !== 'object') {
    throw new MillraceError('invalid_request', 'the body must be a CloudEvent (a JSON object) or an array of them');
  }
  return { events: [body], batch: false };
}

/** A log line's fields for a submission: who, how many, which workflows (correlation ids), which trace. */
function intakeLogFields(principal: Principal, events: readonly unknown[], receipt: IngestReceipt, trace: TraceContext | undefined) {
  const correlationids = [...new Set(events.flatMap((e) => (typeof (e as { correlationid?: unknown }).correlationid === 'string' ? [(e as { correlationid: string }).correlationid] : [])))];
  const traceId = traceIdOf(trace);
  return { principal: `${principal.kind}:${principal.id}`, accepted: receipt.accepted.length, duplicates: receipt.duplicates.length, correlationids, ...(traceId === undefined ? {} : { traceId }) };
}

/** Each submitted event's type, found by its source and id, for the intake metrics. */
function typeLookup(events: readonly unknown[]): (event: { source: string; id: string }) => string | undefined {
  const typeOf = (candidate: unknown) => {
    const type = (candidate as { type?: unknown }).type;
    return typeof type === 'string' ? type : undefined;
  };
  // One event: the receipt holds that event alone.
  if (events.length === 1) {
    const type = typeOf(events[0]);
    return () => type;
  }
  const types = new Map<string, string | undefined>();
  for (const candidate of events) {
    const event = candidate as { source?: unknown; id?: unknown };
    if (typeof event.source === 'string' && typeof event.id === 'string') types.set(`${event.source}\u0000${event.id}`, typeOf(candidate));
  }
  return (event) => types.get(`${event.source}\u0000${event.id}`);
}
