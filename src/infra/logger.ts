/** pino with redaction of every header and field that can carry a secret. */
import pino, { type Logger } from 'pino';

export const REDACT_PATHS = [
  'req.headers["x-api-key"]',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-signature"]',
  'req.headers["x-webhook-signature"]',
  'req.headers["webhook-signature"]',
  'headers["x-api-key"]',
  'headers.authorization',
  '*.mt5_password',
  '*.password',
  '*.credentials',
  '*.secret',
  '*.key',
  '*.token',
  'mt5_password',
  'password',
  'body',
];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      base: { service: 'brymix' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}

export type { Logger };
