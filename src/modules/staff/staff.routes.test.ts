import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { algNone, signHs256 } from '../../../test/factories/jwt.ts';
import { startStack, type TestStack } from '../../../test/harness.ts';
import { registerErrorHandling } from '../../http/error-handler.ts';
import { requireStaff, staffAuth } from '../../http/staff-auth.ts';

let stack: TestStack;
const ADMIN = { email: 'admin@firm.test', password: 'admin-password-1' };
const AGENT = { email: 'agent@firm.test', password: 'agent-password-1' };

beforeAll(async () => {
  stack = await startStack({ workers: false, env: { LOGIN_MAX_FAILURES: '3' } });
  await stack.deps.staff.create({ ...ADMIN, role: 'admin' });
  await stack.deps.staff.create({ ...AGENT, role: 'agent' });
});
afterAll(() => stack.close());

const login = (body: Record<string, unknown>, ip = '10.0.0.1') =>
  stack.app.inject({ method: 'POST', url: '/api/auth/login', payload: body, remoteAddress: ip });
const me = (token: string) => stack.app.inject({ url: '/api/auth/me', headers: { authorization: `Bearer ${token}` } });

describe('staff login', () => {
  it('answers a token that opens staff routes, and sets an HttpOnly SameSite cookie', async () => {
    const res = await login(ADMIN);
    expect(res.statusCode).toBe(200);
    const { token, staff } = res.json();
    expect(staff).toMatchObject({ email: ADMIN.email, role: 'admin' });
    expect(String(res.headers['set-cookie'])).toMatch(/brymix_staff=.+HttpOnly; SameSite=Strict/);
    const who = await me(token);
    expect(who.statusCode).toBe(200);
    expect(who.json()).toMatchObject({ email: ADMIN.email, role: 'admin' });
  });

  it('rejects a wrong password and an unknown email with the same 401', async () => {
    const a = await login({ email: ADMIN.email, password: 'not-the-password' }, '10.0.0.2');
    const b = await login({ email: 'nobody@firm.test', password: 'whatever-it-is' }, '10.0.0.2');
    expect(a.statusCode).toBe(401);
    expect(b.statusCode).toBe(401);
    expect(a.json().detail).toBe(b.json().detail);
  });

  it('throttles an account after repeated failures: 429 with Retry-After, even with the right password', async () => {
    for (let i = 0; i < 3; i++)
      expect((await login({ email: AGENT.email, password: 'wrong-password!' }, '10.0.0.3')).statusCode).toBe(401);
    const blocked = await login(AGENT, '10.0.0.4');
    expect(blocked.statusCode).toBe(429);
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    expect(blocked.headers['content-type']).toContain('application/problem+json');
  });

  it('audits good and bad logins without the password', async () => {
    const rows = await stack.deps.audit.list({ action: 'staff.login' }, 1, 100);
    expect(rows.items.some((r) => r.outcome === 'success')).toBe(true);
    expect(rows.items.some((r) => r.outcome === 'failure')).toBe(true);
    expect(JSON.stringify(rows)).not.toContain('not-the-password');
  });
});

describe('staff tokens', () => {
  const claimsFor = async () => {
    const { token } = (await login(ADMIN, '10.0.1.1')).json();
    const [, payload] = token.split('.');
    return JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
  };

  it('rejects a token forged with another secret', async () => {
    const c = await claimsFor();
    const forged = await signHs256('x'.repeat(64), { ...c }, { typ: 'staff-access+jwt' }, { exp: Number(c.exp) });
    expect((await me(forged)).statusCode).toBe(401);
  });

  it('rejects an expired token', async () => {
    const c = await claimsFor();
    const now = Math.floor(Date.now() / 1000);
    const expired = await signHs256(
      stack.config.JWT_SECRET,
      { ...c },
      { typ: 'staff-access+jwt' },
      { iat: now - 7200, exp: now - 3600 },
    );
    expect((await me(expired)).statusCode).toBe(401);
  });

  it('rejects a token for another audience (an SSO token is not a staff token)', async () => {
    const c = await claimsFor();
    const other = await signHs256(
      stack.config.JWT_SECRET,
      { ...c, aud: 'trading-platform' },
      { typ: 'staff-access+jwt' },
    );
    expect((await me(other)).statusCode).toBe(401);
    const ssoKind = await signHs256(stack.config.SSO_SECRET, { ...c }, { typ: 'sso-impersonation+jwt' });
    expect((await me(ssoKind)).statusCode).toBe(401);
  });

  it('rejects alg none and a token without exp', async () => {
    const c = await claimsFor();
    expect((await me(algNone(c, { typ: 'staff-access+jwt' }))).statusCode).toBe(401);
    const { exp: _exp, ...noExp } = c;
    expect(
      (await me(await signHs256(stack.config.JWT_SECRET, noExp, { typ: 'staff-access+jwt' }, { exp: null })))
        .statusCode,
    ).toBe(401);
  });

  it('rejects a token reused after logout', async () => {
    const { token } = (await login(ADMIN, '10.0.1.2')).json();
    expect((await me(token)).statusCode).toBe(200);
    const out = await stack.app.inject({
      method: 'POST',
      url: '/api/auth/logout',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(out.statusCode).toBe(204);
    const again = await me(token);
    expect(again.statusCode).toBe(401);
    expect(again.json()).toMatchObject({ status: 401, code: 'unauthorized' });
  });

  it('accepts the cookie, and requires X-Requested-With on cookie-authenticated writes', async () => {
    const res = await login(ADMIN, '10.0.1.3');
    const cookie = String(res.headers['set-cookie']).split(';')[0]!;
    expect((await stack.app.inject({ url: '/api/auth/me', headers: { cookie } })).statusCode).toBe(200);
    expect((await stack.app.inject({ method: 'POST', url: '/api/auth/logout', headers: { cookie } })).statusCode).toBe(
      403,
    );
    expect(
      (
        await stack.app.inject({
          method: 'POST',
          url: '/api/auth/logout',
          headers: { cookie, 'x-requested-with': 'fetch' },
        })
      ).statusCode,
    ).toBe(204);
  });
});

describe('staffAuth hook for other modules', () => {
  it("admits admins to { role: 'admin' } routes and answers 403 to agents", async () => {
    const app = Fastify();
    registerErrorHandling(app);
    app.get('/admin-only', { onRequest: staffAuth(stack.deps.staff, { role: 'admin' }) }, async (req) => ({
      who: requireStaff(req).email,
    }));
    const admin = (await login(ADMIN, '10.0.2.1')).json().token;
    const agent = await stack.deps.staff
      .login({ email: 'agent2@firm.test', password: 'x' }, { ip: '1', requestId: 'r' })
      .catch(() => null);
    expect(agent).toBeNull();
    await stack.deps.staff.create({ email: 'agent2@firm.test', role: 'agent', password: 'agent2-password' });
    const agentToken = (await login({ email: 'agent2@firm.test', password: 'agent2-password' }, '10.0.2.2')).json()
      .token;
    expect((await app.inject({ url: '/admin-only', headers: { authorization: `Bearer ${admin}` } })).json()).toEqual({
      who: ADMIN.email,
    });
    expect(
      (await app.inject({ url: '/admin-only', headers: { authorization: `Bearer ${agentToken}` } })).statusCode,
    ).toBe(403);
    expect((await app.inject({ url: '/admin-only' })).statusCode).toBe(401);
    await app.close();
  });
});
