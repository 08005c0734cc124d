/**
 * Live observation of an MT5 account: a reader seeds a monitor with the history so far, then hands
 * out one reading at a time (balance, equity, the positions open now and the deals booked since
 * the previous reading). Every connector that can watch an account live implements `LiveReader`;
 * the router hands out the one serving a server (`ConnectorRouter.live`).
 */
import type { FetchOptions, Mt5Connector, Mt5Credentials } from './connector.ts';
import type { AccountHistory, Deal, OpenPosition } from './history.ts';

export interface LiveReading {
  /** When the reading was taken: UTC ISO-8601 with milliseconds. */
  time: string;
  balance: number;
  equity: number;
  /** Deals booked after the cursor, oldest first (may be empty). */
  deals: Deal[];
  positions: OpenPosition[];
  /** Opaque; pass it to the next read() to get only newer deals. */
  cursor: string;
}

export interface LiveStartOptions extends FetchOptions {
  /**
   * A cursor this reader handed out for the account before (kept by a process that stopped): a
   * reader whose accounts live in the reader itself (the simulator) resumes that account's story
   * instead of beginning a new one. Readers of real accounts ignore it.
   */
  resume?: string;
}

export interface LiveReader {
  readonly kind: string;
  /** The account's history so far (seeds the evaluator) and the cursor after it. */
  start(creds: Mt5Credentials, opts?: LiveStartOptions): Promise<{ history: AccountHistory; cursor: string }>;
  /** One reading. Throws ConnectorError (connector.ts) when the account cannot be read. */
  read(creds: Mt5Credentials, cursor: string, opts?: FetchOptions): Promise<LiveReading>;
}

/** A connector that can also watch an account live. */
export interface LiveCapable {
  live(): LiveReader;
}

export function isLiveCapable(c: Mt5Connector): c is Mt5Connector & LiveCapable {
  return typeof (c as Partial<LiveCapable>).live === 'function';
}
