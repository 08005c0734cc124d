/**
 * The scripted demo logins against the real rule engine with the seed's flat rules: each login
 * gets exactly the verdict DEMO_LOGINS documents. If one fails, fix the scenario (scenarios.ts),
 * not the engine — unless the engine is wrong.
 */
import { describe, expect, it } from 'vitest';
import { flatRulesToSpecs } from '../../rules/flat.ts';
import { evaluate } from '../../rules/index.ts';
import { SimulatorConnector } from './simulator.ts';

const rules = flatRulesToSpecs({ max_drawdown_percent: 10, profit_target_percent: 10 });
// The connector's histories are deep-frozen: this also proves the engine never mutates its input.
const simulator = new SimulatorConnector();
const history = (login: string) => simulator.fetchHistory({ login, password: 'demo', server: 'Brymix-Demo' });

describe('demo logins under the firm’s rules', () => {
  it.each([
    ['1001', 'passed', 'passed', []],
    ['1002', 'failed', 'breached', ['maximum_drawdown']],
    ['1003', 'failed', 'breached', ['maximum_daily_loss']],
    ['1004', 'failed', 'breached', ['minimum_trade_duration']],
    ['1005', 'failed', 'objectives_not_met', []],
  ] as const)('login %s is %s (%s) with violations %j', async (login, status, outcome, violated) => {
    const result = evaluate(await history(login), rules);
    expect(result.status).toBe(status);
    expect(result.outcome).toBe(outcome);
    expect([...new Set(result.violations.map((v) => v.rule))].sort()).toEqual([...violated].sort());
  });

  it('counts exactly the three short positions of 1004 and one daily breach for 1003', async () => {
    const short = evaluate(await history('1004'), rules);
    expect(short.metrics.trades_under_4min).toBe(3);
    expect(short.violations).toHaveLength(3);
    const daily = evaluate(await history('1003'), rules);
    expect(daily.violations).toHaveLength(1);
    expect(daily.violations[0]?.timestamp).toMatch(/^2026-01-14T/);
  });

  it('reports the demo accounts’ headline metrics', async () => {
    const passed = evaluate(await history('1001'), rules);
    expect(passed.metrics).toMatchObject({ initial_balance: 100_000, current_balance: 110_452.4, total_trades: 21, profit_target_met: true });
    const drawdown = evaluate(await history('1002'), rules);
    expect(drawdown.metrics.max_drawdown_percent).toBeGreaterThan(10);
    expect(drawdown.metrics.max_drawdown_percent).toBeLessThan(11);
  });
});
