import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConnectorError, type Mt5Credentials } from '../connector.ts';
import type { AccountHistory, AccountInfo } from '../history.ts';
import { isMarketOpen } from './calendar.ts';
import { finalBalance, positions } from './history-facts.ts';
import { hashString } from './prng.ts';
import { traderProfile } from './random-trader.ts';
import { generateAccount, SimulatorConnector } from './simulator.ts';

const creds = (login: string, password = 'demo', server = 'Brymix-Demo'): Mt5Credentials => ({
  login,
  password,
  server,
});

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
    expect(err).toMatchObject({
      code: 'invalid_credentials',
      retryable: false,
      message: 'Invalid MT5 login or password',
    });
    expect(JSON.stringify(err) + String(err) + (err as Error).stack).not.toContain('hunter2-secret');
  });

  it('rejects an empty login as invalid credentials', async () => {
    await expect(new SimulatorConnector().getAccountInfo(creds(''))).rejects.toMatchObject({
      code: 'invalid_credentials',
    });
  });

  it('answers login 1099 with a retryable unreachable error, whatever the password', async () => {
    const sim = new SimulatorConnector();
    for (const password of ['demo', 'wrong']) {
      const err = await rejection(sim.fetchHistory(creds('1099', password)));
      expect(err).toMatchObject({
        name: 'ConnectorError',
        code: 'unreachable',
        retryable: true,
        message: 'MT5 server did not respond',
      });
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
    await expect(sim.fetchHistory(creds('1001'), { signal: AbortSignal.abort() })).rejects.toMatchObject({
      name: 'AbortError',
    });
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
    expect(h.symbols?.EURUSD).toEqual({ contract_size: 100_000, point: 0.00001, profit_currency: 'USD' });
    expect(h.symbols?.XAUUSD).toEqual({ contract_size: 100, point: 0.01, profit_currency: 'USD' });
    expect(h.bars).toBeUndefined();
  });

  it('reports a flat account with no margin and a null margin level', async () => {
    const info = await new SimulatorConnector().getAccountInfo(creds('1001'));
    expect(info).toMatchObject({
      login: '1001',
      currency: 'USD',
      leverage: 100,
      credit: 0,
      margin: 0,
      margin_level: null,
    });
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
    expect(h.bars?.EURUSD?.length).toBeGreaterThan(1_000);
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

const cents = (x: number): number => Math.round(x * 100);
const isCents = (x: number): boolean => Math.abs(x * 100 - Math.round(x * 100)) < 1e-6;

/**
 * Every internal-consistency fact a consumer may rely on. Returns the broken ones (plain checks,
 * not `expect`, so a scalper's thousands of deals are checked quickly).
 */
function inconsistencies(h: AccountHistory, info: AccountInfo): string[] {
  const problems: string[] = [];
  const check = (ok: boolean, what: () => string): void => {
    if (!ok && problems.length < 20) problems.push(what());
  };

  // Final balance = initial + Σ(profit + commission + swap + fee), to the cent.
  const sum = h.deals.reduce((s, d) => s + cents(d.profit) + cents(d.commission) + cents(d.swap) + cents(d.fee), 0);
  check(
    cents(info.balance) === cents(h.account.initial_balance) + sum,
    () => `final balance ${info.balance} ≠ initial + Σ deals`,
  );
  check(finalBalance(h) === info.balance, () => 'finalBalance() disagrees with account info');

  // Deals: time-ordered, unique increasing tickets, money in cents, prices on the point grid.
  for (let i = 0; i < h.deals.length; i++) {
    const d = h.deals[i]!;
    const prev = h.deals[i - 1];
    if (prev) {
      check(d.time >= prev.time, () => `deal ${d.ticket} out of time order`);
      check(d.ticket > prev.ticket, () => `deal ticket ${d.ticket} not increasing`);
    }
    for (const x of [d.profit, d.commission, d.swap, d.fee])
      check(isCents(x), () => `deal ${d.ticket}: ${x} is not in cents`);
    const spec = h.symbols?.[d.symbol];
    check(spec !== undefined, () => `no symbol spec for ${d.symbol}`);
    if (spec) {
      const steps = d.price / spec.point;
      check(Math.abs(steps - Math.round(steps)) < 1e-6, () => `deal ${d.ticket}: price ${d.price} off the point grid`);
    }
    check(isMarketOpen(Date.parse(d.time)), () => `deal ${d.ticket} at ${d.time} while the market is closed`);
    if (d.entry === 'in') check(d.profit === 0, () => `entry deal ${d.ticket} has profit`);
    // Raw-spread FX and gold pay 3.50 USD per lot per side; the index CFD is commission-free.
    const commission = d.symbol === 'US30' ? 0 : -Math.round(Math.round(d.volume * 100) * 3.5) / 100;
    check(d.commission === commission, () => `deal ${d.ticket}: commission ${d.commission}, expected ${commission}`);
  }

  // Positions: ids are the opening order, volumes match, closing profit follows the formula.
  const facts = positions(h);
  const stillOpen = new Map((h.positions ?? []).map((p) => [p.ticket, p]));
  const dealsOf = new Map<number, AccountHistory['deals']>();
  for (const x of h.deals) {
    const list = dealsOf.get(x.position_id) ?? [];
    list.push(x);
    dealsOf.set(x.position_id, list);
  }
  for (const p of facts) {
    const deals = dealsOf.get(p.positionId) ?? [];
    check(deals[0]?.order === p.positionId, () => `position ${p.positionId} is not its opening order`);
    if (p.lastOut) {
      check(p.outVolume === p.inVolume, () => `position ${p.positionId}: in ${p.inVolume} ≠ out ${p.outVolume}`);
      check(!stillOpen.has(p.positionId), () => `closed position ${p.positionId} listed as open`);
    } else {
      const volume = Math.round((p.inVolume - p.outVolume) * 100) / 100;
      check(stillOpen.get(p.positionId)?.volume === volume, () => `open position ${p.positionId} volume mismatch`);
    }
    const ins = deals.filter((d) => d.entry === 'in');
    if (ins.length === 1) {
      const entry = ins[0]!;
      const dir = entry.type === 'buy' ? 1 : -1;
      const contract = h.symbols![entry.symbol]!.contract_size;
      for (const out of deals.filter((d) => d.entry === 'out')) {
        const expected = Math.round((out.price - entry.price) * dir * out.volume * contract * 100) / 100;
        check(
          Math.abs(out.profit - expected) <= 0.011,
          () => `deal ${out.ticket}: profit ${out.profit}, expected ${expected}`,
        );
      }
    }
  }
  check(facts.filter((p) => !p.lastOut).length === stillOpen.size, () => 'open positions do not match the deals');

  // Snapshots: strictly time-ordered; balance = running balance; one at every deal instant;
  // no gap over a minute while a position is open, except across the weekend close.
  const snaps = h.equity ?? [];
  const snapTimes = new Set(snaps.map((s) => s.time));
  for (const d of h.deals) check(snapTimes.has(d.time), () => `no equity snapshot at deal ${d.ticket}`);
  let next = 0;
  let balance = cents(h.account.initial_balance);
  let open = 0;
  const volumes = new Map<number, number>();
  for (let i = 0; i < snaps.length; i++) {
    const s = snaps[i]!;
    const prev = snaps[i - 1];
    if (prev) {
      check(s.time > prev.time, () => `snapshot ${s.time} not after ${prev.time}`);
      const gap = Date.parse(s.time) - Date.parse(prev.time);
      const nextMinute = Math.floor(Date.parse(prev.time) / 60_000) * 60_000 + 60_000;
      check(
        open === 0 || gap <= 60_000 || !isMarketOpen(nextMinute),
        () => `snapshot gap after ${prev.time} with positions open`,
      );
    }
    for (let deal = h.deals[next]; deal && deal.time <= s.time; deal = h.deals[++next]) {
      balance += cents(deal.profit) + cents(deal.commission) + cents(deal.swap) + cents(deal.fee);
      const before = volumes.get(deal.position_id) ?? 0;
      const after = before + (deal.entry === 'in' ? 1 : -1) * Math.round(deal.volume * 100);
      volumes.set(deal.position_id, after);
      open += (after > 0 ? 1 : 0) - (before > 0 ? 1 : 0);
    }
    check(cents(s.balance) === balance, () => `snapshot ${s.time}: balance ${s.balance} ≠ running ${balance / 100}`);
    check(isCents(s.equity), () => `snapshot ${s.time}: equity not in cents`);
    check(open > 0 || s.equity === s.balance, () => `snapshot ${s.time}: flat but equity ≠ balance`);
  }
  if (h.positions?.length) check(snaps[snaps.length - 1]?.time === info.as_of, () => 'no snapshot at as_of');
  return problems;
}

function loginsOfEachStyle(): string[] {
  const found = new Map<string, string>();
  for (let i = 0; found.size < 3 && i < 500; i++) {
    const login = String(500_000 + i);
    const style = traderProfile(hashString(`Brymix-Demo:${login}`)).style;
    if (!found.has(style)) found.set(style, login);
  }
  return [...found.values()];
}

describe('simulated histories are internally consistent', () => {
  it.each(['1001', '1002', '1003', '1004', '1005', 'alice', 'TRADER_9', ...loginsOfEachStyle()])(
    'login %s',
    (login) => {
      const { history, info } = generateAccount(login);
      expect(inconsistencies(history, info)).toEqual([]);
    },
  );

  it('holds for arbitrary logins', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 16 }), (login) => {
        const { history, info } = generateAccount(login);
        expect(inconsistencies(history, info)).toEqual([]);
      }),
      { numRuns: 20 },
    );
  });

  it('values minute snapshots at the bar open: longs at Bid, shorts at Ask = Bid + spread', () => {
    // 1005 never holds a position over a rollover, so equity = balance + floating exactly.
    const { history: h } = generateAccount('1005', { includeBars: true });
    const barAt = new Map<string, { open: number; spread: number }>();
    for (const [symbol, bars] of Object.entries(h.bars ?? {})) {
      for (const b of bars) barAt.set(`${symbol} ${b.time}`, { open: b.open, spread: b.spread_points });
    }
    let checked = 0;
    for (const s of h.equity ?? []) {
      if (!s.time.endsWith(':00.000Z') || h.deals.some((d) => d.time === s.time)) continue;
      const open = positions(h).filter((p) => p.firstIn < s.time && (p.lastOut ?? '9') > s.time);
      let floating = 0;
      for (const p of open) {
        const entry = h.deals.find((d) => d.position_id === p.positionId && d.entry === 'in')!;
        const spec = h.symbols![p.symbol]!;
        const bar = barAt.get(`${p.symbol} ${s.time}`)!;
        const exit = p.side === 'buy' ? bar.open : bar.open + bar.spread * spec.point;
        const dir = p.side === 'buy' ? 1 : -1;
        const closedSoFar = h.deals
          .filter((d) => d.position_id === p.positionId && d.entry === 'out' && d.time <= s.time)
          .reduce((v, d) => v + d.volume, 0);
        floating += Math.round((exit - entry.price) * dir * (p.inVolume - closedSoFar) * spec.contract_size * 100);
      }
      expect(Math.abs(cents(s.equity) - cents(s.balance) - floating)).toBeLessThanOrEqual(1);
      checked++;
    }
    expect(checked).toBeGreaterThan(300);
  });
});
