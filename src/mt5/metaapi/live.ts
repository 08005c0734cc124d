/**
 * MetaApi's live reader: polls one account at a time over the REST client API, reusing the
 * connector's account resolution, retries and decoding (connector.ts): account information
 * (balance, equity), open positions, and the deals of the cursor's window (history-deals by time
 * range, start inclusive, end exclusive). A reading is handed out only when its balance is what
 * the cursor's balance plus its new deals add up to; an account that trades during the read is
 * read again, and one that keeps disagreeing is `bad_data` (retryable). Reads of the same account
 * and cursor that overlap share one upstream read.
 */
import type { FetchOptions, Mt5Credentials } from '../connector.ts';
import { ConnectorError } from '../connector.ts';
import type { AccountHistory, Deal, OpenPosition } from '../history.ts';
import type { LiveReader, LiveReading } from '../live.ts';
import { advanceCursor, cursorAfter, decodeCursor, encodeCursor, listFromMs } from '../live-cursor.ts';

/** What the reader needs of the MetaApi connector. */
export interface MetaApiLiveSource {
  /** The history (as fetchHistory), every deal listed with its time, and when it was read. */
  historyForLive(
    creds: Mt5Credentials,
    opts?: FetchOptions,
  ): Promise<{ history: AccountHistory; keys: Array<[number, number]>; readMs: number; balance: number }>;
  /** Balance, equity, positions now, and the deals from `fromMs` on. */
  liveSnapshot(
    creds: Mt5Credentials,
    fromMs: number,
    opts?: FetchOptions,
  ): Promise<{ readMs: number; balance: number; equity: number; positions: OpenPosition[]; deals: Deal[] }>;
}

export interface LivePollOptions {
  /** How late a deal may surface and still be handed out (default 120 s). */
  lookbackMs?: number;
  /** Reads of an account whose balance and deals disagree, before `bad_data` (default 3). */
  maxReads?: number;
}

export class MetaApiLiveReader implements LiveReader {
  readonly kind = 'metaapi';
  readonly #source: MetaApiLiveSource;
  readonly #lookbackMs: number;
  readonly #maxReads: number;
  readonly #inFlight = new Map<string, Promise<LiveReading>>();

  constructor(source: MetaApiLiveSource, o: LivePollOptions = {}) {
    this.#source = source;
    this.#lookbackMs = o.lookbackMs ?? 120_000;
    this.#maxReads = Math.max(1, o.maxReads ?? 3);
  }

  async start(creds: Mt5Credentials, opts?: FetchOptions): Promise<{ history: AccountHistory; cursor: string }> {
    const { history, keys, readMs, balance } = await this.#source.historyForLive(creds, opts);
    return { history, cursor: encodeCursor(cursorAfter(keys, readMs, balance, this.#lookbackMs)) };
  }

  read(creds: Mt5Credentials, cursor: string, opts?: FetchOptions): Promise<LiveReading> {
    const key = `${creds.login}\u0000${creds.server}\u0000${creds.password}\u0000${cursor}`;
    const running = this.#inFlight.get(key);
    if (running) return running;
    const reading = this.#read(creds, cursor, opts).finally(() => this.#inFlight.delete(key));
    this.#inFlight.set(key, reading);
    return reading;
  }

  async #read(creds: Mt5Credentials, text: string, opts?: FetchOptions): Promise<LiveReading> {
    const before = decodeCursor(text);
    for (let attempt = 1; ; attempt++) {
      const snap = await this.#source.liveSnapshot(creds, listFromMs(before, this.#lookbackMs), opts);
      const { deals, cursor } = advanceCursor(before, snap.deals, snap.readMs, this.#lookbackMs);
      if (Math.round(snap.balance * 100) === cursor.balanceCents) {
        return {
          time: new Date(snap.readMs).toISOString(),
          balance: snap.balance,
          equity: snap.equity,
          deals,
          positions: snap.positions,
          cursor: encodeCursor(cursor),
        };
      }
      if (attempt >= this.#maxReads) {
        const expected = (cursor.balanceCents / 100).toFixed(2);
        const message = `MetaApi reports balance ${snap.balance.toFixed(2)} but the deals add up to ${expected}`;
        throw new ConnectorError('bad_data', message, true);
      }
    }
  }
}
