// The HTTP adapter: turns requests into calls of the ingest use case and errors into
// problem+json. No business rule lives here.
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import { createServer, type Server } from 'node:http';
import Fastify, { type FastifyHttpOptions, type FastifyInstance, type FastifyServerFactory, type FastifyReply, type FastifyRequest, type onRequestHookHandler } from 'fastify';
import type { Logger } from 'pino';
import type { AsyncApiDocument, Principal } from '../../core/index.js';
import { MillraceError } from '../../core/index.js';
import type { DeliveryOperations, IngestService, IntakeRefusals, PlantQueries, X12Intake } from '../../app/index.js';
import type { Authenticator, SpanHandle, Tracer } from '../../ports/index.js';
import type { HubMetrics } from '../metrics/hub-metrics.js';
import { EVENT_MEDIA_TYPES, problem, sendProblem } from './problem.js';
import { bearerToken, eventsOf, IntakeHandling } from './intake-handling.js';
import { INTAKE_PROBLEM_STATUSES, IntakeLane, unauthenticated, type GroupFeed } from './intake-lane.js';
import { documentProblemResponse, problemResponse, problemResponses } from './schemas.js';
import { registerJsonParser } from './json-body.js';
import { refuseNonFiniteNumbers } from './finite-numbers.js';
import { refuseNulCharacters } from './nul-characters.js';
import { refuseEmptyPathParameters } from './path-parameters.js';
import { refuseUnknownQueryParameters } from './query-parameters.js';
import { notFoundOrNotAllowed } from './method-not-allowed.js';
import type { InboundRouteDependencies } from './csv-routes.js';
import { registerInboundRoutes } from './csv-routes.js';
import type { WorkflowRouteDependencies } from './workflow-routes.js';
import { registerWorkflowRoutes } from './workflow-routes.js';
import { registerPlantRoutes } from './plant-routes.js';
import { registerDeliveryRoutes } from './delivery-routes.js';
import { registerX12Routes } from './x12-routes.js';
import { registerDashboardRoutes } from './dashboard-routes.js';
import type { VisibilityRouteDependencies } from './visibility-routes.js';
import { registerVisibilityRoutes } from './visibility-routes.js';
import { traceOf } from './request-trace.js';
import { answeredWithin } from '../shared/answered-within.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
    /** performance.now() when an intake request arrived, for its latency metric. */
    arrivedAt?: number;
    /** The request's server span, when tracing is on. */
    span?: SpanHandle;
  }
  interface FastifyContextConfig {
    /** Routes that need a credential. */
    auth?: boolean;
    /** Routes whose body may be left out (a retry): /openapi.json says it is not required. */
    optionalBody?: boolean;
  }
}

export interface HttpServerDependencies {
  readonly ingest: IngestService;
  /** The group committer the ingest commits through: the intake lane feeds it each turn's requests (intake-lane.ts). */
  readonly groups: GroupFeed;
  readonly authenticator: Authenticator;
  /** Largest accepted body in bytes. */
  readonly bodyLimit: number;
  /** A self-contained JSON Schema of one CloudEvent, for the OpenAPI document. */
  readonly eventSchema: Record<string, unknown>;
  /** The event catalogue served at /asyncapi.json. */
  readonly asyncApi: AsyncApiDocument;
  /** Readiness probe: resolves when the hub can take writes, rejects with the reason otherwise. */
  readonly ready: () => Promise<void>;
  readonly version: string;
  /**
   * Where errors are logged. Fastify's own logger stays off: it builds a child logger for
   * every request, a cost the intake path pays even when nothing is logged.
   */
  readonly logger?: Logger;
  readonly workflows: WorkflowRouteDependencies;
  /** The plant workflows' views (inventory, production orders, transfers). */
  readonly plant?: PlantQueries;
  /** Prometheus metrics, served at GET /metrics when given. */
  readonly metrics?: HubMetrics;
  /** `operator`: GET /metrics asks for an operator key; `none` (the default): no key (docs/adr/0070). */
  readonly metricsAuth?: 'none' | 'operator';
  /** CSV intake and the quarantine (absent: those routes are not served). */
  readonly inbound?: InboundRouteDependencies;
  /** Requests per minute a principal's credentials may make (the manifest's `rateLimit`); undefined: no limit. */
  readonly rateLimitOf?: (principal: Principal) => number | undefined;
  /** Outbound deliveries: listing, retry, replay. */
  readonly deliveries?: DeliveryOperations;
  /** POST /v1/inbound/x12, when given. */
  readonly x12?: X12Intake;
  /** KPI series, integration health and /v1/me (absent: not served). */
  readonly visibility?: VisibilityRouteDependencies;
  /** Where refusals of intake requests are counted per source and channel, for integration health. */
  readonly refusals?: IntakeRefusals;
  /** Serve the operations dashboard at / (default true). */
  readonly dashboard?: boolean;
  /**
   * Traces requests (a server span per request, child of the caller's `traceparent`), whose
   * context the intake routes store with the events. Absent: no hook is even registered.
   */
  readonly tracer?: Tracer;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The intake lane (intake-lane.ts, docs/adr/0025), absent with a tracer: a traced request needs the route's hooks. */
    intakeLane?: IntakeLane;
  }
}

/** Probes and scrapes are not worth a trace each. */
const UNTRACED = new Set(['/metrics', '/healthz', '/readyz']);

function registerTracing(app: FastifyInstance, tracer: Tracer): void {
  app.addHook('onRequest', (request, _reply, done) => {
    const route = request.routeOptions.url;
    if (route !== undefined && UNTRACED.has(route)) {
      done();
      return;
    }
    const traceparent = request.headers.traceparent;
    const tracestate = request.headers.tracestate;
    const parent = typeof traceparent === 'string' ? { traceparent, ...(typeof tracestate === 'string' ? { tracestate } : {}) } : undefined;
    request.span = tracer.start(`${request.method} ${route ?? 'unknown route'}`, {
      kind: 'server',
      ...(parent === undefined ? {} : { parent }),
      attributes: { 'http.request.method': request.method, 'http.route': route ?? '', 'url.path': request.url.split('?')[0] ?? '' },
    });
    done();
  });
  app.addHook('onResponse', (request, reply, done) => {
    const span = request.span;
    if (span !== undefined) {
      span.setAttributes({ 'http.response.status_code': reply.statusCode, ...(request.principal === undefined ? {} : { 'millrace.principal': `${request.principal.kind}:${request.principal.id}` }) });
      if (reply.statusCode >= 500) span.fail(`HTTP ${reply.statusCode}`);
      span.end();
    }
    done();
  });
}

/**
 * Paths the router refuses before any route or error handler sees them, in the catalogue's
 * terms: without this Fastify answers them with its own JSON (`FST_ERR_BAD_URL`, and a 414 for a
 * path parameter longer than its `maxParamLength` of 100), which is not problem+json.
 */
const routerRefusal: NonNullable<FastifyHttpOptions<Server>['frameworkErrors']> = (error, request, reply) => {
  const detail =
    error.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? 'a path segment is longer than 100 characters; no id the hub keeps is'
      : error.code === 'FST_ERR_BAD_URL'
        ? 'the path is not a URL the hub can read: a percent-escape in it is not UTF-8'
        : error.message;
  sendProblem(reply, problem('invalid_request', detail, {}, request.url));
};

/** Keep-alive clients (load balancers, ERPs with connection pools) should not be cut early. */
const KEEP_ALIVE_MS = 65_000;

export async function buildHttpServer(deps: HttpServerDependencies): Promise<FastifyInstance> {
  const intake = new IntakeHandling(deps);
  const lane =
    deps.tracer !== undefined
      ? undefined
      : new IntakeLane({
          handling: intake,
          authenticator: deps.authenticator,
          bodyLimit: deps.bodyLimit,
          receiptSchema,
          groups: deps.groups,
          logger: deps.logger,
          ...(deps.rateLimitOf === undefined ? {} : { rateLimited: (principal: Principal) => deps.rateLimitOf?.(principal) !== undefined }),
        });
  // Node's server as Fastify makes it (no timeouts but keep-alive), with the lane in front.
  const serverFactory: FastifyServerFactory<Server> | undefined =
    lane === undefined
      ? undefined
      : (route) => {
          const server = createServer((request, response) => {
            if (!lane.take(request, response, route)) route(request, response);
          });
          server.keepAliveTimeout = KEEP_ALIVE_MS;
          server.requestTimeout = 0;
          return server;
        };
  const options: FastifyHttpOptions<Server> = { logger: false, bodyLimit: deps.bodyLimit, keepAliveTimeout: KEEP_ALIVE_MS, frameworkErrors: routerRefusal };
  const app = Fastify(serverFactory === undefined ? options : { ...options, serverFactory });
  if (lane !== undefined) {
    app.decorate('intakeLane', lane);
    // Fastify answers 503 to requests that arrive while it closes; the lane leaves them to it.
    app.addHook('preClose', (done) => {
      lane.close();
      done();
    });
  }

  // The swagger plugin marks every body `required` (Fastify needs one when a route has a body
  // schema); the retries take none, and their hook reads no body as {} (body-fields.ts).
  const optionalBodies = new Set<string>();
  app.addHook('onRoute', (route) => {
    if ((route.config as { optionalBody?: unknown } | undefined)?.optionalBody !== true) return;
    for (const method of Array.isArray(route.method) ? route.method : [route.method]) optionalBodies.add(`${method.toLowerCase()} ${openApiPath(route.url)}`);
  });
  await app.register(swagger, {
    transformObject: (document) => {
      if (!('openapiObject' in document)) return document.swaggerObject;
      const { openapiObject } = document;
      for (const [path, operations] of Object.entries(openapiObject.paths ?? {})) {
        for (const [method, operation] of Object.entries(operations as Record<string, { requestBody?: { required?: boolean } }>)) {
          if (optionalBodies.has(`${method} ${path}`) && operation.requestBody !== undefined) operation.requestBody.required = false;
        }
      }
      return openapiObject;
    },
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Millrace hub API',
        version: deps.version,
        description: 'Governed intake of canonical manufacturing events (CloudEvents 1.0). Errors are RFC 9457 problem+json.',
      },
      components: {
        securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'A Millrace API key (millrace keys add).' } },
      },
    },
  });

  app.addSchema({ $id: 'CloudEvent', ...deps.eventSchema });

  // One strict parser for every JSON media type (json-body.ts).
  app.removeAllContentTypeParsers();
  registerJsonParser(app, EVENT_MEDIA_TYPES, deps.bodyLimit);

  app.setErrorHandler((error, request, reply) =>
    sendProblem(reply, intake.refusal(error, request, request.routeOptions.url, { principal: request.principal, span: request.span, seconds: secondsSince(request) })),
  );
  // 404 for a path the hub does not serve, 405 with Allow for one it serves with other methods.
  app.setNotFoundHandler(notFoundOrNotAllowed(app));

  // Before authentication, so the span covers it.
  if (deps.tracer !== undefined) registerTracing(app, deps.tracer);

  const limit = await registerRateLimits(app, deps.rateLimitOf);
  // The principal is known: its rate limit, if it has one, is counted before the body is read.
  const admit = (request: FastifyRequest, reply: FastifyReply, principal: Principal, done: (error?: Error) => void) => {
    request.principal = principal;
    if (limit === undefined) done();
    else limit(request, reply, done);
  };
  const refuse = (request: FastifyRequest, reply: FastifyReply) => sendProblem(reply, unauthenticated(request.url));
  // A callback hook with a synchronous path for keys checked moments ago: most requests of a
  // busy integration skip a promise and a turn of the event loop here.
  const authenticate: onRequestHookHandler = (request, reply, done) => {
    // Fastify's own request timing is off with its logger: intake is timed from here, for
    // /metrics (in this hook rather than one of the route's own: a hook less per request).
    request.arrivedAt = performance.now();
    const token = bearerToken(request.headers.authorization);
    const recalled = token === undefined ? false : deps.authenticator.recall?.(token);
    if (recalled !== undefined) {
      if (recalled === false) refuse(request, reply);
      else admit(request, reply, recalled, done);
      return;
    }
    deps.authenticator.authenticate(token ?? '').then(
      (principal) => {
        if (principal === undefined) refuse(request, reply);
        else admit(request, reply, principal, done);
      },
      (error: unknown) => done(error instanceof Error ? error : new Error(String(error))),
    );
  };
  // Attached to the routes that ask for it (`config: { auth: true }`) as they are declared: a
  // global hook would look at every request's route options, which Fastify builds anew per call.
  app.addHook('onRoute', (route) => {
    if ((route.config as { auth?: unknown } | undefined)?.auth !== true) return;
    const own = route.onRequest === undefined ? [] : Array.isArray(route.onRequest) ? route.onRequest : [route.onRequest];
    route.onRequest = [authenticate, ...own];
    // Every request with a key counts against its rate limit, reads too.
    if (limit !== undefined) documentProblemResponse(route, 429);
  });

  // "Infinity" and "1e999" pass the validator's integer checks once coerced (finite-numbers.ts).
  app.addHook('onRoute', refuseNonFiniteNumbers);
  // PostgreSQL takes no U+0000 in a text parameter: a NUL in a query or a path is a 400, not a 500 (nul-characters.ts).
  app.addHook('onRoute', refuseNulCharacters);
  // A parameter the route does not take is refused, not dropped: a filter with a typo answered everything (query-parameters.ts).
  app.addHook('onRoute', refuseUnknownQueryParameters);
  // `/v1/exceptions/` is a request without its id, not a search for an exception called "" (path-parameters.ts).
  app.addHook('onRoute', refuseEmptyPathParameters);

  app.get('/openapi.json', { schema: { hide: true } }, () => app.swagger());
  // Public like /openapi.json: it describes what may be sent, and leaves out delivery URLs and secret ids.
  app.get('/asyncapi.json', { schema: { hide: true } }, () => deps.asyncApi);

  const metrics = deps.metrics;
  if (metrics !== undefined) {
    // By default open to the scraper, like /healthz: the figures name sources, types, plants and
    // teams, never a business document. `metricsAuth: operator` keeps them to operator keys, as
    // the integration health route that names the same sources is (docs/adr/0070).
    const keyed = deps.metricsAuth === 'operator';
    app.get('/metrics', { schema: { hide: true }, config: { auth: keyed } }, async (request, reply) => {
      if (keyed && request.principal?.kind !== 'operator') throw new MillraceError('forbidden_action', 'the metrics are for operator keys here (millrace keys add --operator NAME --role viewer)');
      return reply.type(metrics.contentType).send(await metrics.text());
    });
  }

  app.get(
    '/healthz',
    { schema: { summary: 'Liveness: the process answers', response: { 200: statusSchema } } },
    () => ({ status: 'ok' }),
  );

  app.get(
    '/readyz',
    { schema: { summary: 'Readiness: the store takes writes', response: { 200: statusSchema, 503: problemResponse } } },
    async (request, reply) => {
      try {
        await answeredWithin(deps.ready(), READY_TIMEOUT_MS, `the store did not answer within ${READY_TIMEOUT_MS / 1000} s`);
        return { status: 'ready' };
      } catch (error) {
        return sendProblem(reply, problem('store_unavailable', `not ready: ${(error as Error).message}`, {}, request.url));
      }
    },
  );

  app.post(
    '/v1/events',
    {
      config: { auth: true },
      schema: {
        summary: 'Submit one CloudEvent or a batch',
        description:
          'Structured-mode CloudEvent (application/cloudevents+json or application/json) or a JSON array of them ' +
          '(application/cloudevents-batch+json or application/json). 202 is sent after the events are durably committed. ' +
          'A batch is all-or-nothing. A resend of the same source+id with the same body is reported as a duplicate; with a different body it is a 409.',
        security: [{ apiKey: [] }],
        body: { oneOf: [{ $ref: 'CloudEvent#' }, { type: 'array', items: { $ref: 'CloudEvent#' }, minItems: 1 }] },
        response: { 202: receiptSchema, ...problemResponses(...INTAKE_PROBLEM_STATUSES) },
      },
      // The contract registry checks the body and reports every failing pointer, envelope and
      // data alike; the route schema above documents it.
      validatorCompiler: () => () => true,
    },
    async (request, reply) => {
      const principal = request.principal;
      if (principal === undefined) throw new MillraceError('unauthenticated', 'no credential');
      const trace = traceOf(request);
      const submission = eventsOf(request.headers['content-type'], request.body);
      const receipt = await intake.ingest(principal, submission, trace);
      const seconds = secondsSince(request);
      // Answered first: the bookkeeping below does not hold up the other answers of the same commit.
      reply.code(202).send(receipt);
      intake.recordAccepted(principal, submission.events, receipt, seconds, trace);
      request.span?.setAttributes({ 'millrace.events.accepted': receipt.accepted.length, 'millrace.events.duplicates': receipt.duplicates.length });
      return reply;
    },
  );

  registerWorkflowRoutes(app, deps.workflows);
  if (deps.plant !== undefined) registerPlantRoutes(app, deps.plant);
  if (deps.deliveries !== undefined) registerDeliveryRoutes(app, deps.deliveries);
  if (deps.x12 !== undefined) await registerX12Routes(app, deps.x12);
  if (deps.inbound !== undefined) await registerInboundRoutes(app, deps.inbound);
  if (deps.visibility !== undefined) registerVisibilityRoutes(app, deps.visibility);
  if (deps.dashboard !== false) registerDashboardRoutes(app);
  return app;
}

/** Counts a request against its principal's rate limit; `done` gets a 429 error when over it. */
type RateCheck = (request: FastifyRequest, reply: FastifyReply, done: (error?: Error) => void) => void;

/**
 * Per-credential rate limits: a fixed one-minute window per principal (every key of a system
 * or partner shares its budget), counted in this process. Principals without a limit skip the
 * limiter entirely, so the intake path of an unlimited integration pays nothing for it. The
 * check runs in the authentication hook, once the principal is known and before the body is read.
 */
async function registerRateLimits(app: FastifyInstance, rateLimitOf: HttpServerDependencies['rateLimitOf']): Promise<RateCheck | undefined> {
  if (rateLimitOf === undefined) return undefined;
  await app.register(rateLimit, { global: false });
  const keyOf = (request: FastifyRequest) => (request.principal === undefined ? '' : `${request.principal.kind}:${request.principal.id}`);
  const limiter = app.rateLimit({
    timeWindow: 60_000,
    keyGenerator: keyOf,
    max: (request) => (request.principal === undefined ? Number.MAX_SAFE_INTEGER : (rateLimitOf(request.principal) ?? Number.MAX_SAFE_INTEGER)),
    errorResponseBuilder: (request, context) => {
      const retryAfterSeconds = Math.max(1, Math.ceil(context.ttl / 1000));
      return new MillraceError('rate_limited', `${keyOf(request)} may make ${context.max} requests a minute; retry in ${retryAfterSeconds} s`, {
        limit: context.max,
        windowSeconds: 60,
        retryAfterSeconds,
      });
    },
  });
  return (request, reply, done) => {
    const principal = request.principal;
    if (principal === undefined || rateLimitOf(principal) === undefined) {
      done();
      return;
    }
    limiter.call(app, request, reply).then(
      () => done(),
      (error: unknown) => done(error instanceof Error ? error : new Error(String(error))),
    );
  };
}

/** `/v1/deliveries/{id}/retry` for `/v1/deliveries/:id/retry`, as the swagger plugin writes paths. */
function openApiPath(url: string): string {
  return url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

function secondsSince(request: FastifyRequest): number {
  return request.arrivedAt === undefined ? 0 : (performance.now() - request.arrivedAt) / 1000;
}

/**
 * How long /readyz waits for the store. A store behind a partition takes the connection and never
 * answers: the probe waited with it, for as long as the prober let it, and said nothing of why.
 */
const READY_TIMEOUT_MS = 2_000;

const statusSchema = { type: 'object', properties: { status: { type: 'string' } }, required: ['status'] } as const;


const appendedSchema = {
  type: 'object',
  required: ['id', 'source', 'sequence'],
  properties: { id: { type: 'string' }, source: { type: 'string' }, sequence: { type: 'integer' } },
} as const;

// The 202 body is the use case's receipt itself, serialised with this schema by both doors: only
// the properties named here are written (an appended event's `status` is not).
const receiptSchema = {
  description: 'The events are durably committed (or, for a missing master data mapping, durably held in quarantine).',
  type: 'object',
  required: ['accepted', 'duplicates'],
  properties: {
    accepted: { type: 'array', items: appendedSchema, description: 'Events stored by this request.' },
    duplicates: { type: 'array', items: appendedSchema, description: 'Events that were already in the log with the same body.' },
    quarantined: {
      type: 'array',
      description: 'Events held in quarantine (channel master-data) until master data maps a local code they carry; they go in on a retry once it does (docs/adr/0019).',
      items: {
        type: 'object',
        properties: {
          id: { type: 'string' },
          source: { type: 'string' },
          quarantineId: { type: 'string' },
          gaps: { type: 'array', items: { type: 'object', properties: { pointer: { type: 'string' }, kind: { type: 'string' }, code: { type: 'string' }, table: { type: 'string' } } } },
        },
      },
    },
  },
} as const;
