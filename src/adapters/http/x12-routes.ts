// POST /v1/inbound/x12: an X12 file in, its canonical events through the door, and the
// answer a translator expects: the 997/999 (and TA1), with the accepted, duplicate and
// rejected sets spelled out. The route only translates; X12Intake decides.
import type { FastifyInstance } from 'fastify';
import type { X12Intake } from '../../app/index.js';
import { MillraceError } from '../../core/index.js';
import { traceOf } from './request-trace.js';
import { X12_MEDIA_TYPES } from './problem.js';
import { problemResponse } from './schemas.js';

export async function registerX12Routes(app: FastifyInstance, intake: X12Intake): Promise<void> {
  // Encapsulated: the text parsers serve this route only, so /v1/events still refuses text/plain.
  await app.register((scope, _options, done) => {
    // The bytes go to the intake as they came: it reads them (UTF-8, else Latin-1) and keeps them unchanged.
    scope.addContentTypeParser([...X12_MEDIA_TYPES], { parseAs: 'buffer' }, (_request, body, next) => {
      next(null, body);
    });
    scope.post(
      '/v1/inbound/x12',
      {
        config: { auth: true },
        schema: {
          summary: 'Submit an X12 file (850, 855, 856, 810 in 004010 or 005010)',
          description:
            'Body: one or more interchanges (application/edi-x12 or text/plain). Each interchange must come from the caller (ISA05/ISA06 = the manifest x12 id of its partner or system), else 403 forbidden_x12_sender. ' +
            'The answer (200) lists the accepted sets (committed before it is sent), the duplicates (a resend), and the rejected ones with their text and reason, plus the 997 (999 with ?ack=999 for 005010 groups) and any TA1.',
          security: [{ apiKey: [] }],
          querystring: { type: 'object', properties: { ack: { enum: ['997', '999'] } } },
          response: { 200: x12ResultSchema, 400: problemResponse, 401: problemResponse, 403: problemResponse, 413: problemResponse, 415: problemResponse, 429: problemResponse },
        },
      },
      async (request) => {
        const principal = request.principal;
        if (principal === undefined) throw new MillraceError('unauthenticated', 'no credential');
        if (!(request.body instanceof Uint8Array)) throw new MillraceError('unsupported_media_type', 'send the interchange as application/edi-x12 or text/plain', { accepted: [...X12_MEDIA_TYPES] });
        const { ack } = request.query as { ack?: string };
        const trace = traceOf(request);
        return intake.submit(principal, request.body, { use999: ack === '999', ...(trace === undefined ? {} : { trace }) });
      },
    );
    done();
  });
}

const appended = { type: 'object', required: ['id', 'source', 'type', 'sequence'], properties: { id: { type: 'string' }, source: { type: 'string' }, type: { type: 'string' }, sequence: { type: 'integer' } } } as const;

const x12ResultSchema = {
  description: 'What became of each transaction set; accepted sets are durably committed.',
  type: 'object',
  required: ['accepted', 'duplicates', 'rejected', 'ack', 'diagnostics'],
  properties: {
    accepted: { type: 'array', items: appended },
    duplicates: { type: 'array', items: appended },
    rejected: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          controlNumbers: { type: 'object', properties: { interchange: { type: 'string' }, group: { type: 'string' }, set: { type: 'string' } } },
          transactionSet: { type: 'string' },
          sender: { type: 'string' },
          raw: { type: 'string' },
          reason: { type: 'string' },
          code: { type: 'string' },
          eventId: { type: 'string' },
          quarantineId: { type: 'string', description: 'The quarantine entry that keeps the set (with its file) until it is retried or discarded.' },
        },
      },
    },
    ack: { type: 'string', description: 'The 997/999 interchanges.' },
    ta1: { type: 'string', description: 'TA1 interchanges for interchanges rejected for their envelope.' },
    diagnostics: {
      type: 'array',
      items: { type: 'object', properties: { level: { type: 'string' }, code: { type: 'string' }, message: { type: 'string' }, segment: { type: 'string' }, position: { type: 'integer' } } },
    },
  },
} as const;
