/**
 * The whole loop in one process, over real HTTP where the seed says HTTP: a trader signs up on the
 * platform → its outbox posts signed events to the CRM → staff change KYC and add a note → the
 * timeline shows both → an admin impersonates → /dashboard shows the banner → the link fails twice.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { algNone, signHs256 } from '../../../test/factories/jwt.ts';
import { eventually, freePort, startStack, type TestStack } from '../../../test/harness.ts';

let stack: TestStack;
let base: string;

beforeAll(async () => {
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  stack = await startStack({ env: { CRM_BASE_URL: base, TRADING_PLATFORM_URL: base } });
  await stack.app.listen({ host: '127.0.0.1', port });
  await stack.deps.staff.create({ email: 'boss@firm.test', role: 'admin', password: 'boss-password-1' });
  await stack.deps.staff.create({ email: 'desk@firm.test', role: 'agent', password: 'desk-password-1' });
});
afterAll(() => stack.close());

const staffToken = async (email: string, password: string) =>
  (await stack.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password } })).json()
    .token as string;
const asStaff = (token: string, method: 'GET' | 'POST' | 'PATCH', url: string, payload?: object) =>
  stack.app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(payload ? { payload } : {}) });
const cookieOf = (res: { headers: Record<string, unknown> }) => String(res.headers['set-cookie']).split(';')[0]!;

describe('the loop', () => {
  let clientId = '';
  let admin = '';
  let ssoUrl = '';

  it('a trader signs up on the platform and the CRM has the client, its account and the timeline', async () => {
    const res = await stack.app.inject({
      method: 'POST',
      url: '/api/platform/signup',
      payload: {
        email: 'Trader@Example.com',
        password: 'trader-password-1',
        firstName: 'Tia',
        lastName: 'Trader',
        phone: '+1 555 0100',
      },
    });
    expect(res.statusCode).toBe(201);
    admin = await staffToken('boss@firm.test', 'boss-password-1');
    const list = await eventually(
      async () => (await asStaff(admin, 'GET', '/api/clients?q=trader@example')).json(),
      (l: { total: number }) => l.total === 1,
    );
    clientId = list.items[0].id;
    expect(list.items[0]).toMatchObject({
      email: 'trader@example.com',
      firstName: 'Tia',
      lastName: 'Trader',
      kycStatus: 'not_started',
    });
    const accounts = await eventually(
      async () => (await asStaff(admin, 'GET', `/api/clients/${clientId}/accounts`)).json(),
      (a: { accounts: unknown[] }) => a.accounts.length === 1,
    );
    // Opened at 100,000.00; once checked (it may already be) it carries the balance the check read.
    expect(accounts.accounts[0]).toMatchObject({
      type: 'challenge',
      server: 'Brymix-Demo',
      balance: expect.stringMatching(/^(100000\.00|110452\.40)$/),
    });
  });

  it('the challenge result (checker) reaches the CRM as account.updated', async () => {
    const act = await eventually(
      async () => (await asStaff(admin, 'GET', `/api/clients/${clientId}/activity`)).json(),
      (a: { items: Array<{ data: { change?: string } | null }> }) =>
        a.items.some((i) => i.data?.change === 'challenge_passed' || i.data?.change === 'challenge_failed'),
    );
    expect(act.items.some((i: { summary: string }) => /challenge/.test(i.summary))).toBe(true);
  });

  it('staff change KYC and add a note; the timeline shows both', async () => {
    const agent = await staffToken('desk@firm.test', 'desk-password-1');
    expect(
      (
        await asStaff(agent, 'PATCH', `/api/clients/${clientId}/kyc`, {
          kycStatus: 'approved',
          kycNotes: 'ID and address verified',
        })
      ).statusCode,
    ).toBe(200);
    expect(
      (await asStaff(agent, 'POST', `/api/clients/${clientId}/notes`, { comment: 'Called the client to welcome them' }))
        .statusCode,
    ).toBe(201);
    const act = (await asStaff(agent, 'GET', `/api/clients/${clientId}/activity`)).json();
    expect(act.items.slice(0, 2).map((i: { type: string; actor: { id: string } }) => [i.type, i.actor.id])).toEqual([
      ['note.added', 'desk@firm.test'],
      ['kyc.updated', 'desk@firm.test'],
    ]);
    const profile = (await asStaff(agent, 'GET', `/api/clients/${clientId}`)).json();
    expect(profile.kycHistory[0]).toMatchObject({
      from: 'not_started',
      to: 'approved',
      notes: 'ID and address verified',
    });
  });

  it('only an admin may impersonate, and only with a reason', async () => {
    const agent = await staffToken('desk@firm.test', 'desk-password-1');
    expect(
      (await asStaff(agent, 'POST', `/api/clients/${clientId}/impersonate`, { reason: 'support ticket 42' }))
        .statusCode,
    ).toBe(403);
    expect((await asStaff(admin, 'POST', `/api/clients/${clientId}/impersonate`, {})).statusCode).toBe(400);
    const res = await asStaff(admin, 'POST', `/api/clients/${clientId}/impersonate`, { reason: 'support ticket 42' });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.expiresIn).toBe(900);
    expect(body.ssoUrl).toBe(`${base}/sso/impersonate?token=${body.ssoToken}`);
    const [header, payload] = body.ssoToken
      .split('.')
      .slice(0, 2)
      .map((p: string) => JSON.parse(Buffer.from(p, 'base64url').toString()));
    expect(header).toMatchObject({ alg: 'HS256', typ: 'sso-impersonation+jwt' });
    expect(payload).toMatchObject({
      clientEmail: 'trader@example.com',
      impersonatedBy: 'boss@firm.test',
      aud: 'trading-platform',
    });
    expect(payload.exp - payload.iat).toBe(900);
    ssoUrl = body.ssoUrl;
  });

  it('the SSO link opens /dashboard with the banner; money and password changes are refused; a second use fails', async () => {
    const path = ssoUrl.slice(base.length);
    const first = await stack.app.inject({ url: path });
    expect(first.statusCode).toBe(302);
    expect(first.headers.location).toBe('/dashboard');
    const cookie = cookieOf(first);
    expect((await stack.app.inject({ url: '/dashboard', headers: { cookie } })).statusCode).toBe(200);
    const me = (await stack.app.inject({ url: '/api/platform/me', headers: { cookie } })).json();
    expect(me.impersonation).toEqual({ by: 'boss@firm.test' });
    const accounts = (await stack.app.inject({ url: '/api/platform/accounts', headers: { cookie } })).json();
    const accountId = accounts.accounts[0].id;
    expect(accounts.accounts[0].objectives.map((o: { rule: string }) => o.rule)).toEqual(
      expect.arrayContaining(['profit_target', 'max_daily_loss', 'max_loss']),
    );
    const dep = await stack.app.inject({
      method: 'POST',
      url: '/api/platform/deposits',
      headers: { cookie, 'x-requested-with': 'fetch' },
      payload: { accountId, amount: '100.00' },
    });
    expect(dep.statusCode).toBe(403);
    const pw = await stack.app.inject({
      method: 'POST',
      url: '/api/platform/password',
      headers: { cookie, 'x-requested-with': 'fetch' },
      payload: { currentPassword: 'x', newPassword: 'y'.repeat(12) },
    });
    expect(pw.statusCode).toBe(403);
    const again = await stack.app.inject({ url: path });
    expect(again.statusCode).toBe(401);
    expect(again.body).toBe('Invalid or expired SSO token');
    const audit = await stack.deps.audit.list({ action: 'sso.' }, 1, 10);
    expect(audit.items.map((i) => `${i.action}:${i.outcome}`)).toEqual(['sso.rejected:denied', 'sso.consumed:success']);
  });

  it("the trader's own deposit reaches the CRM's transactions", async () => {
    const signin = await stack.app.inject({
      method: 'POST',
      url: '/api/platform/signin',
      payload: { email: 'trader@example.com', password: 'trader-password-1' },
    });
    const cookie = cookieOf(signin);
    const accountId = (await stack.app.inject({ url: '/api/platform/accounts', headers: { cookie } })).json()
      .accounts[0].id;
    const dep = await stack.app.inject({
      method: 'POST',
      url: '/api/platform/deposits',
      headers: { cookie, 'x-requested-with': 'fetch' },
      payload: { accountId, amount: '250.00' },
    });
    expect(dep.statusCode).toBe(201);
    const tx = await eventually(
      async () => (await asStaff(admin, 'GET', `/api/clients/${clientId}/transactions`)).json(),
      (t: { items: unknown[] }) => t.items.length === 1,
    );
    expect(tx.items[0]).toMatchObject({ type: 'deposit', amount: '250.00', currency: 'USD', accountId });
  });
});

describe('SSO tokens the platform refuses (401 Invalid or expired SSO token)', () => {
  const claims = () => ({
    clientEmail: 'trader@example.com',
    impersonatedBy: 'boss@firm.test',
    jti: `j${Math.random().toString(36).slice(2)}`,
    aud: 'trading-platform',
    iss: 'brymix-crm',
  });
  const open = (token: string) => stack.app.inject({ url: `/sso/impersonate?token=${encodeURIComponent(token)}` });
  const typ = { typ: 'sso-impersonation+jwt' };

  it('a well-formed token signed with our secret is accepted (control)', async () => {
    expect((await open(await signHs256(stack.config.SSO_SECRET, claims(), typ))).statusCode).toBe(302);
  });
  it('forged with another secret', async () => {
    expect((await open(await signHs256('f'.repeat(64), claims(), typ))).statusCode).toBe(401);
  });
  it('forged with the staff JWT secret', async () => {
    expect((await open(await signHs256(stack.config.JWT_SECRET, claims(), typ))).statusCode).toBe(401);
  });
  it('expired', async () => {
    const now = Math.floor(Date.now() / 1000);
    expect(
      (await open(await signHs256(stack.config.SSO_SECRET, claims(), typ, { iat: now - 1000, exp: now - 60 })))
        .statusCode,
    ).toBe(401);
  });
  it('without exp', async () => {
    expect((await open(await signHs256(stack.config.SSO_SECRET, claims(), typ, { exp: null }))).statusCode).toBe(401);
  });
  it('for the wrong audience', async () => {
    expect((await open(await signHs256(stack.config.SSO_SECRET, { ...claims(), aud: 'staff' }, typ))).statusCode).toBe(
      401,
    );
  });
  it('a staff token (another typ and audience)', async () => {
    expect((await open(await staffToken('boss@firm.test', 'boss-password-1'))).statusCode).toBe(401);
  });
  it('alg none', async () => {
    const res = await open(algNone(claims(), typ));
    expect(res.statusCode).toBe(401);
    expect(res.body).toBe('Invalid or expired SSO token');
  });
  it('reused', async () => {
    const t = await signHs256(stack.config.SSO_SECRET, claims(), typ);
    expect((await open(t)).statusCode).toBe(302);
    expect((await open(t)).statusCode).toBe(401);
  });
  it('missing', async () => {
    expect((await stack.app.inject({ url: '/sso/impersonate' })).statusCode).toBe(401);
  });
});
