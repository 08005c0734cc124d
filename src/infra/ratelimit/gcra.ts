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
  close(): Promise<void>;
}

/** The arithmetic both stores share: `tat` is the stored theoretical arrival time (or null). */
export function gcraStep(tat: number | null, policy: GcraPolicy, now: number): { result: GcraResult; newTat: number | null } {
  const T = policy.intervalMs;
  const capacity = T * policy.burst;
  const base = tat === null || tat < now ? now : tat;
  const newTat = base + T;
  const allowAt = newTat - capacity;
  if (now < allowAt) {
    return { result: { allowed: false, remaining: 0, resetMs: base - now, retryAfterMs: allowAt - now }, newTat: null };
  }
  return { result: { allowed: true, remaining: Math.floor((capacity - (newTat - now)) / T), resetMs: newTat - now, retryAfterMs: 0 }, newTat };
}

export function createMemoryRateLimiter(maxKeys = 100_000): RateLimiter {
  const tats = new Map<string, number>();
  return {
    kind: 'memory',
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
}

// KEYS[1] = bucket; ARGV = now, interval, burst. Returns {allowed, tat-or-base} as strings (floats).
const GCRA_LUA = `
local now = tonumber(ARGV[1])
local T = tonumber(ARGV[2])
local capacity = T * tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local newTat = tat + T
if now < newTat - capacity then
  return {0, tostring(tat)}
end
redis.call('SET', KEYS[1], tostring(newTat), 'PX', math.max(1, math.ceil(newTat - now)))
return {1, tostring(newTat)}
`;

export function createRedisRateLimiter(redis: Redis, prefix: string): RateLimiter {
  redis.defineCommand('brymixGcra', { numberOfKeys: 1, lua: GCRA_LUA });
  const run = (redis as unknown as { brymixGcra(key: string, now: number, t: number, b: number): Promise<[number, string]> }).brymixGcra.bind(redis);
  return {
    kind: 'redis',
    async hit(key, policy, now) {
      const [allowed, tatText] = await run(`${prefix}:rl:${key}`, now, policy.intervalMs, policy.burst);
      const tat = Number(tatText);
      const T = policy.intervalMs;
      const capacity = T * policy.burst;
      if (allowed === 1) return { allowed: true, remaining: Math.floor((capacity - (tat - now)) / T), resetMs: tat - now, retryAfterMs: 0 };
      return { allowed: false, remaining: 0, resetMs: tat - now, retryAfterMs: tat + T - capacity - now };
    },
    async close() {
      /* the connection belongs to the caller */
    },
  };
}
