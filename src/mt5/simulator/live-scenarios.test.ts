import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../infra/clock.ts';
import { evaluate } from '../../rules/evaluate.ts';
import { createLiveEvaluator } from '../../rules/live.ts';
import { parseRule } from '../../rules/registry.ts';
import type { AccountHistory } from '../history.ts';
import { SimulatorConnector } from './simulator.ts';

/** FTMO 2-Step style: 10 % static maximum loss, 5 % daily loss from the Prague midnight balance. */
const RULES = [
  { type: 'max_loss', pct: 10, basis: 'static' },
  {
    type: 'daily_loss',
    pct: 5,
    anchor: 'day_start_balance',
    amount: 'pct_of_initial',
    reset_tz: 'Europe/Prague',
    reset_time: '00:00',
  },
].map(parseRule);

/** Watches a login from `startMs` for `seconds`, one reading a second, as a monitor would. */
async function watch(login: string, startMs: number, seconds: number) {
  const clock = new FakeClock(startMs);
  const reader = new SimulatorConnector({ clock }).live();
  const creds = { login, password: 'demo', server: 'Brymix-Demo' };
  const { history, cursor: first } = await reader.start(creds);
  const grown: AccountHistory = { ...history, deals: [...history.deals], equity: [...(history.equity ?? [])] };
  const equity: number[] = [];
  let cursor = first;
  for (let s = 1; s <= seconds; s++) {
    clock.set(startMs + s * 1_000 + 137);
    const r = await reader.read(creds, cursor);
    cursor = r.cursor;
    grown.deals.push(...r.deals);
    grown.equity!.push({ time: r.time, balance: r.balance, equity: r.equity });
    grown.positions = r.positions;
    equity.push(r.equity);
  }
  return { history, grown, equity };
}

// Monitoring starts at any second of any day: spread the starts over a few weeks and the clock.
const STARTS = Array.from({ length: 24 }, (_, i) => Date.parse('2026-12-01T00:00:00Z') + i * 79_211_317);

describe('scripted live logins on Brymix-Demo', () => {
  it('2001 breaches the 10 % maximum loss on floating equity within 60 s, and nothing else', async () => {
    for (const start of STARTS) {
      const { history, grown, equity } = await watch('2001', start, 60);
      // Four losing days before monitoring, none of them a daily breach.
      expect(history.deals).toHaveLength(8);
      expect(evaluate(history, RULES).violations).toEqual([]);
      expect(equity.some((e) => e < 90_000)).toBe(true);
      const result = evaluate(grown, RULES);
      expect(result.violations.map((v) => v.rule)).toEqual(['maximum_drawdown']);
      expect(result.violations[0]).toMatchObject({ equity_source: 'observed' });
      expect(Date.parse(String(result.violations[0]!.timestamp))).toBeLessThanOrEqual(start + 60_000);
    }
  });

  it('2002 crosses half of a 5 % daily loss within 60 s and keeps trading without a breach', async () => {
    for (const start of STARTS.slice(0, 12)) {
      const { grown, equity } = await watch('2002', start, 900);
      expect(equity.slice(0, 60).some((e) => e <= 97_500)).toBe(true);
      expect(evaluate(grown, RULES).violations).toEqual([]);
      expect(grown.deals.length).toBeGreaterThanOrEqual(3);
    }
  });

  it('fed to the live evaluator one reading a second, as a monitor does, they do what they promise', async () => {
    for (const start of STARTS.slice(0, 6)) {
      for (const login of ['2001', '2002']) {
        const clock = new FakeClock(start);
        const reader = new SimulatorConnector({ clock }).live();
        const creds = { login, password: 'demo', server: 'Brymix-Demo' };
        const { history, cursor: first } = await reader.start(creds);
        const live = createLiveEvaluator(history, RULES);
        let cursor = first;
        let breachedAt = 0;
        let halfDailyAt = 0;
        for (let s = 1; s <= 300; s++) {
          clock.set(start + s * 1_000 + 250);
          const r = await reader.read(creds, cursor);
          cursor = r.cursor;
          live.apply({
            deals: r.deals,
            equity: { time: r.time, balance: r.balance, equity: r.equity },
            positions: r.positions,
          });
          if (!breachedAt && live.breached()) breachedAt = s;
          const daily = live.limits().find((l) => l.rule.includes('daily'));
          if (!halfDailyAt && daily && daily.used_percent >= 50) halfDailyAt = s;
        }
        if (login === '2001') {
          expect(breachedAt).toBeGreaterThan(0);
          expect(breachedAt).toBeLessThanOrEqual(60);
          expect(live.evaluation().violations.map((v) => v.rule)).toEqual(['maximum_drawdown']);
        } else {
          expect(breachedAt).toBe(0);
          expect(halfDailyAt).toBeGreaterThan(0);
          expect(halfDailyAt).toBeLessThanOrEqual(60);
        }
      }
    }
  });
});
