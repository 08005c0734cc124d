/**
 * RFC 9457 problem details. One closed table of error codes → HTTP status and title; services
 * throw `AppError(code, detail)`, the error handler renders `application/problem+json`.
 */
const ERROR_TABLE = {
  validation_failed: { status: 400, title: 'Invalid request' },
  invalid_json: { status: 400, title: 'Malformed JSON body' },
  unauthorized: { status: 401, title: 'Unauthorized' },
  forbidden: { status: 403, title: 'Forbidden' },
  not_found: { status: 404, title: 'Not found' },
  method_not_allowed: { status: 405, title: 'Method not allowed' },
  conflict: { status: 409, title: 'Conflict' },
  idempotency_in_progress: { status: 409, title: 'A request with this Idempotency-Key is still in progress' },
  payload_too_large: { status: 413, title: 'Payload too large' },
  unsupported_media_type: { status: 415, title: 'Unsupported media type' },
  idempotency_mismatch: { status: 422, title: 'Idempotency-Key reused with a different request' },
  rate_limited: { status: 429, title: 'Too many requests' },
  internal: { status: 500, title: 'Internal server error' },
  unavailable: { status: 503, title: 'Service unavailable' },
} as const;

export type ErrorCode = keyof typeof ERROR_TABLE;

export interface FieldError {
  /** Dotted path of the offending field, e.g. `rules.max_drawdown_percent`. */
  field: string;
  message: string;
}

export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    readonly detail?: string,
    readonly extra: { errors?: FieldError[]; retryAfterSeconds?: number } = {},
  ) {
    super(detail ?? ERROR_TABLE[code].title);
    this.status = ERROR_TABLE[code].status;
  }
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  code: ErrorCode;
  request_id: string;
  errors?: FieldError[];
}

export function problemFor(err: AppError, requestId: string, instance: string): Problem {
  return {
    type: `https://brymix.dev/problems/${err.code.replace(/_/g, '-')}`,
    title: ERROR_TABLE[err.code].title,
    status: err.status,
    ...(err.detail ? { detail: err.detail } : {}),
    instance,
    code: err.code,
    request_id: requestId,
    ...(err.extra.errors ? { errors: err.extra.errors } : {}),
  };
}
