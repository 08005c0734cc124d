/** The accounts module's HTTP side: the read-only account API, the admin API and the admin panel's pages. */
import type { FastifyPluginAsync } from 'fastify';
import { cachingKeyService } from '../../http/cached-key-auth.ts';
import type { SseHub } from '../../http/sse.ts';
import type { StaffAuthenticator } from '../../http/staff-auth.ts';
import type { Clock } from '../../infra/clock.ts';
import type { ApiKeyService } from '../api-keys/api-key.service.ts';
import type { WidgetService } from '../widgets/widget.service.ts';
import type { AccessLog } from './access-log.service.ts';
import { accountRoutes } from './account.routes.ts';
import type { AccountService } from './account.service.ts';
import type { AccountAccess } from './account-access.ts';
import type { AccountFeed } from './account-feed.ts';
import { adminRoutes } from './admin.routes.ts';
import { adminPageRoutes } from './admin-pages.routes.ts';

export interface AccountsPluginDeps {
  keys: ApiKeyService;
  accounts: AccountService;
  access: AccountAccess;
  feed: AccountFeed;
  accessLog: AccessLog;
  widgets: WidgetService;
  hub: SseHub;
  clock: Clock;
  staff: StaffAuthenticator;
}

export function accountsPlugin(d: AccountsPluginDeps): FastifyPluginAsync {
  return async (app) => {
    // The account API is read at high rates: its key checks are cached for a second.
    const keys = cachingKeyService(d.keys, d.clock);
    await app.register(accountRoutes({ keys, access: d.access, feed: d.feed, hub: d.hub, clock: d.clock }));
    await app.register(
      adminRoutes({
        accounts: d.accounts,
        keys: d.keys,
        widgets: d.widgets,
        accessLog: d.accessLog,
        feed: d.feed,
        access: d.access,
        staff: d.staff,
      }),
    );
    await app.register(adminPageRoutes());
  };
}
