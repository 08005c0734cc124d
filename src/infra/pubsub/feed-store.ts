/**
 * Where the account poller keeps its latest snapshot per account, who may poll next, and how
 * updates reach every process: in memory by default; in Redis with REDIS_URL (a key with a TTL per
 * account, a `SET NX PX` poll lock, one pub/sub channel), so N `brymix serve` processes still make
 * one upstream read per account per interval and every process's SSE clients see every update.
 */
import type { Redis } from 'ioredis';
import type { RedisConnections, RedisLogger } from '../redis.ts';

type FeedMessageHandler = (accountId: string, json: string) => void;

export interface FeedStore {
  readonly kind: 'memory' | 'redis';
  get(accountId: string): Promise<string | null>;
  /** Stores the snapshot for `ttlMs` (the seed's cache TTL: account data is not kept beyond it). */
  set(accountId: string, json: string, ttlMs: number): Promise<void>;
  /** True when this caller may read upstream now; nobody else may for `ttlMs`. */
  tryLock(accountId: string, ttlMs: number, now: number): Promise<boolean>;
  publish(accountId: string, json: string): Promise<void>;
  /** One handler receives every account's updates (also this process's own). */
  onMessage(handler: FeedMessageHandler): void;
  close(): Promise<void>;
}

export function createMemoryFeedStore(): FeedStore {
  const values = new Map<string, { json: string; expiresAt: number }>();
  const locks = new Map<string, number>();
  const handlers: FeedMessageHandler[] = [];
  return {
    kind: 'memory',
    async get(id) {
      const v = values.get(id);
      if (!v) return null;
      if (v.expiresAt <= Date.now()) {
        values.delete(id);
        return null;
      }
      return v.json;
    },
    async set(id, json, ttlMs) {
      values.set(id, { json, expiresAt: Date.now() + ttlMs });
    },
    async tryLock(id, ttlMs, now) {
      const until = locks.get(id);
      if (until !== undefined && until > now) return false;
      locks.set(id, now + ttlMs);
      return true;
    },
    async publish(id, json) {
      for (const h of handlers) h(id, json);
    },
    onMessage(handler) {
      handlers.push(handler);
    },
    async close() {
      values.clear();
      locks.clear();
    },
  };
}

const LOCK_LUA = `
local held = redis.call('GET', KEYS[1])
if held and tonumber(held) > tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1
`;

/** Commands go through the shared client; the subscription holds a connection of its own (a duplicate). */
export function createRedisFeedStore(redis: RedisConnections, prefix: string, logger?: RedisLogger): FeedStore {
  const client = redis.client;
  let sub: Redis | null = null;
  let closing = false;
  const channel = `${prefix}:acct:updates`;
  const handlers: FeedMessageHandler[] = [];
  const k = (id: string) => `${prefix}:acct:snap:${id}`;
  return {
    kind: 'redis',
    get: (id) => client.get(k(id)),
    async set(id, json, ttlMs) {
      await client.set(k(id), json, 'PX', Math.max(1, Math.ceil(ttlMs)));
    },
    async tryLock(id, ttlMs, now) {
      // The lock holds "busy until" on the app clock (Redis's own expiry is the backstop), so
      // every process agrees on the interval boundary: whoever holds it made this interval's read.
      const ok = await client.eval(
        LOCK_LUA,
        1,
        `${prefix}:acct:lock:${id}`,
        String(now),
        String(now + ttlMs),
        String(Math.max(1, Math.ceil(ttlMs))),
      );
      return ok === 1;
    },
    async publish(id, json) {
      await client.publish(channel, `${id}\n${json}`);
    },
    onMessage(handler) {
      handlers.push(handler);
      if (sub) return;
      sub = redis.duplicate('account feed subscriber');
      // Closed before Redis answered (a short-lived CLI process) or Redis away: not an error to
      // throw at nobody. ioredis subscribes again by itself when it reconnects.
      sub.subscribe(channel).catch((err: Error) => {
        if (!closing)
          logger?.warn({ redis: 'account feed subscriber', err: err.message }, 'subscribe did not complete');
      });
      sub.on('message', (_ch: string, message: string) => {
        const nl = message.indexOf('\n');
        if (nl < 0) return;
        const id = message.slice(0, nl);
        const json = message.slice(nl + 1);
        for (const h of handlers) h(id, json);
      });
    },
    /** Ends the subscription; the shared client belongs to whoever made it. */
    async close() {
      closing = true;
      await sub?.quit().catch(() => undefined);
    },
  };
}
