/**
 * Builds everything the app and the workers need from the config: SQLite or PostgreSQL, the
 * local or BullMQ queue, the MT5 connectors, and the module services. No singletons.
 */
import type { Config } from './config.ts';
import { systemClock, type Clock } from './infra/clock.ts';
import { decodeKey, Sealer } from './infra/crypto/index.ts';
import { migrate, openDb, pingDb, type DbHandle } from './infra/db/index.ts';
import { createLogger, type Logger } from './infra/logger.ts';
import { createMetrics, type Metrics } from './infra/metrics.ts';
import { LocalQueue } from './infra/queue/local.ts';
import type { JobQueue } from './infra/queue/types.ts';
import { type ConnectorRouter } from './mt5/index.ts';
import { createReportParser, type ReportParser } from './mt5/report/index.ts';
import { createConfiguredRouter } from './mt5/servers.ts';
import { createApiKeyService, type ApiKeyService } from './modules/api-keys/api-key.service.ts';
import { createCheckService, type CheckService } from './modules/checks/check.service.ts';
import { parseCidrs } from './infra/net/cidr.ts';
import { createWebhookSender, type WebhookSender } from './modules/webhooks/webhook.sender.ts';
import { createWebhookService, type WebhookService } from './modules/webhooks/webhook.service.ts';
import { createAccountsDeps, type AccountsDeps } from './modules/accounts/accounts.deps.ts';
import { createCrmPlatformServices, type CrmPlatformServices } from './modules/crm/crm.deps.ts';

export interface Deps {
  config: Config;
  logger: Logger;
  clock: Clock;
  dbHandle: DbHandle;
  queue: JobQueue;
  metrics: Metrics;
  sealer: Sealer;
  connectors: ConnectorRouter;
  sender: WebhookSender;
  keys: ApiKeyService;
  webhooks: WebhookService;
  checks: CheckService;
  /** Parses uploaded reports on a worker thread (the checks service's parser). */
  reportParser: ReportParser;
  accountData: AccountsDeps;
  audit: CrmPlatformServices['audit'];
  staff: CrmPlatformServices['staff'];
  crm: CrmPlatformServices;
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
}

export async function createDeps(config: Config, o: DepsOverrides = {}): Promise<Deps> {
  const logger = o.logger ?? createLogger(config.LOG_LEVEL);
  const clock = o.clock ?? systemClock;
  const dbHandle = await openDb({
    databaseUrl: config.DATABASE_URL,
    dataDir: config.DATA_DIR,
    ...(o.pgSchema ? { pgSchema: o.pgSchema } : {}),
    ...(o.sqliteFile ? { sqliteFile: o.sqliteFile } : {}),
    // PostgreSQL restarting or failing over: said once per lost connection; requests answer 503 meanwhile.
    onConnectionError: (err) => logger.warn({ err: err.message, code: (err as { code?: string }).code }, 'database connection lost; reconnecting on demand'),
  });
  if (o.migrate !== false) await migrate(dbHandle.db);
  const db = dbHandle.db;
  // BullMQ is loaded only when used: the embedded default (and every CLI command) starts faster without it.
  const queue: JobQueue = config.REDIS_URL
    ? new (await import('./infra/queue/bullmq.ts')).BullQueue({ redisUrl: config.REDIS_URL, prefix: config.REDIS_PREFIX, logger, lockMs: config.QUEUE_LEASE_MS })
    : new LocalQueue({ db, clock, logger, pollMs: config.QUEUE_POLL_MS, leaseMs: config.QUEUE_LEASE_MS });
  const metrics = createMetrics({ defaultMetrics: config.NODE_ENV !== 'test' });
  const sealer = new Sealer(decodeKey(config.CREDENTIALS_KEY));

  const connectors =
    o.connectors ??
    createConfiguredRouter({
      serversFile: config.MT5_SERVERS_FILE,
      env: config.MT5_PASSWORDS, // manager passwords named by the servers file
      simulator: { latencyMs: config.SIMULATOR_LATENCY_MS },
      metaApi: {
        token: config.METAAPI_TOKEN,
        provisioningUrl: config.METAAPI_PROVISIONING_URL,
        clientUrl: config.METAAPI_CLIENT_URL,
        marketDataUrl: config.METAAPI_MARKET_DATA_URL,
        requestTimeoutMs: config.METAAPI_TIMEOUT_MS,
      },
    });
  const callbackAllow = parseCidrs(config.CALLBACK_ALLOW_CIDRS);
  const sender = createWebhookSender({ allow: callbackAllow, timeoutMs: config.WEBHOOK_TIMEOUT_MS });
  const keys = createApiKeyService({ db, clock });
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
  const accountData = createAccountsDeps({ config, db, clock, logger, sealer, connectors, keys, audit: { tryRecord: (e) => crm.audit.tryRecord(e) } });
  const crm = createCrmPlatformServices({ config, db, queue, clock, logger, sealer, connectors, webhookTimeoutMs: config.WEBHOOK_TIMEOUT_MS, checks: () => checks });
  // Uploaded reports are parsed off the event loop, so no upload delays any other request.
  const reportParser = createReportParser({
    timeoutMs: config.REPORT_PARSE_TIMEOUT_MS,
    zipLimits: { maxEntryBytes: config.REPORT_MAX_ENTRY_INFLATED_BYTES, maxTotalBytes: config.REPORT_MAX_INFLATED_BYTES },
  });
  const checks = createCheckService({ db, queue, clock, logger, metrics, sealer, connectors, webhooks, callbackAllow, maxAttempts: config.CHECK_MAX_ATTEMPTS, reportMaxBytes: config.REPORT_MAX_BYTES, reportParser });

  return {
    config,
    logger,
    clock,
    dbHandle,
    queue,
    metrics,
    sealer,
    connectors,
    sender,
    keys,
    webhooks,
    checks,
    reportParser,
    accountData,
    audit: crm.audit,
    staff: crm.staff,
    crm,
    async ready() {
      const [dbOk, queueOk] = await Promise.all([pingDb(db), queue.ping()]);
      return { db: dbOk, queue: queueOk };
    },
    async close() {
      await queue.close();
      await reportParser.close();
      await sender.close().catch(() => undefined);
      await crm.close().catch(() => undefined);
      await accountData.close().catch(() => undefined);
      await dbHandle.close();
    },
  };
}
