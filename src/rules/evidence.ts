/**
 * The evidence every violation carries, whatever its family (docs/rules.md "Evidence"): when the
 * rule was first breached, the worst value the ruled measure reached and when, the limit in force
 * at the first breach (tolerance included) in the measure's unit, and the positions and deals
 * involved. Family-specific fields (floor, equity, volume, …) stay alongside.
 */
export type EvidenceUnit = 'money' | 'percent' | 'seconds' | 'lots' | 'positions' | 'trades' | 'days';

export interface Evidence {
  first_breach_time: string;
  worst_value: number;
  worst_time: string;
  limit: number;
  unit: EvidenceUnit;
  /** Position ids involved (at most EVIDENCE_IDS_MAX; `evidence_truncated` gives the totals). */
  positions: number[];
  /** Deal tickets involved (at most EVIDENCE_IDS_MAX, the latest kept). */
  deals: number[];
  evidence_truncated?: { positions: number; deals: number };
}

/** A breach over a whole account can involve a million deals; the report keeps the latest thousand. */
export const EVIDENCE_IDS_MAX = 1000;

const iso = (ms: number) => new Date(ms).toISOString();

/** `deals` may come already cut to the latest ones (Timeline.dealsBehind), with `dealsTotal` saying how many there were. */
export function evidence(e: {
  firstMs: number;
  worstValue: number;
  worstMs: number;
  limit: number;
  unit: EvidenceUnit;
  positions: readonly number[];
  deals: readonly number[];
  dealsTotal?: number;
}): Evidence {
  const positions = e.positions.length > EVIDENCE_IDS_MAX ? e.positions.slice(-EVIDENCE_IDS_MAX) : [...e.positions];
  const deals = e.deals.length > EVIDENCE_IDS_MAX ? e.deals.slice(-EVIDENCE_IDS_MAX) : [...e.deals];
  const dealsTotal = Math.max(e.dealsTotal ?? 0, e.deals.length);
  return {
    first_breach_time: iso(e.firstMs),
    worst_value: e.worstValue,
    worst_time: iso(e.worstMs),
    limit: e.limit,
    unit: e.unit,
    positions,
    deals,
    ...(positions.length < e.positions.length || deals.length < dealsTotal
      ? { evidence_truncated: { positions: e.positions.length, deals: dealsTotal } }
      : {}),
  };
}
