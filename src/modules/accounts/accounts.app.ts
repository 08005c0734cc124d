/** Registers the routes and pages of the account data API and widgets on the app (called once from createApp). */
import type { FastifyInstance } from 'fastify';
import type { Deps } from '../../deps.ts';
import { cachingKeyService } from '../../http/cached-key-auth.ts';
import { widgetRoutes } from '../widgets/widget.routes.ts';
import { accountRoutes } from './account.routes.ts';
import { adminPageRoutes } from './admin-pages.routes.ts';
import { adminRoutes } from './admin.routes.ts';

export async function registerAccounts(app: FastifyInstance, deps: Deps): Promise<void> {
  const i = deps.accountData;
  // Open SSE streams would keep close() waiting for ever: end them; clients reconnect by themselves.
  app.addHook('preClose', async () => i.hub.close());
  await app.register(accountRoutes({ keys: cachingKeyService(deps.keys, deps.clock), access: i.access, feed: i.feed, hub: i.hub, clock: deps.clock }));
  await app.register(widgetRoutes({ widgets: i.widgets, feed: i.feed, hub: i.hub, clock: deps.clock, accessLog: i.accessLog }));
  await app.register(adminRoutes({ accounts: i.accounts, keys: deps.keys, widgets: i.widgets, accessLog: i.accessLog, feed: i.feed, access: i.access }));
  await app.register(adminPageRoutes());
}
