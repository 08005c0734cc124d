/** Registers the routes and pages of the CRM and the trading platform on the app (called once from createApp). */
import type { FastifyInstance } from 'fastify';
import type { Deps } from '../../deps.ts';
import { auditRoutes } from '../audit/audit.routes.ts';
import { platformRoutes } from '../platform/platform.routes.ts';
import { staffRoutes } from '../staff/staff.routes.ts';
import { consoleApiRoutes } from './console-api.routes.ts';
import { consolePageRoutes } from './console-pages.routes.ts';
import { serviceRoutes } from './service.routes.ts';
import { siteWebhookRoutes } from './site-webhook.routes.ts';

export async function registerCrmPlatform(app: FastifyInstance, deps: Deps): Promise<void> {
  const c = deps.crm;
  // Read by every staffAuth() hook, in this module and in others.
  app.decorate('staffAuthenticator', c.staff);
  await app.register(staffRoutes({ staff: c.staff, secureCookies: c.settings.secureCookies }));
  await app.register(auditRoutes({ audit: c.audit }));
  await app.register(siteWebhookRoutes({ receiver: c.siteWebhooks }));
  await app.register(serviceRoutes({ crm: c.crm, tokens: c.serviceTokens, window: c.window, audit: c.audit, perMinute: deps.config.SERVICE_API_RATE_PER_MINUTE }));
  await app.register(consoleApiRoutes({ crm: c.crm }));
  await app.register(consolePageRoutes());
  await app.register(platformRoutes({ platform: c.platform, secureCookies: c.settings.secureCookies }));
}
