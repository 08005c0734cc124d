import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type TestStack } from '../../test/harness.ts';
import { servicesMode } from '../../test/storage.ts';

let stack: TestStack;
beforeAll(async () => {
  stack = await startStack({ workers: false });
});
afterAll(() => stack.close());

describe('system routes', () => {
  it('answers /healthz and /readyz with the database and queue status', async () => {
    expect((await stack.app.inject('/healthz')).json()).toEqual({ status: 'ok' });
    const ready = await stack.app.inject('/readyz');
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'ready', checks: { database: 'ok', queue: 'ok' } });
  });

  it('serves an OpenAPI 3.1 document with the checker routes and a docs page', async () => {
    const doc = (await stack.app.inject('/openapi.json')).json();
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/check',
        '/api/v1/job/{job_id}',
        '/api/v1/job/{job_id}/deliveries',
        '/api/v1/job/{job_id}/redeliver',
      ]),
    );
    expect(doc.paths['/api/v1/check'].post.requestBody.content['application/json'].schema.required).toEqual(
      expect.arrayContaining(['user_id', 'challenge_id', 'mt5_login', 'mt5_password', 'mt5_server', 'initial_balance']),
    );
    // Every family of routes names how it authenticates.
    expect(Object.keys(doc.components.securitySchemes)).toEqual(
      expect.arrayContaining(['apiKey', 'staffJwt', 'serviceToken', 'siteSignature', 'widgetToken']),
    );
    expect(doc.paths['/api/v1/check'].post.security).toEqual([{ apiKey: [] }]);
    expect(doc.paths['/api/account/{account_id}/info'].get.security).toEqual([{ apiKey: [] }]);
    expect(doc.paths['/api/service/clients/{email}'].get.security).toEqual([{ serviceToken: [] }]);
    expect(doc.paths['/api/clients/{id}'].get.security).toEqual([{ staffJwt: [] }]);
    expect(doc.paths['/api/webhooks/site'].post.security).toEqual([{ siteSignature: [] }]);
    expect(doc.paths['/healthz'].get.security).toBeUndefined();
    const docs = await stack.app.inject('/docs/');
    expect(docs.statusCode).toBe(200);
    expect(docs.headers['content-type']).toContain('text/html');
  });

  it('exposes Prometheus metrics including queue depth and request counts', async () => {
    await stack.app.inject('/healthz');
    const m = await stack.app.inject('/metrics');
    expect(m.statusCode).toBe(200);
    expect(m.headers['content-type']).toContain('text/plain');
    expect(m.body).toContain('brymix_queue_jobs{state="waiting"}');
    expect(m.body).toMatch(/brymix_http_requests_total\{method="GET",route="\/healthz",status="200"\} \d+/);
  });

  it.skipIf(servicesMode)('counts SQLite commits and the callers they carried', async () => {
    const count = (body: string, name: string) => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(body)?.[1]);
    const before = (await stack.app.inject('/metrics')).body;
    // Twenty writes in one turn of the event loop: one group, one commit.
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        stack.deps.dbHandle.db
          .insertInto('idempotency_keys')
          .values({ tenant_id: 'metrics', key: `k${i}`, request_hash: 'h', job_id: `job_${i}`, created_at: 0 })
          .execute(),
      ),
    );
    const after = (await stack.app.inject('/metrics')).body;
    const commits = count(after, 'brymix_sqlite_commits_total') - count(before, 'brymix_sqlite_commits_total');
    const callers =
      count(after, 'brymix_sqlite_commit_callers_total') - count(before, 'brymix_sqlite_commit_callers_total');
    expect(callers).toBeGreaterThanOrEqual(20);
    expect(commits).toBeGreaterThanOrEqual(1);
    expect(commits).toBeLessThan(callers);
  });

  it('answers an unknown route with a 404 problem carrying the request id', async () => {
    const r = await stack.app.inject({ url: '/nope', headers: { 'x-request-id': 'req-from-caller-123' } });
    expect(r.statusCode).toBe(404);
    expect(r.headers['content-type']).toContain('application/problem+json');
    expect(r.headers['x-request-id']).toBe('req-from-caller-123');
    expect(r.json()).toMatchObject({
      status: 404,
      code: 'not_found',
      request_id: 'req-from-caller-123',
      instance: '/nope',
    });
  });

  it('refuses a body over the size limit with 413', async () => {
    const { key } = await stack.createKey();
    const r = await stack.app.inject({
      method: 'POST',
      url: '/api/v1/check',
      headers: { 'x-api-key': key, 'content-type': 'application/json' },
      payload: `{"user_id":"${'x'.repeat(2_000_000)}"}`,
    });
    expect(r.statusCode).toBe(413);
    expect(r.json().code).toBe('payload_too_large');
  });
});

describe('/metrics access', () => {
  const METRICS_TOKEN = 'mtok_8fJ2kQ9wXz4LmN7pR3tV6yB1cD5gH0sA';
  let guarded: TestStack;
  beforeAll(async () => {
    guarded = await startStack({ workers: false, env: { METRICS_TOKEN, METRICS_ALLOW_CIDRS: '10.1.0.0/16' } });
  });
  afterAll(() => guarded.close());

  const scrape = (
    s: TestStack,
    remoteAddress: string,
    headers: Record<string, string> = {},
    method: 'GET' | 'HEAD' = 'GET',
  ) => s.app.inject({ method, url: '/metrics', remoteAddress, headers });

  it('serves loopback and refuses any other address with 403 by default (no token configured)', async () => {
    expect((await scrape(stack, '127.0.0.1')).statusCode).toBe(200);
    expect((await scrape(stack, '::1')).statusCode).toBe(200);
    const outside = await scrape(stack, '203.0.113.9');
    expect(outside.statusCode).toBe(403);
    expect(outside.headers['content-type']).toContain('application/problem+json');
    expect(outside.json()).toMatchObject({
      status: 403,
      code: 'forbidden',
      detail: 'Metrics are served only to addresses in METRICS_ALLOW_CIDRS',
    });
    expect(outside.body).not.toContain('brymix_http_requests_total');
  });

  it('ignores a forwarded address from a client that is not a trusted proxy', async () => {
    expect((await scrape(stack, '203.0.113.9', { 'x-forwarded-for': '127.0.0.1' })).statusCode).toBe(403);
  });

  it('answers 401 with WWW-Authenticate to an outside address without a token', async () => {
    const r = await scrape(guarded, '203.0.113.9');
    expect(r.statusCode).toBe(401);
    expect(r.headers['www-authenticate']).toBe('Bearer realm="metrics"');
    expect(r.json()).toMatchObject({ status: 401, code: 'unauthorized' });
    expect(r.body).not.toContain('brymix_');
    expect((await scrape(guarded, '203.0.113.9', {}, 'HEAD')).statusCode).toBe(401);
  });

  it('answers 401 to a forged token, of the same length or not, from any address', async () => {
    const sameLength = `${METRICS_TOKEN.slice(0, -1)}B`;
    for (const [address, authorization] of [
      ['203.0.113.9', `Bearer ${sameLength}`],
      ['203.0.113.9', `Bearer ${METRICS_TOKEN}x`],
      ['203.0.113.9', `Bearer ${METRICS_TOKEN.toUpperCase()}`],
      ['10.1.2.3', `Bearer ${sameLength}`],
    ] as const) {
      const r = await scrape(guarded, address, { authorization });
      expect(r.statusCode, `${address} ${authorization}`).toBe(401);
      expect(r.json().detail).toBe('The metrics token is not valid');
    }
  });

  it('serves the right Bearer token from anywhere, and an allowed address without one', async () => {
    const withToken = await scrape(guarded, '203.0.113.9', { authorization: `Bearer ${METRICS_TOKEN}` });
    expect(withToken.statusCode).toBe(200);
    expect(withToken.body).toContain('brymix_queue_jobs{state="waiting"}');
    expect((await scrape(guarded, '10.1.2.3')).statusCode).toBe(200);
    // Loopback is not in this deployment's list: only the token opens it there.
    expect((await scrape(guarded, '127.0.0.1')).statusCode).toBe(401);
  });
});
