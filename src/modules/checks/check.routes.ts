/** HTTP routes of the challenge checker (the integration guide's contract). */
import multipart from '@fastify/multipart';
import type { FastifyRequest } from 'fastify';
import { type FastifyPluginAsyncZod, validatorCompiler } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { apiKeyAuth, requireApiKey } from '../../http/api-key-auth.ts';
import { AppError } from '../../http/errors.ts';
import { findNul, nulProblem } from '../../http/nul-guard.ts';
import type { ApiKeyService } from '../api-keys/api-key.service.ts';
import type { CheckSubmission } from './check.schemas.ts';
import {
  checkRequestSchema,
  checkSubmitSchema,
  jobIdParams,
  jobResponseSchema,
  submitResponseSchema,
} from './check.schemas.ts';
import type { CheckService } from './check.service.ts';

const problem = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number(),
    detail: z.string().optional(),
    code: z.string(),
    request_id: z.string(),
  })
  .passthrough();
const security = [{ apiKey: [] }];

const NUMERIC_FIELDS = new Set(['initial_balance', 'server_utc_offset_minutes']);

/** Limits of a multipart upload besides the file size (REPORT_MAX_BYTES). */
const MULTIPART_LIMITS = { files: 1, fields: 20, fieldSize: 1_048_576, parts: 21, headerPairs: 50 } as const;

const bodyProblem = (
  message: string,
  code: 'validation_failed' | 'payload_too_large' = 'validation_failed',
  field = 'body',
) => new AppError(code, `${field}: ${message}`, { errors: [{ field, message }] });

/**
 * What went wrong while reading a multipart body, as a problem naming it. @fastify/busboy throws
 * plain Errors without a status for malformed input (no or wrong boundary, garbage, a part cut
 * short: "Multipart: Boundary not found", "Unexpected end of multipart data", "Malformed part
 * header"); those, and anything else that breaks the stream, are the body's fault, never a 500.
 */
function multipartProblem(err: unknown, reportMaxBytes: number): AppError {
  if (err instanceof AppError) return err;
  const code = (err as { code?: unknown }).code;
  switch (code) {
    case 'FST_REQ_FILE_TOO_LARGE':
      return bodyProblem(`must be at most ${reportMaxBytes} bytes (REPORT_MAX_BYTES)`, 'payload_too_large', 'report');
    case 'FST_FILES_LIMIT':
      return bodyProblem(`must hold at most ${MULTIPART_LIMITS.files} file part (report)`);
    case 'FST_FIELDS_LIMIT':
    case 'FST_PARTS_LIMIT':
      return bodyProblem(`must hold at most ${MULTIPART_LIMITS.fields} form fields`);
    case 'FST_PROTO_VIOLATION':
      return bodyProblem('has a part whose name is a reserved property name');
    case 'FST_INVALID_JSON_FIELD_ERROR':
      return bodyProblem('has a part declared application/json that is not valid JSON');
  }
  const detail = err instanceof Error && /^[\x20-\x7e]{1,120}$/.test(err.message) ? ` (${err.message})` : '';
  return bodyProblem(`is not a well-formed multipart/form-data body${detail}`);
}

/**
 * a multipart upload (`report` file part + form fields) becomes the JSON body the schema
 * validates: the file as report_base64/report_filename, numbers as numbers, `rules` as JSON.
 * A repeated field keeps its first value.
 */
function multipartToBody(reportMaxBytes: number) {
  return async (request: FastifyRequest): Promise<void> => {
    if (!request.isMultipart()) return;
    const body: Record<string, unknown> = {};
    const seen = new Set<string>();
    try {
      for await (const part of request.parts({ limits: { ...MULTIPART_LIMITS, fileSize: reportMaxBytes } })) {
        if (part.type === 'file') {
          if (part.fieldname !== 'report') {
            await part.toBuffer().catch(() => undefined);
            throw new AppError('validation_failed', `${part.fieldname}: only a "report" file part is accepted`, {
              errors: [{ field: part.fieldname, message: 'is not a known file part' }],
            });
          }
          const bytes = await part.toBuffer();
          body.report_base64 = bytes.toString('base64');
          body.report_filename = part.filename;
          continue;
        }
        const name = part.fieldname;
        if (seen.has(name)) continue;
        seen.add(name);
        if (part.valueTruncated)
          throw bodyProblem(`must be at most ${MULTIPART_LIMITS.fieldSize} bytes`, 'payload_too_large', name);
        // A part sent as application/json arrives parsed; anything else is text.
        if (typeof part.value !== 'string') {
          body[name] = part.value;
          continue;
        }
        const value = part.value;
        if (NUMERIC_FIELDS.has(name))
          body[name] = value.trim() === '' || Number.isNaN(Number(value)) ? value : Number(value);
        else if (name === 'rules') {
          try {
            body.rules = JSON.parse(value);
          } catch {
            throw new AppError('validation_failed', 'rules: is not valid JSON', {
              errors: [{ field: 'rules', message: 'is not valid JSON' }],
            });
          }
        } else body[name] = value;
      }
    } catch (err) {
      throw multipartProblem(err, reportMaxBytes);
    }
    // Form fields skip the app-wide NUL check (it runs before this hook): same rule, same answer.
    const nul = findNul(body, '', 'body');
    if (nul !== null) throw nulProblem(nul);
    request.body = body;
  };
}

export function checkRoutes({
  checks,
  keys,
  reportMaxBytes = 10_485_760,
}: {
  checks: CheckService;
  keys: ApiKeyService;
  reportMaxBytes?: number;
}): FastifyPluginAsyncZod {
  return async (app) => {
    app.addHook('onRequest', apiKeyAuth(keys));

    // Parts are read by multipartToBody, which names what is wrong with a malformed body.
    await app.register(multipart, { limits: { ...MULTIPART_LIMITS, fileSize: reportMaxBytes } });

    app.post(
      '/api/v1/check',
      {
        schema: {
          tags: ['checks'],
          summary: 'Submit a challenge check',
          description:
            'Queues a check of an MT5 account against the rules. The MT5 password is encrypted while the job waits ' +
            'and erased when it ends. Send `Idempotency-Key` to make retries safe. Instead of credentials, a terminal ' +
            'report (ReportHistory-*.html or .xlsx) may be sent: as `report_base64` + `report_filename` in JSON, or ' +
            'as a multipart/form-data upload with the file in a part named `report` and the other fields as form ' +
            'fields (`rules` as JSON text); it is encrypted and erased like a password.',
          security,
          headers: z.object({ 'idempotency-key': z.string().optional() }).passthrough(),
          body: checkRequestSchema,
          response: { 200: submitResponseSchema, 400: problem, 401: problem, 413: problem, 422: problem },
        },
        // JSON bodies (report_base64 included) keep BODY_LIMIT_BYTES; multipart uploads are
        // limited by REPORT_MAX_BYTES per file instead.
        preValidation: multipartToBody(reportMaxBytes),
        // The documented body is the guide's (credentials); the validator also accepts a report.
        validatorCompiler: ({ schema, method, url, httpPart }) =>
          validatorCompiler({
            schema: (httpPart === 'body' ? checkSubmitSchema : schema) as never,
            method,
            url,
            ...(httpPart ? { httpPart } : {}),
          }),
      },
      async (request) => {
        const key = request.headers['idempotency-key'];
        return checks.submit(
          requireApiKey(request),
          request.body as CheckSubmission,
          Array.isArray(key) ? key[0] : key,
        );
      },
    );

    app.get(
      '/api/v1/job/:job_id',
      {
        schema: {
          tags: ['checks'],
          summary: 'Status and result of a check',
          security,
          params: jobIdParams,
          response: { 200: jobResponseSchema, 401: problem, 404: problem },
        },
      },
      async (request) => checks.get(requireApiKey(request), request.params.job_id) as never,
    );

    app.get(
      '/api/v1/job/:job_id/deliveries',
      { schema: { tags: ['checks'], summary: 'Webhook delivery log of a check', security, params: jobIdParams } },
      async (request) => checks.deliveries(requireApiKey(request), request.params.job_id),
    );

    app.post(
      '/api/v1/job/:job_id/redeliver',
      {
        schema: {
          tags: ['checks'],
          summary: 'Send the result webhook again (same webhook-id)',
          security,
          params: jobIdParams,
        },
      },
      async (request, reply) =>
        reply.code(202).send(await checks.redeliver(requireApiKey(request), request.params.job_id)),
    );
  };
}
