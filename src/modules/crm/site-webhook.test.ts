import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parentEnv } from '../../../test/env.ts';
import { eventually, startStack, type TestStack } from '../../../test/harness.ts';
import { hmacSha256Hex } from '../../infra/crypto/index.ts';
import { standardSignature } from '../webhooks/signing.ts';

const run = promisify(execFile);
let stack: TestStack;

beforeAll(async () => {
  stack = await startStack({ listen: true });
});
afterAll(() => stack.close());

const sign = (body: string) => hmacSha256Hex(stack.config.SITE_WEBHOOK_SECRET, body);
const post = (body: string, headers: Record<string, string>) =>
  stack.app.inject({
    method: 'POST',
    url: '/api/webhooks/site',
    payload: body,
    headers: { 'content-type': 'application/json', ...headers },
  });
const service = (url: string, init: { method?: 'GET' | 'PATCH' | 'POST'; payload?: unknown; token?: string } = {}) =>
  stack.app.inject({
    method: init.method ?? 'GET',
    url,
    headers: { authorization: `Bearer ${init.token ?? stack.config.SERVICE_API_TOKEN}` },
    ...(init.payload ? { payload: init.payload as object } : {}),
  });

describe("the seed's Testing Integration commands, with our URL and secrets", () => {
  it('openssl signs, curl posts, and the client appears through the service API', async () => {
    const script = `
      PAYLOAD='{"event":"client.registered","data":{"clientId":"TEST001","email":"test@example.com","firstName":"Test","lastName":"User","phone":"+1234567890"},"timestamp":"2025-10-13T19:00:00Z"}'
      SIGNATURE=$(echo -n "$PAYLOAD" | openssl dgst -sha256 -hmac "$SECRET" | awk '{print $2}')
      curl -s -o /dev/null -w '%{http_code}' -X POST "$URL/api/webhooks/site" -H "Content-Type: application/json" -H "x-webhook-signature: $SIGNATURE" -d "$PAYLOAD"`;
    const { stdout } = await run('bash', ['-c', script], {
      env: { ...parentEnv(), URL: stack.url, SECRET: stack.config.SITE_WEBHOOK_SECRET },
    });
    expect(stdout).toBe('200');
    const client = await eventually(
      async () =>
        (
          await run('curl', [
            '-s',
            '-X',
            'GET',
            `${stack.url}/api/service/clients/test@example.com`,
            '-H',
            `Authorization: Bearer ${stack.config.SERVICE_API_TOKEN}`,
          ])
        ).stdout,
      (s) => s.includes('"email":"test@example.com"'),
    );
    expect(JSON.parse(client)).toMatchObject({
      clientId: 'TEST001',
      email: 'test@example.com',
      firstName: 'Test',
      lastName: 'User',
      phone: '+1234567890',
      kycStatus: 'not_started',
    });
  });
});

describe('POST /api/webhooks/site rejects', () => {
  const body = JSON.stringify({
    event: 'client.registered',
    data: { clientId: 'R1', email: 'r1@example.com', firstName: 'R', lastName: 'One' },
    timestamp: '2026-01-01T00:00:00Z',
  });

  it('an unsigned request with 401', async () => {
    const res = await post(body, {});
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ status: 401, detail: 'Invalid webhook signature' });
  });

  it('a tampered body with 401 (signature of the original bytes)', async () => {
    const res = await post(body.replace('r1@example.com', 'evil@example.com'), { 'x-webhook-signature': sign(body) });
    expect(res.statusCode).toBe(401);
  });

  it('a signature made with another secret, or malformed, with 401', async () => {
    expect(
      (await post(body, { 'x-webhook-signature': hmacSha256Hex('another-secret-another-secret-0000', body) }))
        .statusCode,
    ).toBe(401);
    expect((await post(body, { 'x-webhook-signature': 'zz' })).statusCode).toBe(401);
  });

  it('a re-serialised body: the signature covers the exact bytes', async () => {
    const pretty = JSON.stringify(JSON.parse(body), null, 2);
    expect((await post(pretty, { 'x-webhook-signature': sign(body) })).statusCode).toBe(401);
  });

  it('an unknown event with 400 problem+json', async () => {
    const b = JSON.stringify({
      event: 'client.deleted',
      data: { email: 'x@example.com' },
      timestamp: '2026-01-01T00:00:00Z',
    });
    const res = await post(b, { 'x-webhook-signature': sign(b) });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json().detail).toContain('Unknown event');
  });

  it.each([
    ['data.login', { login: '7001\r\n' }, 'must be printable text (no control characters such as CR, LF, NUL or tab)'],
    ['data.login', { login: 'seven' }, 'must be the numeric MT5 login (digits only, e.g. "50194988")'],
    [
      'data.server',
      { server: 'Brymix-Demo\u001b[0m' },
      'must be printable text (no control characters such as CR, LF, NUL or tab)',
    ],
  ])('an account.updated whose %s is not a printable MT5 value with 400 naming it', async (field, patch, message) => {
    const bad = JSON.stringify({
      event: 'account.updated',
      data: {
        email: 'ctl@example.com',
        accountId: 'acc-ctl',
        status: 'active',
        login: '7001',
        server: 'Brymix-Demo',
        ...patch,
      },
      timestamp: '2026-01-01T00:00:00Z',
    });
    const res = await post(bad, { 'x-webhook-signature': sign(bad) });
    expect(res.statusCode).toBe(400);
    expect(res.json().errors).toEqual([{ field, message }]);
  });

  it('an event carrying a NUL character with 400 naming the field (PostgreSQL text cannot hold it)', async () => {
    const bad = JSON.stringify({
      event: 'client.registered',
      data: { clientId: 'NUL9', email: 'nul9@example.com', firstName: 'Ni\u0000l', lastName: 'Nine' },
      timestamp: '2026-01-01T00:00:00Z',
    });
    const res = await post(bad, { 'x-webhook-signature': sign(bad) });
    expect(res.statusCode).toBe(400);
    expect(res.json().errors).toEqual([
      { field: 'data.firstName', message: 'must not contain NUL characters (\\u0000)' },
    ]);
    expect((await service('/api/service/clients/nul9@example.com')).statusCode).toBe(404);
  });

  it('a Standard Webhooks timestamp older than 5 minutes (replay) with 401', async () => {
    const old = Math.floor(Date.now() / 1000) - 600;
    const res = await post(body, {
      'x-webhook-signature': sign(body),
      'webhook-id': 'msg_old',
      'webhook-timestamp': String(old),
      'webhook-signature': standardSignature(stack.config.SITE_WEBHOOK_SECRET, 'msg_old', old, body),
    });
    expect(res.statusCode).toBe(401);
  });
});

describe('duplicates are applied once', () => {
  it('the same signed body replayed: 200 duplicate, one deposit', async () => {
    const reg = JSON.stringify({
      event: 'client.registered',
      data: { clientId: 'D1', email: 'dup@example.com', firstName: 'Dee', lastName: 'Up' },
      timestamp: '2025-10-13T19:00:00Z',
    });
    expect((await post(reg, { 'x-webhook-signature': sign(reg) })).statusCode).toBe(200);
    const dep = JSON.stringify({
      event: 'deposit.completed',
      data: {
        transactionId: 'T-1',
        clientId: 'D1',
        email: 'dup@example.com',
        amount: '250.50',
        currency: 'usd',
        method: 'card',
      },
      timestamp: '2025-10-13T19:05:00Z',
    });
    const first = await post(dep, { 'x-webhook-signature': sign(dep) });
    const second = await post(dep, { 'x-webhook-signature': sign(dep) });
    expect(first.json()).toMatchObject({ received: true, status: 'accepted' });
    expect(second.statusCode).toBe(200);
    expect(second.json()).toMatchObject({ received: true, status: 'duplicate' });
    const activity = await eventually(
      async () => (await service('/api/service/clients/dup@example.com/activity')).json(),
      (a: { items: Array<{ type: string }> }) => a.items.some((i) => i.type === 'deposit.completed'),
    );
    expect(activity.items.filter((i: { type: string }) => i.type === 'deposit.completed')).toHaveLength(1);
    expect(activity.items.find((i: { type: string }) => i.type === 'deposit.completed').summary).toBe(
      'Deposit of 250.50 USD by card',
    );
  });

  it('the same webhook-id with a fresh timestamp (a sender retry) is a duplicate', async () => {
    const b = JSON.stringify({
      event: 'kyc.updated',
      data: { email: 'dup@example.com', kycStatus: 'pending' },
      timestamp: '2026-01-01T00:00:00Z',
    });
    const h = (ts: number) => ({
      'x-webhook-signature': sign(b),
      'webhook-id': 'msg_retry_1',
      'webhook-timestamp': String(ts),
      'webhook-signature': standardSignature(stack.config.SITE_WEBHOOK_SECRET, 'msg_retry_1', ts, b),
    });
    const now = Math.floor(Date.now() / 1000);
    expect((await post(b, h(now))).json().status).toBe('accepted');
    expect((await post(b, h(now + 5))).json().status).toBe('duplicate');
  });
});

describe('all five events', () => {
  it('registers, funds, verifies and opens accounts with subaccounts', async () => {
    const email = 'five@example.com';
    const events = [
      {
        event: 'client.registered',
        data: { clientId: 'F5', email, firstName: 'Fay', lastName: 'Five', phone: '+44 20 7946 0000' },
      },
      {
        event: 'account.updated',
        data: {
          clientId: 'F5',
          email,
          accountId: 'acc-1',
          login: '7001',
          server: 'Brymix-Demo',
          type: 'challenge',
          phase: 'phase-1',
          status: 'active',
          currency: 'USD',
          balance: 100000,
          change: 'created',
        },
      },
      {
        event: 'account.updated',
        data: {
          clientId: 'F5',
          email,
          accountId: 'acc-1a',
          parentAccountId: 'acc-1',
          login: '7002',
          status: 'active',
          change: 'created',
        },
      },
      {
        event: 'deposit.completed',
        data: { transactionId: 'dep-9', clientId: 'F5', email, accountId: 'acc-1', amount: 99.99, currency: 'USD' },
      },
      {
        event: 'withdrawal.completed',
        data: { transactionId: 'wd-9', clientId: 'F5', email, accountId: 'acc-1', amount: '10', currency: 'USD' },
      },
      { event: 'kyc.updated', data: { clientId: 'F5', email, kycStatus: 'approved', kycNotes: 'Passport checked' } },
    ];
    for (const [i, e] of events.entries()) {
      const b = JSON.stringify({ ...e, timestamp: new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString() });
      expect((await post(b, { 'x-webhook-signature': sign(b) })).statusCode).toBe(200);
    }
    const client = await eventually(
      async () => (await service(`/api/service/clients/${email}`)).json(),
      (c: { kycStatus?: string }) => c.kycStatus === 'approved',
    );
    expect(client.kycNotes).toBe('Passport checked');
    const accounts = (await service(`/api/service/accounts/${email}`)).json();
    expect(accounts.accounts).toHaveLength(1);
    expect(accounts.accounts[0]).toMatchObject({
      accountId: 'acc-1',
      login: '7001',
      balance: '100000.00',
      subaccounts: [expect.objectContaining({ accountId: 'acc-1a', login: '7002' })],
    });
    const activity = (await service(`/api/service/clients/${email}/activity?limit=50`)).json();
    expect(activity.items.map((i: { type: string }) => i.type)).toEqual([
      'kyc.updated',
      'withdrawal.completed',
      'deposit.completed',
      'account.updated',
      'account.updated',
      'client.registered',
    ]);
  });
});
