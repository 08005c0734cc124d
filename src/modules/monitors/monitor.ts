/** Domain of a live monitor: its statuses and events, the event ids, the webhook body and the API view. */

import { sha256Hex } from '../../infra/crypto/index.ts';
import { metricsWithoutEvaluation, type RuleSpec } from '../../rules/index.ts';
import type { MonitorEventRow, MonitorRow } from './monitor.table.ts';

export type MonitorStatus = 'active' | 'breached' | 'passed' | 'stale' | 'stopped';

export type MonitorEventName =
  | 'monitor.alert'
  | 'monitor.breached'
  | 'monitor.objectives_met'
  | 'monitor.stale'
  | 'monitor.recovered'
  | 'monitor.stopped';

/** The alert levels when a request names none: percent of a loss limit's room used. */
export const DEFAULT_ALERTS = [50, 80, 95] as const;

/** How much of one loss limit's room is used, and which alert levels it has crossed. */
interface LimitView {
  rule: string;
  floor: number;
  allowed: number;
  used_percent: number;
  day: string | null;
}

/** The last verdict a monitor holds: what GET answers and every event carries. */
export interface MonitorSnapshot {
  metrics: Record<string, unknown>;
  violations: Array<Record<string, unknown>>;
  objectives: Array<Record<string, unknown>>;
  equity_source: string | null;
  limits: LimitView[];
}

/**
 * The event's id: the same monitor, event and subject (an alert level on a day, a stale spell that
 * began at a given observation, …) always give the same id, so a process that raises it again after
 * a restart or failover finds it already recorded and sends nothing twice.
 */
export function monitorEventId(monitorId: string, event: MonitorEventName, subject = ''): string {
  return `evt_${sha256Hex(`${monitorId}\n${event}\n${subject}`).slice(0, 32)}`;
}

/** Which alert an alert event is about: the limit, the level and, for a daily limit, the day. */
export function alertSubject(rule: string, level: number, day: string | null): string {
  return `${rule}:${level}:${day ?? ''}`;
}

/** ISO-8601 UTC without milliseconds, as the guide writes its timestamps. */
function isoSeconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** The metrics of a monitor with no verdict yet: its rule set's keys, null (as a check before it runs). */
function emptySnapshot(row: MonitorRow): MonitorSnapshot {
  let rules: RuleSpec[] = [];
  try {
    rules = JSON.parse(row.rules) as RuleSpec[];
  } catch {
    // unreadable stored rules: the guide's keys alone
  }
  return {
    metrics: metricsWithoutEvaluation(rules, row.initial_balance),
    violations: [],
    objectives: [],
    equity_source: null,
    limits: [],
  };
}

export function readSnapshot(row: MonitorRow): MonitorSnapshot {
  return row.snapshot ? (JSON.parse(row.snapshot) as MonitorSnapshot) : emptySnapshot(row);
}

/** The webhook body of an event (and the data of its SSE event), keys in the documented order. */
export function eventBody(
  row: MonitorRow,
  e: {
    event: MonitorEventName;
    eventId: string;
    sequence: number;
    occurredAt: number;
    status: MonitorStatus;
    snapshot: MonitorSnapshot;
    now: number;
  },
): Record<string, unknown> {
  return {
    event: e.event,
    event_id: e.eventId,
    sequence: e.sequence,
    monitor_id: row.id,
    user_id: row.user_id,
    challenge_id: row.challenge_id,
    mt5_login: row.mt5_login,
    occurred_at: new Date(e.occurredAt).toISOString(),
    status: e.status,
    metrics: e.snapshot.metrics,
    violations: e.snapshot.violations,
    objectives: e.snapshot.objectives,
    timestamp: isoSeconds(e.now),
  };
}

/** A watched monitor's figures as its live process holds them now (fresher than the row's). */
export interface LiveFigures {
  snapshot: MonitorSnapshot;
  last_observation_at: number | null;
  connection_state: string;
  connection_since: number;
  connection_error: string | null;
}

/** What GET /api/v1/monitors/{id} answers: the row, with the live process's figures when it is this one. */
export function monitorView(stored: MonitorRow, now: number, live: LiveFigures | null = null): Record<string, unknown> {
  const row = live ? { ...stored, ...live } : stored;
  const s = live ? live.snapshot : readSnapshot(stored);
  return {
    monitor_id: row.id,
    user_id: row.user_id,
    challenge_id: row.challenge_id,
    mt5_login: row.mt5_login,
    mt5_server: row.mt5_server,
    status: row.status,
    metrics: s.metrics,
    objectives: s.objectives,
    violations: s.violations,
    equity_source: s.equity_source,
    data_age_ms: row.last_observation_at === null ? null : Math.max(0, now - row.last_observation_at),
    last_observation_at: iso(row.last_observation_at),
    connection: {
      state: row.connection_state,
      since: iso(row.connection_since),
      last_error: row.connection_error,
    },
    sequence: row.sequence,
    alerts: JSON.parse(row.alerts) as number[],
    limits: s.limits,
    callback_url: row.callback_url,
    created_at: iso(row.created_at),
    ended_at: iso(row.ended_at),
  };
}

/** One stored event as the SSE stream sends it: its name, its sequence as the id, the webhook body as data. */
export function eventOf(row: MonitorEventRow): { event: string; sequence: number; body: Record<string, unknown> } {
  return { event: row.event, sequence: row.sequence, body: JSON.parse(row.payload) as Record<string, unknown> };
}
