/**
 * The checker's HTTP contract (integration guide), end to end through the real app and queue: submitting a
 * check, reading its job, and rule sets in their list and preset forms. Multipart bodies and webhooks have
 * their own files (check.routes.multipart.test.ts, check.routes.webhooks.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkBody, startStack, type TestStack, waitForJob } from '../../../test/harness.ts';

let stack: TestStack;
let key: string;
let otherKey: string;

beforeAll(async () => {
  stack = await startStack();
  key = (await stack.createKey('Firm A')).key;
  otherKey = (await stack.createKey('Firm B')).key;
});

afterAll(async () => {
  await stack.close();
});

function post(body: unknown, headers: Record<string, string> = {}) {
  return stack.app.inject({
    method: 'POST',
    url: '/api/v1/check',
    headers: { 'x-api-key': key, 'content-type': 'application/json', ...headers },
    payload: JSON.stringify(body),
  });
}

describe('POST /api/v1/check', () => {
  it('answers 200 {job_id, status: "queued"} for the guide’s request', async () => {
    const res = await post(checkBody());
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(Object.keys(body).sort()).toEqual(['job_id', 'status']);
    expect(body.status).toBe('queued');
    expect(body.job_id).toMatch(/^job_/);
  });

  it('answers 401 problem+json without a key, with a malformed key and with an unknown key', async () => {
    for (const headers of [{}, { 'x-api-key': 'nope' }, { 'x-api-key': `bmx_${'a'.repeat(12)}_${'b'.repeat(43)}` }]) {
      const res = await stack.app.inject({
        method: 'POST',
        url: '/api/v1/check',
        headers: { 'content-type': 'application/json', ...headers },
        payload: JSON.stringify(checkBody()),
      });
      expect(res.statusCode).toBe(401);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.json()).toMatchObject({ status: 401, code: 'unauthorized' });
    }
  });

  it('answers 401 for a revoked key', async () => {
    const k = await stack.createKey('Revoked Firm');
    await stack.deps.keys.revoke(k.id);
    const res = await post(checkBody(), { 'x-api-key': k.key });
    expect(res.statusCode).toBe(401);
  });

  it.each([
    ['initial_balance', { initial_balance: -5 }],
    ['initial_balance', { initial_balance: 'lots' }],
    ['mt5_login', { mt5_login: '' }],
    ['mt5_server', { mt5_server: undefined }],
    ['mt5_login', { mt5_login: '1001\r\nX-Injected: yes' }],
    ['mt5_login', { mt5_login: 'demo-account' }],
    ['mt5_login', { mt5_login: 2 ** 60 }],
    ['mt5_server', { mt5_server: 'Brymix-Demo\r\n' }],
    ['mt5_server', { mt5_server: 'Brymix\u0000Demo' }],
    ['mt5_server', { mt5_server: 'S'.repeat(129) }],
    ['user_id', { user_id: 'user_123\nforged log line' }],
    ['user_id', { user_id: '\u001b[2J' }],
    ['challenge_id', { challenge_id: 'challenge_456\u0000' }],
    ['challenge_id', { challenge_id: 'c'.repeat(201) }],
    ['rules.max_drawdown_percent', { rules: { max_drawdown_percent: 'ten' } }],
    ['rules.max_drawdown_percent', { rules: { max_drawdown_percent: 150 } }],
    ['callback_url', { callback_url: 'ftp://example.com/x' }],
    ['callback_url', { callback_url: 'http://169.254.169.254/latest' }],
    ['callback_url', { callback_url: 'http://[::127.0.0.1]/api/webhook/challenge-result' }],
    ['unexpected', { unexpected: true }],
  ])('answers 400 naming %s for a bad body', async (field, patch) => {
    const res = await post({ ...checkBody(), ...patch });
    expect(res.statusCode).toBe(400);
    const problem = res.json();
    expect(problem).toMatchObject({ status: 400, code: 'validation_failed' });
    expect(problem.errors.map((e: { field: string }) => e.field)).toContain(field);
    expect(JSON.stringify(problem)).not.toContain('demo'); // never echoes the password
  });

  it('says which ids are missing or of the wrong type', async () => {
    const { user_id: _u, ...withoutUser } = checkBody();
    const res = await post({ ...withoutUser, challenge_id: { id: 5 } });
    expect(res.statusCode).toBe(400);
    expect(res.json().errors).toEqual([
      { field: 'user_id', message: 'is required' },
      { field: 'challenge_id', message: 'must be a string or a non-negative integer' },
    ]);
  });

  it('answers 400 for malformed JSON and 400 for an empty body', async () => {
    const bad = await stack.app.inject({
      method: 'POST',
      url: '/api/v1/check',
      headers: { 'x-api-key': key, 'content-type': 'application/json' },
      payload: '{"user_id":',
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().code).toBe('invalid_json');
    const empty = await stack.app.inject({
      method: 'POST',
      url: '/api/v1/check',
      headers: { 'x-api-key': key, 'content-type': 'application/json' },
      payload: '',
    });
    expect(empty.statusCode).toBe(400);
  });

  it('accepts numeric user, challenge and login ids as the PHP and Node examples may send them', async () => {
    const res = await post(checkBody({ user_id: 123, challenge_id: 456, mt5_login: 1005 }));
    expect(res.statusCode).toBe(200);
    const job = await waitForJob(stack.app, key, res.json().job_id);
    expect(job).toMatchObject({ user_id: '123', challenge_id: '456' });
  });

  it('honours Idempotency-Key: same body → same job; different body → 422', async () => {
    const a = await post(checkBody({ challenge_id: 'idem-1' }), { 'idempotency-key': 'abc-123' });
    const b = await post(checkBody({ challenge_id: 'idem-1' }), { 'idempotency-key': 'abc-123' });
    expect(a.statusCode).toBe(200);
    expect(b.statusCode).toBe(200);
    expect(b.json().job_id).toBe(a.json().job_id);
    const c = await post(checkBody({ challenge_id: 'idem-2' }), { 'idempotency-key': 'abc-123' });
    expect(c.statusCode).toBe(422);
    expect(c.json().code).toBe('idempotency_mismatch');
    // Another tenant may use the same key string independently.
    const d = await post(checkBody({ challenge_id: 'idem-1' }), {
      'idempotency-key': 'abc-123',
      'x-api-key': otherKey,
    });
    expect(d.json().job_id).not.toBe(a.json().job_id);
  });

  it('gives one job to concurrent requests with the same Idempotency-Key', async () => {
    const results = await Promise.all(
      Array.from({ length: 8 }, () => post(checkBody({ challenge_id: 'race' }), { 'idempotency-key': 'race-key' })),
    );
    expect(results.every((r) => r.statusCode === 200)).toBe(true);
    expect(new Set(results.map((r) => r.json().job_id)).size).toBe(1);
  });
});

describe('GET /api/v1/job/{job_id}', () => {
  it('answers 404 for another tenant’s job and for an unknown job', async () => {
    const res = await post(checkBody());
    const jobId = res.json().job_id;
    const foreign = await stack.app.inject({
      method: 'GET',
      url: `/api/v1/job/${jobId}`,
      headers: { 'x-api-key': otherKey },
    });
    expect(foreign.statusCode).toBe(404);
    expect(foreign.json().code).toBe('not_found');
    const unknown = await stack.app.inject({
      method: 'GET',
      url: '/api/v1/job/job_doesnotexist',
      headers: { 'x-api-key': key },
    });
    expect(unknown.statusCode).toBe(404);
    for (const path of ['deliveries', 'redeliver']) {
      const r = await stack.app.inject({
        method: path === 'redeliver' ? 'POST' : 'GET',
        url: `/api/v1/job/${jobId}/${path}`,
        headers: { 'x-api-key': otherKey },
      });
      expect(r.statusCode).toBe(404);
    }
  });

  it('returns the guide’s result object with every metric once the check is done', async () => {
    const res = await post(checkBody({ mt5_login: '1001' }));
    const job = await waitForJob(stack.app, key, res.json().job_id);
    expect(job).toMatchObject({
      job_id: res.json().job_id,
      user_id: 'user_123',
      challenge_id: 'challenge_456',
      status: 'passed',
      outcome: 'passed',
      violations: [],
    });
    expect(Object.keys(job.metrics as object)).toEqual(
      expect.arrayContaining([
        'initial_balance',
        'current_balance',
        'current_equity',
        'profit_percent',
        'profit_target_percent',
        'profit_target_met',
        'max_drawdown_percent',
        'max_drawdown_limit',
        'total_trades',
        'trades_under_4min',
      ]),
    );
    expect(job.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });
});

describe('rule sets in the list and preset forms', () => {
  it('accepts a list of rule specs and reports with the same engine', async () => {
    const res = await post(
      checkBody({
        mt5_login: '1003',
        rules: [
          { type: 'max_loss', pct: 10 },
          { type: 'daily_loss', pct: 6, anchor: 'day_start_balance' },
          { type: 'profit_target', pct: 10 },
        ],
      }),
    );
    expect(res.statusCode).toBe(200);
    const job = await waitForJob(stack.app, key, res.json().job_id);
    expect(job).toMatchObject({ status: 'failed', outcome: 'objectives_not_met', violations: [] });
    expect((job.rules as Array<{ type: string }>).map((r) => r.type)).toEqual([
      'max_loss',
      'daily_loss',
      'profit_target',
    ]);
  });

  it('accepts a preset with overrides', async () => {
    const res = await post(
      checkBody({ mt5_login: '1001', rules: { preset: 'ftmo-2step', overrides: { min_trading_days: { days: 3 } } } }),
    );
    expect(res.statusCode).toBe(200);
    const job = await waitForJob(stack.app, key, res.json().job_id);
    expect(job.rules).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'min_trading_days', days: 3 })]));
    expect(job.status).toBe('passed');
  });

  it.each([
    ['rules.0.pct', [{ type: 'max_loss', pct: -1 }]],
    [
      'rules.1.type',
      [
        { type: 'max_loss', pct: 10 },
        { type: 'max_lose', pct: 10 },
      ],
    ],
    ['rules.0.basis', [{ type: 'max_loss', pct: 10, basis: 'weekly' }]],
    ['rules.preset', { preset: 'nobody-5step' }],
    ['rules.overrides.news_window', { preset: 'ftmo-2step', overrides: { news_window: { minutes_before: 2 } } }],
  ])('answers 400 naming %s for a bad rule set', async (field, rules) => {
    const res = await post(checkBody({ rules }));
    expect(res.statusCode).toBe(400);
    expect(res.json().errors.map((e: { field: string }) => e.field)).toContain(field);
  });
});
