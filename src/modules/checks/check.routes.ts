/** HTTP routes of the challenge checker (the integration guide's contract). */
import multipart, { type MultipartFile, type MultipartValue } from '@fastify/multipart';
import type { FastifyRequest } from 'fastify';
import { validatorCompiler, type FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { AppError } from '../../http/errors.ts';
import { z } from 'zod';
import { apiKeyAuth, requireApiKey } from '../../http/api-key-auth.ts';
import type { ApiKeyService } from '../api-keys/api-key.service.ts';
import type { CheckService } from './check.service.ts';
import type { CheckSubmission } from './check.schemas.ts';
import { checkRequestSchema, checkSubmitSchema, jobIdParams, jobResponseSchema, submitResponseSchema } from './check.schemas.ts';

const problem = z.object({ type: z.string(), title: z.string(), status: z.number(), detail: z.string().optional(), code: z.string(), request_id: z.string() }).passthrough();
const security = [{ apiKey: [] }];

const NUMERIC_FIELDS = new Set(['initial_balance', 'server_utc_offset_minutes']);

/**
 * a multipart upload (`report` file part + form fields) becomes the JSON body the schema
 * validates: the file as report_base64/report_filename, numbers as numbers, `rules` as JSON.
 */
async function multipartToBody(request: FastifyRequest): Promise<void> {
  if (!request.isMultipart()) return;
  const parts = (request.body ?? {}) as Record<string, MultipartFile | MultipartValue | Array<MultipartFile | MultipartValue>>;
  const body: Record<string, unknown> = {};
  for (const [name, raw] of Object.entries(parts)) {
    const part = Array.isArray(raw) ? raw[0]! : raw;
    if (part.type === 'file') {
      if (name !== 'report') throw new AppError('validation_failed', `${name}: only a "report" file part is accepted`, { errors: [{ field: name, message: 'is not a known file part' }] });
      const bytes = await part.toBuffer();
      body.report_base64 = bytes.toString('base64');
      body.report_filename = part.filename;
      continue;
    }
    const value = String(part.value);
    if (NUMERIC_FIELDS.has(name)) body[name] = value.trim() === '' || Number.isNaN(Number(value)) ? value : Number(value);
    else if (name === 'rules') {
      try {
        body.rules = JSON.parse(value);
      } catch {
        throw new AppError('validation_failed', 'rules: is not valid JSON', { errors: [{ field: 'rules', message: 'is not valid JSON' }] });
      }
    } else body[name] = value;
  }
  request.body = body;
}

export function checkRoutes({ checks, keys, reportMaxBytes = 10_485_760 }: { checks: CheckService; keys: ApiKeyService; reportMaxBytes?: number }): FastifyPluginAsyncZod {
  return async (app) => {
    app.addHook('onRequest', apiKeyAuth(keys));

    await app.register(multipart, { attachFieldsToBody: true, limits: { fileSize: reportMaxBytes, files: 1, fields: 20, fieldSize: 1_048_576 } });

    app.post(
      '/api/v1/check',
      {
        schema: {
          tags: ['checks'],
          summary: 'Submit a challenge check',
          description:
            'Queues a check of an MT5 account against the rules. The MT5 password is encrypted while the job waits and erased when it ends. Send `Idempotency-Key` to make retries safe. Instead of credentials, a terminal report (ReportHistory-*.html or .xlsx) may be sent: as `report_base64` + `report_filename` in JSON, or as a multipart/form-data upload with the file in a part named `report` and the other fields as form fields (`rules` as JSON text); it is encrypted and erased like a password.',
          security,
          headers: z.object({ 'idempotency-key': z.string().optional() }).passthrough(),
          body: checkRequestSchema,
          response: { 200: submitResponseSchema, 400: problem, 401: problem, 413: problem, 422: problem },
        },
        // JSON bodies (report_base64 included) keep BODY_LIMIT_BYTES; multipart uploads are
        // limited by REPORT_MAX_BYTES per file instead.
        preValidation: multipartToBody,
        // The documented body is the guide's (credentials); the validator also accepts a report.
        validatorCompiler: ({ schema, method, url, httpPart }) => validatorCompiler({ schema: (httpPart === 'body' ? checkSubmitSchema : schema) as never, method, url, ...(httpPart ? { httpPart } : {}) }),
      },
      async (request) => {
        const key = request.headers['idempotency-key'];
        return checks.submit(requireApiKey(request), request.body as CheckSubmission, Array.isArray(key) ? key[0] : key);
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
      { schema: { tags: ['checks'], summary: 'Send the result webhook again (same webhook-id)', security, params: jobIdParams } },
      async (request, reply) => reply.code(202).send(await checks.redeliver(requireApiKey(request), request.params.job_id)),
    );
  };
}
