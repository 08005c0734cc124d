import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLiveConnector, liveRouter } from '../../../test/factories/live-connector.ts';
import { startStack, type TestStack } from '../../../test/harness.ts';

let stack: TestStack;
let admin: string;
let agent: string;

beforeAll(async () => {
  stack = await startStack({ workers: false, connectors: liveRouter(createLiveConnector()) });
  await stack.deps.staff.create({ email: 'ops-admin@firm.test', role: 'admin', password: 'admin-password-1' });
  await stack.deps.staff.create({ email: 'ops-agent@firm.test', role: 'agent', password: 'agent-password-1' });
  const login = async (email: string, password: string) =>
    (await stack.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password } })).json()
      .token as string;
  admin = await login('ops-admin@firm.test', 'admin-password-1');
  agent = await login('ops-agent@firm.test', 'agent-password-1');
});
afterAll(() => stack.close());

const call = (token: string | null, method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown) =>
  stack.app.inject({
    method,
    url,
    ...(token ? { headers: { authorization: `Bearer ${token}` } } : {}),
    ...(payload !== undefined ? { payload: payload as object } : {}),
  });

describe('admin API', () => {
  it('needs a staff token, and the admin role to change anything', async () => {
    expect((await call(null, 'GET', '/api/admin/accounts')).statusCode).toBe(401);
    expect((await call(agent, 'GET', '/api/admin/accounts')).statusCode).toBe(200);
    expect((await call(agent, 'POST', '/api/admin/keys', { name: 'Nope' })).statusCode).toBe(403);
  });

  it('creates a key with an allowlist and limits, registers and links an account, and audits it', async () => {
    const key = await call(admin, 'POST', '/api/admin/keys', { name: 'Panel Firm', allowed_cidrs: ['10.1.0.0/16'] });
    expect(key.statusCode).toBe(201);
    const keyId = key.json().id as string;
    const limits = await call(admin, 'PUT', `/api/admin/keys/${keyId}/limits`, {
      per_minute: 60,
      account_interval_seconds: 2,
    });
    expect(limits.json()).toEqual({ per_minute: 60, account_interval_seconds: 2, account_burst: 3 });
    const acc = await call(admin, 'POST', '/api/admin/accounts', {
      login: '1001',
      server: 'Brymix-Demo',
      password: 'demo',
      name: 'Panel Trader',
      key_id: keyId,
    });
    expect(acc.statusCode).toBe(201);
    expect(JSON.stringify(acc.json())).not.toContain('demo"');
    expect(acc.json()).not.toHaveProperty('password');
    const keys = (await call(agent, 'GET', '/api/admin/keys')).json().items;
    expect(keys.find((k: { id: string }) => k.id === keyId)).toMatchObject({
      allowed_cidrs: ['10.1.0.0/16'],
      limits: { per_minute: 60 },
    });
    // The key works from inside its allowlist only.
    const info = (ip: string) =>
      stack.app.inject({ url: '/api/account/1001/info', headers: { 'x-api-key': key.json().key }, remoteAddress: ip });
    expect((await info('10.1.2.3')).statusCode).toBe(200);
    expect((await info('10.2.0.1')).statusCode).toBe(403);
    const accounts = (await call(agent, 'GET', '/api/admin/accounts')).json().items;
    expect(accounts[0]).toMatchObject({ name: 'Panel Trader', key_ids: [keyId], feed: { state: 'live' } });
    const audit = await stack.deps.audit.list({ action: 'account.created' }, 1, 10);
    expect(audit.items[0]).toMatchObject({ actorType: 'staff', targetId: acc.json().id });
    // The access log is queryable with filters.
    const log = (await call(agent, 'GET', `/api/admin/access-log?key_id=${keyId}&status=403`)).json();
    expect(log.items).toHaveLength(1);
    expect(log.items[0]).toMatchObject({ ip: '10.2.0.1', status: 403, route: '/api/account/:account_id/info' });
  });

  it('rotates and revokes keys, creates and revokes widget tokens', async () => {
    const key = (await call(admin, 'POST', '/api/admin/keys', { name: 'Rotate Firm' })).json();
    const rotated = await call(admin, 'POST', `/api/admin/keys/${key.id}/rotate`, { overlap: '1h' });
    expect(rotated.statusCode).toBe(200);
    expect(rotated.json().old.status).toBe('expiring');
    expect((await call(admin, 'POST', `/api/admin/keys/${rotated.json().created.id}/revoke`)).json().status).toBe(
      'revoked',
    );
    const accountId = (await call(agent, 'GET', '/api/admin/accounts')).json().items[0].id;
    const w = await call(admin, 'POST', '/api/admin/widgets', { account_id: accountId, kind: 'stats' });
    expect(w.statusCode).toBe(201);
    expect(w.json().url).toContain('/widgets/stats?token=wgt_');
    const list = (await call(agent, 'GET', `/api/admin/widgets?account_id=${accountId}`)).json().items;
    expect(list[0]).not.toHaveProperty('token');
    expect((await call(admin, 'POST', `/api/admin/widgets/${w.json().id}/revoke`)).json().status).toBe('revoked');
    expect((await call(admin, 'DELETE', `/api/admin/accounts/${accountId}`)).statusCode).toBe(204);
  });
});

describe('admin API with a servers file', () => {
  it('registers an account on a server that only the servers file\'s "*" fallback serves', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'brymix-servers-'));
    const serversFile = join(dir, 'servers.json');
    // MetaApi reaches any broker, so it is the usual "*" (config/servers.example.json).
    writeFileSync(serversFile, JSON.stringify({ servers: { '*': { connector: 'metaapi' } } }));
    const fallbackStack = await startStack({
      workers: false,
      // Registering an account calls no connector; the MetaApi URLs point nowhere all the same.
      env: {
        MT5_SERVERS_FILE: serversFile,
        METAAPI_TOKEN: 'test-token',
        METAAPI_PROVISIONING_URL: 'http://127.0.0.1:9',
        METAAPI_CLIENT_URL: 'http://127.0.0.1:9',
      },
    });
    try {
      await fallbackStack.deps.staff.create({
        email: 'fallback-admin@firm.test',
        role: 'admin',
        password: 'admin-password-1',
      });
      const token = (
        await fallbackStack.app.inject({
          method: 'POST',
          url: '/api/auth/login',
          payload: { email: 'fallback-admin@firm.test', password: 'admin-password-1' },
        })
      ).json().token as string;
      const add = await fallbackStack.app.inject({
        method: 'POST',
        url: '/api/admin/accounts',
        headers: { authorization: `Bearer ${token}` },
        payload: { login: '51234567', server: 'ICMarketsSC-Demo', password: 'investor-pw' },
      });
      expect(add.statusCode).toBe(201);
      expect(add.json()).toMatchObject({
        login: '51234567',
        server: 'ICMarketsSC-Demo',
        name: '51234567@ICMarketsSC-Demo',
      });
    } finally {
      await fallbackStack.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each([
    [
      'server',
      { server: 'Brymix-Demo\r\nX-Injected: 1' },
      'must be printable text (no control characters such as CR, LF, NUL or tab)',
    ],
    // NUL is refused for every route before any runs (PostgreSQL text cannot hold it), in its own words.
    ['server', { server: 'Brymix\u0000Demo' }, 'must not contain NUL characters (\\u0000)'],
    ['login', { login: '1001\n' }, 'must be printable text (no control characters such as CR, LF, NUL or tab)'],
    ['login', { login: '1001x' }, 'must be the numeric MT5 login (digits only, e.g. "50194988")'],
  ])(
    'refuses an account whose %s carries control characters or is not a login, naming it',
    async (field, patch, message) => {
      const add = await call(admin, 'POST', '/api/admin/accounts', {
        login: '1001',
        server: 'Brymix-Demo',
        password: 'demo',
        ...patch,
      });
      expect(add.statusCode).toBe(400);
      expect(add.json().errors).toEqual([{ field, message }]);
    },
  );

  it('refuses, naming the field, a server that no connector serves when there is no "*"', async () => {
    const add = await call(admin, 'POST', '/api/admin/accounts', {
      login: '51234567',
      server: 'ICMarketsSC-Demo',
      password: 'investor-pw',
    });
    expect(add.statusCode).toBe(400);
    expect(add.headers['content-type']).toContain('application/problem+json');
    expect(add.json().errors).toEqual([{ field: 'server', message: 'is not a known MT5 server' }]);
  });
});
