/**
 * A NUL character in a path, query or body value answers 400 naming the field, in SQLite and
 * PostgreSQL alike (PostgreSQL text cannot hold U+0000: these requests answered 500 there).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkBody, startStack, type TestStack } from '../../test/harness.ts';
import { hmacSha256Hex } from '../infra/crypto/index.ts';
import { findNul } from './nul-guard.ts';

let stack: TestStack;
let key: string;
let staff: string;
let clientId: string;
beforeAll(async () => {
  stack = await startStack();
  key = (await stack.createKey()).key;
  await stack.deps.staff.create({ email: 'nul-admin@firm.test', role: 'admin', password: 'nul-admin-password-1' });
  staff = (
    await stack.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: 'nul-admin@firm.test', password: 'nul-admin-password-1' },
    })
  ).json().token;
  const event = JSON.stringify({
    event: 'client.registered',
    data: { clientId: 'NUL1', email: 'nul1@example.com', firstName: 'N', lastName: 'One' },
    timestamp: '2026-01-16T10:00:00Z',
  });
  await stack.app.inject({
    method: 'POST',
    url: '/api/webhooks/site',
    payload: event,
    headers: {
      'content-type': 'application/json',
      'x-webhook-signature': hmacSha256Hex(stack.config.SITE_WEBHOOK_SECRET, event),
    },
  });
  // The event is applied by its queue job: wait for the client to appear.
  for (let i = 0; i < 200 && !clientId; i++) {
    clientId = (
      await stack.app.inject({ url: '/api/clients?q=nul1', headers: { authorization: `Bearer ${staff}` } })
    ).json().items?.[0]?.id;
    if (!clientId) await new Promise((r) => setTimeout(r, 50));
  }
});
afterAll(() => stack.close());

const MESSAGE = 'must not contain NUL characters (\\u0000)';

describe('NUL characters in requests', () => {
  it.each([
    ['path.account_id', { url: '/api/account/%00/info', by: 'key' }],
    ['path.account_id', { url: '/api/account/acc%00x/summary', by: 'key' }],
    ['path.job_id', { url: '/api/v1/job/job_%00', by: 'key' }],
    ['path.id', { url: '/api/clients/%00', by: 'staff' }],
    ['query.q', { url: '/api/clients?q=a%00b', by: 'staff' }],
    ['query.account_id', { url: '/api/admin/widgets?account_id=%00', by: 'staff' }],
  ] as const)('answers 400 naming %s for %s', async (field, { url, by }) => {
    const headers = by === 'key' ? { 'x-api-key': key } : { authorization: `Bearer ${staff}` };
    const res = await stack.app.inject({ url, headers });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json()).toMatchObject({ code: 'validation_failed', errors: [{ field, message: MESSAGE }] });
  });

  it('answers 400 naming the body field, nested or a key, and stores nothing', async () => {
    expect(clientId).toMatch(/^cli_/);
    const note = await stack.app.inject({
      method: 'POST',
      url: `/api/clients/${clientId}/notes`,
      headers: { authorization: `Bearer ${staff}` },
      payload: { comment: 'called\u0000back' },
    });
    expect(note.statusCode).toBe(400);
    expect(note.json().errors).toEqual([{ field: 'comment', message: MESSAGE }]);
    const notes = (
      await stack.app.inject({ url: `/api/clients/${clientId}/notes`, headers: { authorization: `Bearer ${staff}` } })
    ).json();
    expect(JSON.stringify(notes)).not.toContain('called');

    const rules = await stack.app.inject({
      method: 'POST',
      url: '/api/v1/check',
      headers: { 'x-api-key': key },
      payload: checkBody({ rules: [{ type: 'max_loss', pct: 10, note: ['ok', 'x\u0000'] }] }),
    });
    expect(rules.json().errors).toEqual([{ field: 'rules.0.note.1', message: MESSAGE }]);
    const keyed = await stack.app.inject({
      method: 'POST',
      url: '/api/v1/check',
      headers: { 'x-api-key': key },
      payload: checkBody({ rules: { 'max\u0000': 1 } }),
    });
    expect(keyed.json().errors).toEqual([{ field: 'rules.max\\u0000', message: MESSAGE }]);
  });

  it('still answers 401 before looking at the input of an unauthenticated request', async () => {
    expect((await stack.app.inject({ url: '/api/account/%00/info' })).statusCode).toBe(401);
  });

  it('finds NUL in deep bodies without recursion and ignores raw bytes', () => {
    let deep: unknown = 'end\u0000';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(findNul(deep, '', 'body')).toBe(`${Array(100_000).fill('0').join('.')}`);
    expect(findNul(Buffer.from([0, 0, 0]), '', 'body')).toBeNull();
    expect(findNul('a\u0000', '', 'body')).toBe('body');
    expect(findNul({ a: 'clean', b: [1, null, true] }, '', 'body')).toBeNull();
  });
});
