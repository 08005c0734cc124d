/**
 * The credentials and ids the fuzz's requests use, made through the API before the run (staff,
 * keys, an account, a widget, a job, CRM clients, a trader session), so that most requests reach
 * the handlers, not just the auth hooks.
 */
import { createHmac } from 'node:crypto';
import type { Answer, FuzzClient } from './http.ts';

export interface Secrets {
  SERVICE_API_TOKEN: string;
  SITE_WEBHOOK_SECRET: string;
}

/** The signature the site puts on a webhook body (x-webhook-signature). */
export function siteSignature(secrets: Secrets, body: string): string {
  return createHmac('sha256', secrets.SITE_WEBHOOK_SECRET).update(body).digest('hex');
}

export interface Provisioned {
  staffToken: string;
  key: { id: string; key: string };
  foreignKey: { id: string; key: string };
  account: { id: string };
  widget: { id: string; token: string };
  /** What the destructive admin routes act on. */
  victimKey: { id: string };
  victimAccount: { id: string };
  victimWidget: { id: string };
  job: { job_id: string };
  trader: { email: string };
  traderCookie: string;
  traderAccountId: string;
  /** The trader's CRM client, and the one the site webhook registered. */
  clientId: string;
  siteClient: string;
  ssoToken: string;
}

export async function provision(
  client: FuzzClient,
  secrets: Secrets,
  staff: { email: string; password: string },
): Promise<Provisioned> {
  const { call, json } = client;
  async function must<T>(what: string, p: Promise<Answer>, status: number[] = [200, 201]): Promise<T> {
    const a = await p;
    if (!status.includes(a.status)) throw new Error(`setup: ${what} answered ${a.status}: ${a.text.slice(0, 300)}`);
    return (a.text ? JSON.parse(a.text) : {}) as T;
  }
  const staffToken = (await must<{ token: string }>('staff login', json('POST', '/api/auth/login', staff))).token;
  const staffAuth = { authorization: `Bearer ${staffToken}` };
  const key = await must<{ id: string; key: string }>(
    'api key',
    json('POST', '/api/admin/keys', { name: 'Fuzz Firm' }, staffAuth),
  );
  const foreignKey = await must<{ id: string; key: string }>(
    'second api key',
    json('POST', '/api/admin/keys', { name: 'Other Firm' }, staffAuth),
  );
  const account = await must<{ id: string }>(
    'account',
    json(
      'POST',
      '/api/admin/accounts',
      { login: '1001', server: 'Brymix-Demo', password: 'demo', key_id: key.id },
      staffAuth,
    ),
  );
  const widget = await must<{ id: string; token: string }>(
    'widget',
    json('POST', '/api/admin/widgets', { account_id: account.id, kind: 'card' }, staffAuth),
  );
  // What the destructive admin routes (delete, revoke, rotate, allowlist, limits) act on, so the
  // credentials above keep working and the other families keep reaching their handlers.
  const victimKey = await must<{ id: string }>(
    'victim key',
    json('POST', '/api/admin/keys', { name: 'Victim Firm' }, staffAuth),
  );
  const victimAccount = await must<{ id: string }>(
    'victim account',
    json(
      'POST',
      '/api/admin/accounts',
      { login: '1002', server: 'Brymix-Demo', password: 'demo', key_id: victimKey.id },
      staffAuth,
    ),
  );
  const victimWidget = await must<{ id: string }>(
    'victim widget',
    json('POST', '/api/admin/widgets', { account_id: victimAccount.id, kind: 'chart' }, staffAuth),
  );
  const job = await must<{ job_id: string }>(
    'check',
    json(
      'POST',
      '/api/v1/check',
      {
        user_id: 'u1',
        challenge_id: 'c1',
        mt5_login: '1001',
        mt5_password: 'demo',
        mt5_server: 'Brymix-Demo',
        initial_balance: 100000,
      },
      { 'x-api-key': key.key },
    ),
  );

  const signSite = (body: string) => siteSignature(secrets, body);
  const siteEvent = JSON.stringify({
    event: 'client.registered',
    data: { clientId: 'FZ1', email: 'fz1@example.com', firstName: 'Fuzz', lastName: 'One' },
    timestamp: new Date().toISOString(),
  });
  await must(
    'site webhook',
    call('POST', '/api/webhooks/site', {
      headers: { 'content-type': 'application/json', 'x-webhook-signature': signSite(siteEvent) },
      body: siteEvent,
    }),
  );

  const trader = {
    email: 'fz-trader@example.com',
    password: 'fuzz-trader-password-1',
    firstName: 'Fuzz',
    lastName: 'Trader',
  };
  const signup = await json('POST', '/api/platform/signup', trader);
  if (signup.status !== 201 && signup.status !== 200)
    throw new Error(`setup: signup answered ${signup.status}: ${signup.text}`);
  const traderCookie = String([signup.headers['set-cookie']].flat()[0] ?? '').split(';')[0]!;
  const traderAccounts = await must<{ accounts: Array<{ id: string }> }>(
    'trader accounts',
    call('GET', '/api/platform/accounts', { headers: { cookie: traderCookie } }),
  );
  const traderAccountId = traderAccounts.accounts[0]?.id ?? 'acc_none';

  let clientId = 'cli_none';
  for (let i = 0; i < 100 && clientId === 'cli_none'; i++) {
    const list = await must<{ items: Array<{ id: string; email: string }> }>(
      'clients',
      call('GET', '/api/clients?q=fz-trader', { headers: staffAuth }),
    );
    clientId = list.items.find((c) => c.email === trader.email)?.id ?? 'cli_none';
    if (clientId === 'cli_none') await new Promise((r) => setTimeout(r, 100));
  }
  const siteClient =
    (await must<{ items: Array<{ id: string }> }>('clients', call('GET', '/api/clients?q=fz1', { headers: staffAuth })))
      .items[0]?.id ?? 'cli_none';
  const sso = await json('POST', `/api/clients/${clientId}/impersonate`, { reason: 'fuzz setup' }, staffAuth);
  const ssoToken = sso.status === 200 ? (JSON.parse(sso.text) as { ssoToken: string }).ssoToken : 'none';

  return {
    staffToken,
    key,
    foreignKey,
    account,
    widget,
    victimKey,
    victimAccount,
    victimWidget,
    job,
    trader,
    traderCookie,
    traderAccountId,
    clientId,
    siteClient,
    ssoToken,
  };
}
