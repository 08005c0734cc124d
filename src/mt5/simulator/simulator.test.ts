import { describe, expect, it } from 'vitest';
import { ConnectorError, type Mt5Credentials } from '../connector.ts';
import { hashString } from './prng.ts';
import { traderProfile } from './random-trader.ts';
import { SimulatorConnector, generateAccount } from './simulator.ts';

const creds = (login: string, password = 'demo', server = 'Brymix-Demo'): Mt5Credentials => ({ login, password, server });

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

/** First login of the given style, searched deterministically. */
function loginOfStyle(style: 'swing' | 'day' | 'scalper', predicate: (login: string) => boolean = () => true): string {
  for (let i = 0; i < 500; i++) {
    const login = String(300_000 + i);
    if (traderProfile(hashString(`Brymix-Demo:${login}`)).style === style && predicate(login)) return login;
  }
  throw new Error(`no ${style} login found`);
}

describe('SimulatorConnector', () => {
  it('returns an identical history for the same login, across instances', async () => {
    const a = await new SimulatorConnector().fetchHistory(creds('1001'));
    const b = await new SimulatorConnector().fetchHistory(creds('1001'));
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    const r1 = await new SimulatorConnector().fetchHistory(creds('trader-42'));
    const r2 = await new SimulatorConnector().fetchHistory(creds('trader-42'));
    expect(r1).toEqual(r2);
  });

  it('gives different logins different histories', async () => {
    const sim = new SimulatorConnector();
    const histories = await Promise.all(['1001', '1005', '777', '778', 'alice'].map((l) => sim.fetchHistory(creds(l))));
    const fingerprints = new Set(histories.map((h) => JSON.stringify(h.deals)));
    expect(fingerprints.size).toBe(5);
  });

  it('rejects a wrong password with invalid_credentials, not retryable, without echoing it', async () => {
    const err = await rejection(new SimulatorConnector().fetchHistory(creds('1001', 'hunter2-secret')));
    expect(err).toBeInstanceOf(ConnectorError);
    expect(err).toMatchObject({ code: 'invalid_credentials', retryable: false, message: 'Invalid MT5 login or password' });
    expect(JSON.stringify(err) + String(err) + (err as Error).stack).not.toContain('hunter2-secret');
  });

  it('rejects an empty login as invalid credentials', async () => {
    await expect(new SimulatorConnector().getAccountInfo(creds(''))).rejects.toMatchObject({ code: 'invalid_credentials' });
  });

  it('answers login 1099 with a retryable unreachable error, whatever the password', async () => {
    const sim = new SimulatorConnector();
    for (const password of ['demo', 'wrong']) {
      const err = await rejection(sim.fetchHistory(creds('1099', password)));
      expect(err).toMatchObject({ name: 'ConnectorError', code: 'unreachable', retryable: true, message: 'MT5 server did not respond' });
    }
  });

  it('refuses credentials for another server with unknown_server', async () => {
    await expect(new SimulatorConnector().getPositions(creds('1001', 'demo', 'Other-Live'))).rejects.toMatchObject({
      code: 'unknown_server',
      retryable: false,
    });
  });

  it('serves one cached, deeply frozen history per login', async () => {
    const sim = new SimulatorConnector();
    const a = await sim.fetchHistory(creds('1002'));
    const b = await sim.fetchHistory(creds('1002'));
    expect(b).toBe(a);
    expect(Object.isFrozen(a.deals)).toBe(true);
    expect(Object.isFrozen(a.deals[0])).toBe(true);
    expect(Object.isFrozen(a.equity?.[0])).toBe(true);
    expect(() => a.deals.push(a.deals[0]!)).toThrow(TypeError);
  });

  it('evicts the least recently used login beyond cacheSize', async () => {
    const sim = new SimulatorConnector({ cacheSize: 2 });
    const first = await sim.fetchHistory(creds('1001'));
    await sim.fetchHistory(creds('1005'));
    expect(await sim.fetchHistory(creds('1001'))).toBe(first); // 1001 is now the most recent
    await sim.fetchHistory(creds('1004')); // evicts 1005
    expect(await sim.fetchHistory(creds('1001'))).toBe(first);
    const regenerated = await sim.fetchHistory(creds('1005'));
    expect(regenerated).toEqual(generateAccount('1005').history);
  });

  it('waits latencyMs before answering', async () => {
    const sim = new SimulatorConnector({ latencyMs: 60 });
    const started = performance.now();
    await sim.getAccountInfo(creds('1001'));
    expect(performance.now() - started).toBeGreaterThanOrEqual(55);
  });

  it('stops waiting when the caller aborts, with the abort reason', async () => {
    const sim = new SimulatorConnector({ latencyMs: 5_000 });
    const controller = new AbortController();
    const pending = sim.fetchHistory(creds('1001'), { signal: controller.signal });
    setTimeout(() => controller.abort(), 10);
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    await expect(sim.fetchHistory(creds('1001'), { signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('turns an AbortSignal.timeout into a retryable timeout error', async () => {
    const sim = new SimulatorConnector({ latencyMs: 5_000 });
    const err = await rejection(sim.fetchHistory(creds('1001'), { signal: AbortSignal.timeout(20) }));
    expect(err).toMatchObject({ code: 'timeout', retryable: true });
  });

  it('describes a USD hedging account on EET with a 100,000 start and fixed January 2026 dates', async () => {
    const h = await new SimulatorConnector().fetchHistory(creds('1001'));
    expect(h.account).toEqual({
      login: '1001',
      server: 'Brymix-Demo',
      currency: 'USD',
      initial_balance: 100_000,
      server_utc_offset_minutes: 120,
      margin_mode: 'hedging',
    });
    expect(h.deals[0]!.time.startsWith('2026-01-12T')).toBe(true);
    expect(h.symbols?.['EURUSD']).toEqual({ contract_size: 100_000, point: 0.00001, profit_currency: 'USD' });
    expect(h.symbols?.['XAUUSD']).toEqual({ contract_size: 100, point: 0.01, profit_currency: 'USD' });
    expect(h.bars).toBeUndefined();
  });

  it('reports a flat account with no margin and a null margin level', async () => {
    const info = await new SimulatorConnector().getAccountInfo(creds('1001'));
    expect(info).toMatchObject({ login: '1001', currency: 'USD', leverage: 100, credit: 0, margin: 0, margin_level: null });
    expect(info.equity).toBe(info.balance);
    expect(info.free_margin).toBe(info.equity);
    expect(info.as_of).toBe('2026-01-23T21:00:00.000Z');
  });

  it('reports open positions, margin and margin level at the end of the history for a trader who is not flat', async () => {
    const login = loginOfStyle('swing', (l) => (generateAccount(l).history.positions?.length ?? 0) > 0);
    const sim = new SimulatorConnector();
    const [info, positions, history] = await Promise.all([
      sim.getAccountInfo(creds(login)),
      sim.getPositions(creds(login)),
      sim.fetchHistory(creds(login)),
    ]);
    expect(positions.length).toBeGreaterThan(0);
    expect(positions).toBe(history.positions);
    const floating = positions.reduce((s, p) => s + Math.round((p.profit + p.swap) * 100), 0);
    expect(Math.round(info.equity * 100)).toBe(Math.round(info.balance * 100) + floating);
    expect(info.margin).toBeGreaterThan(0);
    expect(info.margin_level).toBeCloseTo((info.equity / info.margin) * 100, 1);
    expect(info.free_margin).toBeCloseTo(info.equity - info.margin, 2);
    const last = history.equity?.[history.equity.length - 1];
    expect(last).toEqual({ time: info.as_of, balance: info.balance, equity: info.equity });
    for (const p of positions) expect(p.open_time < info.as_of).toBe(true);
  });

  it('includes M1 bars for the traded symbols when asked', async () => {
    const h = await new SimulatorConnector({ includeBars: true }).fetchHistory(creds('1005'));
    expect(Object.keys(h.bars ?? {}).sort()).toEqual(Object.keys(h.symbols ?? {}).sort());
    expect(h.bars?.['EURUSD']?.length).toBeGreaterThan(1_000);
  });

  it('generates a scalper with thousands of deals in well under a second', () => {
    const login = loginOfStyle('scalper');
    generateAccount(login); // warm up the shared price feed and the JIT
    const started = performance.now();
    const { history } = generateAccount(login);
    const elapsed = performance.now() - started;
    expect(history.deals.length).toBeGreaterThan(1_000);
    expect(elapsed).toBeLessThan(500);
  });
});
