/**
 * POST /api/clients/:id/impersonate refuses, at the CRM, a client the trading platform does not
 * know: the link it would issue could only answer a bare 401 at /sso/impersonate.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, freePort, startStack, type TestStack } from '../../../test/harness.ts';
import { hmacSha256Hex } from '../../infra/crypto/index.ts';

async function adminOf(stack: TestStack): Promise<string> {
  await stack.deps.staff.create({ email: 'boss@firm.test', role: 'admin', password: 'boss-password-1' });
  return (
    await stack.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: 'boss@firm.test', password: 'boss-password-1' },
    })
  ).json().token as string;
}

/** A signed site event, as the trading platform posts it (seed 002). */
async function siteEvent(stack: TestStack, event: string, data: Record<string, unknown>): Promise<void> {
  const body = JSON.stringify({ event, data, timestamp: '2026-01-16T10:00:00Z' });
  const res = await stack.app.inject({
    method: 'POST',
    url: '/api/webhooks/site',
    payload: body,
    headers: {
      'content-type': 'application/json',
      'x-webhook-signature': hmacSha256Hex(stack.config.SITE_WEBHOOK_SECRET, body),
    },
  });
  expect(res.statusCode).toBe(200);
}

async function clientIdOf(stack: TestStack, admin: string, email: string): Promise<string> {
  const list = await eventually(
    async () =>
      (
        await stack.app.inject({
          url: `/api/clients?q=${encodeURIComponent(email)}`,
          headers: { authorization: `Bearer ${admin}` },
        })
      ).json(),
    (l: { total: number; items: unknown[] }) => l.total === 1 && l.items.length === 1,
  );
  return list.items[0].id as string;
}

const impersonate = (stack: TestStack, admin: string, id: string) =>
  stack.app.inject({
    method: 'POST',
    url: `/api/clients/${id}/impersonate`,
    headers: { authorization: `Bearer ${admin}` },
    payload: { reason: 'support ticket 42' },
  });

describe('impersonation with the trading platform in this process', () => {
  let stack: TestStack;
  let admin: string;
  beforeAll(async () => {
    // The platform's outbox posts its events to this process over HTTP (CRM_BASE_URL defaults to PUBLIC_URL).
    const port = await freePort();
    stack = await startStack({ env: { PUBLIC_URL: `http://127.0.0.1:${port}` } });
    await stack.app.listen({ host: '127.0.0.1', port });
    admin = await adminOf(stack);
  });
  afterAll(() => stack.close());

  it('refuses a client who never signed up on the platform with a 409 problem whose detail says why, and issues no link', async () => {
    // Known to the CRM from the platform's events, but without a trader account here.
    await siteEvent(stack, 'client.registered', {
      clientId: 'EXT-7',
      email: 'ghost@example.com',
      firstName: 'Gus',
      lastName: 'Host',
    });
    const id = await clientIdOf(stack, admin, 'ghost@example.com');
    const res = await impersonate(stack, admin, id);
    expect(res.statusCode).toBe(409);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    const problem = res.json();
    expect(problem).toMatchObject({ status: 409, title: 'Conflict', code: 'conflict' });
    expect(problem.detail).toBe(
      'ghost@example.com has no account on the trading platform, so there is no dashboard to open: ' +
        "impersonation signs in to a trader's existing account. Ask the client to sign up on the trading platform first.",
    );
    expect(res.body).not.toContain('ssoToken');
    const activity = (
      await stack.app.inject({ url: `/api/clients/${id}/activity`, headers: { authorization: `Bearer ${admin}` } })
    ).json();
    expect(activity.items.map((i: { type: string }) => i.type)).not.toContain('impersonation.started');
    const audit = await stack.deps.audit.list({ action: 'client.impersonate' }, 1, 10);
    expect(audit.items.map((i) => [i.action, i.outcome, i.targetId])).toEqual([['client.impersonate', 'denied', id]]);
  });

  it('issues a link for a trader who signed up, and the link opens the dashboard', async () => {
    const signup = await stack.app.inject({
      method: 'POST',
      url: '/api/platform/signup',
      payload: { email: 'real@example.com', password: 'trader-password-1', firstName: 'Rea', lastName: 'Trader' },
    });
    expect(signup.statusCode).toBe(201);
    const id = await clientIdOf(stack, admin, 'real@example.com');
    const res = await impersonate(stack, admin, id);
    expect(res.statusCode).toBe(200);
    const url = new URL(res.json().ssoUrl as string);
    const open = await stack.app.inject({ url: `${url.pathname}${url.search}` });
    expect(open.statusCode).toBe(302);
    expect(open.headers.location).toBe('/dashboard');
  });
});

describe('impersonation with the trading platform elsewhere (TRADING_PLATFORM_URL)', () => {
  let stack: TestStack;
  let admin: string;
  beforeAll(async () => {
    stack = await startStack({ env: { TRADING_PLATFORM_URL: 'https://trading.firm.test' } });
    admin = await adminOf(stack);
  });
  afterAll(() => stack.close());

  it('refuses a client the platform never registered (known only from a deposit) with 409', async () => {
    await siteEvent(stack, 'deposit.completed', {
      transactionId: 'TX-1',
      email: 'walkin@example.com',
      amount: 250,
      currency: 'USD',
    });
    const res = await impersonate(stack, admin, await clientIdOf(stack, admin, 'walkin@example.com'));
    expect(res.statusCode).toBe(409);
    expect(res.json().detail).toMatch(/^walkin@example\.com has no account on the trading platform/);
  });

  it('issues a link into that platform for a client it registered', async () => {
    await siteEvent(stack, 'client.registered', { clientId: 'EXT-8', email: 'known@example.com', firstName: 'Kay' });
    const res = await impersonate(stack, admin, await clientIdOf(stack, admin, 'known@example.com'));
    expect(res.statusCode).toBe(200);
    expect(res.json().ssoUrl).toMatch(/^https:\/\/trading\.firm\.test\/sso\/impersonate\?token=/);
  });
});
