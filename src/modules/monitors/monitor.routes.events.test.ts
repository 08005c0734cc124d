/** GET /api/v1/monitors/{id}/events: the webhooks' events as Server-Sent Events, resumable with Last-Event-ID. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createScriptedConnector,
  SCRIPTED_SERVER,
  type ScriptedAccount,
} from '../../../test/factories/scripted-live.ts';
import { openSse } from '../../../test/factories/sse.ts';
import { checkBody, startStack, type TestStack } from '../../../test/harness.ts';
import { FakeClock } from '../../infra/clock.ts';
import { createConnectorRouter } from '../../mt5/router.ts';

const clock = new FakeClock(Date.parse('2026-12-01T10:00:00.000Z'));
const scripted = createScriptedConnector(clock);
let stack: TestStack;
let key: string;
let account: ScriptedAccount;

beforeAll(async () => {
  stack = await startStack({ clock, listen: true, connectors: createConnectorRouter({ [SCRIPTED_SERVER]: scripted }) });
  key = (await stack.createKey('Stream Firm')).key;
  account = scripted.add('7601');
});
afterAll(async () => {
  await stack.close();
});

async function round(): Promise<void> {
  clock.advance(1_000);
  await stack.deps.monitorRuntime.tick();
}

describe('GET /api/v1/monitors/{id}/events', () => {
  it('sends every event, then new ones as they happen; a reconnect with Last-Event-ID gets only the later ones', async () => {
    const created = await stack.app.inject({
      method: 'POST',
      url: '/api/v1/monitors',
      headers: { 'x-api-key': key },
      payload: checkBody({
        mt5_login: '7601',
        mt5_password: 'pw',
        mt5_server: SCRIPTED_SERVER,
        rules: { max_drawdown_percent: 10, profit_target_percent: 10, max_daily_loss_percent: null },
      }),
    });
    const id = created.json().monitor_id as string;
    account.equity = 94_000;
    await round();

    const url = `${stack.url}/api/v1/monitors/${id}/events`;
    const first = await openSse(url, { 'x-api-key': key });
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toContain('text/event-stream');
    const alert = await first.waitFor((e) => e.event === 'monitor.alert');
    expect(alert.id).toBe('1');
    expect(alert.data).toMatchObject({ event: 'monitor.alert', sequence: 1, monitor_id: id, status: 'active' });

    account.equity = 91_000;
    await round();
    const second = await first.waitFor((e) => e.id === '2');
    expect(second.data.event_id).not.toBe(alert.data.event_id);
    first.close();

    const resumed = await openSse(url, { 'x-api-key': key, 'last-event-id': '1' });
    await resumed.waitFor((e) => e.id === '2');
    await stack.app.inject({ method: 'DELETE', url: `/api/v1/monitors/${id}`, headers: { 'x-api-key': key } });
    const stopped = await resumed.waitFor((e) => e.event === 'monitor.stopped');
    expect(stopped).toMatchObject({ id: '3', data: { status: 'stopped', sequence: 3 } });
    expect(resumed.events.map((e) => e.id)).toEqual(['2', '3']);
    resumed.close();

    // The stored webhook bodies are what the stream sent.
    const rows = await stack.deps.dbHandle.db
      .selectFrom('monitor_events')
      .selectAll()
      .where('monitor_id', '=', id)
      .orderBy('sequence')
      .execute();
    expect(rows.map((r) => JSON.parse(r.payload))).toEqual([alert.data, second.data, stopped.data]);
  });

  it('answers 401 without a key and 404 for an unknown monitor', async () => {
    const none = await fetch(`${stack.url}/api/v1/monitors/mon_x/events`);
    expect(none.status).toBe(401);
    const unknown = await fetch(`${stack.url}/api/v1/monitors/mon_x/events`, { headers: { 'x-api-key': key } });
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toContain('application/problem+json');
  });
});
