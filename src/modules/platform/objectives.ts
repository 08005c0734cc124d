/**
 * The trader's objectives panel, after FTMO's Account MetriX (reference/ecosystem.md §2.1): one
 * row per rule with value, limit, progress and status, plus today's and the maximum permitted loss.
 * Built from the checker's result for the account. Pure.
 */
import { amountToCents, centsToAmount, formatCents } from '../../infra/money.ts';
import type { PlatformAccountRow } from './platform.table.ts';

interface ObjectiveRow {
  rule: string;
  label: string;
  value: number | null;
  limit: number | null;
  unit: '%' | 'days' | 'USD';
  /** 0–100: share of the target reached, or of the loss buffer used. */
  progress: number | null;
  status: 'met' | 'passing' | 'at_risk' | 'breached' | 'pending';
}

export interface AccountObjectives {
  id: string;
  login: string;
  server: string;
  type: string;
  phase: string;
  status: string;
  currency: string;
  initialBalance: string;
  balance: string;
  check: {
    jobId: string | null;
    status: string;
    outcome: string | null;
    evaluatedAt: string | null;
    error: string | null;
  };
  equity: number | null;
  todaysPermittedLoss: number | null;
  maxPermittedLoss: number | null;
  equityFloor: number | null;
  objectives: ObjectiveRow[];
  violations: Array<Record<string, unknown>>;
}

const round2 = (n: number) => Math.round(n * 100) / 100;

function lossRow(
  rule: string,
  label: string,
  used: number | null,
  limit: number | null,
  breached: boolean,
): ObjectiveRow {
  if (used === null || limit === null)
    return { rule, label, value: used, limit, unit: '%', progress: null, status: 'pending' };
  const progress = Math.min(100, round2((used / limit) * 100));
  return {
    rule,
    label,
    value: used,
    limit,
    unit: '%',
    progress,
    status: breached ? 'breached' : progress >= 80 ? 'at_risk' : 'passing',
  };
}

export function buildObjectives(a: PlatformAccountRow, job: Record<string, unknown> | null): AccountObjectives {
  const rules = JSON.parse(a.rules) as {
    max_drawdown_percent?: number;
    profit_target_percent?: number;
    max_daily_loss_percent?: number;
  };
  const metrics = (job?.metrics ?? null) as Record<string, unknown> | null;
  const num = (k: string): number | null => (metrics && typeof metrics[k] === 'number' ? (metrics[k] as number) : null);
  const violations = (Array.isArray(job?.violations) ? job!.violations : []) as Array<Record<string, unknown>>;
  const broke = (name: string) => violations.some((v) => String(v.rule ?? '').includes(name));
  const initial = centsToAmount(Number(a.initial_balance_cents));
  // Balance and equity come from the same reading of the account (the check's), so they agree;
  // before any check there is only the balance the platform opened the account with.
  const equity = num('current_equity');
  const readBalance = num('current_balance');
  const floor =
    num('max_loss_floor') ?? (rules.max_drawdown_percent ? initial * (1 - rules.max_drawdown_percent / 100) : null);
  const dailyLimitAmount = rules.max_daily_loss_percent ? round2((initial * rules.max_daily_loss_percent) / 100) : null;
  const profitPct = num('profit_percent');
  const target = rules.profit_target_percent ?? null;

  const objectives: ObjectiveRow[] = [];
  if (target !== null) {
    objectives.push({
      rule: 'profit_target',
      label: `Profit target ${target}%`,
      value: profitPct,
      limit: target,
      unit: '%',
      progress: profitPct === null ? null : Math.max(0, Math.min(100, round2((profitPct / target) * 100))),
      status: profitPct === null ? 'pending' : profitPct >= target ? 'met' : 'passing',
    });
  }
  if (rules.max_daily_loss_percent)
    objectives.push(
      lossRow(
        'max_daily_loss',
        `Max daily loss ${rules.max_daily_loss_percent}%`,
        num('max_daily_loss_percent'),
        rules.max_daily_loss_percent,
        broke('daily'),
      ),
    );
  if (rules.max_drawdown_percent)
    objectives.push(
      lossRow(
        'max_loss',
        `Max loss ${rules.max_drawdown_percent}%`,
        num('max_drawdown_percent'),
        rules.max_drawdown_percent,
        broke('drawdown') || broke('max_loss'),
      ),
    );
  const days = num('trading_days');
  if (days !== null)
    objectives.push({
      rule: 'trading_days',
      label: 'Trading days',
      value: days,
      limit: null,
      unit: 'days',
      progress: null,
      status: days > 0 ? 'met' : 'pending',
    });

  return {
    id: a.id,
    login: a.login,
    server: a.server,
    type: a.type,
    phase: a.phase,
    status: a.status,
    currency: a.currency,
    initialBalance: formatCents(Number(a.initial_balance_cents)),
    balance: formatCents(
      readBalance !== null && equity !== null ? amountToCents(readBalance) : Number(a.balance_cents),
    ),
    check: {
      jobId: a.check_job_id,
      status: typeof job?.status === 'string' ? job.status : a.check_job_id ? 'queued' : 'not_started',
      outcome: typeof job?.outcome === 'string' ? job.outcome : null,
      evaluatedAt: typeof job?.timestamp === 'string' ? job.timestamp : null,
      error:
        job?.error && typeof job.error === 'object' ? String((job.error as { message?: string }).message ?? '') : null,
    },
    equity,
    // FTMO: the daily limit is a fixed share of the initial balance; the max loss is the distance to the floor.
    todaysPermittedLoss: dailyLimitAmount,
    maxPermittedLoss: equity !== null && floor !== null ? round2(Math.max(0, equity - floor)) : null,
    equityFloor: floor,
    objectives,
    violations,
  };
}
