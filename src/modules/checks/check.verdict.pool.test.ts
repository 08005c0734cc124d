/**
 * The verdict pool judges on worker threads exactly as the calling thread does: the same result
 * bytes, the same bad_data refusal; closing fails what it holds.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ConnectorError } from '../../mt5/connector.ts';
import type { AccountHistory } from '../../mt5/history.ts';
import { SimulatorConnector } from '../../mt5/simulator/index.ts';
import { resolveRuleSet } from '../../rules/ruleset.ts';
import type { CheckJobRow } from './check.table.ts';
import { createVerdictPool, type VerdictPool } from './check.verdict.pool.ts';

const pools: VerdictPool[] = [];
afterEach(async () => {
  for (const p of pools.splice(0)) await p.close();
});

const sim = new SimulatorConnector();
const history = (login: string) => sim.fetchHistory({ login, password: 'demo', server: 'Brymix-Demo' });

function job(login: string): CheckJobRow {
  return {
    id: `job_${login}`,
    tenant_id: 'ten_1',
    key_id: 'key_1',
    user_id: 'u1',
    challenge_id: 'c1',
    mt5_login: login,
    mt5_server: 'Brymix-Demo',
    credentials_enc: 'sealed',
    initial_balance: 100_000,
    rules: JSON.stringify(resolveRuleSet({ max_drawdown_percent: 10, profit_target_percent: 10 })),
    callback_url: null,
    status: 'running',
    result: null,
    error: null,
    attempts: 1,
    created_at: 1_700_000_000_000,
    started_at: 1_700_000_000_500,
    finished_at: null,
  };
}

describe('check verdict pool', () => {
  it('judges on two threads byte for byte as the calling thread does', async () => {
    const threads = createVerdictPool({ threads: 2 });
    const here = createVerdictPool({ threads: 0 });
    pools.push(threads, here);
    const logins = ['1001', '1002', '1003', '1004', '1005', '2001', '2002'];
    const at = 1_700_000_100_000;
    const off = await Promise.all(logins.map(async (l) => threads.judge(await history(l), job(l), at, 'sim')));
    const on = await Promise.all(logins.map(async (l) => here.judge(await history(l), job(l), at, 'sim')));
    expect(off).toEqual(on);
    expect(new Set(off.map((v) => v.status))).toEqual(new Set(['passed', 'failed']));
    expect(JSON.parse(off[0]!.payload)).toMatchObject({ job_id: 'job_1001', mt5_login: '1001' });
  });

  it('refuses an inconsistent history (a deal listed twice) with bad_data, from the thread', async () => {
    const pool = createVerdictPool({ threads: 1 });
    pools.push(pool);
    const h = structuredClone(await history('1001')) as AccountHistory;
    h.deals.push(h.deals[1]!);
    const err = await pool.judge(h, job('1001'), 1_700_000_100_000, 'MT5 server Brymix-Demo').catch((e) => e);
    expect(err).toBeInstanceOf(ConnectorError);
    expect(err).toMatchObject({ code: 'bad_data', retryable: false });
    expect((err as Error).message).toContain('MT5 server Brymix-Demo');
  });

  it('fails the checks in flight when closed, and refuses new ones', async () => {
    const pool = createVerdictPool({ threads: 1 });
    pools.push(pool);
    const h = await history('1002');
    await pool.judge(h, job('1002'), 1, 'sim');
    const held = pool.judge(h, job('1002'), 1, 'sim');
    await pool.close();
    await expect(held).rejects.toThrow(/closed|exited/);
    await expect(pool.judge(h, job('1002'), 1, 'sim')).rejects.toThrow(/closed/);
  });
});
