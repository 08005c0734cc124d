/**
 * Builds the services of the CRM and the trading platform (staff, audit, CRM, service tokens, SSO, trading platform) from
 * the config. Platform-side settings default to their CRM-side twins when both run in one process.
 */
import type { Config } from '../../config.ts';
import type { Clock } from '../../infra/clock.ts';
import type { Sealer } from '../../infra/crypto/index.ts';
import type { Db } from '../../infra/db/index.ts';
import type { Logger } from '../../infra/logger.ts';
import type { JobQueue } from '../../infra/queue/types.ts';
import { createFixedWindow } from '../../infra/ratelimit/fixed-window.ts';
import { createLoginThrottle } from '../../infra/ratelimit/login-throttle.ts';
import type { ConnectorRouter } from '../../mt5/router.ts';
import { createAuditService } from '../audit/audit.service.ts';
import type { CheckService } from '../checks/check.service.ts';
import { createStaffTokens } from '../staff/staff-tokens.ts';
import { createStaffService } from '../staff/staff.service.ts';
import { createCrmService } from './crm.service.ts';
import { createServiceTokenService } from './service-token.service.ts';
import { createSiteWebhookReceiver } from './site-webhook.ts';
import { createPlatformService } from '../platform/platform.service.ts';
import { createPlatformOutbox } from '../platform/outbox.ts';

export interface CrmPlatformDepsInput {
  config: Config;
  db: Db;
  queue: JobQueue;
  clock: Clock;
  logger: Logger;
  sealer: Sealer;
  connectors: ConnectorRouter;
  webhookTimeoutMs: number;
  /** The checker, built after these services in deps.ts; only called at request time. */
  checks: () => CheckService;
}

/** Where this process answers, for defaults of TRADING_PLATFORM_URL and CRM_BASE_URL. */
export function selfUrl(config: Config): string {
  return (config.PUBLIC_URL ?? `http://localhost:${config.PORT}`).replace(/\/+$/, '');
}

export function resolvedCrmSettings(config: Config) {
  return {
    tradingPlatformUrl: (config.TRADING_PLATFORM_URL ?? selfUrl(config)).replace(/\/+$/, ''),
    crmBaseUrl: (config.CRM_BASE_URL ?? selfUrl(config)).replace(/\/+$/, ''),
    crmServiceToken: config.CRM_SERVICE_TOKEN ?? config.SERVICE_API_TOKEN,
    crmSsoSecret: config.CRM_SSO_SECRET ?? config.SSO_SECRET,
    secureCookies: config.NODE_ENV === 'production' || (config.PUBLIC_URL ?? '').startsWith('https:'),
  };
}

export function createCrmPlatformServices(input: CrmPlatformDepsInput) {
  const { config, db, clock, logger } = input;
  const settings = resolvedCrmSettings(config);
  const window = createFixedWindow({ db, clock });
  const audit = createAuditService({ db, clock, logger });
  const staffTokens = createStaffTokens({ secret: config.JWT_SECRET, ttlSeconds: config.STAFF_TOKEN_TTL_SECONDS, now: () => clock.now() });
  const loginWindowMs = config.LOGIN_WINDOW_SECONDS * 1000;
  const staff = createStaffService({
    db,
    clock,
    tokens: staffTokens,
    audit,
    throttle: createLoginThrottle({ window, scope: 'staff', maxFailures: config.LOGIN_MAX_FAILURES, windowMs: loginWindowMs }),
  });

  const serviceTokens = createServiceTokenService({ db, clock, audit, envToken: config.SERVICE_API_TOKEN });
  // SSO links open this process's own trading platform unless TRADING_PLATFORM_URL names another system.
  const platformIsLocal = settings.tradingPlatformUrl === selfUrl(config);
  const crm = createCrmService({
    db,
    clock,
    logger,
    audit,
    ssoSecret: config.SSO_SECRET,
    tradingPlatformUrl: settings.tradingPlatformUrl,
    tradingPlatformHasTrader: platformIsLocal ? (email) => platform.hasTrader(email) : null,
  });
  const siteWebhooks = createSiteWebhookReceiver({ db, queue: input.queue, clock, audit, logger, secret: config.SITE_WEBHOOK_SECRET });

  // The trading platform's side: its events go to CRM_BASE_URL through an outbox.
  const outbox = createPlatformOutbox({
    db,
    queue: input.queue,
    clock,
    logger,
    secret: config.SITE_WEBHOOK_SECRET,
    url: `${settings.crmBaseUrl}/api/webhooks/site`,
    maxAttempts: config.WEBHOOK_MAX_ATTEMPTS,
    timeoutMs: input.webhookTimeoutMs,
  });
  const platform = createPlatformService({
    db,
    clock,
    logger,
    audit,
    queue: input.queue,
    sealer: input.sealer,
    connectors: input.connectors,
    checks: input.checks,
    outbox,
    ssoSecret: settings.crmSsoSecret,
    sessionTtlSeconds: config.PLATFORM_SESSION_TTL_SECONDS,
    throttle: createLoginThrottle({ window, scope: 'trader', maxFailures: config.LOGIN_MAX_FAILURES, windowMs: loginWindowMs }),
  });

  return {
    settings,
    serviceTokens,
    crm,
    siteWebhooks,
    outbox,
    platform,
    window,
    audit,
    staffTokens,
    staff,
    async close(): Promise<void> {
      await outbox.close();
    },
  };
}

export type CrmPlatformServices = ReturnType<typeof createCrmPlatformServices>;
