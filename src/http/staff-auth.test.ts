/** staffAuth(authenticator): the hook asks the authenticator it was given, and nothing else, for the principal. */
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import type { StaffPrincipal } from '../modules/staff/staff.service.ts';
import { registerErrorHandling } from './error-handler.ts';
import { requireStaff, type StaffAuthenticator, staffAuth } from './staff-auth.ts';

const ADMIN: StaffPrincipal = {
  id: 'stf_admin',
  email: 'admin@firm.test',
  role: 'admin',
  jti: 'j1',
  exp: 2_000_000_000,
};
const AGENT: StaffPrincipal = {
  id: 'stf_agent',
  email: 'agent@firm.test',
  role: 'agent',
  jti: 'j2',
  exp: 2_000_000_000,
};

/** An authenticator that knows two tokens and records every token it is asked about. */
function fakeAuthenticator(): StaffAuthenticator & { asked: Array<string | undefined> } {
  const asked: Array<string | undefined> = [];
  return {
    asked,
    async authenticate(token) {
      asked.push(token);
      return token === 'admin-token' ? ADMIN : token === 'agent-token' ? AGENT : null;
    },
  };
}

const apps: FastifyInstance[] = [];
afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
});

function appWith(authenticator: StaffAuthenticator): FastifyInstance {
  const app = Fastify();
  apps.push(app);
  registerErrorHandling(app);
  app.get('/any-staff', { onRequest: staffAuth(authenticator) }, async (request) => ({
    who: requireStaff(request).email,
  }));
  app.post('/any-staff', { onRequest: staffAuth(authenticator) }, async (request) => ({
    who: requireStaff(request).email,
  }));
  app.get('/admin-only', { onRequest: staffAuth(authenticator, { role: 'admin' }) }, async (request) => ({
    who: requireStaff(request).email,
  }));
  return app;
}

describe('staffAuth(authenticator)', () => {
  it('admits a bearer token the given authenticator accepts, with no decorator on the app', async () => {
    const authenticator = fakeAuthenticator();
    const app = appWith(authenticator);
    const res = await app.inject({ url: '/any-staff', headers: { authorization: 'Bearer agent-token' } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ who: AGENT.email });
    expect(authenticator.asked).toEqual(['agent-token']);
  });

  it('answers 401 with a problem body when the authenticator refuses the token or none is sent', async () => {
    const app = appWith(fakeAuthenticator());
    for (const headers of [{ authorization: 'Bearer forged' }, {}]) {
      const res = await app.inject({ url: '/any-staff', headers });
      expect(res.statusCode).toBe(401);
      expect(res.json()).toMatchObject({ status: 401, detail: 'Missing, invalid or expired staff token' });
    }
  });

  it('answers 403 to an agent on an admin route and admits the admin', async () => {
    const app = appWith(fakeAuthenticator());
    const agent = await app.inject({ url: '/admin-only', headers: { authorization: 'Bearer agent-token' } });
    expect(agent.statusCode).toBe(403);
    expect(agent.json()).toMatchObject({ status: 403, detail: 'This action needs the admin role' });
    const admin = await app.inject({ url: '/admin-only', headers: { authorization: 'Bearer admin-token' } });
    expect(admin.statusCode).toBe(200);
    expect(admin.json()).toEqual({ who: ADMIN.email });
  });

  it('reads the staff cookie when there is no bearer token, and wants X-Requested-With on a cookie POST', async () => {
    const authenticator = fakeAuthenticator();
    const app = appWith(authenticator);
    expect((await app.inject({ url: '/any-staff', headers: { cookie: 'brymix_staff=admin-token' } })).statusCode).toBe(
      200,
    );
    expect(
      (await app.inject({ method: 'POST', url: '/any-staff', headers: { cookie: 'brymix_staff=admin-token' } }))
        .statusCode,
    ).toBe(403);
    const withHeader = await app.inject({
      method: 'POST',
      url: '/any-staff',
      headers: { cookie: 'brymix_staff=admin-token', 'x-requested-with': 'fetch' },
    });
    expect(withHeader.statusCode).toBe(200);
    expect(authenticator.asked).toEqual(['admin-token', 'admin-token', 'admin-token']);
  });

  it('keeps two apps with two authenticators apart', async () => {
    const first = fakeAuthenticator();
    const second: StaffAuthenticator = { authenticate: async () => null };
    expect(
      (await appWith(first).inject({ url: '/any-staff', headers: { authorization: 'Bearer admin-token' } })).statusCode,
    ).toBe(200);
    expect(
      (await appWith(second).inject({ url: '/any-staff', headers: { authorization: 'Bearer admin-token' } }))
        .statusCode,
    ).toBe(401);
  });
});
