/**
 * GCRA (generic cell rate algorithm, the leaky-bucket family of redis-cell's CL.THROTTLE;
 * reference/security.md §3): one "theoretical arrival time" per key. A policy lets `burst`
 * requests through at once and then one every `intervalMs`. In memory by default; in Redis (one
 * Lua script, atomic) when REDIS_URL is set, so every `brymix serve` process shares the counts.
 */
import type { Redis } from 'ioredis';

export interface GcraPolicy {
  /** Emission interval: one request per this many ms once the burst is spent. */
  intervalMs: number;
  /** Requests allowed back to back. */
  burst: number;
}

interface LimitHit {
  key: string;
  policy: GcraPolicy;
}

export interface GcraResult {
  allowed: boolean;
  /** Requests still allowed right now. */
  remaining: number;
  /** Ms until the bucket is full again. */
  resetMs: number;
  /** Ms until the next request would be allowed (0 when allowed). */
  retryAfterMs: number;
}

export interface RateLimiter {
  readonly kind: 'memory' | 'redis';
  hit(key: string, policy: GcraPolicy, now: number): Promise<GcraResult>;
  /**
   * Two limits in one step (one Redis round trip): the second is only tried when the first allows
   * (then null). Keys sharing a `{hash tag}` stay in one Redis Cluster slot.
   */
  hitBoth(first: LimitHit, second: LimitHit, now: number): Promise<[GcraResult, GcraResult | null]>;
  close(): Promise<void>;
}

/** The arithmetic both stores share: `tat` is the stored theoretical arrival time (or null). */
function gcraStep(tat: number | null, policy: GcraPolicy, now: number): { result: GcraResult; newTat: number | null } {
  const T = policy.intervalMs;
  const capacity = T * policy.burst;
  const base = tat === null || tat < now ? now : tat;
  const newTat = base + T;
  const allowAt = newTat - capacity;
  if (now < allowAt) {
    return { result: { allowed: false, remaining: 0, resetMs: base - now, retryAfterMs: allowAt - now }, newTat: null };
  }
  return {
    result: {
      allowed: true,
      remaining: Math.floor((capacity - (newTat - now)) / T),
      resetMs: newTat - now,
      retryAfterMs: 0,
    },
    newTat,
  };
}

export function createMemoryRateLimiter(maxKeys = 100_000): RateLimiter {
  const tats = new Map<string, number>();
  const limiter: RateLimiter = {
    kind: 'memory',
    async hitBoth(first, second, now) {
      const a = await limiter.hit(first.key, first.policy, now);
      return [a, a.allowed ? await limiter.hit(second.key, second.policy, now) : null];
    },
    async hit(key, policy, now) {
      const { result, newTat } = gcraStep(tats.get(key) ?? null, policy, now);
      if (newTat !== null) {
        tats.delete(key);
        tats.set(key, newTat);
        // Forget idle keys first (Map order is insertion order, refreshed on every hit).
        if (tats.size > maxKeys) {
          for (const [k, v] of tats) {
            if (tats.size <= maxKeys || v > now) break;
            tats.delete(k);
          }
        }
      }
      return result;
    },
    async close() {
      tats.clear();
    },
  };
  return limiter;
}

// KEYS = one or two buckets; ARGV = now, then interval and burst per bucket. The second bucket is
// only tried when the first allows. Returns {allowed, tat-or-base} per bucket tried (floats as strings).
const GCRA_LUA = `
local now = tonumber(ARGV[1])
local function step(key, T, burst)
  local capacity = T * burst
  local tat = tonumber(redis.call('GET', key) or now)
  if tat < now then tat = now end
  local newTat = tat + T
  if now < newTat - capacity then
    return {0, tostring(tat)}
  end
  redis.call('SET', key, tostring(newTat), 'PX', math.max(1, math.ceil(newTat - now)))
  return {1, tostring(newTat)}
end
local a = step(KEYS[1], tonumber(ARGV[2]), tonumber(ARGV[3]))
if a[1] == 0 or #KEYS < 2 then return a end
local b = step(KEYS[2], tonumber(ARGV[4]), tonumber(ARGV[5]))
return {a[1], a[2], b[1], b[2]}
`;

function fromRedis(allowed: number, tatText: string, policy: GcraPolicy, now: number): GcraResult {
  const tat = Number(tatText);
  const T = policy.intervalMs;
  const capacity = T * policy.burst;
  if (allowed === 1)
    return { allowed: true, remaining: Math.floor((capacity - (tat - now)) / T), resetMs: tat - now, retryAfterMs: 0 };
  return { allowed: false, remaining: 0, resetMs: tat - now, retryAfterMs: tat + T - capacity - now };
}

type GcraCommand = (...args: (string | number)[]) => Promise<(number | string)[]>;

export function createRedisRateLimiter(redis: Redis, prefix: string): RateLimiter {
  redis.defineCommand('brymixGcra', { lua: GCRA_LUA });
  const run = (redis as unknown as { brymixGcra: GcraCommand }).brymixGcra.bind(redis);
  return {
    kind: 'redis',
    async hit(key, policy, now) {
      const [allowed, tat] = await run(1, `${prefix}:rl:${key}`, now, policy.intervalMs, policy.burst);
      return fromRedis(Number(allowed), String(tat), policy, now);
    },
    async hitBoth(first, second, now) {
      const out = await run(
        2,
        `${prefix}:rl:${first.key}`,
        `${prefix}:rl:${second.key}`,
        now,
        first.policy.intervalMs,
        first.policy.burst,
        second.policy.intervalMs,
        second.policy.burst,
      );
      const a = fromRedis(Number(out[0]), String(out[1]), first.policy, now);
      return [a, out.length > 2 ? fromRedis(Number(out[2]), String(out[3]), second.policy, now) : null];
    },
    async close() {
      /* the connection belongs to the caller */
    },
  };
}
