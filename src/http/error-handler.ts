/** Renders every error as RFC 9457 problem+json; 5xx never echo internals. */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { ZodError } from 'zod';
import { isBackendUnavailable, UNAVAILABLE_RETRY_AFTER_S } from '../infra/unavailable.ts';
import { AppError, type FieldError, problemFor } from './errors.ts';

const PART_NAMES: Record<string, string> = { body: '', querystring: 'query.', params: 'path.', headers: 'header.' };

function fieldPath(context: string | undefined, instancePath: string, params: Record<string, unknown>): string[] {
  const base = instancePath.replace(/^\//, '').split('/').filter(Boolean).join('.');
  const prefix = PART_NAMES[context ?? 'body'] ?? '';
  const keys = Array.isArray(params.keys) ? (params.keys as string[]) : null;
  if (keys) return keys.map((k) => `${prefix}${base ? `${base}.` : ''}${k}`);
  return [`${prefix}${base}` || (context ?? 'body')];
}

export function fieldErrorsFromZod(err: ZodError, prefix = ''): FieldError[] {
  return err.issues.flatMap((i) => {
    const base = [prefix, ...i.path.map(String)].filter(Boolean).join('.');
    if (i.code === 'unrecognized_keys')
      return i.keys.map((k) => ({ field: base ? `${base}.${k}` : k, message: 'is not a known field' }));
    return [{ field: base || 'body', message: i.message }];
  });
}

function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (err instanceof ZodError) {
    const errors = fieldErrorsFromZod(err);
    return new AppError('validation_failed', errors.map((e) => `${e.field}: ${e.message}`).join('; '), { errors });
  }
  if (hasZodFastifySchemaValidationErrors(err)) {
    const context = (err as FastifyError & { validationContext?: string }).validationContext;
    const errors: FieldError[] = err.validation.flatMap((v) => {
      const message = v.keyword === 'unrecognized_keys' ? 'is not a known field' : (v.message ?? 'is invalid');
      return fieldPath(context, v.instancePath, v.params as Record<string, unknown>).map((field) => ({
        field,
        message,
      }));
    });
    return new AppError('validation_failed', errors.map((e) => `${e.field}: ${e.message}`).join('; '), { errors });
  }
  const fe = err as FastifyError;
  switch (fe.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new AppError('invalid_json', 'The request body is not valid JSON');
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AppError('payload_too_large', 'The request body is too large');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new AppError('unsupported_media_type', 'Send the body as application/json');
  }
  if (fe.statusCode === 429) return new AppError('rate_limited', fe.message);
  if (isBackendUnavailable(err)) {
    return new AppError('unavailable', 'A backing service (database or cache) is unavailable; retry shortly', {
      retryAfterSeconds: UNAVAILABLE_RETRY_AFTER_S,
    });
  }
  if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500)
    return new AppError('validation_failed', fe.message);
  return new AppError('internal');
}

export function sendProblem(request: FastifyRequest, reply: FastifyReply, appErr: AppError): FastifyReply {
  if (appErr.extra.retryAfterSeconds !== undefined) reply.header('retry-after', String(appErr.extra.retryAfterSeconds));
  // Refused while its body was still being read (a bad form field before a large file, a limit):
  // Node neither drains a body someone started reading nor parses the next request behind it, so
  // a kept-alive connection would hang. Close it after this answer instead.
  if (!request.raw.complete) reply.header('connection', 'close');
  return reply
    .code(appErr.status)
    .type('application/problem+json')
    .send(problemFor(appErr, request.id, request.url.split('?')[0] ?? request.url));
}

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err, request, reply) => {
    const appErr = toAppError(err);
    if (appErr.code === 'unavailable') request.log.warn({ err: (err as Error).message }, 'backing service unavailable');
    else if (appErr.status >= 500) request.log.error({ err }, 'request failed');
    return sendProblem(request, reply, appErr);
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(request, reply, new AppError('not_found', `No route ${request.method} ${request.url.split('?')[0]}`)),
  );
}
