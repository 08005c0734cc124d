/**
 * The trader dashboard's figures for one account come from one reading of that account, so they
 * agree with each other and with the checker's result (simulator login 1001: flat, final balance
 * 110,452.40 — src/mt5/simulator/README.md).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, freePort, startStack, type TestStack } from '../../../test/harness.ts';

let stack: TestStack;
let cookie = '';

beforeAll(async () => {
  // The platform tells the CRM over real HTTP (its outbox), so the stack listens on its own URL.
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  stack = await startStack({ env: { CRM_BASE_URL: base, TRADING_PLATFORM_URL: base } });
  await stack.app.listen({ host: '127.0.0.1', port });
  const res = await stack.app.inject({
    method: 'POST',
    url: '/api/platform/signup',
    payload: { email: 'flat@example.com', password: 'trader-password-1', firstName: 'Flo', lastName: 'Flat' },
  });
  expect(res.statusCode).toBe(201);
  cookie = String(res.headers['set-cookie']).split(';')[0]!;
});
afterAll(() => stack.close());

interface DashboardAccount {
  id: string;
  login: string;
  balance: string;
  equity: number | null;
  maxPermittedLoss: number | null;
  equityFloor: number | null;
  check: { jobId: string; status: string };
}

const dashboard = async () =>
  (await stack.app.inject({ url: '/api/platform/accounts', headers: { cookie } })).json()
    .accounts as DashboardAccount[];

describe('the dashboard figures of a flat account', () => {
  it('show balance equal to equity, both equal to the check of the same account', async () => {
    const [a] = await eventually(dashboard, (l: DashboardAccount[]) => l[0]?.check.status === 'passed', 30_000);
    expect(a!.login).toBe('1001');
    const check = (
      await stack.app.inject({ url: `/api/platform/accounts/${a!.id}/equity`, headers: { cookie } })
    ).json();
    const job = await stack.deps.checks.get(
      { keyId: 'platform', tenantId: 'platform', kid: 'platform', ruleDefaults: null, allowedCidrs: null },
      a!.check.jobId,
    );
    const metrics = job.metrics as { current_balance: number; current_equity: number };
    // The check read the account flat: balance and equity are the same money.
    expect(metrics.current_balance).toBe(110_452.4);
    expect(metrics.current_equity).toBe(110_452.4);
    expect(Number(a!.balance)).toBe(110_452.4);
    expect(a!.equity).toBe(110_452.4);
    expect(a!.maxPermittedLoss).toBe(Math.round((110_452.4 - a!.equityFloor!) * 100) / 100);
    // The live reading of the chart agrees: balance = equity, and the line ends at that equity.
    expect(check.current.balance).toBe(110_452.4);
    expect(check.current.equity).toBe(110_452.4);
    expect(check.points.at(-1).value).toBe(110_452.4);
  });

  it('tell the CRM the balance the check read, not the opening balance', async () => {
    const [a] = await dashboard();
    await stack.deps.staff.create({ email: 'ops@firm.test', role: 'admin', password: 'ops-password-12' });
    const token = (
      await stack.app.inject({
        method: 'POST',
        url: '/api/auth/login',
        payload: { email: 'ops@firm.test', password: 'ops-password-12' },
      })
    ).json().token as string;
    const auth = { authorization: `Bearer ${token}` };
    const clients = await eventually(
      async () => (await stack.app.inject({ url: '/api/clients?q=flat@', headers: auth })).json(),
      (l: { total: number }) => l.total === 1,
    );
    const accounts = await eventually(
      async () =>
        (await stack.app.inject({ url: `/api/clients/${clients.items[0].id}/accounts`, headers: auth })).json(),
      (r: { accounts: Array<{ accountId: string; status: string }> }) =>
        r.accounts.some((x) => x.accountId === a!.id && x.status === 'passed'),
    );
    expect(accounts.accounts.find((x: { accountId: string }) => x.accountId === a!.id)).toMatchObject({
      status: 'passed',
      balance: '110452.40',
    });
  });
});
