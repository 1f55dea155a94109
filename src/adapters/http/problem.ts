// RFC 9457 problem details: every error the HTTP API returns, with a stable `code` that
// docs/errors.md explains, and the data needed to act (failing pointers, refused rules).
import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyReply } from 'fastify';
import type { ErrorCode } from '../../core/index.js';
import { ERROR_CATALOGUE, isMillraceError, SHOWN_URL_CHARACTERS, shownValue } from '../../core/index.js';

export const PROBLEM_MEDIA_TYPE = 'application/problem+json';
export const PROBLEM_TYPE_BASE = 'https://millrace.dev/problems/';

export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly code: ErrorCode;
  readonly instance?: string;
  readonly [extension: string]: unknown;
}

export function problem(code: ErrorCode, detail: string, extensions: Record<string, unknown> = {}, instance?: string): Problem {
  const entry = ERROR_CATALOGUE[code];
  return {
    type: PROBLEM_TYPE_BASE + code.replaceAll('_', '-'),
    title: entry.title,
    status: entry.status,
    detail,
    code,
    // The request's URL, which the caller wrote: shortened as any value it sent is.
    ...(instance === undefined ? {} : { instance: shownValue(instance, SHOWN_URL_CHARACTERS) }),
    ...extensions,
  };
}

/** Fastify's own errors (body parsing, limits, media types) in the catalogue's terms. */
const FASTIFY_CODES: Readonly<Record<string, ErrorCode>> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'invalid_request',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'malformed_json',
  FST_ERR_CTP_INVALID_JSON_BODY: 'malformed_json',
  FST_ERR_VALIDATION: 'invalid_request',
};

/** What a problem needs of the request it answers. */
export interface ProblemRequest {
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
}

export function problemFromError(error: unknown, request: ProblemRequest, bodyLimit: number): Problem {
  const instance = request.url;
  if (isMillraceError(error)) return problem(error.code, error.message, { ...error.details }, instance);
  const fastifyCode = (error as { code?: unknown }).code;
  const mapped = typeof fastifyCode === 'string' ? FASTIFY_CODES[fastifyCode] : undefined;
  if (mapped === 'unsupported_media_type') {
    return problem(mapped, `content type "${request.headers['content-type'] ?? '(none)'}" is not accepted here`, { accepted: acceptedMediaTypes(request) }, instance);
  }
  if (mapped === 'payload_too_large') {
    return problem(mapped, `the body is larger than the limit of ${bodyLimit} bytes; split it into smaller batches`, { limitBytes: bodyLimit }, instance);
  }
  if (mapped !== undefined) {
    const message = error instanceof Error ? error.message : String(error);
    return problem(mapped, mapped === 'malformed_json' ? `the body is not valid JSON: ${message}` : message, {}, instance);
  }
  const status = (error as { statusCode?: unknown }).statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return problem('invalid_request', error instanceof Error ? error.message : String(error), {}, instance);
  }
  return problem('internal_error', 'the hub failed to handle this request; it has been logged', {}, instance);
}

export function sendProblem(reply: FastifyReply, body: Problem): FastifyReply {
  if (body.status === 401) reply.header('www-authenticate', 'Bearer realm="millrace"');
  return reply.code(body.status).type(PROBLEM_MEDIA_TYPE).send(body);
}

function acceptedMediaTypes(request: ProblemRequest): string[] {
  if (request.url.startsWith('/v1/inbound/x12')) return [...X12_MEDIA_TYPES];
  if (request.url.startsWith('/v1/inbound/csv/')) return ['text/csv', 'application/csv', 'text/plain', 'application/octet-stream'];
  return request.url.startsWith('/v1/events') ? [...EVENT_MEDIA_TYPES] : ['application/json'];
}

export const X12_MEDIA_TYPES = ['application/edi-x12', 'text/plain'] as const;

export const EVENT_MEDIA_TYPES = ['application/cloudevents+json', 'application/cloudevents-batch+json', 'application/json'] as const;

/** The problem+json schema, for the OpenAPI document. */
export const PROBLEM_SCHEMA = {
  type: 'object',
  required: ['type', 'title', 'status', 'detail', 'code'],
  properties: {
    type: { type: 'string', format: 'uri' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    code: { type: 'string', enum: Object.keys(ERROR_CATALOGUE) },
    instance: { type: 'string' },
    violations: {
      type: 'array',
      description: 'Every failing JSON pointer in the submitted document.',
      items: {
        type: 'object',
        required: ['pointer', 'message'],
        properties: { pointer: { type: 'string' }, message: { type: 'string' }, keyword: { type: 'string' } },
      },
    },
    denials: {
      type: 'array',
      items: {
        type: 'object',
        properties: { pointer: { type: 'string' }, id: { type: 'string' }, rule: { type: 'string' }, message: { type: 'string' } },
      },
    },
    conflicts: {
      type: 'array',
      items: {
        type: 'object',
        properties: { pointer: { type: 'string' }, source: { type: 'string' }, id: { type: 'string' }, existingSequence: { type: 'integer' } },
      },
    },
  },
  additionalProperties: true,
} as const;
