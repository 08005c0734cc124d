/**
 * The one interface every MT5 data source sits behind (reference/mt5.md §0): the simulator,
 * MetaApi REST, the Manager Web API and terminal-report import all yield the normalized
 * `AccountHistory` of `history.ts`, so the rule engine never sees a connector's quirks.
 */
import type { AccountHistory, AccountInfo, OpenPosition } from './history.ts';

export interface Mt5Credentials {
  login: string;
  /** Trader or investor password. Never logged, never put into an error message. */
  password: string;
  /** MT5 server name as the trader's terminal shows it, e.g. `Brymix-Demo`. */
  server: string;
}

export interface FetchOptions {
  signal?: AbortSignal;
}

export interface Mt5Connector {
  /** 'simulator' | 'metaapi' | 'webapi' | 'report' (| 'router' for the dispatcher). */
  readonly kind: string;
  /** Full history: deals, equity snapshots and the positions still open. */
  fetchHistory(creds: Mt5Credentials, opts?: FetchOptions): Promise<AccountHistory>;
  getAccountInfo(creds: Mt5Credentials, opts?: FetchOptions): Promise<AccountInfo>;
  getPositions(creds: Mt5Credentials, opts?: FetchOptions): Promise<OpenPosition[]>;
}

export type ConnectorErrorCode = 'invalid_credentials' | 'unknown_server' | 'unreachable' | 'timeout' | 'bad_data';

/**
 * A failure talking to an MT5 source. `retryable` tells the job queue whether another attempt
 * can succeed (a timeout can, a wrong password cannot). Messages are safe to show to the firm:
 * they never contain the password.
 */
export class ConnectorError extends Error {
  override readonly name = 'ConnectorError';
  constructor(
    public readonly code: ConnectorErrorCode,
    message: string,
    public readonly retryable: boolean,
  ) {
    super(message);
  }
}

export function isConnectorError(err: unknown): err is ConnectorError {
  return err instanceof ConnectorError;
}
