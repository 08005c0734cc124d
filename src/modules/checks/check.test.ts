/** The result objects of a check: every kind carries every key the integration guide's receivers read. */
import { describe, expect, it } from 'vitest';
import { history, roundTrip } from '../../../test/factories/history.ts';
import { evaluate } from '../../rules/index.ts';
import { resolveRuleSet } from '../../rules/ruleset.ts';
import type { CheckJobRow } from './check.table.ts';
import { buildErrorResult, buildResult, jobView } from './check.ts';

/** What the guide's Flask and Express receivers read from a result. */
const GUIDE_KEYS = ['job_id', 'user_id', 'challenge_id', 'status', 'metrics', 'violations', 'timestamp'];

function job(patch: Partial<CheckJobRow> = {}): CheckJobRow {
  const rules = resolveRuleSet({ preset: 'the5ers-high-stakes' });
  return {
    id: 'job_abc123',
    tenant_id: 'key_1',
    key_id: 'key_1',
    user_id: 'user_123',
    challenge_id: 'challenge_456',
    mt5_login: '1001',
    mt5_server: 'Brymix-Demo',
    credentials_enc: null,
    initial_balance: 100_000,
    rules: JSON.stringify(rules),
    callback_url: 'https://yourpropfirm.com/api/webhook/challenge-result',
    status: 'running',
    result: null,
    error: null,
    attempts: 1,
    created_at: Date.parse('2026-01-16T09:59:00Z'),
    started_at: Date.parse('2026-01-16T09:59:01Z'),
    finished_at: null,
    ...patch,
  } as CheckJobRow;
}

describe('buildErrorResult', () => {
  const at = Date.parse('2026-01-16T10:00:00.400Z');

  it('carries every key the guide’s receivers read: no violations, and the verdict’s metric keys with null values', () => {
    const j = job();
    const r = buildErrorResult(
      j,
      {
        code: 'mt5_unreachable',
        message: 'MT5 server Brymix-Demo could not be reached after 5 attempts: MT5 server did not respond',
      },
      at,
    );
    for (const k of GUIDE_KEYS) expect(r).toHaveProperty(k);
    expect(r).toMatchObject({
      job_id: 'job_abc123',
      user_id: 'user_123',
      challenge_id: 'challenge_456',
      status: 'error',
      violations: [],
      objectives: [],
      timestamp: '2026-01-16T10:00:00Z',
      error: { code: 'mt5_unreachable' },
    });
    // The same keys as a verdict of the same rule set, in the same order.
    const verdict = buildResult(
      j,
      evaluate(
        history(roundTrip(1, '2026-01-13T08:00:00.000Z', '2026-01-13T09:00:00.000Z', 250)),
        JSON.parse(j.rules),
        { initialBalance: 100_000 },
      ),
      at,
    );
    const metrics = r.metrics as Record<string, unknown>;
    expect(Object.keys(metrics)).toEqual(Object.keys(verdict.metrics as object));
    expect(Object.keys(metrics)).toEqual(
      expect.arrayContaining([
        'initial_balance',
        'current_balance',
        'current_equity',
        'profit_percent',
        'profit_target_percent',
        'profit_target_met',
        'max_drawdown_percent',
        'max_drawdown_limit',
        'total_trades',
        'trades_under_4min',
        'profitable_days',
      ]),
    );
    expect(metrics.initial_balance).toBe(100_000);
    expect(Object.entries(metrics).filter(([k, v]) => k !== 'initial_balance' && v !== null)).toEqual([]);
  });

  it('still carries the guide’s metric keys when the stored rules cannot be read', () => {
    const r = buildErrorResult(
      job({ rules: '{not json' }),
      { code: 'internal', message: 'The check could not be evaluated; contact Brymix support with the job id' },
      at,
    );
    expect(r.violations).toEqual([]);
    const metrics = r.metrics as Record<string, unknown>;
    expect(Object.keys(metrics)).toEqual(
      expect.arrayContaining([
        'initial_balance',
        'current_balance',
        'current_equity',
        'profit_percent',
        'profit_target_percent',
        'profit_target_met',
        'max_drawdown_percent',
        'max_drawdown_limit',
        'total_trades',
        'trades_under_4min',
      ]),
    );
    expect(metrics).toMatchObject({
      initial_balance: 100_000,
      current_balance: null,
      profit_target_met: null,
      max_drawdown_limit: null,
      trades_under_4min: null,
    });
  });
});

describe('jobView', () => {
  it('answers a job still running with empty violations and null metrics', () => {
    const v = jobView(job());
    expect(v).toMatchObject({
      job_id: 'job_abc123',
      status: 'running',
      violations: [],
      attempts: 1,
      started_at: '2026-01-16T09:59:01.000Z',
      finished_at: null,
    });
    expect((v.metrics as Record<string, unknown>).total_trades).toBeNull();
  });

  it('fills violations and metrics into an error result stored without them', () => {
    const stored = {
      job_id: 'job_abc123',
      user_id: 'user_123',
      challenge_id: 'challenge_456',
      status: 'error',
      error: { code: 'invalid_credentials', message: 'Invalid MT5 login or password' },
      timestamp: '2026-01-16T10:00:00Z',
    };
    const v = jobView(
      job({ status: 'error', result: JSON.stringify(stored), finished_at: Date.parse('2026-01-16T10:00:00Z') }),
    );
    expect(v).toMatchObject({ ...stored, violations: [] });
    expect((v.metrics as Record<string, unknown>).initial_balance).toBe(100_000);
  });
});
