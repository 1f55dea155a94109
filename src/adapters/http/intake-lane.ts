// The intake lane: POST /v1/events answered straight from Node's HTTP server, beside Fastify
// rather than through it (docs/adr/0025). Fastify's request and reply objects, hook runners,
// content-type parser and serialisation pipeline cost about 6 us of the event loop per request
// on this machine, a tenth of what an event costs in all; the lane does the same work with the
// same parts (intake-handling.ts, json-body.ts, the problem catalogue, the route's response
// schemas, serialised as Fastify serialises them) and nothing else.
//
// It takes only what it answers exactly as the route would: the exact path, a bare event media
// type, a Content-Length within the limit, no chunked body. Everything else (a parameter on the
// media type, a query string, a missing length, a principal with a rate limit, a hub that is
// closing) goes to Fastify, which stays the reference: OpenAPI is generated from its route, and
// tests run the intake's answers through both doors (src/server/http-intake.test.ts). A hook or
// plugin added to the intake route later does not apply here: teach the lane, or hand over.
//
// The lane reads a body and stages it; the bodies staged in a turn are parsed, checked and
// submitted together when the group committer is about to cut the turn's group (ADR 0078): the
// parser's and the contracts' code then runs back to back, not between the reads of sockets.
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import fastJson from 'fast-json-stringify';
import type { Logger } from 'pino';
import type { Principal } from '../../core/index.js';
import type { Authenticator } from '../../ports/index.js';
import type { IntakeHandling } from './intake-handling.js';
import { bearerToken, eventsOf } from './intake-handling.js';
import { parseJsonBody, readBodyBytes } from './json-body.js';
import { EVENT_MEDIA_TYPES, PROBLEM_MEDIA_TYPE, PROBLEM_SCHEMA, problem, type Problem } from './problem.js';

/** fast-json-stringify's schema type; the schemas are the routes' own, declared `as const`. */
type JsonSchema = Parameters<typeof fastJson>[0];

export const INTAKE_PATH = '/v1/events';

/**
 * The problem statuses the intake route declares (its OpenAPI responses): Fastify serialises
 * those with the problem schema, any other (a 500) with JSON.stringify, and so does the lane.
 */
export const INTAKE_PROBLEM_STATUSES = [400, 401, 403, 409, 413, 415, 422, 429, 503] as const;
const DECLARED = new Set<number>(INTAKE_PROBLEM_STATUSES);

export interface IntakeLaneOptions {
  readonly handling: IntakeHandling;
  readonly authenticator: Authenticator;
  readonly bodyLimit: number;
  /** The 202 body's schema, as the route declares it: the lane serialises with it as Fastify would. */
  readonly receiptSchema: Record<string, unknown>;
  /**
   * Whether a principal's requests are counted against a rate limit: they go to the route, where
   * the limiter is (and where the key is checked again: from the cache, unless it is off).
   */
  readonly rateLimited?: (principal: Principal) => boolean;
  /** Where a failure of the lane itself is logged. */
  readonly logger?: Logger | undefined;
  /** The group committer the intake commits through: the lane feeds it a turn's staged bodies just before it cuts the group. */
  readonly groups: GroupFeed;
}

/** What the lane needs of the group committer (GroupCommitter). */
export interface GroupFeed {
  /** `feed` is called just before each group is cut, to submit what was staged since. */
  addFeeder(feed: () => void): void;
  /** Something is staged: the feeders are called in this turn. */
  wake(): void;
}

/** A request whose body has been read, waiting for the turn's parse and checks. */
interface Staged {
  readonly request: IncomingMessage;
  readonly response: ServerResponse;
  readonly principal: Principal;
  readonly bytes: Buffer;
  readonly arrivedAt: number;
}

/** The 401 of a request without a valid key, worded as the route's authentication hook words it. */
export function unauthenticated(url: string): Problem {
  return problem('unauthenticated', 'send "Authorization: Bearer <key>" with a valid, unrevoked Millrace API key', {}, url);
}

export class IntakeLane {
  private closing = false;
  private answered = 0;
  private staged: Staged[] = [];
  private readonly serialiseReceipt: (receipt: unknown) => string;
  private readonly serialiseProblem: (problem: unknown) => string;

  constructor(private readonly options: IntakeLaneOptions) {
    this.serialiseReceipt = fastJson(options.receiptSchema as unknown as JsonSchema);
    this.serialiseProblem = fastJson(PROBLEM_SCHEMA as unknown as JsonSchema);
    options.groups.addFeeder(() => this.submitStaged());
  }

  /** Requests the lane has answered itself. */
  get requestsAnswered(): number {
    return this.answered;
  }

  /** From now on every request goes to Fastify, which answers 503 while it closes. */
  close(): void {
    this.closing = true;
  }

  /**
   * Answers the request and returns true when it is the lane's to answer; returns false, having
   * touched nothing, when Fastify must. `route` is Fastify's handler, for a request the lane
   * takes and then finds it must hand over (a rate-limited principal), its body still unread.
   */
  take(request: IncomingMessage, response: ServerResponse, route: RequestListener): boolean {
    if (this.closing || request.method !== 'POST' || request.url !== INTAKE_PATH) return false;
    const headers = request.headers;
    const contentType = headers['content-type'];
    if (contentType === undefined || !EVENT_MEDIA_TYPES.includes(contentType as (typeof EVENT_MEDIA_TYPES)[number])) return false;
    const length = headers['content-length'];
    if (length === undefined || headers['transfer-encoding'] !== undefined) return false;
    const declared = Number(length);
    if (!Number.isSafeInteger(declared) || declared > this.options.bodyLimit) return false;

    const arrivedAt = performance.now();
    // From here on the request is the lane's: whatever throws is answered (guard), never left
    // to escape the server's listener or a promise, where it would end the process.
    this.guard(response, () => {
      const token = bearerToken(headers.authorization);
      const { authenticator } = this.options;
      const recalled = token === undefined ? false : authenticator.recall?.(token);
      if (recalled !== undefined) {
        this.admit(request, response, route, recalled === false ? undefined : recalled, arrivedAt);
        return;
      }
      authenticator.authenticate(token ?? '').then(
        (principal) => this.guard(response, () => this.admit(request, response, route, principal, arrivedAt)),
        (error: unknown) => this.guard(response, () => this.refuse(request, response, error, undefined, arrivedAt)),
      );
    });
    return true;
  }

  /** Runs a step of a request the lane has taken; an error it throws gets a 500 (or, once the head is sent, a closed connection). */
  private guard(response: ServerResponse, step: () => void): void {
    try {
      step();
    } catch (error) {
      this.fail(response, error);
    }
  }

  private fail(response: ServerResponse, error: unknown): void {
    try {
      this.options.logger?.error({ err: error, method: 'POST', url: INTAKE_PATH }, 'request failed');
    } catch {
      // A logger that throws must not stop the answer.
    }
    // Answered already (the bookkeeping after a 202 failed): the answer stands.
    if (response.writableEnded) return;
    if (response.headersSent) {
      response.destroy();
      return;
    }
    const body = problem('internal_error', 'the hub failed to handle this request; it has been logged', {}, INTAKE_PATH);
    write(response, body.status, PROBLEM_CONTENT_TYPE, JSON.stringify(body));
  }

  private admit(request: IncomingMessage, response: ServerResponse, route: RequestListener, principal: Principal | undefined, arrivedAt: number): void {
    if (principal === undefined) {
      // As the route's authentication hook answers: not counted as an intake refusal.
      this.answered += 1;
      this.send(response, unauthenticated(INTAKE_PATH));
      return;
    }
    if (this.options.rateLimited?.(principal) === true) {
      route(request, response);
      return;
    }
    this.answered += 1;
    readBodyBytes(request, Number(request.headers['content-length']), this.options.bodyLimit, (read) =>
      this.guard(response, () => {
        if ('error' in read) {
          this.refuseUnread(request, response, read.error, principal, arrivedAt);
          return;
        }
        this.staged.push({ request, response, principal, bytes: read.bytes, arrivedAt });
        if (this.staged.length === 1) this.options.groups.wake();
      }),
    );
  }

  /**
   * The group committer is about to cut a group: every body staged since the last one is parsed,
   * then each is checked and submitted, in the order they came.
   */
  private submitStaged(): void {
    const staged = this.staged;
    if (staged.length === 0) return;
    this.staged = [];
    const parsed = staged.map((item) => [item, parsedBody(item.bytes)] as const);
    for (const [item, body] of parsed) {
      this.guard(item.response, () => {
        if ('body' in body) this.submit(item.request, item.response, item.principal, body.body, item.arrivedAt);
        else this.refuseUnread(item.request, item.response, body.error, item.principal, item.arrivedAt);
      });
    }
  }

  /** A body that could not be read or parsed: refused, and the connection closed, as Fastify does (the client may still be sending). */
  private refuseUnread(request: IncomingMessage, response: ServerResponse, error: unknown, principal: Principal, arrivedAt: number): void {
    response.setHeader('connection', 'close');
    this.refuse(request, response, error, principal, arrivedAt);
  }

  private submit(request: IncomingMessage, response: ServerResponse, principal: Principal, body: unknown, arrivedAt: number): void {
    const { handling } = this.options;
    let submission: { events: unknown[]; batch: boolean };
    try {
      submission = eventsOf(request.headers['content-type'], body);
    } catch (error) {
      this.refuse(request, response, error, principal, arrivedAt);
      return;
    }
    const { events } = submission;
    handling.ingest(principal, submission, undefined).then(
      (receipt) =>
        this.guard(response, () => {
          const seconds = (performance.now() - arrivedAt) / 1000;
          write(response, 202, 'application/json; charset=utf-8', this.serialiseReceipt(receipt));
          handling.recordAccepted(principal, events, receipt, seconds, undefined);
        }),
      (error: unknown) => this.guard(response, () => this.refuse(request, response, error, principal, arrivedAt)),
    );
  }

  private refuse(request: IncomingMessage, response: ServerResponse, error: unknown, principal: Principal | undefined, arrivedAt: number): void {
    const seconds = (performance.now() - arrivedAt) / 1000;
    this.send(response, this.options.handling.refusal(error, { method: 'POST', url: INTAKE_PATH, headers: request.headers }, INTAKE_PATH, { principal, seconds }));
  }

  private send(response: ServerResponse, body: Problem): void {
    const payload = DECLARED.has(body.status) ? this.serialiseProblem(body) : JSON.stringify(body);
    write(response, body.status, PROBLEM_CONTENT_TYPE, payload, body.status === 401 ? 'Bearer realm="millrace"' : undefined);
  }
}

/** A staged body parsed, or why it could not be. */
function parsedBody(bytes: Buffer): { readonly body: unknown } | { readonly error: unknown } {
  try {
    return { body: parseJsonBody(bytes) };
  } catch (error) {
    return { error };
  }
}

/** As Fastify sends a problem (sendProblem): the media type with its charset. */
const PROBLEM_CONTENT_TYPE = `${PROBLEM_MEDIA_TYPE}; charset=utf-8`;

function write(response: ServerResponse, status: number, contentType: string, payload: string, challenge?: string): void {
  if (response.destroyed) return;
  const length = Buffer.byteLength(payload);
  // Headers as a flat list: Node takes it as it is, where an object is walked key by key.
  response.writeHead(status, challenge === undefined ? ['content-type', contentType, 'content-length', String(length)] : ['content-type', contentType, 'content-length', String(length), 'www-authenticate', challenge]);
  response.end(payload);
}
