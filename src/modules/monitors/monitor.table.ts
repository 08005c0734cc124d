/**
 * Kysely table types of the live monitors (migrations/006_monitors.ts). Times are UTC epoch
 * milliseconds; JSON columns are text.
 */
import type { Selectable } from 'kysely';

export interface MonitorsTable {
  id: string;
  tenant_id: string;
  key_id: string;
  user_id: string;
  challenge_id: string;
  mt5_login: string;
  mt5_server: string;
  /** AES-256-GCM sealed credentials while the monitor runs; null once it ends. */
  credentials_enc: string | null;
  initial_balance: number;
  /** JSON: the resolved rule specs. */
  rules: string;
  /** JSON: the alert levels (percent of a loss limit's room used), ascending. */
  alerts: string;
  callback_url: string | null;
  /** active | breached | passed | stale | stopped */
  status: string;
  /** The sequence of the last event raised (0: none yet). */
  sequence: number;
  /** JSON: the last verdict (metrics, violations, objectives, equity_source, limits); null before the first. */
  snapshot: string | null;
  /** The live reader's cursor after the last observation applied (resumes the account elsewhere). */
  reader_cursor: string | null;
  /** Time of the last fresh observation applied. */
  last_observation_at: number | null;
  /** connecting | connected | error */
  connection_state: string;
  connection_since: number;
  connection_error: string | null;
  /** The live process watching the monitor, and until when its claim holds. */
  lease_owner: string | null;
  lease_expires_at: number | null;
  created_at: number;
  updated_at: number;
  /** When it left active/stale for good (breached, passed, stopped). */
  ended_at: number | null;
}

export interface MonitorEventsTable {
  /** The event_id: derived from the monitor, the event and what it is about, so it is raised once. */
  id: string;
  monitor_id: string;
  sequence: number;
  event: string;
  occurred_at: number;
  /** The exact webhook body. */
  payload: string;
  created_at: number;
}

interface MonitorIdempotencyKeysTable {
  tenant_id: string;
  key: string;
  request_hash: string;
  monitor_id: string;
  created_at: number;
}

/** A live process watching monitors, and when it last said so. */
interface MonitorProcessesTable {
  owner: string;
  seen_at: number;
}

/** The tables above by name, as the one `Database` (src/infra/db/schema.ts) lists them. */
export interface MonitorTables {
  monitors: MonitorsTable;
  monitor_processes: MonitorProcessesTable;
  monitor_events: MonitorEventsTable;
  monitor_idempotency_keys: MonitorIdempotencyKeysTable;
}

export type MonitorRow = Selectable<MonitorsTable>;
export type MonitorEventRow = Selectable<MonitorEventsTable>;
