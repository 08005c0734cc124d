import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type TestStack } from '../../../test/harness.ts';
import { hmacSha256Hex, sha256Hex } from '../../infra/crypto/index.ts';

let stack: TestStack;
beforeAll(async () => {
  stack = await startStack({ env: { SERVICE_API_RATE_PER_MINUTE: '5' } });
  const b = JSON.stringify({
    event: 'client.registered',
    data: { clientId: 'S1', email: 'svc@example.com', firstName: 'Sam', lastName: 'Service' },
    timestamp: '2026-01-01T00:00:00Z',
  });
  await stack.app.inject({
    method: 'POST',
    url: '/api/webhooks/site',
    payload: b,
    headers: {
      'content-type': 'application/json',
      'x-webhook-signature': hmacSha256Hex(stack.config.SITE_WEBHOOK_SECRET, b),
    },
  });
  for (let i = 0; i < 200 && !(await stack.deps.crm.getClientByEmail('svc@example.com').catch(() => null)); i++)
    await new Promise((r) => setTimeout(r, 25));
});
afterAll(() => stack.close());

const call = (token: string, url: string, method: 'GET' | 'PATCH' | 'POST' = 'GET', payload?: object) =>
  stack.app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(payload ? { payload } : {}) });

describe('service API tokens', () => {
  it('accepts a CLI-made token, stored only as a hash', async () => {
    const t = await stack.deps.serviceTokens.createOrRotate('Platform A', 0);
    expect((await call(t.token, '/api/service/clients/svc@example.com')).statusCode).toBe(200);
    const rows = await stack.deps.dbHandle.db.selectFrom('service_tokens').selectAll().execute();
    expect(JSON.stringify(rows)).not.toContain(t.token.split('_')[2]);
  });

  it('accepts a token stored in the earlier format (SHA-256 of its secret part)', async () => {
    const secret = 'Zq7dK2mP9xW4vB1nR8tY3uH6jL0sA5cE2fG9iO4kM7p';
    await stack.deps.dbHandle.db
      .insertInto('service_tokens')
      .values({
        id: 'stk_EarlierFormat1',
        name: 'Earlier platform',
        kid: 'Earl1erKid02',
        secret_hash: sha256Hex(secret),
        created_at: Date.now(),
        expires_at: null,
        revoked_at: null,
        last_used_at: null,
        rotated_from: null,
      })
      .execute();
    expect((await call(`bst_Earl1erKid02_${secret}`, '/api/service/clients/svc@example.com')).statusCode).toBe(200);
    expect((await call(`bst_Earl1erKid02_${'A'.repeat(43)}`, '/api/service/clients/svc@example.com')).statusCode).toBe(
      401,
    );
  });

  it('rejects missing, unknown, revoked and rotated-out tokens with one 401', async () => {
    const t = await stack.deps.serviceTokens.createOrRotate('Platform B', 0);
    const rotated = await stack.deps.serviceTokens.createOrRotate('Platform B', 0);
    expect((await call(t.token, '/api/service/clients/svc@example.com')).statusCode).toBe(401);
    expect((await call(rotated.token, '/api/service/clients/svc@example.com')).statusCode).toBe(200);
    await stack.deps.serviceTokens.revoke(rotated.id);
    expect((await call(rotated.token, '/api/service/clients/svc@example.com')).statusCode).toBe(401);
    expect((await stack.app.inject({ url: '/api/service/clients/svc@example.com' })).statusCode).toBe(401);
    expect((await call(`bst_AAAAAAAAAAAA_${'A'.repeat(43)}`, '/api/service/clients/svc@example.com')).statusCode).toBe(
      401,
    );
  });

  it('answers 429 with Retry-After beyond the per-token limit, and other tokens are unaffected', async () => {
    const t = await stack.deps.serviceTokens.createOrRotate('Busy platform', 0);
    const statuses: number[] = [];
    let last: Awaited<ReturnType<typeof call>> | undefined;
    for (let i = 0; i < 7; i++) {
      last = await call(t.token, '/api/service/clients/svc@example.com');
      statuses.push(last.statusCode);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
    expect(Number(last!.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(last!.headers['ratelimit-policy']).toBe('"token";q=5;w=60');
    const other = await stack.deps.serviceTokens.createOrRotate('Quiet platform', 0);
    expect((await call(other.token, '/api/service/clients/svc@example.com')).statusCode).toBe(200);
  });
});

describe('service API endpoints', () => {
  it('updates KYC and adds a note; the activity shows both, newest first; all audited', async () => {
    const t = await stack.deps.serviceTokens.createOrRotate('Platform C', 0);
    const kyc = await call(t.token, '/api/service/clients/svc@example.com/kyc', 'PATCH', {
      kycStatus: 'approved',
      kycNotes: 'Documents verified',
    });
    expect(kyc.statusCode).toBe(200);
    expect(kyc.json()).toMatchObject({ kycStatus: 'approved', kycNotes: 'Documents verified' });
    const note = await call(t.token, '/api/service/clients/svc@example.com/notes', 'POST', {
      comment: 'Client contacted regarding account verification',
    });
    expect(note.statusCode).toBe(201);
    const act = (await call(t.token, '/api/service/clients/svc@example.com/activity')).json();
    expect(act.items.slice(0, 2).map((i: { type: string }) => i.type)).toEqual(['note.added', 'kyc.updated']);
    expect(act.items[0].actor).toEqual({ type: 'service', id: 'Platform C' });
    const audit = await stack.deps.audit.list({ action: 'service.request', actorId: t.id }, 1, 10);
    expect(audit.items.length).toBe(3);
    expect(JSON.stringify(audit)).not.toContain(t.token);
  });

  it('answers 404 for an unknown client and 400 for an unknown KYC status', async () => {
    const tok = stack.config.SERVICE_API_TOKEN;
    expect((await call(tok, '/api/service/clients/nobody@example.com')).statusCode).toBe(404);
    expect(
      (await call(tok, '/api/service/clients/svc@example.com/kyc', 'PATCH', { kycStatus: 'maybe' })).statusCode,
    ).toBe(400);
  });
});

describe('audit chain', () => {
  it('verifies, and names the row an attacker edited', async () => {
    expect(await stack.deps.audit.verify()).toMatchObject({ ok: true });
    const db = stack.deps.dbHandle.db;
    await db.updateTable('audit_log').set({ ip: '203.0.113.66' }).where('seq', '=', 2).execute();
    const r = await stack.deps.audit.verify();
    expect(r).toMatchObject({ ok: false, brokenAt: 2 });
  });
});
