/**
 * Scripted demo logins on `Brymix-Demo`. Each one exercises one verdict of the firm's rules
 * (FTMO-style: max loss 10 % static on equity, daily loss 5 % of initial below the day-start
 * balance with the day resetting at midnight Europe/Prague, profit target 10 % on closed balance
 * while flat, every position held at least 240 s). Trades are placed on the shared price feed by
 * the planner, so the P/L comes from real price moves; only the sizes and exits are chosen.
 *
 * The challenge runs Mon 2026-01-12 … Fri 2026-01-23 (Prague, UTC+1 in January).
 */
import { MARKET_END_MS, pragueToUtcMs } from './calendar.ts';
import { bookPositions, type PositionPlan } from './ledger.ts';
import type { Market } from './market.ts';
import { drawJitter, planDip, planFixed, planTarget, type TradeSpec } from './planner.ts';
import { mulberry32 } from './prng.ts';

export const INITIAL_BALANCE = 100_000;

/*
 * The documented demo logins (password `demo`, server `Brymix-Demo`; the table in README.md):
 * - 1001 passes: target met, flat, no rule broken
 * - 1002 fails maximum drawdown on floating equity only (closed balance never below 90,000)
 * - 1003 fails the daily loss limit only (includes a loss at 23:xx UTC = next Prague day)
 * - 1004 fails minimum trade duration only: exactly 3 positions held under 240 s
 * - 1005 breaks no rule but misses the profit target (~104,xxx)
 * - 1099 MT5 server does not respond (ConnectorError unreachable, retryable; simulator.ts)
 * - any other login: seeded random trader, deterministic per login (random-trader.ts)
 */

const t = (
  symbol: 'EURUSD' | 'GBPUSD' | 'XAUUSD' | 'US30',
  at: string,
  target: number,
  extra: Partial<TradeSpec> = {},
): TradeSpec => ({ kind: 'target', symbol, at, target, ...extra }) as TradeSpec;

export const SCRIPTS: Readonly<Record<string, readonly TradeSpec[]>> = {
  // Passes: ~20 trades over 6 days, one overnight gold short (swap), one partial close, overlaps.
  '1001': [
    t('EURUSD', '2026-01-12T09:20', 850),
    t('XAUUSD', '2026-01-12T11:05', 1_200),
    t('US30', '2026-01-12T15:40', -400),
    t('EURUSD', '2026-01-12T17:10', 600),
    t('GBPUSD', '2026-01-13T09:45', 700),
    t('XAUUSD', '2026-01-13T13:20', -550),
    t('EURUSD', '2026-01-13T16:05', 1_100, { partialAfterMs: 'half', holdMinutes: [20, 90] }),
    t('XAUUSD', '2026-01-13T20:30', 900, { side: 'sell', holdMinutes: [720, 800], maxAdverse: 1_500 }),
    t('EURUSD', '2026-01-14T10:10', -300),
    t('US30', '2026-01-14T15:35', 1_300),
    t('XAUUSD', '2026-01-14T17:30', 700),
    t('EURUSD', '2026-01-15T09:05', 750),
    t('GBPUSD', '2026-01-15T11:40', -420),
    t('XAUUSD', '2026-01-15T14:15', 1_000),
    t('US30', '2026-01-15T16:50', 450),
    t('EURUSD', '2026-01-16T10:30', 500),
    t('XAUUSD', '2026-01-16T14:00', -650),
    t('GBPUSD', '2026-01-16T15:20', 800),
    t('EURUSD', '2026-01-19T09:30', 600),
    t('XAUUSD', '2026-01-19T11:15', 800),
    { kind: 'to_balance', symbol: 'US30', at: '2026-01-19T15:45', balance: 110_452.37 },
  ],
  // Loses ~6,000 over three days (each day < 5,000), then a floating dip to ~89,450 equity
  // (below the 90,000 static floor, above that day's 5,000 daily floor) that recovers.
  '1002': [
    t('EURUSD', '2026-01-12T09:30', -1_100),
    t('GBPUSD', '2026-01-12T11:15', 350),
    t('XAUUSD', '2026-01-12T14:40', -1_250),
    t('US30', '2026-01-12T16:30', -300),
    t('EURUSD', '2026-01-13T10:00', -900),
    t('XAUUSD', '2026-01-13T13:10', -1_400),
    t('GBPUSD', '2026-01-13T15:50', 300),
    t('EURUSD', '2026-01-14T10:20', -800),
    t('US30', '2026-01-14T15:40', -650),
    {
      kind: 'dip',
      symbol: 'XAUUSD',
      at: '2026-01-15T09:30',
      side: 'buy',
      equityLow: 89_430,
      searchMinutes: 240,
      maxHoldMinutes: 480,
      recover: [40, 700],
      exitBefore: '2026-01-15T21:30',
    },
    t('XAUUSD', '2026-01-15T16:30', 300),
    t('EURUSD', '2026-01-16T10:15', 400),
    t('US30', '2026-01-16T15:45', -200),
  ],
  // Long only. Tue +~4,000; a loss at 23:xx UTC Tuesday = 00:xx Wednesday Prague; more losses on
  // Wednesday: Wednesday (Prague) loses > 5,000 from its day-start balance. Bucketed by UTC
  // instead, no day would breach.
  '1003': [
    t('EURUSD', '2026-01-12T14:30', 300, { side: 'buy' }),
    t('EURUSD', '2026-01-13T09:15', 1_300, { side: 'buy' }),
    t('XAUUSD', '2026-01-13T11:30', 1_500, { side: 'buy' }),
    t('US30', '2026-01-13T15:40', 1_300, { side: 'buy' }),
    t('XAUUSD', '2026-01-14T00:33', -2_100, { side: 'buy', holdMinutes: [8, 26], exitBefore: '2026-01-14T00:59:50' }),
    t('XAUUSD', '2026-01-14T10:05', -1_700, { side: 'buy' }),
    t('GBPUSD', '2026-01-14T14:20', -1_900, { side: 'buy' }),
    t('EURUSD', '2026-01-15T10:00', 600, { side: 'buy' }),
    t('XAUUSD', '2026-01-16T11:00', 400, { side: 'buy' }),
  ],
  // Meets the target flat, but three positions are held 225 s, 90 s and 239.5 s. One partial
  // close happens after 2 min with the rest closed after 4+ min: not a violation (first entry to
  // last exit).
  '1004': [
    t('XAUUSD', '2026-01-12T10:25', 1_400),
    t('EURUSD', '2026-01-12T14:10', 900),
    t('US30', '2026-01-12T16:20', -500),
    t('GBPUSD', '2026-01-13T09:50', 1_000),
    { kind: 'fixed', symbol: 'EURUSD', at: '2026-01-13T10:41', side: 'buy', lots: 3, holdMs: 225_000 },
    t('XAUUSD', '2026-01-13T15:15', 1_200),
    t('EURUSD', '2026-01-14T09:35', 700, { partialAfterMs: 120_000, holdMinutes: [6, 40] }),
    { kind: 'fixed', symbol: 'US30', at: '2026-01-14T15:32', side: 'sell', lots: 5, holdMs: 90_000 },
    t('US30', '2026-01-14T16:40', 1_100),
    { kind: 'fixed', symbol: 'XAUUSD', at: '2026-01-15T09:12', side: 'buy', lots: 2, holdMs: 239_500 },
    t('GBPUSD', '2026-01-15T11:20', -450),
    t('XAUUSD', '2026-01-15T14:50', 1_300),
    t('EURUSD', '2026-01-16T10:05', 800),
    { kind: 'to_balance', symbol: 'XAUUSD', at: '2026-01-16T14:30', balance: 110_815.6 },
  ],
  // A careful trader who ends up ~+4.3 %: no rule broken, target not met.
  '1005': [
    t('EURUSD', '2026-01-12T10:00', 600),
    t('GBPUSD', '2026-01-12T15:30', -350),
    t('XAUUSD', '2026-01-13T11:10', 900),
    t('EURUSD', '2026-01-13T16:45', 450),
    t('US30', '2026-01-14T15:50', -600),
    t('XAUUSD', '2026-01-14T17:20', 800),
    t('EURUSD', '2026-01-15T09:40', 700),
    t('GBPUSD', '2026-01-15T13:30', 500),
    t('US30', '2026-01-16T16:10', 650),
    t('EURUSD', '2026-01-19T10:20', -300),
    { kind: 'to_balance', symbol: 'XAUUSD', at: '2026-01-19T14:05', balance: 104_318.45 },
  ],
};

const ledgerDefaults = (login: string) => ({
  login,
  server: 'Brymix-Demo',
  initialBalance: INITIAL_BALANCE,
  asOfMs: MARKET_END_MS,
  leverage: 100,
  ticketSeed: 1,
});

/** Net result (profit + commission + swap) of one position on its own, in cents. */
function netCents(market: Market, plan: PositionPlan): number {
  const { info } = bookPositions(market, [plan], ledgerDefaults('net'));
  return Math.round(info.balance * 100) - INITIAL_BALANCE * 100;
}

const lastLegMs = (plan: PositionPlan): number => plan.legs[plan.legs.length - 1]?.timeMs ?? 0;

/** Plans a script into positions. Deterministic for a given login and feed. */
export function planScript(market: Market, specs: readonly TradeSpec[], seed: number): PositionPlan[] {
  const rng = mulberry32(seed);
  const plans: PositionPlan[] = [];
  const nets: number[] = [];
  for (const spec of specs) {
    const jitter = drawJitter(rng);
    const withSl = rng.chance(0.6);
    let plan: PositionPlan;
    switch (spec.kind) {
      case 'target':
        plan = planTarget(market, spec, jitter, withSl);
        break;
      case 'fixed':
        plan = planFixed(market, spec, jitter);
        break;
      case 'dip': {
        const t0 = pragueToUtcMs(spec.at);
        let before = INITIAL_BALANCE * 100;
        plans.forEach((p, i) => {
          if (lastLegMs(p) >= t0) throw new Error('a dip trade must start flat');
          before += nets[i] ?? 0;
        });
        plan = planDip(market, spec, jitter, before);
        break;
      }
      case 'to_balance': {
        const others = nets.reduce((s, n) => s + n, INITIAL_BALANCE * 100);
        let target = spec.balance - others / 100;
        plan = planTarget(market, { ...spec, target }, jitter, withSl);
        for (let i = 0; i < 3; i++) {
          const miss = spec.balance * 100 - (others + netCents(market, plan));
          if (Math.abs(miss) < 50) break;
          target += miss / 100;
          plan = planTarget(market, { ...spec, target }, jitter, withSl);
        }
        break;
      }
    }
    plans.push(plan);
    nets.push(netCents(market, plan));
  }
  return plans;
}
