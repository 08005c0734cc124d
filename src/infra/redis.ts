/**
 * Every ioredis client Brymix makes gets an `'error'` listener: without one, ioredis prints
 * "[ioredis] Unhandled error event" for every failed reconnect while Redis is away. An outage is
 * logged once when it starts and once when the client is ready again, not once per retry;
 * requests that meet it answer 503 (see infra/unavailable.ts) and /readyz says so.
 */
import type { Redis } from 'ioredis';

export interface RedisLogger {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

export function watchRedis<T extends Redis>(client: T, name: string, logger?: RedisLogger): T {
  let down = false;
  client.on('error', (err: Error) => {
    if (down) return;
    down = true;
    logger?.warn({ redis: name, err: err.message }, 'redis unavailable; retrying');
  });
  client.on('ready', () => {
    if (!down) return;
    down = false;
    logger?.info({ redis: name }, 'redis available again');
  });
  return client;
}
