/**
 * The Manager Web API's live reader. Reads of many accounts are gathered for `batchWindowMs` and
 * answered by four batched commands per (at most `maxBatch`) logins, whatever the number of
 * monitors: Users / Get Multiple Trade States (`user/account/get_batch`: balance, credit, equity),
 * Users / Get Multiple (`user/get_batch`, for the idle accounts that have no trade state), Positions
 * / Get Multiple (`position/get_batch`) and Deals / Get Multiple (`deal/get_batch` from the oldest
 * cursor's window on). The session, the rate-limit waits (`12 Too frequent requests`), the
 * retcodes and the decoding are the connector's (commands.ts, decode.ts). A reading is handed out
 * only when its balance is what the cursor's balance plus its new deals add up to; an account that
 * trades during the read is read again in the next batch, one that keeps disagreeing is `bad_data`.
 */
import { type BrokerClock, serverToUtc, utcToServer } from '../broker-clock.ts';
import { ConnectorError, type FetchOptions, type Mt5Credentials } from '../connector.ts';
import type { AccountHistory, Deal, OpenPosition } from '../history.ts';
import type { LiveReader, LiveReading } from '../live.ts';
import { advanceCursor, cursorAfter, type DealCursor, decodeCursor, encodeCursor, listFromMs } from '../live-cursor.ts';
import type { WebApiCommands } from './commands.ts';
import { decodeDeal, decodePosition, numberOf } from './decode.ts';
import { RetcodeError } from './retcodes.ts';
import type { WebApiRecord } from './session.ts';

export interface WebApiLiveOptions {
  /** How long reads are gathered into one batch (default 20 ms). */
  batchWindowMs?: number;
  /** Logins per batched command (default 100). */
  maxBatch?: number;
  /** How late a deal may surface and still be handed out (default 120 s). */
  lookbackMs?: number;
  /** Reads of an account whose balance and deals disagree, before `bad_data` (default 3). */
  maxReads?: number;
}

export interface WebApiLiveSource {
  historyForLive(
    creds: Mt5Credentials,
    opts?: FetchOptions,
  ): Promise<{ history: AccountHistory; keys: Array<[number, number]>; readMs: number; balance: number }>;
}

interface Pending {
  login: string;
  cursor: DealCursor;
  reads: number;
  resolve: (r: LiveReading) => void;
  reject: (err: unknown) => void;
}

/** An account's state in one batch. */
interface AccountState {
  balance: number;
  equity: number;
  positions: OpenPosition[];
  deals: Deal[];
}

export class WebApiLiveReader implements LiveReader {
  readonly kind = 'webapi';
  readonly #lookbackMs: number;
  readonly #maxReads: number;
  readonly #windowMs: number;
  readonly #maxBatch: number;
  #pending: Pending[] = [];
  #timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly source: WebApiLiveSource,
    private readonly commands: WebApiCommands,
    private readonly clock: BrokerClock,
    private readonly now: () => number,
    o: WebApiLiveOptions = {},
  ) {
    this.#lookbackMs = o.lookbackMs ?? 120_000;
    this.#maxReads = Math.max(1, o.maxReads ?? 3);
    this.#windowMs = Math.max(0, o.batchWindowMs ?? 20);
    this.#maxBatch = Math.max(1, o.maxBatch ?? 100);
  }

  async start(creds: Mt5Credentials, opts?: FetchOptions): Promise<{ history: AccountHistory; cursor: string }> {
    const { history, keys, readMs, balance } = await this.source.historyForLive(creds, opts);
    return { history, cursor: encodeCursor(cursorAfter(keys, readMs, balance, this.#lookbackMs)) };
  }

  read(creds: Mt5Credentials, cursor: string, opts?: FetchOptions): Promise<LiveReading> {
    const decoded = decodeCursor(cursor);
    return new Promise<LiveReading>((resolve, reject) => {
      const signal = opts?.signal;
      if (signal?.aborted) return reject(signal.reason);
      const onAbort = () => reject(signal?.reason);
      signal?.addEventListener('abort', onAbort, { once: true });
      const done = () => signal?.removeEventListener('abort', onAbort);
      this.#enqueue({
        login: creds.login,
        cursor: decoded,
        reads: 0,
        resolve: (r) => {
          done();
          resolve(r);
        },
        reject: (err) => {
          done();
          reject(err);
        },
      });
    });
  }

  #enqueue(p: Pending): void {
    this.#pending.push(p);
    this.#timer ??= setTimeout(() => {
      this.#timer = null;
      const batch = this.#pending;
      this.#pending = [];
      for (let i = 0; i < batch.length; ) {
        // Chunks of at most maxBatch distinct logins; several reads of one login share its state.
        const logins = new Set<string>();
        let j = i;
        while (j < batch.length && (logins.has(batch[j]!.login) || logins.size < this.#maxBatch))
          logins.add(batch[j++]!.login);
        void this.#answer(batch.slice(i, j), [...logins]);
        i = j;
      }
    }, this.#windowMs);
  }

  async #answer(items: Pending[], logins: string[]): Promise<void> {
    let states: Map<string, AccountState | null>;
    let readMs: number;
    try {
      readMs = this.now();
      const fromMs = Math.min(...items.map((p) => listFromMs(p.cursor, this.#lookbackMs)));
      states = await this.#read(logins, fromMs, readMs);
    } catch (err) {
      const failure = err instanceof RetcodeError ? new ConnectorError('bad_data', err.message, false) : err;
      for (const p of items) p.reject(failure);
      return;
    }
    for (const p of items) {
      const state = states.get(p.login);
      if (!state) {
        p.reject(new ConnectorError('invalid_credentials', `No MT5 account ${p.login} on this server`, false));
        continue;
      }
      const { deals, cursor } = advanceCursor(p.cursor, state.deals, readMs, this.#lookbackMs);
      if (Math.round(state.balance * 100) === cursor.balanceCents) {
        p.resolve({
          time: new Date(readMs).toISOString(),
          balance: state.balance,
          equity: state.equity,
          deals,
          positions: state.positions,
          cursor: encodeCursor(cursor),
        });
      } else if (++p.reads < this.#maxReads) {
        this.#enqueue(p); // the account traded while it was read: read it again
      } else {
        const expected = (cursor.balanceCents / 100).toFixed(2);
        const message = `MT5 Web API reports balance ${state.balance.toFixed(2)} for ${p.login} but the deals add up to ${expected}`;
        p.reject(new ConnectorError('bad_data', message, true));
      }
    }
  }

  /** The state of each login (null: no such account), from four batched commands. */
  async #read(logins: string[], fromMs: number, readMs: number): Promise<Map<string, AccountState | null>> {
    const login = logins.join(',');
    const byLogin = (answer: unknown, what: string): Map<string, WebApiRecord[]> => {
      if (!Array.isArray(answer)) throw new ConnectorError('bad_data', `MT5 Web API ${what} is not a list`, true);
      const out = new Map<string, WebApiRecord[]>();
      for (const r of answer as WebApiRecord[]) {
        const key = String(r.Login ?? '');
        out.set(key, [...(out.get(key) ?? []), r]);
      }
      return out;
    };
    const trade = byLogin(await this.commands.run('/api/user/account/get_batch', { login }), 'user/account/get_batch');
    // "Trade account state can be received only in case it has open orders or positions or a trade
    // activity": the user records stand in for the others, as user/account/get's 13 Not found does.
    const idle = logins.filter((l) => !trade.has(l));
    const users = idle.length
      ? byLogin(await this.commands.run('/api/user/get_batch', { login: idle.join(',') }), 'user/get_batch')
      : new Map<string, WebApiRecord[]>();
    const positions = byLogin(await this.commands.run('/api/position/get_batch', { login }), 'position/get_batch');
    const range = {
      login,
      from: Math.floor(utcToServer(this.clock, fromMs) / 1000),
      to: Math.floor(utcToServer(this.clock, readMs) / 1000) + 86_400,
    };
    const deals = byLogin(await this.commands.run('/api/deal/get_batch', range), 'deal/get_batch');
    const toUtc = (serverMs: number) => serverToUtc(this.clock, serverMs);
    const out = new Map<string, AccountState | null>();
    for (const l of logins) {
      const record = trade.get(l)?.[0] ?? users.get(l)?.[0];
      if (!record) {
        out.set(l, null);
        continue;
      }
      const balance = numberOf(record.Balance);
      const credit = numberOf(record.Credit);
      out.set(l, {
        balance,
        equity: trade.has(l) ? numberOf(record.Equity, balance + credit) : balance + credit,
        positions: (positions.get(l) ?? []).map((r) => decodePosition(r, toUtc)),
        deals: (deals.get(l) ?? []).map((r) => decodeDeal(r, toUtc)).filter((d): d is Deal => d !== null),
      });
    }
    return out;
  }
}
