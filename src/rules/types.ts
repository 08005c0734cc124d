/** The evaluation result (rule specs live with their families; see registry.ts). */
import type { Evidence } from './evidence.ts';
import type { EquitySource } from './timeline.ts';

type Severity = 'hard' | 'soft_pause' | 'warning';

/** A breach: what the rule says, and the same evidence in every family (evidence.ts). */
export interface Violation extends Evidence {
  rule: string;
  description: string;
  severity: Severity;
  [evidence: string]: unknown;
}

export interface Objective {
  rule: string;
  target: number;
  current: number;
  met: boolean;
}

export interface Metrics {
  initial_balance: number;
  current_balance: number;
  current_equity: number;
  profit_percent: number;
  profit_target_percent: number | null;
  profit_target_met: boolean;
  max_drawdown_percent: number;
  max_drawdown_limit: number | null;
  total_trades: number;
  trades_under_4min: number;
  [extra: string]: unknown;
}

export interface Evaluation {
  status: 'passed' | 'failed';
  outcome: 'passed' | 'breached' | 'objectives_not_met';
  metrics: Metrics;
  violations: Violation[];
  objectives: Objective[];
  equity_source: EquitySource;
  confidence: 'high' | 'medium' | 'low';
  /** MetaStats-named statistics (statistics.ts). */
  statistics: Record<string, unknown>;
  /** sha256 of the inputs (hash.ts), null when not computed. */
  inputs_hash: string | null;
}
