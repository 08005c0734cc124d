/**
 * The one composition root: builds every service exactly once, in dependency order, from the
 * config, and is the only place that picks an implementation (SQLite or PostgreSQL, the local
 * queue or BullMQ, memory or Redis). `brymix serve`, `brymix worker`, every CLI command and the
 * tests start here. No singletons; modules never import this file.
 */
import { readFileSync } from 'node:fs';
import { type Config, type SiteSettings, siteSettings } from './config.ts';
import { SseHub } from './http/sse.ts';
import { type Clock, systemClock } from './infra/clock.ts';
import { decodeKey, Sealer } from './infra/crypto/index.ts';
import { type DbHandle, migrate, openDb, pingDb } from './infra/db/index.ts';
import { createLogger, type Logger } from './infra/logger.ts';
import { createMetrics, type Metrics } from './infra/metrics.ts';
import { parseCidrs } from './infra/net/cidr.ts';
import { createMemoryFeedStore, createRedisFeedStore } from './infra/pubsub/feed-store.ts';
import { LocalQueue } from './infra/queue/local.ts';
import type { JobQueue } from './infra/queue/types.ts';
import { createFixedWindow, type FixedWindow } from './infra/ratelimit/fixed-window.ts';
import { createMemoryRateLimiter, createRedisRateLimiter } from './infra/ratelimit/gcra.ts';
import { createLoginThrottle } from './infra/ratelimit/login-throttle.ts';
import { connectRedis, type RedisConnections } from './infra/redis.ts';
import { type AccessLog, createAccessLog } from './modules/accounts/access-log.service.ts';
import { type AccountService, createAccountService } from './modules/accounts/account.service.ts';
import { type AccountAccess, createAccountAccess } from './modules/accounts/account-access.ts';
import { type AccountFeed, createAccountFeed } from './modules/accounts/account-feed.ts';
import { type ApiKeyService, createApiKeyService } from './modules/api-keys/api-key.service.ts';
import { type AuditService, createAuditService } from './modules/audit/audit.service.ts';
import { type CheckService, createCheckService } from './modules/checks/check.service.ts';
import { createVerdictPool } from './modules/checks/check.verdict.pool.ts';
import { type CrmService, createCrmService } from './modules/crm/crm.service.ts';
import { createServiceTokenService, type ServiceTokenService } from './modules/crm/service-token.service.ts';
import { createSiteWebhookReceiver, type SiteWebhookReceiver } from './modules/crm/site-webhook.ts';
import { createMonitorEvents, type MonitorEvents } from './modules/monitors/monitor.events.ts';
import { createMonitorRuntime, type MonitorRuntime } from './modules/monitors/monitor.runtime.ts';
import { createMonitorService, type MonitorService } from './modules/monitors/monitor.service.ts';
import { createPlatformOutbox, type PlatformOutbox } from './modules/platform/outbox.ts';
import { createPlatformMonitorLink } from './modules/platform/platform.monitors.ts';
import { createPlatformService, type PlatformService } from './modules/platform/platform.service.ts';
import { createStaffService, type StaffService } from './modules/staff/staff.service.ts';
import { createStaffTokens } from './modules/staff/staff-tokens.ts';
import { createWebhookSender, type WebhookSender } from './modules/webhooks/webhook.sender.ts';
import { createWebhookService, type WebhookService } from './modules/webhooks/webhook.service.ts';
import { createWidgetService, type WidgetService } from './modules/widgets/widget.service.ts';
import type { ConnectorRouter } from './mt5/index.ts';
import { createReportParser, type ReportParser } from './mt5/report/index.ts';
import { createConfiguredRouter } from './mt5/servers.ts';

export interface Deps {
  config: Config;
  logger: Logger;
  clock: Clock;
  dbHandle: DbHandle;
  queue: JobQueue;
  metrics: Metrics;
  sealer: Sealer;
  connectors: ConnectorRouter;
  /** HTTPS material when TLS_CERT_FILE/TLS_KEY_FILE are set. */
  tls: { cert: Buffer; key: Buffer } | null;
  /** SSE fan-out of the account API and of the widgets. */
  sseHub: SseHub;
  /** Where this process is reached and how its cookies are set, with the platform's defaults applied. */
  site: SiteSettings;
  // The modules' services, in the order they are built.
  audit: AuditService;
  keys: ApiKeyService;
  sender: WebhookSender;
  webhooks: WebhookService;
  /** Parses uploaded reports on a worker thread (the checks service's parser). */
  reportParser: ReportParser;
  checks: CheckService;
  /** Live monitors: the API side, and the runtime that watches them (started by `serve` and `monitor-worker`). */
  monitors: MonitorService;
  monitorEvents: MonitorEvents;
  monitorRuntime: MonitorRuntime;
  accounts: AccountService;
  accountFeed: AccountFeed;
  accessLog: AccessLog;
  accountAccess: AccountAccess;
  widgets: WidgetService;
  /** Fixed-window counters: failed logins, service API calls. */
  window: FixedWindow;
  staff: StaffService;
  serviceTokens: ServiceTokenService;
  outbox: PlatformOutbox;
  platform: PlatformService;
  crm: CrmService;
  siteWebhooks: SiteWebhookReceiver;
  /** Where this process's database is, as overridden (tests): another thread's connection opens the same. */
  storage: { pgSchema?: string; sqliteFile?: string };
  ready(): Promise<{ db: boolean; queue: boolean }>;
  close(): Promise<void>;
}

export interface DepsOverrides {
  logger?: Logger;
  clock?: Clock;
  connectors?: ConnectorRouter;
  /** PostgreSQL schema (tests); SQLite file name (tests). */
  pgSchema?: string;
  sqliteFile?: string;
  random?: () => number;
  migrate?: boolean;
  /**
   * This is one of the monitor threads of `serve` (monitor-threads.ts): on SQLite it takes the
   * monitors of its part (no other process shares the database), on PostgreSQL it shares them by
   * leases with every other live process; it is told of each event it raises.
   */
  monitorThread?: { onEvent(event: string): void; index: number; count: number };
}

export async function createDeps(config: Config, o: DepsOverrides = {}): Promise<Deps> {
  const logger = o.logger ?? createLogger(config.LOG_LEVEL);
  const clock = o.clock ?? systemClock;
  const site = siteSettings(config);

  // --- infrastructure ---
  const dbHandle = await openDb({
    databaseUrl: config.DATABASE_URL,
    dataDir: config.DATA_DIR,
    ...(o.pgSchema ? { pgSchema: o.pgSchema } : {}),
    ...(o.sqliteFile ? { sqliteFile: o.sqliteFile } : {}),
    // PostgreSQL restarting or failing over: said once per lost connection; requests answer 503 meanwhile.
    onConnectionError: (err) =>
      logger.warn(
        { err: err.message, code: (err as { code?: string }).code },
        'database connection lost; reconnecting on demand',
      ),
  });
  if (o.migrate !== false) await migrate(dbHandle.db);
  const db = dbHandle.db;
  const redis: RedisConnections | null = config.REDIS_URL ? connectRedis(config.REDIS_URL, logger) : null;
  // BullMQ is loaded only when used: the embedded default (and every CLI command) starts faster without it.
  const queue: JobQueue = redis
    ? new (await import('./infra/queue/bullmq.ts')).BullQueue({
        redis,
        prefix: config.REDIS_PREFIX,
        logger,
        lockMs: config.QUEUE_LEASE_MS,
      })
    : new LocalQueue({ db, clock, logger, pollMs: config.QUEUE_POLL_MS, leaseMs: config.QUEUE_LEASE_MS });
  const limiter = redis ? createRedisRateLimiter(redis.client, config.REDIS_PREFIX) : createMemoryRateLimiter();
  const feedStore = redis ? createRedisFeedStore(redis, config.REDIS_PREFIX, logger) : createMemoryFeedStore();
  const window = createFixedWindow({ db, clock });
  const metrics = createMetrics({ defaultMetrics: config.NODE_ENV !== 'test' });
  const sealer = new Sealer(decodeKey(config.CREDENTIALS_KEY));
  const tls =
    config.TLS_CERT_FILE && config.TLS_KEY_FILE
      ? { cert: readFileSync(config.TLS_CERT_FILE), key: readFileSync(config.TLS_KEY_FILE) }
      : null;
  const sseHub = new SseHub(config.SSE_HEARTBEAT_MS);
  const connectors =
    o.connectors ??
    createConfiguredRouter({
      serversFile: config.MT5_SERVERS_FILE,
      env: config.MT5_PASSWORDS, // manager passwords named by the servers file
      simulator: { latencyMs: config.SIMULATOR_LATENCY_MS, clock },
      liveLookbackMs: config.MT5_LIVE_LOOKBACK_MS,
      metaApi: {
        token: config.METAAPI_TOKEN,
        provisioningUrl: config.METAAPI_PROVISIONING_URL,
        clientUrl: config.METAAPI_CLIENT_URL,
        marketDataUrl: config.METAAPI_MARKET_DATA_URL,
        requestTimeoutMs: config.METAAPI_TIMEOUT_MS,
      },
    });
  // Reports are parsed and checks judged on worker threads: no upload delays another request, and
  // the one process works on every core while its event loop keeps the API, queue and deliveries.
  const reportParser = createReportParser({
    timeoutMs: config.REPORT_PARSE_TIMEOUT_MS,
    zipLimits: {
      maxEntryBytes: config.REPORT_MAX_ENTRY_INFLATED_BYTES,
      maxTotalBytes: config.REPORT_MAX_INFLATED_BYTES,
    },
  });
  const verdicts = createVerdictPool({ threads: config.CHECK_THREADS });

  // --- challenge checker ---
  const audit = createAuditService({ db, clock, logger });
  const keys = createApiKeyService({ db, clock });
  const callbackAllow = parseCidrs(config.CALLBACK_ALLOW_CIDRS);
  const sender = createWebhookSender({ allow: callbackAllow, timeoutMs: config.WEBHOOK_TIMEOUT_MS });
  const webhooks = createWebhookService({
    db,
    queue,
    clock,
    logger,
    metrics,
    sender,
    secret: config.WEBHOOK_SECRET,
    maxAttempts: config.WEBHOOK_MAX_ATTEMPTS,
    timeoutMs: config.WEBHOOK_TIMEOUT_MS,
    ...(o.random ? { random: o.random } : {}),
  });
  const checks = createCheckService({
    db,
    queue,
    clock,
    logger,
    metrics,
    sealer,
    connectors,
    webhooks,
    callbackAllow,
    maxAttempts: config.CHECK_MAX_ATTEMPTS,
    reportMaxBytes: config.REPORT_MAX_BYTES,
    reportParser,
    verdicts,
  });

  // The trading platform's side: its events go to CRM_BASE_URL through an outbox.
  const outbox = createPlatformOutbox({
    db,
    queue,
    clock,
    logger,
    secret: config.SITE_WEBHOOK_SECRET,
    url: `${site.crmBaseUrl}/api/webhooks/site`,
    maxAttempts: config.WEBHOOK_MAX_ATTEMPTS,
    timeoutMs: config.WEBHOOK_TIMEOUT_MS,
  });
  // --- live monitors ---
  const monitorEvents = createMonitorEvents({
    db,
    queue,
    clock,
    logger,
    sender,
    secret: config.WEBHOOK_SECRET,
    maxAttempts: config.WEBHOOK_MAX_ATTEMPTS,
    timeoutMs: config.WEBHOOK_TIMEOUT_MS,
    followPollMs: config.MONITOR_EVENTS_POLL_MS,
    ...(o.random ? { random: o.random } : {}),
    // A platform account's monitor finishes the account in the event's own transaction.
    onRaised: createPlatformMonitorLink({ db, clock, outbox }).onRaised,
  });
  const monitors = createMonitorService({
    db,
    clock,
    logger,
    sealer,
    connectors,
    events: monitorEvents,
    callbackAllow,
  });
  const monitorRuntime = createMonitorRuntime({
    db,
    clock,
    logger,
    metrics,
    sealer,
    connectors,
    events: monitorEvents,
    monitors,
    pollIntervalMs: config.MONITOR_POLL_INTERVAL_MS,
    staleAfterMs: config.MONITOR_STALE_AFTER_S * 1000,
    readTimeoutMs: config.MONITOR_READ_TIMEOUT_MS,
    leaseMs: config.MONITOR_LEASE_MS,
    claimBatch: config.MONITOR_CLAIM_BATCH,
    snapshotMs: config.MONITOR_SNAPSHOT_MS,
    replayWindowMs: config.MONITOR_REPLAY_WINDOW_S * 1000,
    takeOver: dbHandle.dialect === 'sqlite', // one process's database: every monitor (each thread its part)
    ...(o.monitorThread ? { onEvent: o.monitorThread.onEvent, partition: o.monitorThread } : {}),
  });

  // --- account data API and widgets ---
  const accounts = createAccountService({
    db,
    clock,
    sealer,
    keys,
    connectors,
    audit,
    defaults: {
      per_minute: config.ACCOUNT_API_RATE_PER_MINUTE,
      account_interval_seconds: config.ACCOUNT_RATE_INTERVAL_SECONDS,
      account_burst: config.ACCOUNT_RATE_BURST,
    },
  });
  const accountFeed = createAccountFeed({
    clock,
    logger,
    store: feedStore,
    connectors,
    accounts,
    intervalMs: config.ACCOUNT_POLL_INTERVAL_MS,
    maxAgeMs: config.ACCOUNT_CACHE_MAX_AGE_MS,
    historyIntervalMs: config.ACCOUNT_HISTORY_INTERVAL_MS,
    timeoutMs: config.ACCOUNT_UPSTREAM_TIMEOUT_MS,
  });
  const accessLog = createAccessLog({ db, clock, logger });
  const accountAccess = createAccountAccess({ accounts, limiter, clock, accessLog });
  const widgets = createWidgetService({
    db,
    clock,
    accounts,
    audit,
    publicUrl: config.PUBLIC_URL ?? `http://localhost:${config.PORT}`,
    monitors,
  });

  // --- staff, trading platform, CRM ---
  const loginWindowMs = config.LOGIN_WINDOW_SECONDS * 1000;
  const loginThrottle = (scope: 'staff' | 'trader') =>
    createLoginThrottle({ window, scope, maxFailures: config.LOGIN_MAX_FAILURES, windowMs: loginWindowMs });
  const staffTokens = createStaffTokens({
    secret: config.JWT_SECRET,
    ttlSeconds: config.STAFF_TOKEN_TTL_SECONDS,
    now: () => clock.now(),
  });
  const staff = createStaffService({ db, clock, tokens: staffTokens, audit, throttle: loginThrottle('staff') });
  const serviceTokens = createServiceTokenService({ db, clock, audit, envToken: config.SERVICE_API_TOKEN });
  const platform = createPlatformService({
    db,
    clock,
    logger,
    audit,
    queue,
    sealer,
    connectors,
    checks,
    monitors,
    outbox,
    ssoSecret: config.CRM_SSO_SECRET ?? config.SSO_SECRET,
    sessionTtlSeconds: config.PLATFORM_SESSION_TTL_SECONDS,
    throttle: loginThrottle('trader'),
  });
  const crm = createCrmService({
    db,
    clock,
    logger,
    audit,
    ssoSecret: config.SSO_SECRET,
    tradingPlatformUrl: site.tradingPlatformUrl,
    tradingPlatformHasTrader: site.platformIsLocal ? (email) => platform.hasTrader(email) : null,
  });
  const siteWebhooks = createSiteWebhookReceiver({
    db,
    queue,
    clock,
    audit,
    logger,
    secret: config.SITE_WEBHOOK_SECRET,
  });

  return {
    config,
    logger,
    clock,
    dbHandle,
    queue,
    metrics,
    sealer,
    connectors,
    tls,
    sseHub,
    site,
    audit,
    keys,
    sender,
    webhooks,
    reportParser,
    checks,
    monitors,
    monitorEvents,
    monitorRuntime,
    accounts,
    accountFeed,
    accessLog,
    accountAccess,
    widgets,
    window,
    staff,
    serviceTokens,
    outbox,
    platform,
    crm,
    siteWebhooks,
    storage: { ...(o.pgSchema && { pgSchema: o.pgSchema }), ...(o.sqliteFile && { sqliteFile: o.sqliteFile }) },
    async ready() {
      const [dbOk, queueOk] = await Promise.all([pingDb(db), queue.ping()]);
      return { db: dbOk, queue: queueOk };
    },
    /** In reverse order of use: what sends or reads first, the connections they share last. */
    async close() {
      await monitorRuntime.stop();
      await queue.close();
      await Promise.all([reportParser.close(), verdicts.close()]);
      await sender.close().catch(() => undefined);
      await outbox.close().catch(() => undefined);
      sseHub.close();
      await accountFeed.close().catch(() => undefined);
      await accessLog.close().catch(() => undefined);
      await feedStore.close().catch(() => undefined);
      await limiter.close().catch(() => undefined);
      await redis?.client.quit().catch(() => undefined);
      await dbHandle.close();
    },
  };
}
