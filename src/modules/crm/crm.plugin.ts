/** The CRM module's HTTP side: the site webhook, the service API, the staff console's API and its pages. */
import type { FastifyPluginAsync } from 'fastify';
import type { StaffAuthenticator } from '../../http/staff-auth.ts';
import type { FixedWindow } from '../../infra/ratelimit/fixed-window.ts';
import type { AuditService } from '../audit/audit.service.ts';
import { consoleApiRoutes } from './console-api.routes.ts';
import { consolePageRoutes } from './console-pages.routes.ts';
import type { CrmService } from './crm.service.ts';
import { serviceRoutes } from './service.routes.ts';
import type { ServiceTokenService } from './service-token.service.ts';
import { siteWebhookRoutes } from './site-webhook.routes.ts';
import type { SiteWebhookReceiver } from './site-webhook.ts';

export interface CrmPluginDeps {
  crm: CrmService;
  siteWebhooks: SiteWebhookReceiver;
  serviceTokens: ServiceTokenService;
  /** Counts service API calls per token. */
  window: FixedWindow;
  audit: AuditService;
  staff: StaffAuthenticator;
  serviceRatePerMinute: number;
}

export function crmPlugin(d: CrmPluginDeps): FastifyPluginAsync {
  return async (app) => {
    await app.register(siteWebhookRoutes({ receiver: d.siteWebhooks }));
    await app.register(
      serviceRoutes({
        crm: d.crm,
        tokens: d.serviceTokens,
        window: d.window,
        audit: d.audit,
        perMinute: d.serviceRatePerMinute,
      }),
    );
    await app.register(consoleApiRoutes({ crm: d.crm, staff: d.staff }));
    await app.register(consolePageRoutes());
  };
}
