/** The monitors API: create, read, list, stop; tenants, bad input and Idempotency-Key. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createScriptedConnector,
  SCRIPTED_SERVER,
  type ScriptedConnector,
} from '../../../test/factories/scripted-live.ts';
import { checkBody, startStack, type TestStack } from '../../../test/harness.ts';
import { FakeClock } from '../../infra/clock.ts';
import { createConnectorRouter } from '../../mt5/router.ts';
import { DEMO_SERVER, SimulatorConnector } from '../../mt5/simulator/index.ts';

let stack: TestStack;
let key: string;
let otherKey: string;
let scripted: ScriptedConnector;
const clock = new FakeClock(Date.parse('2026-12-01T10:00:00.000Z'));

beforeAll(async () => {
  scripted = createScriptedConnector(clock);
  stack = await startStack({
    clock,
    connectors: createConnectorRouter({
      [DEMO_SERVER]: new SimulatorConnector({ clock }),
      [SCRIPTED_SERVER]: scripted,
    }),
  });
  key = (await stack.createKey('Firm A')).key;
  otherKey = (await stack.createKey('Firm B')).key;
});
afterAll(async () => {
  await stack.close();
});

const body = (over: Record<string, unknown> = {}) =>
  checkBody({ mt5_login: '7001', mt5_password: 'pw', mt5_server: SCRIPTED_SERVER, ...over });

async function post(payload: unknown, headers: Record<string, string> = {}, k = key) {
  return stack.app.inject({
    method: 'POST',
    url: '/api/v1/monitors',
    headers: { 'x-api-key': k, ...headers },
    payload: payload as object,
  });
}
const get = (url: string, k = key) => stack.app.inject({ method: 'GET', url, headers: { 'x-api-key': k } });

describe('POST /api/v1/monitors', () => {
  it('starts a monitor: 201 with its id and status active, sealed credentials', async () => {
    scripted.add('7001');
    const password = 'monitor-pw-7001-secret';
    const res = await post(body({ mt5_password: password }));
    expect(res.statusCode).toBe(201);
    expect(res.json()).toEqual({ monitor_id: expect.stringMatching(/^mon_[0-9A-Za-z]{20}$/), status: 'active' });
    const row = await stack.deps.dbHandle.db
      .selectFrom('monitors')
      .selectAll()
      .where('id', '=', res.json().monitor_id)
      .executeTakeFirstOrThrow();
    // Sealed (a two-letter password could appear in any ciphertext by chance: this one cannot).
    expect(JSON.stringify(row)).not.toContain(password);
    expect(stack.deps.sealer.open(row.credentials_enc!, row.id)).toContain(password);
    expect(JSON.parse(row.alerts)).toEqual([50, 80, 95]);
  });

  it('answers GET with the documented shape: metrics, violations and objectives named as in a check result', async () => {
    const id = (await post(body({ alerts: [90, 25] }))).json().monitor_id;
    const res = await get(`/api/v1/monitors/${id}`);
    expect(res.statusCode).toBe(200);
    const m = res.json();
    expect(m).toMatchObject({
      monitor_id: id,
      user_id: 'user_123',
      challenge_id: 'challenge_456',
      mt5_login: '7001',
      mt5_server: SCRIPTED_SERVER,
      status: 'active',
      violations: [],
      objectives: [],
      equity_source: null,
      data_age_ms: null,
      last_observation_at: null,
      connection: { state: 'connecting', since: '2026-12-01T10:00:00.000Z', last_error: null },
      sequence: 0,
      alerts: [25, 90],
    });
    for (const k of ['initial_balance', 'current_balance', 'current_equity', 'max_drawdown_percent', 'total_trades'])
      expect(m.metrics).toHaveProperty(k);
    expect(JSON.stringify(m)).not.toContain('"pw"');
  });

  it.each([
    [{ alerts: [0] }, 'alerts.0'],
    [{ alerts: [50, 50] }, 'alerts'],
    [{ alerts: [101] }, 'alerts.0'],
    [{ mt5_server: 'Nowhere-Live' }, 'mt5_server'],
    [{ mt5_password: '' }, 'mt5_password'],
    [{ initial_balance: -5 }, 'initial_balance'],
    [{ rules: { max_drawdown_percent: 'ten' } }, 'rules.max_drawdown_percent'],
    [{ callback_url: 'http://10.0.0.1/hook' }, 'callback_url'],
    [{ surprise: 1 }, 'surprise'],
  ])('refuses %j with a 400 problem naming %s', async (over, field) => {
    const res = await post(body(over));
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
    const p = res.json();
    expect(p.code).toBe('validation_failed');
    expect(JSON.stringify(p.errors ?? p.detail)).toContain(field);
  });

  it('honours Idempotency-Key: the same request answers the same monitor, another body 422', async () => {
    const a = await post(body({ challenge_id: 'idem' }), { 'idempotency-key': 'k-1' });
    const b = await post(body({ challenge_id: 'idem' }), { 'idempotency-key': 'k-1' });
    expect(a.statusCode).toBe(201);
    expect(b.statusCode).toBe(201);
    expect(b.json()).toEqual(a.json());
    const c = await post(body({ challenge_id: 'other' }), { 'idempotency-key': 'k-1' });
    expect(c.statusCode).toBe(422);
    // Another tenant's key space is its own.
    const d = await post(body({ challenge_id: 'idem' }), { 'idempotency-key': 'k-1' }, otherKey);
    expect(d.json().monitor_id).not.toBe(a.json().monitor_id);
  });

  it('needs an API key', async () => {
    const res = await stack.app.inject({ method: 'POST', url: '/api/v1/monitors', payload: body() });
    expect(res.statusCode).toBe(401);
  });
});

describe('tenants', () => {
  it('answers 404 to another tenant on every route, and lists only its own', async () => {
    const id = (await post(body({ challenge_id: 'mine' }))).json().monitor_id;
    for (const [method, url] of [
      ['GET', `/api/v1/monitors/${id}`],
      ['DELETE', `/api/v1/monitors/${id}`],
      ['GET', `/api/v1/monitors/${id}/events`],
      ['GET', `/api/v1/monitors/${id}/deliveries`],
    ] as const) {
      const res = await stack.app.inject({ method, url, headers: { 'x-api-key': otherKey } });
      expect(res.statusCode, `${method} ${url}`).toBe(404);
    }
    const list = (await get('/api/v1/monitors?limit=200', otherKey)).json();
    expect(list.monitors.map((m: { monitor_id: string }) => m.monitor_id)).not.toContain(id);
    expect((await get(`/api/v1/monitors/${id}`)).json().status).toBe('active');
  });
});

describe('GET /api/v1/monitors', () => {
  it('pages newest first with a cursor and filters by status', async () => {
    const { key: k } = await stack.createKey('Paging Firm');
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push((await post(body({ challenge_id: `page-${i}` }), {}, k)).json().monitor_id);
      clock.advance(1);
    }
    await stack.app.inject({ method: 'DELETE', url: `/api/v1/monitors/${ids[1]}`, headers: { 'x-api-key': k } });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { monitors: Array<{ monitor_id: string }>; next_cursor: string | null } = (
        await get(`/api/v1/monitors?limit=2${cursor ? `&cursor=${cursor}` : ''}`, k)
      ).json();
      expect(page.monitors.length).toBeLessThanOrEqual(2);
      seen.push(...page.monitors.map((m: { monitor_id: string }) => m.monitor_id));
      cursor = page.next_cursor;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());
    const stopped = (await get('/api/v1/monitors?status=stopped', k)).json();
    expect(stopped.monitors.map((m: { monitor_id: string }) => m.monitor_id)).toEqual([ids[1]]);
    const bad = await get('/api/v1/monitors?cursor=nonsense', k);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors[0].field).toBe('cursor');
    expect((await get('/api/v1/monitors?status=sleeping', k)).statusCode).toBe(400);
  });
});

describe('DELETE /api/v1/monitors/{id}', () => {
  it('stops the monitor, erases its credentials and records monitor.stopped once', async () => {
    const id = (await post(body({ challenge_id: 'to-stop' }))).json().monitor_id;
    const del = await stack.app.inject({
      method: 'DELETE',
      url: `/api/v1/monitors/${id}`,
      headers: { 'x-api-key': key },
    });
    expect(del.statusCode).toBe(200);
    expect(del.json()).toMatchObject({ monitor_id: id, status: 'stopped', sequence: 1 });
    const again = await stack.app.inject({
      method: 'DELETE',
      url: `/api/v1/monitors/${id}`,
      headers: { 'x-api-key': key },
    });
    expect(again.json()).toMatchObject({ status: 'stopped', sequence: 1 });
    const row = await stack.deps.dbHandle.db
      .selectFrom('monitors')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(row.credentials_enc).toBeNull();
    const events = await stack.deps.dbHandle.db
      .selectFrom('monitor_events')
      .selectAll()
      .where('monitor_id', '=', id)
      .execute();
    expect(events.map((e) => [e.event, e.sequence])).toEqual([['monitor.stopped', 1]]);
  });
});

describe('OpenAPI', () => {
  it('documents every monitors route', async () => {
    const doc = (await stack.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(Object.keys(doc.paths['/api/v1/monitors'])).toEqual(expect.arrayContaining(['post', 'get']));
    expect(Object.keys(doc.paths['/api/v1/monitors/{monitor_id}'])).toEqual(expect.arrayContaining(['get', 'delete']));
    expect(doc.paths['/api/v1/monitors/{monitor_id}/events'].get).toBeDefined();
    expect(doc.paths['/api/v1/monitors'].post.requestBody.content['application/json'].schema.properties).toHaveProperty(
      'alerts',
    );
  });
});
