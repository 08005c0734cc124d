/**
 * MT5 Manager Web API connector (reference/mt5.md §2): the broker's own access server, reached
 * with a manager login over one session (session.ts) whose commands wait out rate limits
 * (commands.ts). Times are seconds on the server clock and are converted to UTC with the server's
 * configured broker clock (broker-clock.ts: an IANA zone, or an offset with US/EU/no DST). The
 * account's currency and margin mode come from its group (`group/get`, cached per group name);
 * the server's daily reports give its own end-of-day balance and equity (daily-reports.ts).
 * A history is returned only when it agrees with the account's own figures (consistency.ts): the
 * announced `Total`s, the balance and credit, the open positions; an account that trades while it
 * is read is read again.
 */
import { type BrokerClock, offsetAt, serverToUtc, utcToServer } from '../broker-clock.ts';
import { ConnectorError, type FetchOptions, type Mt5Connector, type Mt5Credentials } from '../connector.ts';
import { assertConsistent, findInconsistencies, type ReportedFigures } from '../consistency.ts';
import type { AccountHistory, AccountInfo, Deal, OpenPosition } from '../history.ts';
import type { LiveCapable, LiveReader } from '../live.ts';
import { foldFundingDeposits } from '../normalize.ts';
import { type CommandRetryOptions, createWebApiCommands, type WebApiCommands } from './commands.ts';
import { readDailyReports } from './daily-reports.ts';
import { decodeDeal, decodePosition, type GroupInfo, numberOf, readGroup } from './decode.ts';
import { type WebApiLiveOptions, WebApiLiveReader } from './live.ts';
import { isNotFound, RetcodeError } from './retcodes.ts';
import { type WebApiQuery, type WebApiRecord, WebApiSession, type WebApiSessionOptions } from './session.ts';

export interface WebApiConfig extends Omit<WebApiSessionOptions, 'now'>, CommandRetryOptions {
  /** The trade server's clock: every server time (deals, positions, daily reports) is converted with it. */
  clock: BrokerClock;
  /** Margin mode when the account's group does not say (`MarginMode`); default hedging. */
  marginMode?: 'hedging' | 'netting';
  /** How long a group's configuration (currency, margin mode) is kept, in ms (default 10 minutes). */
  groupCacheMs?: number;
  /** Reads of a history whose account trades while it is read (default 3). */
  maxReads?: number;
  /** Live polling: batch window and size, how late a deal may surface (live.ts). */
  live?: WebApiLiveOptions;
  now?: () => number;
}

/** The figures compared before and after a read to tell a moving account from bad data. */
interface SettledState {
  balance: number;
  credit: number;
  positions: number;
  deals: number;
}

/** One read of an account: the history and the figures it must agree with. */
interface HistoryRead {
  history: AccountHistory;
  reported: ReportedFigures;
  range: WebApiQuery;
  state: SettledState;
  /** Every deal listed (funding deposits folded away included): ticket and UTC ms; and when. */
  keys: Array<[number, number]>;
  readMs: number;
}

export class WebApiConnector implements Mt5Connector, LiveCapable {
  readonly kind = 'webapi';
  readonly #config: WebApiConfig;
  readonly #now: () => number;
  readonly #session: WebApiSession;
  readonly #commands: WebApiCommands;
  readonly #groups = new Map<string, { at: number; value: Promise<GroupInfo> }>();
  readonly #live: WebApiLiveReader;

  constructor(config: WebApiConfig) {
    this.#config = config;
    this.#now = config.now ?? Date.now;
    this.#session = new WebApiSession({ ...config, now: this.#now });
    this.#commands = createWebApiCommands(this.#session, config);
    this.#live = new WebApiLiveReader(this, this.#commands, config.clock, this.#now, config.live);
  }

  live(): LiveReader {
    return this.#live;
  }

  async close(): Promise<void> {
    await this.#session.close();
  }

  /** Server wall-clock ms ("since 1970" on the server's clock) → UTC ms. */
  readonly #toUtcMs = (serverMs: number): number => serverToUtc(this.#config.clock, serverMs);

  async #user(login: string, signal?: AbortSignal): Promise<WebApiRecord> {
    try {
      return (await this.#commands.run('/api/user/get', { login }, signal)) as WebApiRecord;
    } catch (err) {
      if (isNotFound(err)) {
        throw new ConnectorError('invalid_credentials', `No MT5 account ${login} on this server`, false);
      }
      throw err;
    }
  }

  /**
   * The account's group configuration (Groups / Get by Name, `webapi_group_get`): the deposit
   * currency is the group's, not the user record's. Kept per group name for `groupCacheMs`.
   */
  #group(name: string, signal?: AbortSignal): Promise<GroupInfo> {
    const hit = this.#groups.get(name);
    if (hit && this.#now() - hit.at < (this.#config.groupCacheMs ?? 600_000)) return hit.value;
    const value = this.#commands
      .run('/api/group/get', { group: name }, signal)
      .then((answer) => readGroup(answer, name))
      .catch((err: unknown) => {
        this.#groups.delete(name);
        if (isNotFound(err)) {
          const message = `MT5 Web API has no group ${JSON.stringify(name)}, the group of the account`;
          throw new ConnectorError('bad_data', message, false);
        }
        throw err;
      });
    this.#groups.set(name, { at: this.#now(), value });
    return value;
  }

  async getAccountInfo(creds: Mt5Credentials, opts: FetchOptions = {}): Promise<AccountInfo> {
    return this.#wrap(async () => {
      const user = await this.#user(creds.login, opts.signal);
      return (await this.#info(creds, user, opts.signal)).info;
    });
  }

  async #info(
    creds: Mt5Credentials,
    user: WebApiRecord,
    signal?: AbortSignal,
  ): Promise<{ info: AccountInfo; group: GroupInfo }> {
    const groupName = typeof user.Group === 'string' ? user.Group : '';
    if (!groupName) {
      throw new ConnectorError('bad_data', `MT5 Web API user record of ${creds.login} names no Group`, false);
    }
    const group = await this.#group(groupName, signal);
    const trade = await this.#tradeState(creds.login, signal);
    const balance = numberOf(trade?.Balance ?? user.Balance);
    const credit = numberOf(trade?.Credit ?? user.Credit);
    const equity = trade ? numberOf(trade.Equity, balance + credit) : balance + credit;
    const margin = numberOf(trade?.Margin);
    const level = trade?.MarginLevel;
    const info: AccountInfo = {
      login: creds.login,
      server: creds.server,
      currency: group.currency,
      leverage: numberOf(trade?.MarginLeverage ?? user.Leverage),
      balance,
      equity,
      credit,
      margin,
      free_margin: numberOf(trade?.MarginFree, equity - margin),
      margin_level: margin > 0 && level !== undefined ? numberOf(level) : null,
      as_of: new Date(this.#now()).toISOString(),
    };
    return { info, group };
  }

  /** Get Trade State (`webapi_user_account_get`); null when the server has none (idle account). */
  async #tradeState(login: string, signal?: AbortSignal): Promise<WebApiRecord | null> {
    try {
      return (await this.#commands.run('/api/user/account/get', { login }, signal)) as WebApiRecord;
    } catch (err) {
      // "Only available if the account has open orders/positions or trade activity since the last
      // restart": then 13 Not found, and the user record's Balance/Credit stand in.
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  async getPositions(creds: Mt5Credentials, opts: FetchOptions = {}): Promise<OpenPosition[]> {
    return this.#wrap(async () => {
      await this.#user(creds.login, opts.signal);
      const { positions, total, rows } = await this.#positions(creds.login, opts.signal);
      if (rows !== total) {
        const message = `MT5 Web API announced ${total} open positions but delivered ${rows}`;
        throw new ConnectorError('bad_data', message, true);
      }
      return positions;
    });
  }

  /** The open positions, with the count the server announced and the rows it delivered. */
  async #positions(
    login: string,
    signal?: AbortSignal,
  ): Promise<{ positions: OpenPosition[]; total: number; rows: number }> {
    const total = await this.#commands.count('/api/position/get_total', { login }, signal);
    const rows = await this.#commands.rows('/api/position/get_page', { login }, total, signal);
    const positions = rows.map((record) => decodePosition(record, this.#toUtcMs));
    return { positions, total, rows: rows.length };
  }

  /**
   * The whole history, checked against the account's own figures (consistency.ts). An account
   * that trades while it is read can disagree with itself for a moment: when its balance, credit
   * or counts moved during the read, it is read again (up to `maxReads`); a disagreement on a
   * settled account is bad data.
   */
  async fetchHistory(creds: Mt5Credentials, opts: FetchOptions = {}): Promise<AccountHistory> {
    return (await this.historyForLive(creds, opts)).history;
  }

  /** The history, and what a live reader needs to go on from it (live.ts). */
  async historyForLive(creds: Mt5Credentials, opts: FetchOptions = {}) {
    return this.#wrap(async () => {
      const maxReads = this.#config.maxReads ?? 3;
      for (let read = 1; ; read++) {
        const r = await this.#readHistory(creds, opts.signal);
        if (findInconsistencies(r.history, r.reported).length === 0)
          return { history: r.history, keys: r.keys, readMs: r.readMs, balance: r.state.balance };
        const moved = await this.#moved(creds.login, r.range, r.state, opts.signal);
        if (moved && read < maxReads) continue;
        assertConsistent(r.history, r.reported, { source: 'the MT5 Web API', retryable: moved });
      }
    });
  }

  /** Whether the account's balance, credit or counts changed since `before` was read. */
  async #moved(login: string, range: WebApiQuery, before: SettledState, signal?: AbortSignal): Promise<boolean> {
    const trade = await this.#tradeState(login, signal);
    const user = trade ? null : await this.#user(login, signal);
    const now: SettledState = {
      balance: numberOf((trade ?? user)?.Balance),
      credit: numberOf((trade ?? user)?.Credit),
      positions: await this.#commands.count('/api/position/get_total', { login }, signal),
      deals: await this.#commands.count('/api/deal/get_total', range, signal),
    };
    return (
      now.balance !== before.balance ||
      now.credit !== before.credit ||
      now.positions !== before.positions ||
      now.deals !== before.deals
    );
  }

  async #readHistory(creds: Mt5Credentials, signal?: AbortSignal): Promise<HistoryRead> {
    const clock = this.#config.clock;
    const now = this.#now();
    const user = await this.#user(creds.login, signal);
    const { info, group } = await this.#info(creds, user, signal);
    const open = await this.#positions(creds.login, signal);
    // Web API times are server-clock seconds: the whole history, to a day past "now" on that clock.
    const range = { login: creds.login, from: 0, to: Math.floor(utcToServer(clock, now) / 1000) + 86_400 };
    const total = await this.#commands.count('/api/deal/get_total', range, signal);
    const rows = await this.#commands.rows('/api/deal/get_page', range, total, signal);
    const deals = rows.map((record) => decodeDeal(record, this.#toUtcMs)).filter((deal): deal is Deal => deal !== null);
    deals.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : a.ticket - b.ticket));
    // The history starts at the account's creation (from = 0): its balance before the first deal is
    // zero, and the deposits that funded it before it traded become the initial balance.
    const firstTrade = deals.findIndex((d) => d.type === 'buy' || d.type === 'sell');
    const funding = deals.slice(0, firstTrade < 0 ? deals.length : firstTrade).filter((d) => d.type === 'balance');
    const fundedAt = funding.length ? funding[funding.length - 1]!.time : '';
    const folded = foldFundingDeposits(deals, 0);

    // Daily reports: the server's own end-of-day balance and equity (daily-loss anchors). Readings
    // from before the funding deposits were folded away would contradict the initial balance.
    const equity = (await this.#dailySnapshots(range, signal)).filter((s) => s.time >= fundedAt);
    equity.push({ time: new Date(now).toISOString(), balance: info.balance, equity: info.equity });
    equity.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));

    const history: AccountHistory = {
      account: {
        login: creds.login,
        server: creds.server,
        currency: info.currency,
        initial_balance: folded.initialBalance,
        server_utc_offset_minutes: offsetAt(clock, now),
        margin_mode: group.marginMode ?? this.#config.marginMode ?? 'hedging',
      },
      deals: folded.deals,
      equity,
      positions: open.positions,
    };
    return {
      history,
      reported: {
        balance: info.balance,
        credit: info.credit,
        counts: [
          { what: 'open positions', reported: open.total, received: open.rows },
          { what: 'deals', reported: total, received: rows.length },
        ],
      },
      range,
      state: { balance: info.balance, credit: info.credit, positions: open.total, deals: total },
      keys: deals.map((d): [number, number] => [d.ticket, Date.parse(d.time)]),
      readMs: now,
    };
  }

  /** The daily reports of the range (daily-reports.ts); an account without any has none. */
  async #dailySnapshots(range: WebApiQuery, signal?: AbortSignal) {
    let answer: unknown;
    try {
      answer = await this.#commands.run('/api/daily/get', range, signal);
    } catch (err) {
      if (isNotFound(err)) return [];
      throw err;
    }
    return readDailyReports(answer, this.#config.clock);
  }

  async #wrap<T>(read: () => Promise<T>): Promise<T> {
    try {
      return await read();
    } catch (err) {
      if (err instanceof RetcodeError) throw new ConnectorError('bad_data', err.message, false);
      throw err;
    }
  }
}
