/**
 * A test stack whose live monitors watch a scripted MT5 server (scripted-live.ts) on a fake clock:
 * the monitor runtime tests' set-up, and what they do with it (start a monitor, read it back, run a
 * round of the live process one poll interval later).
 */
import { afterEach, expect } from 'vitest';
import { FakeClock } from '../../src/infra/clock.ts';
import { createConnectorRouter } from '../../src/mt5/router.ts';
import { checkBody, type Receiver, type StackStorage, startReceiver, startStack, type TestStack } from '../harness.ts';
import { createScriptedConnector, SCRIPTED_SERVER, type ScriptedConnector } from './scripted-live.ts';

export const T0 = Date.parse('2026-12-01T10:00:00.000Z');
/** What the test opened; closed after each test (the file that imports this registers it). */
export const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close();
});

export interface Setup {
  stack: TestStack;
  clock: FakeClock;
  scripted: ScriptedConnector;
  receiver: Receiver;
  key: string;
}

export async function setup(
  o: { storage?: StackStorage; clock?: FakeClock; scripted?: ScriptedConnector } = {},
): Promise<Setup> {
  const clock = o.clock ?? new FakeClock(T0);
  const scripted = o.scripted ?? createScriptedConnector(clock);
  const stack = await startStack({
    clock,
    connectors: createConnectorRouter({ [SCRIPTED_SERVER]: scripted }),
    ...(o.storage ? { storage: o.storage } : {}),
  });
  const receiver = await startReceiver();
  open.push(stack, receiver);
  const { key } = await stack.createKey('Live Firm');
  return { stack, clock, scripted, receiver, key };
}

/** 10 % maximum loss and target; the daily loss off, so the drawdown alone moves. */
const RULES = { max_drawdown_percent: 10, profit_target_percent: 10, max_daily_loss_percent: null };

export async function monitor(s: Setup, login: string, over: Record<string, unknown> = {}): Promise<string> {
  const res = await s.stack.app.inject({
    method: 'POST',
    url: '/api/v1/monitors',
    headers: { 'x-api-key': s.key },
    payload: checkBody({
      rules: RULES,
      mt5_login: login,
      mt5_password: 'pw',
      mt5_server: SCRIPTED_SERVER,
      callback_url: s.receiver.url,
      ...over,
    }),
  });
  expect(res.statusCode).toBe(201);
  return res.json().monitor_id as string;
}

export const view = async (s: Setup, id: string) =>
  (await s.stack.app.inject({ method: 'GET', url: `/api/v1/monitors/${id}`, headers: { 'x-api-key': s.key } })).json();

export async function events(
  s: Setup,
  id: string,
): Promise<Array<{ event: string; sequence: number; id: string; payload: string }>> {
  return s.stack.deps.dbHandle.db
    .selectFrom('monitor_events')
    .selectAll()
    .where('monitor_id', '=', id)
    .orderBy('sequence')
    .execute();
}

/** A round of the live process one poll interval later. */
export async function round(s: Setup, ms = 1_000): Promise<void> {
  s.clock.advance(ms);
  await s.stack.deps.monitorRuntime.tick();
}
