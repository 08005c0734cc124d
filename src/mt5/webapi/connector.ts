/**
 * MT5 Manager Web API connector (reference/mt5.md §2): the broker's own access server, reached
 * with a manager login. One kept-alive connection carries the `/api/auth/start` +
 * `/api/auth/answer` handshake (the server's `cli_rand_answer` is verified) and every command
 * after it; a 401/403 re-authenticates once. Values arrive as strings and are parsed; volumes
 * are ÷ 10 000 (VolumeExt ÷ 1e8); times are seconds on the server clock and are converted to UTC
 * with the server's configured offset or zone; deal reasons use the Manager numbering (§3.3).
 * A rate limit (`12 Too frequent requests`, or HTTP 429 / 503 with Retry-After from a proxy in
 * front of the access server) is waited out and retried with exponential backoff; the server's
 * transient retcodes (network, timeout, no connection, no service, shutdown) end the read with a
 * retryable error so the job queue tries again later.
 */
import { DateTime } from 'luxon';
import { Agent, request } from 'undici';
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
  /** Broker clock minus UTC, minutes; or `timeZone` for brokers that follow DST. */
  utcOffsetMinutes?: number;
  timeZone?: string;
  /** Margin mode of the server's groups (the user record does not say); default hedging. */
  marginMode?: 'hedging' | 'netting';
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

  /** Server wall-clock seconds/ms → UTC ms. */
  #toUtcMs(serverMs: number): number {
    if (this.#cfg.timeZone) {
      const wall = DateTime.fromMillis(serverMs, { zone: 'utc' });
      const local = DateTime.fromObject(
        { year: wall.year, month: wall.month, day: wall.day, hour: wall.hour, minute: wall.minute, second: wall.second, millisecond: wall.millisecond },
        { zone: this.#cfg.timeZone },
      );
      return local.toMillis();
    }
    return serverMs - (this.#cfg.utcOffsetMinutes ?? 0) * 60_000;
  }

  #offsetNow(): number {
    if (this.#cfg.timeZone) return DateTime.fromMillis(this.#now(), { zone: this.#cfg.timeZone }).offset;
    return this.#cfg.utcOffsetMinutes ?? 0;
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

  async getAccountInfo(creds: Mt5Credentials, opts: FetchOptions = {}): Promise<AccountInfo> {
    return this.#wrap(async () => {
      const user = await this.#user(creds.login, opts.signal);
      return this.#info(creds, user, opts.signal);
    });
  }

  async #info(creds: Mt5Credentials, user: Json, signal?: AbortSignal): Promise<AccountInfo> {
    let trade: Json | null = null;
    try {
      trade = (await this.#cmd('/api/user/account/get', { login: creds.login }, signal)) as Json;
    } catch (err) {
      // "Only available if the account has open orders/positions or trade activity since the last
      // restart": then 13 Not found, and the user record's Balance/Credit stand in.
      if (!(err instanceof RetcodeError && err.code === MT_RET_ERR_NOTFOUND)) throw err;
    }
    const balance = n(trade?.Balance ?? user.Balance);
    const credit = n(trade?.Credit ?? user.Credit);
    const equity = trade ? n(trade.Equity, balance + credit) : balance + credit;
    const margin = n(trade?.Margin);
    const level = trade?.MarginLevel;
    return {
      login: creds.login,
      server: creds.server,
      currency: String(user.Currency ?? trade?.Currency ?? ''),
      leverage: n(trade?.MarginLeverage ?? user.Leverage),
      balance,
      equity,
      credit,
      margin,
      free_margin: n(trade?.MarginFree, equity - margin),
      margin_level: margin > 0 && level !== undefined ? n(level) : null,
      as_of: new Date(this.#now()).toISOString(),
    };
  }

  async #paged(path: string, query: Record<string, string | number>, total: number, signal?: AbortSignal): Promise<Json[]> {
    const out: Json[] = [];
    for (let offset = 0; offset < total; offset += DEALS_PAGE) {
      const page = await this.#cmd(path.replace('get_total', 'get_page'), { ...query, offset, total: Math.min(DEALS_PAGE, total - offset) }, signal);
      if (!Array.isArray(page)) throw new ConnectorError('bad_data', `MT5 Web API ${path} page is not a list`, true);
      out.push(...(page as Json[]));
      if (page.length === 0) break;
    }
    return out;
  }

  async #total(path: string, query: Record<string, string | number>, signal?: AbortSignal): Promise<number> {
    const a = (await this.#cmd(path, query, signal)) as Json;
    return n(a?.total);
  }

  async getPositions(creds: Mt5Credentials, opts: FetchOptions = {}): Promise<OpenPosition[]> {
    return this.#wrap(async () => {
      await this.#user(creds.login, opts.signal);
      return this.#positions(creds.login, opts.signal);
    });
  }

  async #positions(login: string, signal?: AbortSignal): Promise<OpenPosition[]> {
    const total = await this.#total('/api/position/get_total', { login }, signal);
    const rows = await this.#paged('/api/position/get_total', { login }, total, signal);
    return rows.map((p) => ({
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
  }

  async fetchHistory(creds: Mt5Credentials, opts: FetchOptions = {}): Promise<AccountHistory> {
    return this.#wrap(async () => {
      const signal = opts.signal;
      const user = await this.#user(creds.login, signal);
      const info = await this.#info(creds, user, signal);
      const positions = await this.#positions(creds.login, signal);
      // Web API times are server-clock seconds; ask up to a day past "now" on any clock.
      const range = { login: creds.login, from: 0, to: Math.floor(this.#now() / 1000) + 2 * 86_400 };
      const total = await this.#total('/api/deal/get_total', range, signal);
      const rows = await this.#paged('/api/deal/get_total', range, total, signal);
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
      const net = deals.reduce((s, d) => s + Math.round((d.profit + d.commission + d.swap + d.fee) * 100), 0);
      const folded = foldFundingDeposits(deals, (Math.round((info.balance + info.credit) * 100) - net) / 100);

      // Daily reports: the server's own start-of-day balance and equity (daily-loss anchors).
      const equity: EquitySnapshot[] = [];
      const daily = await this.#cmd('/api/daily/get', range, signal).catch((err: unknown) => {
        if (err instanceof RetcodeError) return [];
        throw err;
      });
      for (const r of Array.isArray(daily) ? (daily as Json[]) : []) {
        const dayMs = Math.floor(n(r.Datetime) / 86_400) * 86_400_000;
        if (!dayMs) continue;
        equity.push({ time: new Date(this.#toUtcMs(dayMs)).toISOString(), balance: n(r.BalancePrevDay), equity: n(r.EquityPrevDay) });
      }
      equity.push({ time: new Date(this.#now()).toISOString(), balance: info.balance, equity: info.equity });
      equity.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));

      return {
        account: {
          login: creds.login,
          server: creds.server,
          currency: info.currency,
          initial_balance: folded.initialBalance,
          server_utc_offset_minutes: this.#offsetNow(),
          margin_mode: this.#cfg.marginMode ?? 'hedging',
        },
        deals: folded.deals,
        equity,
        positions,
      };
    });
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
