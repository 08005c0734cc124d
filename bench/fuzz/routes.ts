/** Every route family the fuzz aims at, with a valid body, query and path parameters for each. */
import type { HostileMaterial } from './hostile.ts';
import type { Provisioned } from './provision.ts';
import type { Random } from './random.ts';

export type Auth = 'none' | 'apiKey' | 'staff' | 'service' | 'site' | 'widget' | 'trader';
interface Route {
  family: string;
  method: string;
  path: string;
  auth: Auth;
  body?: () => Record<string, unknown>;
  query?: () => Record<string, string>;
  /** A well-formed multipart upload of a (hostile) terminal report. */
  multipartReport?: boolean;
  /** Share of bodies mutated (default 0.7); the rest are sent as the route expects them. */
  mutateRate?: number;
}

export interface FuzzRoutes {
  routes: Route[];
  /** A valid value for each `:name` in a route's path. */
  validParams: Record<string, () => string>;
}

export function fuzzRoutes(
  random: Random,
  ids: Provisioned,
  staffEmail: string,
  hostile: Pick<HostileMaterial, 'reportUpload'>,
): FuzzRoutes {
  const { int, pick } = random;
  const {
    foreignKey,
    account,
    victimKey,
    victimAccount,
    victimWidget,
    job,
    trader,
    traderAccountId,
    clientId,
    siteClient,
    ssoToken,
  } = ids;
  const { reportUpload } = hostile;
  const checkBody = () => ({
    user_id: `u${int(1, 99)}`,
    challenge_id: `c${int(1, 99)}`,
    mt5_login: pick(['1001', '1002', '1005', 1003]),
    mt5_password: 'demo',
    mt5_server: 'Brymix-Demo',
    initial_balance: 100000,
    rules: { max_drawdown_percent: 10, profit_target_percent: 10 },
  });
  const siteBody = () =>
    pick([
      {
        event: 'client.registered',
        data: { clientId: `FZ${int(1, 50)}`, email: `fz${int(1, 50)}@example.com`, firstName: 'F', lastName: 'Z' },
        timestamp: new Date().toISOString(),
      },
      {
        event: 'deposit.completed',
        data: { transactionId: `tx${int(1, 1e6)}`, email: 'fz1@example.com', amount: '100.50', currency: 'USD' },
        timestamp: new Date().toISOString(),
      },
      {
        event: 'kyc.updated',
        data: { email: 'fz1@example.com', kycStatus: 'approved' },
        timestamp: new Date().toISOString(),
      },
      {
        event: 'account.updated',
        data: {
          email: 'fz1@example.com',
          accountId: `acc-${int(1, 9)}`,
          login: '7001',
          server: 'Brymix-Demo',
          status: 'active',
          balance: 1000,
        },
        timestamp: new Date().toISOString(),
      },
    ]);
  const ROUTES: Route[] = [
    { family: 'checks', method: 'POST', path: '/api/v1/check', auth: 'apiKey', body: checkBody },
    {
      family: 'checks',
      method: 'POST',
      path: '/api/v1/check',
      auth: 'apiKey',
      mutateRate: 0.2,
      body: () => {
        const r = reportUpload();
        return {
          user_id: 'u-report',
          challenge_id: `c${int(1, 99)}`,
          report_base64: r.bytes.toString('base64'),
          report_filename: r.name,
          initial_balance: 10000,
          server_utc_offset_minutes: pick([0, 120, 180]),
          rules: { preset: 'ftmo-2step' },
        };
      },
    },
    { family: 'checks', method: 'POST', path: '/api/v1/check', auth: 'apiKey', multipartReport: true },
    { family: 'jobs', method: 'GET', path: '/api/v1/job/:job', auth: 'apiKey' },
    { family: 'jobs', method: 'GET', path: '/api/v1/job/:job/deliveries', auth: 'apiKey' },
    { family: 'jobs', method: 'POST', path: '/api/v1/job/:job/redeliver', auth: 'apiKey' },
    ...['info', 'positions', 'summary', 'stream'].map(
      (r): Route => ({ family: 'accounts API', method: 'GET', path: `/api/account/:account/${r}`, auth: 'apiKey' }),
    ),
    { family: 'widgets', method: 'GET', path: '/api/widgets/data', auth: 'widget' },
    { family: 'widgets', method: 'GET', path: '/api/widgets/stream', auth: 'widget' },
    ...['card', 'chart', 'positions', 'stats', 'customize'].map(
      (k): Route => ({ family: 'widgets', method: 'GET', path: `/widgets/${k}`, auth: 'widget' }),
    ),
    { family: 'admin', method: 'GET', path: '/api/admin/accounts', auth: 'staff' },
    {
      family: 'admin',
      method: 'POST',
      path: '/api/admin/accounts',
      auth: 'staff',
      body: () => ({
        login: String(int(1000, 1010)),
        server: 'Brymix-Demo',
        password: 'demo',
        name: 'Fuzz',
        rules: { max_daily_loss_percent: 5 },
      }),
    },
    { family: 'admin', method: 'DELETE', path: '/api/admin/accounts/:victimAccount', auth: 'staff' },
    {
      family: 'admin',
      method: 'POST',
      path: '/api/admin/accounts/:victimAccount/links',
      auth: 'staff',
      body: () => ({ key_id: pick([victimKey.id, foreignKey.id]) }),
    },
    { family: 'admin', method: 'DELETE', path: '/api/admin/accounts/:victimAccount/links/:victimKey', auth: 'staff' },
    {
      family: 'admin',
      method: 'PUT',
      path: '/api/admin/accounts/:victimAccount/rules',
      auth: 'staff',
      body: () => ({ rules: { max_daily_loss_percent: 5 }, initial_balance: 100000 }),
    },
    { family: 'admin', method: 'GET', path: '/api/admin/keys', auth: 'staff' },
    {
      family: 'admin',
      method: 'POST',
      path: '/api/admin/keys',
      auth: 'staff',
      body: () => ({ name: 'Fuzz', allowed_cidrs: ['10.0.0.0/8'] }),
    },
    {
      family: 'admin',
      method: 'POST',
      path: '/api/admin/keys/:victimKey/rotate',
      auth: 'staff',
      body: () => ({ overlap: pick(['24h', '0', '30m', '-1h', '999999999d']) }),
    },
    {
      family: 'admin',
      method: 'PUT',
      path: '/api/admin/keys/:victimKey/allowlist',
      auth: 'staff',
      body: () => ({ allowed_cidrs: [pick(['127.0.0.1', '10.0.0.0/8', '::1', 'not-a-cidr', '300.1.1.1/99'])] }),
    },
    {
      family: 'admin',
      method: 'PUT',
      path: '/api/admin/keys/:victimKey/limits',
      auth: 'staff',
      body: () => ({ per_minute: int(1, 1_000_000), account_interval_seconds: 0.001, account_burst: 10_000 }),
    },
    {
      family: 'admin',
      method: 'GET',
      path: '/api/admin/widgets',
      auth: 'staff',
      query: () => ({ account_id: account.id }),
    },
    {
      family: 'admin',
      method: 'POST',
      path: '/api/admin/widgets',
      auth: 'staff',
      body: () => ({
        account_id: account.id,
        kind: pick(['card', 'chart', 'positions', 'stats', 'nope']),
        options: { theme: 'dark' },
      }),
    },
    { family: 'admin', method: 'POST', path: '/api/admin/widgets/:victimWidget/revoke', auth: 'staff' },
    {
      family: 'admin',
      method: 'GET',
      path: '/api/admin/access-log',
      auth: 'staff',
      query: () => ({ status_class: String(int(1, 5)), limit: String(int(1, 1000)), from: '2026-01-01T00:00:00Z' }),
    },
    { family: 'admin', method: 'GET', path: '/admin', auth: 'none' },
    {
      family: 'staff auth',
      method: 'POST',
      path: '/api/auth/login',
      auth: 'none',
      body: () => ({ email: pick([staffEmail, 'nobody@example.com']), password: pick(['wrong-password', 'x']) }),
    },
    { family: 'staff auth', method: 'GET', path: '/api/auth/me', auth: 'staff' },
    {
      family: 'audit',
      method: 'GET',
      path: '/api/audit',
      auth: 'staff',
      query: () => ({ page: String(int(1, 5)), pageSize: String(int(1, 500)), outcome: 'success' }),
    },
    { family: 'audit', method: 'GET', path: '/api/audit/verify', auth: 'staff' },
    {
      family: 'console/CRM API',
      method: 'GET',
      path: '/api/clients',
      auth: 'staff',
      query: () => ({
        q: pick(['fz', 'Fuzz', '%', '_', "'"]),
        sort: pick(['created_desc', 'name_asc']),
        page: '1',
        pageSize: '25',
      }),
    },
    { family: 'console/CRM API', method: 'GET', path: '/api/clients/:client', auth: 'staff' },
    {
      family: 'console/CRM API',
      method: 'PATCH',
      path: '/api/clients/:client/kyc',
      auth: 'staff',
      body: () => ({ kycStatus: pick(['approved', 'rejected', 'in_review']), kycNotes: 'fuzz' }),
    },
    { family: 'console/CRM API', method: 'GET', path: '/api/clients/:client/notes', auth: 'staff' },
    {
      family: 'console/CRM API',
      method: 'POST',
      path: '/api/clients/:client/notes',
      auth: 'staff',
      body: () => ({ comment: 'fuzz note' }),
    },
    ...['activity', 'accounts', 'transactions'].map(
      (r): Route => ({
        family: 'console/CRM API',
        method: 'GET',
        path: `/api/clients/:client/${r}`,
        auth: 'staff',
        query: () => ({ limit: String(int(1, 200)) }),
      }),
    ),
    {
      family: 'console/CRM API',
      method: 'POST',
      path: '/api/clients/:client/impersonate',
      auth: 'staff',
      body: () => ({ reason: 'fuzzing the console' }),
    },
    ...['/console', '/console/login', '/console/clients', '/console/clients/:client', '/console/audit'].map(
      (p): Route => ({ family: 'console/CRM API', method: 'GET', path: p, auth: 'none' }),
    ),
    { family: 'service API', method: 'GET', path: '/api/service/clients/:email', auth: 'service' },
    { family: 'service API', method: 'GET', path: '/api/service/accounts/:email', auth: 'service' },
    {
      family: 'service API',
      method: 'PATCH',
      path: '/api/service/clients/:email/kyc',
      auth: 'service',
      body: () => ({ kycStatus: 'pending' }),
    },
    {
      family: 'service API',
      method: 'POST',
      path: '/api/service/clients/:email/notes',
      auth: 'service',
      body: () => ({ comment: 'from the platform' }),
    },
    {
      family: 'service API',
      method: 'GET',
      path: '/api/service/clients/:email/activity',
      auth: 'service',
      query: () => ({ limit: '10' }),
    },
    { family: 'site webhooks', method: 'POST', path: '/api/webhooks/site', auth: 'site', body: siteBody },
    {
      family: 'SSO',
      method: 'GET',
      path: '/sso/impersonate',
      auth: 'none',
      query: () => ({ token: pick([ssoToken, 'eyJhbGciOiJub25lIn0.e30.', 'x'.repeat(4000)]) }),
    },
    {
      family: 'platform',
      method: 'POST',
      path: '/api/platform/signup',
      auth: 'none',
      body: () => ({
        email: `fz${int(1, 1e6)}@example.com`,
        password: 'a-long-enough-password',
        firstName: 'F',
        lastName: 'Z',
      }),
    },
    {
      family: 'platform',
      method: 'POST',
      path: '/api/platform/signin',
      auth: 'none',
      body: () => ({ email: trader.email, password: pick(['wrong-password', 'x']) }),
    },
    { family: 'platform', method: 'GET', path: '/api/platform/me', auth: 'trader' },
    { family: 'platform', method: 'GET', path: '/api/platform/accounts', auth: 'trader' },
    { family: 'platform', method: 'GET', path: '/api/platform/accounts/:traderAccount/equity', auth: 'trader' },
    {
      family: 'platform',
      method: 'POST',
      path: '/api/platform/deposits',
      auth: 'trader',
      body: () => ({ accountId: traderAccountId, amount: pick(['100.00', 50, '0.001', -5]), method: 'card' }),
    },
    {
      family: 'platform',
      method: 'POST',
      path: '/api/platform/withdrawals',
      auth: 'trader',
      body: () => ({ accountId: traderAccountId, amount: pick(['1.00', 1e9]) }),
    },
    {
      family: 'platform',
      method: 'POST',
      path: '/api/platform/password',
      auth: 'trader',
      body: () => ({ currentPassword: 'wrong-password-x', newPassword: 'another-long-password' }),
    },
    { family: 'platform', method: 'POST', path: '/api/platform/kyc', auth: 'trader', body: () => ({}) },
    ...['/signup', '/signin', '/dashboard'].map(
      (p): Route => ({ family: 'platform', method: 'GET', path: p, auth: 'none' }),
    ),
    ...[
      '/healthz',
      '/readyz',
      '/metrics',
      '/openapi.json',
      '/docs/',
      '/docs/json',
      '/static/shared/base.css',
      '/static/vendor/lightweight-charts.js',
      '/nope',
    ].map((p): Route => ({ family: 'system', method: 'GET', path: p, auth: 'none' })),
  ];

  const VALID_PARAMS: Record<string, () => string> = {
    job: () => pick([job.job_id, 'job_doesnotexist000000']),
    account: () => pick([account.id, '1001']),
    victimAccount: () => victimAccount.id,
    victimKey: () => victimKey.id,
    victimWidget: () => victimWidget.id,
    client: () => pick([clientId, siteClient]),
    email: () => encodeURIComponent(pick([trader.email, 'fz1@example.com'])),
    traderAccount: () => traderAccountId,
  };
  return { routes: ROUTES, validParams: VALID_PARAMS };
}
