/**
 * Every ioredis client Brymix makes gets an `'error'` listener: without one, ioredis prints
 * "[ioredis] Unhandled error event" for every failed reconnect while Redis is away. An outage is
 * logged once when it starts and once when the client is ready again, not once per retry;
 * requests that meet it answer 503 (see infra/unavailable.ts) and /readyz says so.
 */
import { Redis, type RedisOptions } from 'ioredis';

export interface RedisLogger {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

function watchRedis<T extends Redis>(client: T, name: string, logger?: RedisLogger): T {
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

/**
 * The process's Redis: one shared client for plain commands (rate limits, the feed store, the queue
 * producer), and its duplicates for what must hold a connection of its own (a blocking queue worker,
 * a pub/sub subscriber). Made once by src/deps.ts, which closes the client last.
 */
export interface RedisConnections {
  readonly client: Redis;
  /** A new connection with the client's settings (and `options` on top), watched under `name`. */
  duplicate(name: string, options?: Partial<RedisOptions>): Redis;
}

export function connectRedis(url: string, logger?: RedisLogger): RedisConnections {
  // Commands fail fast while Redis is away (the request answers 503) instead of queueing for ever.
  const client = watchRedis(new Redis(url, { maxRetriesPerRequest: 2 }), 'redis', logger);
  return {
    client,
    duplicate: (name, options = {}) => watchRedis(client.duplicate(options), name, logger),
  };
}
