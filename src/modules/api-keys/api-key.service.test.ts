import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkBody, startStack, type TestStack, waitForJob } from '../../../test/harness.ts';
import { FakeClock } from '../../infra/clock.ts';
import { sha256Hex } from '../../infra/crypto/index.ts';

let stack: TestStack;
const clock = new FakeClock(Date.parse('2026-03-01T12:00:00Z'));
beforeAll(async () => {
  stack = await startStack({ clock, env: { REDIS_URL: '' } });
});
afterAll(() => stack.close());

const get = (key: string, url = '/api/v1/job/job_x') => stack.app.inject({ url, headers: { 'x-api-key': key } });

describe('API keys', () => {
  it('stores only a hash: the key itself is nowhere in the table', async () => {
    const created = await stack.deps.keys.create('Hash Firm');
    const rows = await stack.deps.dbHandle.db.selectFrom('api_keys').selectAll().execute();
    expect(JSON.stringify(rows)).not.toContain(created.key.split('_')[2]);
  });

  it('rotation keeps the old key working through the overlap, then answers 401 (expired)', async () => {
    const old = await stack.deps.keys.create('Rotating Firm');
    const { created } = await stack.deps.keys.rotate(old.id, 3_600_000);
    expect((await get(old.key)).statusCode).toBe(404); // authenticated; the job just doesn't exist
    expect((await get(created.key)).statusCode).toBe(404);
    clock.advance(3_600_001);
    expect((await get(old.key)).statusCode).toBe(401);
    expect((await get(created.key)).statusCode).toBe(404);
  });

  it('the rotated key sees the jobs of the key it replaced (same tenant)', async () => {
    const old = await stack.deps.keys.create('Tenant Firm');
    const submit = await stack.app.inject({
      method: 'POST',
      url: '/api/v1/check',
      headers: { 'x-api-key': old.key },
      payload: checkBody({ mt5_login: '1005' }),
    });
    const jobId = submit.json().job_id as string;
    const { created } = await stack.deps.keys.rotate(old.id, 0);
    expect((await get(old.key, `/api/v1/job/${jobId}`)).statusCode).toBe(401);
    expect((await get(created.key, `/api/v1/job/${jobId}`)).statusCode).toBe(200);
  });

  it('a key stored in the earlier format (SHA-256 of its secret part) still authenticates', async () => {
    const secret = 'Zq7dK2mP9xW4vB1nR8tY3uH6jL0sA5cE2fG9iO4kM7p';
    const id = 'key_EarlierFormat1';
    await stack.deps.dbHandle.db
      .insertInto('api_keys')
      .values({
        id,
        tenant_id: id,
        name: 'Earlier Firm',
        kid: 'Earl1erKid01',
        secret_hash: sha256Hex(secret),
        created_at: clock.now(),
        expires_at: null,
        revoked_at: null,
        last_used_at: null,
        rotated_from: null,
        rule_defaults: null,
        allowed_cidrs: null,
      })
      .execute();
    expect((await get(`bmx_Earl1erKid01_${secret}`)).statusCode).toBe(404); // authenticated; the job just doesn't exist
    expect((await get(`bmx_Earl1erKid01_${'A'.repeat(43)}`)).statusCode).toBe(401);
  });

  it('refuses to rotate a revoked key and an overlap beyond 7 days', async () => {
    const k = await stack.deps.keys.create('Strict Firm');
    await expect(stack.deps.keys.rotate(k.id, 8 * 86_400_000)).rejects.toMatchObject({ code: 'validation_failed' });
    await stack.deps.keys.revoke(k.id);
    await expect(stack.deps.keys.rotate(k.id, 0)).rejects.toMatchObject({ code: 'conflict' });
  });

  it("applies the firm's default rules to fields a request omits", async () => {
    const k = await stack.deps.keys.create('Strict Daily Firm');
    // 1003's worst day loses 5,869.64 — under a firm default of 6 % daily loss it passes that rule.
    await stack.deps.keys.setRuleDefaults(k.id, { max_daily_loss_percent: 6 });
    const res = await stack.app.inject({
      method: 'POST',
      url: '/api/v1/check',
      headers: { 'x-api-key': k.key },
      payload: checkBody({ mt5_login: '1003' }),
    });
    const job = await waitForJob(stack.app, k.key, res.json().job_id);
    expect(job.violations).toEqual([]);
    expect(job.rules).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'daily_loss', pct: 6 }),
        expect.objectContaining({ type: 'max_loss', pct: 10 }),
      ]),
    );
    // An explicit field in the request wins over the default.
    const strict = await stack.app.inject({
      method: 'POST',
      url: '/api/v1/check',
      headers: { 'x-api-key': k.key },
      payload: checkBody({
        mt5_login: '1003',
        rules: { max_drawdown_percent: 10, profit_target_percent: 10, max_daily_loss_percent: 5 },
      }),
    });
    const job2 = await waitForJob(stack.app, k.key, strict.json().job_id);
    expect((job2.violations as Array<{ rule: string }>).map((v) => v.rule)).toEqual(['maximum_daily_loss']);
  });
});
