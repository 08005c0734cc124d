/** Kysely table type of the fixed-window counters shared by every process (migrations/003_crm.ts). */

interface RateCountersTable {
  key: string;
  count: number;
  window_start: number;
}

/** The tables above by name, as the one `Database` (src/infra/db/schema.ts) lists them. */
export interface FixedWindowTables {
  rate_counters: RateCountersTable;
}
