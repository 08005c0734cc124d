/** One answer of the fake MetaApi (metaapi.ts), before it is written to the wire. */
export interface Answer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/** Error body {id, error, message, details?} (SDK lib/clients/errorHandler.ts; [managingAccounts] examples). */
export function errorAnswer(status: number, name: string, message: string, details?: unknown): Answer {
  return { status, body: { id: 1, error: name, message, ...(details !== undefined ? { details } : {}) } };
}
