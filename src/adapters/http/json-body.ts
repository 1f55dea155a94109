// The hub's one JSON body parser: UTF-8 must be valid, prototype poisoning is refused, and a
// parse error keeps its position for the caller. It reads the request stream itself rather than
// through Fastify's `parseAs: 'buffer'`, which copies every body into a new Buffer (Buffer.concat
// even of a single chunk): a body that arrives in one chunk, as nearly every event does, is
// checked and decoded where it lies (about 3 us of the intake path's CPU per event, measured
// with bench/cpu-profile.ts). Limits and length checks are Fastify's own errors, answered as
// its parsers' are (413 payload_too_large, 400 for a length that does not match).
import { isUtf8 } from 'node:buffer';
import type { Readable } from 'node:stream';
import { errorCodes, type FastifyInstance } from 'fastify';
import { MillraceError, parseUntrustedJson, rememberArrival } from '../../core/index.js';

type Done = (error: Error | null, body?: unknown) => void;

export function registerJsonParser(app: FastifyInstance, mediaTypes: readonly string[], bodyLimit: number): void {
  app.addContentTypeParser([...mediaTypes], (request, payload, done: Done) => {
    const declared = Number(request.headers['content-length']);
    if (declared > bodyLimit) {
      done(new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE());
      return;
    }
    readBody(payload, declared, bodyLimit, done);
  });
}

/**
 * Reads a JSON body of at most `limit` bytes whose Content-Length said `declared` (NaN: none),
 * and parses it (parseJsonBody); `done` gets Fastify's own errors for the limits, as its parsers do.
 */
export function readBody(payload: Readable, declared: number, limit: number, done: Done): void {
  readBodyBytes(payload, declared, limit, (read) => {
    if ('error' in read) {
      done(read.error);
      return;
    }
    let body: unknown;
    try {
      body = parseJsonBody(read.bytes);
    } catch (parseError) {
      done(parseError as Error);
      return;
    }
    done(null, body);
  });
}

/** A body as read: its bytes, or Fastify's error for a limit or a length (or the stream's own). */
export type BodyRead = { readonly error: Error } | { readonly bytes: Buffer };

/** What readBody reads, unparsed (the intake lane parses a turn's bodies together, ADR 0078). */
export function readBodyBytes(payload: Readable, declared: number, limit: number, done: (read: BodyRead) => void): void {
  const chunks: Buffer[] = [];
  let received = 0;
  const stop = () => {
    payload.removeListener('data', onData);
    payload.removeListener('end', onEnd);
    payload.removeListener('error', onEnd);
  };
  function onData(chunk: Buffer | string): void {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    received += bytes.length;
    if (received > limit) {
      stop();
      done({ error: new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE() });
      return;
    }
    chunks.push(bytes);
  }
  function onEnd(error?: Error): void {
    stop();
    if (error !== undefined && error !== null) {
      done({ error });
      return;
    }
    if (!Number.isNaN(declared) && received !== declared) {
      done({ error: new errorCodes.FST_ERR_CTP_INVALID_CONTENT_LENGTH() });
      return;
    }
    done({ bytes: chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, received) });
  }
  payload.on('data', onData);
  payload.on('end', onEnd);
  payload.on('error', onEnd);
  payload.resume();
}

/** Parses a JSON body; a single event is remembered with the text it came as, which the log stores. */
export function parseJsonBody(buffer: Buffer): unknown {
  if (!isUtf8(buffer)) throw new MillraceError('malformed_json', 'the body is not valid UTF-8');
  const text = buffer.toString('utf8').trim();
  if (text === '') throw new MillraceError('malformed_json', 'the body is empty; send a CloudEvent or an array of them');
  let parsed: unknown;
  try {
    parsed = parseUntrustedJson(text);
  } catch (error) {
    throw new MillraceError('malformed_json', `the body is not valid JSON: ${(error as Error).message}`);
  }
  // A single event is stored as the text it came in; a batch's events are serialized anew.
  return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? rememberArrival(parsed, text) : parsed;
}

