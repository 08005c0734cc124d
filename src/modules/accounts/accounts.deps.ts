/** Builds the services of the account data API (accounts registry, poller, limits, access log, widgets) from the config. */
import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import type { Config } from '../../config.ts';
import type { Clock } from '../../infra/clock.ts';
import type { Sealer } from '../../infra/crypto/index.ts';
import type { Db } from '../../infra/db/index.ts';
import type { Logger } from '../../infra/logger.ts';
import { createMemoryFeedStore, createRedisFeedStore, type FeedStore } from '../../infra/pubsub/feed-store.ts';
import { watchRedis } from '../../infra/redis.ts';
import { createMemoryRateLimiter, createRedisRateLimiter, type RateLimiter } from '../../infra/ratelimit/gcra.ts';
import { SseHub } from '../../http/sse.ts';
import type { ConnectorRouter } from '../../mt5/router.ts';
import type { ApiKeyService } from '../api-keys/api-key.service.ts';
import type { AuditEntry } from '../audit/audit.ts';
import { createWidgetService, type WidgetService } from '../widgets/widget.service.ts';
import { createAccessLog, type AccessLog } from './access-log.service.ts';
import { createAccountAccess, type AccountAccess } from './account-access.ts';
import { createAccountFeed, type AccountFeed } from './account-feed.ts';
import { createAccountService, type AccountService } from './account.service.ts';

export interface AccountsDeps {
  accounts: AccountService;
  feed: AccountFeed;
  feedStore: FeedStore;
  limiter: RateLimiter;
  accessLog: AccessLog;
  access: AccountAccess;
  widgets: WidgetService;
  /** SSE fan-out of the account API and of the widgets. */
  hub: SseHub;
  /** HTTPS material when TLS_CERT_FILE/TLS_KEY_FILE are set. */
  tls: { cert: Buffer; key: Buffer } | null;
  close(): Promise<void>;
}

export function createAccountsDeps(d: { config: Config; db: Db; clock: Clock; logger: Logger; sealer: Sealer; connectors: ConnectorRouter; keys: ApiKeyService; audit: { tryRecord(e: AuditEntry): Promise<void> } }): AccountsDeps {
  const c = d.config;
  const redis = c.REDIS_URL ? watchRedis(new Redis(c.REDIS_URL, { maxRetriesPerRequest: 2 }), 'rate limits', d.logger) : null;
  const limiter = redis ? createRedisRateLimiter(redis, c.REDIS_PREFIX) : createMemoryRateLimiter();
  const feedStore = c.REDIS_URL ? createRedisFeedStore(c.REDIS_URL, c.REDIS_PREFIX, d.logger) : createMemoryFeedStore();
  const accounts = createAccountService({
    db: d.db,
    clock: d.clock,
    sealer: d.sealer,
    keys: d.keys,
    connectors: d.connectors,
    audit: d.audit,
    defaults: { per_minute: c.ACCOUNT_API_RATE_PER_MINUTE, account_interval_seconds: c.ACCOUNT_RATE_INTERVAL_SECONDS, account_burst: c.ACCOUNT_RATE_BURST },
  });
  const feed = createAccountFeed({
    clock: d.clock,
    logger: d.logger,
    store: feedStore,
    connectors: d.connectors,
    accounts,
    intervalMs: c.ACCOUNT_POLL_INTERVAL_MS,
    maxAgeMs: c.ACCOUNT_CACHE_MAX_AGE_MS,
    historyIntervalMs: c.ACCOUNT_HISTORY_INTERVAL_MS,
    timeoutMs: c.ACCOUNT_UPSTREAM_TIMEOUT_MS,
  });
  const accessLog = createAccessLog({ db: d.db, clock: d.clock, logger: d.logger });
  const access = createAccountAccess({ accounts, limiter, clock: d.clock, accessLog });
  const hub = new SseHub(c.SSE_HEARTBEAT_MS);
  const widgets = createWidgetService({ db: d.db, clock: d.clock, accounts, audit: d.audit, publicUrl: c.PUBLIC_URL ?? `http://localhost:${c.PORT}` });
  const tls = c.TLS_CERT_FILE && c.TLS_KEY_FILE ? { cert: readFileSync(c.TLS_CERT_FILE), key: readFileSync(c.TLS_KEY_FILE) } : null;
  return {
    accounts,
    feed,
    feedStore,
    limiter,
    accessLog,
    access,
    widgets,
    hub,
    tls,
    async close() {
      hub.close();
      await feed.close();
      await accessLog.close();
      await feedStore.close();
      await limiter.close();
      await redis?.quit().catch(() => undefined);
    },
  };
}
