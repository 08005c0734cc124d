/** Kysely table types of the outgoing deliveries and their attempt log (migrations/001_initial.ts, 004_deliveries.ts). */
import type { Generated, Selectable } from 'kysely';

/** Outgoing deliveries of every channel (modules/webhooks/delivery.engine.ts). */
export interface WebhookDeliveriesTable {
  id: string;
  /** Who sends it: 'result' (result webhooks), 'platform' (platform → CRM events). */
  channel: string;
  /** Result webhooks: the check job whose result this carries (one delivery per job). */
  job_id: string | null;
  tenant_id: string | null;
  /** The event name, for channels that send several kinds (platform events). */
  event: string | null;
  /** Null: the channel's own endpoint, read at each attempt. */
  url: string | null;
  /** The exact bytes sent (UTF-8 JSON). */
  payload: string;
  status: string;
  attempts: number;
  next_attempt_at: number | null;
  last_status_code: number | null;
  last_error: string | null;
  created_at: number;
  delivered_at: number | null;
}

/** One row per attempt of any delivery: the attempt log. */
export interface WebhookAttemptsTable {
  id: Generated<number>;
  delivery_id: string;
  attempt: number;
  started_at: number;
  duration_ms: number;
  status_code: number | null;
  error: string | null;
  response_body: string | null;
  next_retry_at: number | null;
}

/** The tables above by name, as the one `Database` (src/infra/db/schema.ts) lists them. */
export interface WebhookTables {
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_attempts: WebhookAttemptsTable;
}

export type WebhookDeliveryRow = Selectable<WebhookDeliveriesTable>;
export type WebhookAttemptRow = Selectable<WebhookAttemptsTable>;
