/** Kysely table type of the local durable queue (migrations/001_initial.ts). Times are UTC epoch milliseconds. */

interface QueueJobsTable {
  id: string;
  name: string;
  payload: string;
  status: string;
  run_at: number;
  attempts: number;
  max_attempts: number;
  locked_until: number | null;
  locked_by: string | null;
  last_error: string | null;
  created_at: number;
  updated_at: number;
}

/** The tables above by name, as the one `Database` (src/infra/db/schema.ts) lists them. */
export interface QueueTables {
  queue_jobs: QueueJobsTable;
}
