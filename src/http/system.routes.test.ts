import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type TestStack } from '../../test/harness.ts';

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
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/v1/check', '/api/v1/job/{job_id}', '/api/v1/job/{job_id}/deliveries', '/api/v1/job/{job_id}/redeliver']));
    expect(doc.paths['/api/v1/check'].post.requestBody.content['application/json'].schema.required).toEqual(
      expect.arrayContaining(['user_id', 'challenge_id', 'mt5_login', 'mt5_password', 'mt5_server', 'initial_balance']),
    );
    // Every family of routes names how it authenticates.
    expect(Object.keys(doc.components.securitySchemes)).toEqual(expect.arrayContaining(['apiKey', 'staffJwt', 'serviceToken', 'siteSignature', 'widgetToken']));
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

  it('answers an unknown route with a 404 problem carrying the request id', async () => {
    const r = await stack.app.inject({ url: '/nope', headers: { 'x-request-id': 'req-from-caller-123' } });
    expect(r.statusCode).toBe(404);
    expect(r.headers['content-type']).toContain('application/problem+json');
    expect(r.headers['x-request-id']).toBe('req-from-caller-123');
    expect(r.json()).toMatchObject({ status: 404, code: 'not_found', request_id: 'req-from-caller-123', instance: '/nope' });
  });

  it('refuses a body over the size limit with 413', async () => {
    const { key } = await stack.createKey();
    const r = await stack.app.inject({ method: 'POST', url: '/api/v1/check', headers: { 'x-api-key': key, 'content-type': 'application/json' }, payload: `{"user_id":"${'x'.repeat(2_000_000)}"}` });
    expect(r.statusCode).toBe(413);
    expect(r.json().code).toBe('payload_too_large');
  });
});

describe('static assets', () => {
  it('serves shared styles and the charting library for browser pages', async () => {
    const css = await stack.app.inject('/static/shared/base.css');
    expect(css.statusCode).toBe(200);
    expect(css.headers['content-type']).toContain('text/css');
    const lib = await stack.app.inject('/static/vendor/lightweight-charts.js');
    expect(lib.statusCode).toBe(200);
    expect(lib.body).toContain('LightweightCharts');
    expect((await stack.app.inject('/static/../package.json')).statusCode).toBe(404);
  });
});
