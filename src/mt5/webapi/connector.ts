/**
 * MT5 Manager Web API connector (reference/mt5.md §2): the broker's own access server, reached
 * with a manager login. One kept-alive connection carries the `/api/auth/start` +
 * `/api/auth/answer` handshake (the server's `cli_rand_answer` is verified) and every command
 * after it; a 401/403 re-authenticates once. Values arrive as strings and are parsed; volumes
 * are ÷ 10 000 (VolumeExt ÷ 1e8); times are seconds on the server clock and are converted to UTC
 * with the server's configured broker clock (broker-clock.ts: an IANA zone, or an offset with
 * US/EU/no DST); deal reasons use the Manager numbering (§3.3). The account's currency and margin
 * mode come from its group (`group/get`, cached per group name); the server's daily reports give
 * its own end-of-day balance and equity (daily-loss anchors) and prove the configured clock right.
 * A history is returned only when it agrees with the account's own figures (consistency.ts): the
 * announced `Total`s, the balance and credit, the open positions; an account that trades while it
 * is read is read again.
 * A rate limit (`12 Too frequent requests`, or HTTP 429 / 503 with Retry-After from a proxy in
 * front of the access server) is waited out and retried with exponential backoff; the server's
 * transient retcodes (network, timeout, no connection, no service, shutdown) end the read with a
 * retryable error so the job queue tries again later.
 */
import { Agent, request } from 'undici';
import { describeClock, offsetAt, serverToUtc, utcToServer, type BrokerClock } from '../broker-clock.ts';
import { assertConsistent, findInconsistencies, type ReportedFigures } from '../consistency.ts';
import { ConnectorError, type FetchOptions, type Mt5Connector, type Mt5Credentials } from '../connector.ts';
import type { AccountHistory, AccountInfo, Deal, DealEntry, DealType, EquitySnapshot, OpenPosition } from '../history.ts';
import { abortableSleep } from '../metaapi/http.ts';
import { foldFundingDeposits } from '../normalize.ts';
import { newCliRand, passwordHash, randAnswer, sameHex } from './auth.ts';

export interface WebApiConfig {
  /** Base URL of the access server, e.g. https://mt5.broker.example:443 */
  url: string;
  managerLogin: string;
  managerPassword: string;
  /** The trade server's clock: every server time (deals, positions, daily reports) is converted with it. */
  clock: BrokerClock;
  /** Margin mode when the account's group does not say (`MarginMode`); default hedging. */
  marginMode?: 'hedging' | 'netting';
  /** How long a group's configuration (currency, margin mode) is kept, in ms (default 10 minutes). */
  groupCacheMs?: number;
  /** Reads of a history whose account trades while it is read (default 3). */
  maxReads?: number;
  /** Client build sent in auth/start (≥ 484). */
  version?: number;
  /** Agent name sent in auth/start (no spaces). */
  agent?: string;
  timeoutMs?: number;
  /** Accept a self-signed certificate (common on access servers). */
  insecureTls?: boolean;
  /** Retries of a rate-limited command (default 4), the first backoff (default 500 ms, doubling). */
  maxRetries?: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** Longest wait a rate limit may ask for before we give up and let the job queue retry later (default 30 s). */
  maxRateLimitWaitMs?: number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  now?: () => number;
}

/** Manager `IMTDeal::EnDealReason` (not the MQL5 numbering). */
export const MANAGER_DEAL_REASONS = ['client', 'expert', 'dealer', 'sl', 'tp', 'so', 'rollover', 'external_client', 'vmargin', 'gateway', 'signal', 'settlement', 'transfer', 'sync', 'external_service', 'migration', 'mobile', 'web', 'split'] as const;

export function managerDealReason(n: number): string {
  return MANAGER_DEAL_REASONS[n] ?? 'unknown';
}

/** `IMTDeal::EnDealAction` → normalized type; 18–20 (agent, SO compensation) are balance-like corrections. */
const ACTIONS: DealType[] = ['buy', 'sell', 'balance', 'credit', 'charge', 'correction', 'bonus', 'commission', 'commission_daily', 'commission_monthly', 'commission_agent_daily', 'commission_agent_monthly', 'interest', 'buy_canceled', 'sell_canceled', 'dividend', 'dividend_franked', 'tax', 'commission', 'correction', 'credit'];
const ENTRIES: Record<number, DealEntry> = { 0: 'in', 1: 'out', 2: 'inout', 3: 'out_by' };
const DEALS_PAGE = 100;

/** Manager API return codes (EnMTAPIRetcode) this connector acts on. */
const MT_RET_ERR_NETWORK = 7;
const MT_RET_ERR_TIMEOUT = 9;
const MT_RET_ERR_CONNECTION = 10;
const MT_RET_ERR_NOSERVICE = 11;
const MT_RET_ERR_FREQUENT = 12;
const MT_RET_ERR_NOTFOUND = 13;
const MT_RET_ERR_SHUTDOWN = 15;
const TRANSIENT_RETCODES = new Set([MT_RET_ERR_NETWORK, MT_RET_ERR_TIMEOUT, MT_RET_ERR_CONNECTION, MT_RET_ERR_NOSERVICE, MT_RET_ERR_SHUTDOWN]);

type Json = Record<string, unknown>;

/** What the connector takes from the account's group (Groups / Data Structure, `webapi_group_data_format`). */
interface GroupInfo {
  currency: string;
  /** From `MarginMode` (IMTConGroup::EnMarginMode: 0 retail netting, 1 exchange, 2 retail hedging); null when absent. */
  marginMode: 'hedging' | 'netting' | null;
}

/** The figures compared before and after a read to tell a moving account from bad data. */
interface SettledState {
  balance: number;
  credit: number;
  positions: number;
  deals: number;
}

const n = (v: unknown, fallback = 0): number => {
  if (typeof v === 'number') return Number.isFinite(v) ? v : fallback;
  if (typeof v === 'string' && v.trim() !== '') {
    const x = Number(v);
    return Number.isFinite(x) ? x : fallback;
  }
  return fallback;
};

class RetcodeError extends Error {
  constructor(readonly retcode: string, readonly path: string) {
    super(`MT5 Web API ${path}: ${retcode}`);
  }
  get code(): number {
    return Number.parseInt(this.retcode, 10);
  }
}

export class WebApiConnector implements Mt5Connector {
  readonly kind = 'webapi';
  readonly #cfg: WebApiConfig;
  readonly #agent: Agent;
  readonly #now: () => number;
  readonly #sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  #cookies = new Map<string, string>();
  #session: Promise<void> | null = null;
  readonly #groups = new Map<string, { at: number; value: Promise<GroupInfo> }>();

  constructor(config: WebApiConfig) {
    this.#cfg = config;
    this.#now = config.now ?? Date.now;
    this.#sleep = config.sleep ?? abortableSleep;
    // The Web API session belongs to the TCP connection: one socket, kept alive.
    this.#agent = new Agent({
      connections: 1,
      pipelining: 1,
      keepAliveTimeout: 60_000,
      headersTimeout: config.timeoutMs ?? 30_000,
      bodyTimeout: config.timeoutMs ?? 30_000,
      ...(config.insecureTls ? { connect: { rejectUnauthorized: false } } : {}),
    });
  }

  async close(): Promise<void> {
    await this.#agent.close();
  }

  /** Server wall-clock ms ("since 1970" on the server's clock) → UTC ms. */
  #toUtcMs(serverMs: number): number {
    return serverToUtc(this.#cfg.clock, serverMs);
  }
  async #raw(path: string, query: Record<string, string | number>, signal?: AbortSignal): Promise<{ status: number; body: Json; retryAfterMs: number | null }> {
    const qs = new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)])).toString();
    const url = `${this.#cfg.url.replace(/\/+$/, '')}${path}${qs ? `?${qs}` : ''}`;
    const timeout = AbortSignal.timeout(this.#cfg.timeoutMs ?? 30_000);
    const sig = signal ? AbortSignal.any([signal, timeout]) : timeout;
    let res;
    try {
      res = await request(url, {
        method: 'GET',
        dispatcher: this.#agent,
        headers: { connection: 'keep-alive', accept: 'application/json', ...(this.#cookies.size ? { cookie: [...this.#cookies].map(([k, v]) => `${k}=${v}`).join('; ') } : {}) },
        signal: sig,
      });
    } catch (err) {
      if (signal?.aborted && !(signal.reason instanceof Error && signal.reason.name === 'TimeoutError')) throw signal.reason;
      if (sig.aborted || (err as Error).name === 'HeadersTimeoutError' || (err as Error).name === 'BodyTimeoutError')
        throw new ConnectorError('timeout', `MT5 Web API did not answer ${path} in time`, true);
      throw new ConnectorError('unreachable', `MT5 Web API could not be reached (${(err as Error).message})`, true);
    }
    const setCookie = res.headers['set-cookie'];
    for (const c of Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : []) {
      const m = /^([^=;\s]+)=([^;]*)/.exec(c);
      if (m) this.#cookies.set(m[1]!, m[2]!);
    }
    const text = await res.body.text();
    let body: Json = {};
    try {
      body = text ? (JSON.parse(text) as Json) : {};
    } catch {
      if (res.statusCode < 400) throw new ConnectorError('bad_data', `MT5 Web API ${path} answered something that is not JSON`, true);
    }
    return { status: res.statusCode, body, retryAfterMs: retryAfter(res.headers['retry-after'], this.#now()) };
  }

  async #authenticate(signal?: AbortSignal): Promise<void> {
    this.#cookies = new Map();
    const start = await this.#raw('/api/auth/start', { version: this.#cfg.version ?? 484, agent: this.#cfg.agent ?? 'brymix', login: this.#cfg.managerLogin, type: 'manager' }, signal);
    const srvRand = String(start.body.srv_rand ?? '');
    if (start.status === 429 || start.status === 503 || Number.parseInt(String(start.body.retcode ?? ''), 10) === MT_RET_ERR_FREQUENT) {
      throw new ConnectorError('unreachable', `MT5 Web API is rate-limiting logins (${String(start.body.retcode ?? start.status)})`, true);
    }
    if (start.status >= 400 || !String(start.body.retcode ?? '').startsWith('0') || !/^[0-9a-f]{32}$/i.test(srvRand)) {
      throw new ConnectorError('unreachable', `MT5 Web API refused auth/start for manager ${this.#cfg.managerLogin} (${String(start.body.retcode ?? start.status)})`, false);
    }
    const pw = passwordHash(this.#cfg.managerPassword);
    const cliRand = newCliRand();
    const answer = await this.#raw('/api/auth/answer', { srv_rand_answer: randAnswer(pw, srvRand), cli_rand: cliRand }, signal);
    if (answer.status >= 400 || !String(answer.body.retcode ?? '').startsWith('0')) {
      throw new ConnectorError('unreachable', `MT5 Web API rejected the manager login ${this.#cfg.managerLogin} (${String(answer.body.retcode ?? answer.status)})`, false);
    }
    // Mutual authentication: a server that does not know the password cannot answer cli_rand.
    if (!sameHex(String(answer.body.cli_rand_answer ?? ''), randAnswer(pw, cliRand))) {
      throw new ConnectorError('unreachable', 'MT5 Web API server failed mutual authentication (wrong cli_rand_answer)', false);
    }
  }

  #ensureSession(signal?: AbortSignal): Promise<void> {
    this.#session ??= this.#authenticate(signal).catch((err: unknown) => {
      this.#session = null;
      throw err;
    });
    return this.#session;
  }

  /**
   * A command on the session; re-authenticates once on 401/403, waits out rate limits
   * (Retry-After, else exponential backoff) up to `maxRetries` times. Returns `answer`.
   */
  async #cmd(path: string, query: Record<string, string | number>, signal?: AbortSignal): Promise<unknown> {
    const maxRetries = this.#cfg.maxRetries ?? 4;
    const maxWait = this.#cfg.maxRateLimitWaitMs ?? 30_000;
    let backoff = this.#cfg.retryBaseMs ?? 500;
    let reauthenticated = false;
    for (let limited = 0; ; ) {
      await this.#ensureSession(signal);
      const { status, body, retryAfterMs } = await this.#raw(path, query, signal);
      if ((status === 401 || status === 403) && !reauthenticated) {
        reauthenticated = true;
        this.#session = null;
        continue;
      }
      const retcode = String(body.retcode ?? '');
      const code = Number.parseInt(retcode, 10);
      if (status === 429 || (status === 503 && retryAfterMs !== null) || (status < 400 && code === MT_RET_ERR_FREQUENT)) {
        const wait = retryAfterMs ?? backoff;
        if (limited >= maxRetries || wait > maxWait) {
          throw new ConnectorError('unreachable', `MT5 Web API rate limit on ${path} (${retcode || status}); retry after ${Math.max(1, Math.ceil(wait / 1000))} s`, true);
        }
        limited++;
        await this.#sleep(wait, signal);
        backoff = Math.min(backoff * 2, this.#cfg.retryMaxMs ?? 10_000);
        continue;
      }
      if (status >= 500) throw new ConnectorError('unreachable', `MT5 Web API ${path} answered ${status}${body.retcode ? ` (${retcode.slice(0, 80)})` : ''}`, true);
      if (status >= 400) throw new ConnectorError('unreachable', `MT5 Web API ${path} answered ${status}`, false);
      if (TRANSIENT_RETCODES.has(code)) {
        throw new ConnectorError(code === MT_RET_ERR_TIMEOUT ? 'timeout' : 'unreachable', `MT5 Web API ${path}: ${retcode.slice(0, 80)}`, true);
      }
      if (!retcode.startsWith('0')) throw new RetcodeError(retcode || 'no retcode', path);
      return body.answer;
    }
  }

  async #user(login: string, signal?: AbortSignal): Promise<Json> {
    try {
      return (await this.#cmd('/api/user/get', { login }, signal)) as Json;
    } catch (err) {
      if (err instanceof RetcodeError && err.code === MT_RET_ERR_NOTFOUND) throw new ConnectorError('invalid_credentials', `No MT5 account ${login} on this server`, false);
      throw err;
    }
  }

  /**
   * The account's group configuration (Groups / Get by Name, `webapi_group_get`): the deposit
   * currency is the group's, not the user record's. Kept per group name for `groupCacheMs`.
   */
  #group(name: string, signal?: AbortSignal): Promise<GroupInfo> {
    const hit = this.#groups.get(name);
    if (hit && this.#now() - hit.at < (this.#cfg.groupCacheMs ?? 600_000)) return hit.value;
    const value = this.#cmd('/api/group/get', { group: name }, signal)
      .then((answer) => readGroup(answer, name))
      .catch((err: unknown) => {
        this.#groups.delete(name);
        if (err instanceof RetcodeError && err.code === MT_RET_ERR_NOTFOUND) throw new ConnectorError('bad_data', `MT5 Web API has no group ${JSON.stringify(name)}, the group of the account`, false);
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

  async #info(creds: Mt5Credentials, user: Json, signal?: AbortSignal): Promise<{ info: AccountInfo; group: GroupInfo }> {
    const groupName = typeof user.Group === 'string' ? user.Group : '';
    if (!groupName) throw new ConnectorError('bad_data', `MT5 Web API user record of ${creds.login} names no Group`, false);
    const group = await this.#group(groupName, signal);
    const trade = await this.#tradeState(creds.login, signal);
    const balance = n(trade?.Balance ?? user.Balance);
    const credit = n(trade?.Credit ?? user.Credit);
    const equity = trade ? n(trade.Equity, balance + credit) : balance + credit;
    const margin = n(trade?.Margin);
    const level = trade?.MarginLevel;
    const info: AccountInfo = {
      login: creds.login,
      server: creds.server,
      currency: group.currency,
      leverage: n(trade?.MarginLeverage ?? user.Leverage),
      balance,
      equity,
      credit,
      margin,
      free_margin: n(trade?.MarginFree, equity - margin),
      margin_level: margin > 0 && level !== undefined ? n(level) : null,
      as_of: new Date(this.#now()).toISOString(),
    };
    return { info, group };
  }

  /** Get Trade State (`webapi_user_account_get`); null when the server has none (idle account). */
  async #tradeState(login: string, signal?: AbortSignal): Promise<Json | null> {
    try {
      return (await this.#cmd('/api/user/account/get', { login }, signal)) as Json;
    } catch (err) {
      // "Only available if the account has open orders/positions or trade activity since the last
      // restart": then 13 Not found, and the user record's Balance/Credit stand in.
      if (err instanceof RetcodeError && err.code === MT_RET_ERR_NOTFOUND) return null;
      throw err;
    }
  }

  /** Rows of a `get_page` command, `DEALS_PAGE` at a time, up to the announced total. */
  async #paged(path: string, query: Record<string, string | number>, total: number, signal?: AbortSignal): Promise<Json[]> {
    const out: Json[] = [];
    for (let offset = 0; offset < total; offset += DEALS_PAGE) {
      const page = await this.#cmd(path, { ...query, offset, total: Math.min(DEALS_PAGE, total - offset) }, signal);
      if (!Array.isArray(page)) throw new ConnectorError('bad_data', `MT5 Web API ${path} page is not a list`, true);
      out.push(...(page as Json[]));
      if (page.length === 0) break; // fewer rows than announced: the count check names it
    }
    return out;
  }

  /**
   * Positions / Get Total and Deals / Get Total answer `{"Total":"10"}` (`webapi_position_get_total`,
   * `webapi_deal_get_total`). A count we cannot read must not become zero rows and a verdict.
   */
  async #total(path: string, query: Record<string, string | number>, signal?: AbortSignal): Promise<number> {
    const answer = await this.#cmd(path, query, signal);
    const raw = answer && typeof answer === 'object' ? (answer as Json).Total : undefined;
    const total = typeof raw === 'string' && /^\s*\d+\s*$/.test(raw) ? Number(raw) : typeof raw === 'number' ? raw : Number.NaN;
    if (!Number.isSafeInteger(total) || total < 0) {
      throw new ConnectorError('bad_data', `MT5 Web API ${path} answered no readable count (expected {"Total":"<number>"}, got ${JSON.stringify(answer ?? null).slice(0, 120)})`, false);
    }
    return total;
  }

  async getPositions(creds: Mt5Credentials, opts: FetchOptions = {}): Promise<OpenPosition[]> {
    return this.#wrap(async () => {
      await this.#user(creds.login, opts.signal);
      const { positions, total, rows } = await this.#positions(creds.login, opts.signal);
      if (rows !== total) throw new ConnectorError('bad_data', `MT5 Web API announced ${total} open positions but delivered ${rows}`, true);
      return positions;
    });
  }

  async #positions(login: string, signal?: AbortSignal): Promise<{ positions: OpenPosition[]; total: number; rows: number }> {
    const total = await this.#total('/api/position/get_total', { login }, signal);
    const rows = await this.#paged('/api/position/get_page', { login }, total, signal);
    const positions = rows.map((p): OpenPosition => ({
      ticket: n(p.Position),
      symbol: String(p.Symbol ?? ''),
      type: n(p.Action) === 1 ? 'sell' : 'buy',
      volume: lots(p),
      open_price: n(p.PriceOpen),
      current_price: n(p.PriceCurrent),
      sl: n(p.PriceSL) > 0 ? n(p.PriceSL) : null,
      tp: n(p.PriceTP) > 0 ? n(p.PriceTP) : null,
      swap: n(p.Storage),
      profit: n(p.Profit),
      open_time: new Date(this.#toUtcMs(p.TimeCreateMsc !== undefined ? n(p.TimeCreateMsc) : n(p.TimeCreate) * 1000)).toISOString(),
    }));
    return { positions, total, rows: rows.length };
  }

  /**
   * The whole history, checked against the account's own figures (consistency.ts). An account
   * that trades while it is read can disagree with itself for a moment: when its balance, credit
   * or counts moved during the read, it is read again (up to `maxReads`); a disagreement on a
   * settled account is bad data.
   */
  async fetchHistory(creds: Mt5Credentials, opts: FetchOptions = {}): Promise<AccountHistory> {
    return this.#wrap(async () => {
      const maxReads = this.#cfg.maxReads ?? 3;
      for (let read = 1; ; read++) {
        const r = await this.#readHistory(creds, opts.signal);
        if (findInconsistencies(r.history, r.reported).length === 0) return r.history;
        const moved = await this.#moved(creds.login, r.range, r.state, opts.signal);
        if (moved && read < maxReads) continue;
        assertConsistent(r.history, r.reported, { source: 'the MT5 Web API', retryable: moved });
      }
    });
  }

  /** Whether the account's balance, credit or counts changed since `before` was read. */
  async #moved(login: string, range: Record<string, string | number>, before: SettledState, signal?: AbortSignal): Promise<boolean> {
    const trade = await this.#tradeState(login, signal);
    const user = trade ? null : await this.#user(login, signal);
    const now: SettledState = {
      balance: n((trade ?? user)?.Balance),
      credit: n((trade ?? user)?.Credit),
      positions: await this.#total('/api/position/get_total', { login }, signal),
      deals: await this.#total('/api/deal/get_total', range, signal),
    };
    return now.balance !== before.balance || now.credit !== before.credit || now.positions !== before.positions || now.deals !== before.deals;
  }

  async #readHistory(creds: Mt5Credentials, signal?: AbortSignal): Promise<{ history: AccountHistory; reported: ReportedFigures; range: Record<string, string | number>; state: SettledState }> {
    const clock = this.#cfg.clock;
    const now = this.#now();
    const user = await this.#user(creds.login, signal);
    const { info, group } = await this.#info(creds, user, signal);
    const open = await this.#positions(creds.login, signal);
    // Web API times are server-clock seconds: the whole history, to a day past "now" on that clock.
    const range = { login: creds.login, from: 0, to: Math.floor(utcToServer(clock, now) / 1000) + 86_400 };
    const total = await this.#total('/api/deal/get_total', range, signal);
    const rows = await this.#paged('/api/deal/get_page', range, total, signal);
    const deals: Deal[] = [];
    for (const d of rows) {
      const entry = ENTRIES[n(d.Entry)];
      if (!entry) continue; // ENTRY_STATE (255) service records
      const type = ACTIONS[n(d.Action, -1)];
      if (!type) continue;
      const serverMs = d.TimeMsc !== undefined ? n(d.TimeMsc) : n(d.Time) * 1000;
      const deal: Deal = {
        ticket: n(d.Deal),
        order: n(d.Order),
        time: new Date(this.#toUtcMs(serverMs)).toISOString(),
        type,
        entry,
        position_id: n(d.PositionID),
        symbol: String(d.Symbol ?? ''),
        volume: lots(d),
        price: n(d.Price),
        profit: n(d.Profit),
        commission: n(d.Commission),
        swap: n(d.Storage),
        fee: n(d.Fee),
        comment: String(d.Comment ?? ''),
      };
      if (n(d.PriceSL) > 0) deal.sl = n(d.PriceSL);
      if (n(d.PriceTP) > 0) deal.tp = n(d.PriceTP);
      deals.push(deal);
    }
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
        margin_mode: group.marginMode ?? this.#cfg.marginMode ?? 'hedging',
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
    };
  }

  /**
   * Daily Reports / Get (`webapi_daily_get`, `webapi_daily_data_structure`). Each report carries
   * `Timestamp` (its generation, a Windows FILETIME in UTC) with that moment's `Balance`, `Credit`
   * and `ProfitEquity`, and `DatetimePrev` (the previous report's generation, server-clock seconds)
   * with `BalancePrevDay`/`EquityPrevDay`. One report's `DatetimePrev` is the previous one's
   * `Timestamp` read on the server clock, which proves the configured clock right or wrong.
   */
  async #dailySnapshots(range: Record<string, string | number>, signal?: AbortSignal): Promise<EquitySnapshot[]> {
    const clock = this.#cfg.clock;
    let answer: unknown;
    try {
      answer = await this.#cmd('/api/daily/get', range, signal);
    } catch (err) {
      if (err instanceof RetcodeError && err.code === MT_RET_ERR_NOTFOUND) return [];
      throw err;
    }
    if (!Array.isArray(answer)) throw new ConnectorError('bad_data', 'MT5 Web API /api/daily/get answered something that is not a list of reports', false);
    const reports = (answer as Json[]).map((r) => {
      const at = fileTimeMs(r.Timestamp);
      if (at === null) throw new ConnectorError('bad_data', `MT5 Web API daily report without a readable Timestamp (${JSON.stringify(r.Timestamp ?? null).slice(0, 40)})`, false);
      return { at, prevServerMs: n(r.DatetimePrev) * 1000, r };
    });
    reports.sort((a, b) => a.at - b.at);

    const own: EquitySnapshot[] = [];
    const previous: Array<{ ms: number; s: EquitySnapshot }> = [];
    reports.forEach(({ at, prevServerMs, r }, i) => {
      if (r.Balance !== undefined && r.ProfitEquity !== undefined) own.push({ time: new Date(at).toISOString(), balance: n(r.Balance), equity: n(r.ProfitEquity) });
      if (prevServerMs <= 0) return;
      const prevAt = this.#toUtcMs(prevServerMs);
      const before = reports[i - 1];
      // The previous report, seen twice: its Timestamp in UTC and our reading of DatetimePrev.
      const generated = before ? Math.floor(before.at / 1000) * 1000 : null;
      if (generated !== null && Math.abs(prevAt - generated) > 60_000) {
        const serverOffset = Math.round((prevServerMs - generated) / 60_000);
        if (Math.abs(serverOffset) <= 14 * 60 && serverOffset % 15 === 0) {
          throw new ConnectorError(
            'bad_data',
            `The server's daily reports show its clock at ${describeClock({ utc_offset_minutes: serverOffset })} on ${new Date(generated).toISOString().slice(0, 10)}, but this server is configured as ${describeClock(clock)} (${describeClock({ utc_offset_minutes: offsetAt(clock, generated) })} then): fix its clock (utc_offset_minutes, dst or time_zone) in MT5_SERVERS_FILE`,
            false,
          );
        }
      }
      if (r.BalancePrevDay !== undefined && r.EquityPrevDay !== undefined) previous.push({ ms: prevAt, s: { time: new Date(prevAt).toISOString(), balance: n(r.BalancePrevDay), equity: n(r.EquityPrevDay) } });
    });
    // A previous day's figures already present as that report's own reading are not repeated.
    const ownMs = own.map((s) => Date.parse(s.time));
    return [...own, ...previous.filter((p) => !ownMs.some((ms) => Math.abs(ms - p.ms) < 1000)).map((p) => p.s)];
  }

  async #wrap<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof RetcodeError) throw new ConnectorError('bad_data', err.message, false);
      throw err;
    }
  }
}

/** Retry-After as delay seconds or an HTTP date, in ms from now; null when absent or unreadable. */
function retryAfter(header: string | string[] | undefined, now: number): number | null {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return null;
  const secs = Number(value);
  if (Number.isFinite(secs) && secs >= 0) return secs * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/** Volume in lots: VolumeExt (÷1e8) when present, else Volume (÷10 000). Never mix the scales. */
function lots(x: Json): number {
  if (x.VolumeExt !== undefined && x.VolumeExt !== null && x.VolumeExt !== '') return n(x.VolumeExt) / 1e8;
  return n(x.Volume) / 10_000;
}

function readGroup(answer: unknown, name: string): GroupInfo {
  const g = (answer && typeof answer === 'object' ? answer : {}) as Json;
  const currency = typeof g.Currency === 'string' ? g.Currency.trim() : '';
  if (!currency) throw new ConnectorError('bad_data', `MT5 Web API group ${JSON.stringify(name)} has no Currency`, false);
  const mode = g.MarginMode === undefined ? null : n(g.MarginMode, -1);
  return { currency, marginMode: mode === 2 ? 'hedging' : mode === 0 || mode === 1 ? 'netting' : null };
}

/** Windows FILETIME (100-ns ticks since 1601-01-01 UTC, as a decimal string) → UTC ms; null when unreadable. */
function fileTimeMs(v: unknown): number | null {
  const text = typeof v === 'number' && Number.isSafeInteger(v) ? String(v) : typeof v === 'string' ? v.trim() : '';
  if (!/^\d{1,20}$/.test(text)) return null;
  const ms = Number(BigInt(text) / 10_000n - 11_644_473_600_000n);
  return ms > 0 ? ms : null;
}
