/**
 * MetaApi REST connector (reference/mt5.md §1). A trader's login/password/server is provisioned
 * as a MetaApi account (or the existing one for that login and server is reused), deployed,
 * and read over REST: account information, open positions, deals by time range (1000 a page,
 * start inclusive, end exclusive), symbol specifications, and M1 candles from the market-data
 * host for equity reconstruction. Hosts are URL templates with `{region}` so tests can point
 * them at a local fake.
 */
import { randomBytes } from 'node:crypto';
import { ConnectorError, type FetchOptions, type Mt5Connector, type Mt5Credentials } from '../connector.ts';
import type { AccountHistory, AccountInfo, Bar, Deal, DealEntry, DealType, OpenPosition, SymbolSpec } from '../history.ts';
import { foldFundingDeposits } from '../normalize.ts';
import { abortableSleep, createMetaApiHttp, MetaApiHttpError, type MetaApiHttp } from './http.ts';

export interface MetaApiConfig {
  token: string;
  /** e.g. https://mt-provisioning-api-v1.agiliumtrade.agiliumtrade.ai */
  provisioningUrl: string;
  /** e.g. https://mt-client-api-v1.{region}.agiliumtrade.ai */
  clientUrl: string;
  /** e.g. https://mt-market-data-client-api-v1.{region}.agiliumtrade.ai */
  marketDataUrl: string;
  requestTimeoutMs?: number;
  maxRetries?: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
  maxRateLimitWaitMs?: number;
  /** How long a request MetaApi answers 202 (still processing) may be polled in all (default 10 min, as the SDK). */
  longRunningTimeoutMs?: number;
  /** How long to wait for a new or undeployed account to be deployed and connected. */
  deployTimeoutMs?: number;
  deployPollMs?: number;
  /** Re-read a known account's state (readAccount) when the last look is older than this (default 60 s). */
  accountRecheckMs?: number;
  /** First instant of the deal history read (default 2000-01-01). */
  historyFrom?: string;
  /** Read M1 candles of traded symbols for equity reconstruction (default true). */
  includeBars?: boolean;
  /** At most this many days of M1 candles per symbol (default 45). */
  maxBarDays?: number;
  /** Name given to provisioned accounts (`{login}` is replaced). */
  accountName?: string;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  now?: () => number;
}

/** MetatraderAccountDto (https://metaapi.cloud/docs/provisioning/api/account/readAccount/), the fields we read. */
interface MetaApiAccount {
  _id?: string;
  id?: string;
  login?: string | number;
  server?: string;
  /** CREATED | DEPLOYING | DEPLOYED | DEPLOY_FAILED | UNDEPLOYING | UNDEPLOYED | UNDEPLOY_FAILED | DELETING | DELETE_FAILED | REDEPLOY_FAILED | DRAFT */
  state?: string;
  /** CONNECTED | DISCONNECTED | DISCONNECTED_FROM_BROKER */
  connectionStatus?: string;
  region?: string;
  accountReplicas?: Array<{ connectionStatus?: string }>;
}

interface ResolvedAccount {
  id: string;
  region: string;
  /** When MetaApi last told us this account is deployed and connected (epoch ms). */
  checkedAt: number;
}

/** States a deploy request moves on; DEPLOYING and UNDEPLOYING are waited out, DEPLOY_FAILED and DELETING are errors. */
const DEPLOYABLE = new Set(['CREATED', 'UNDEPLOYED', 'UNDEPLOY_FAILED', 'REDEPLOY_FAILED']);

const accountId = (a: MetaApiAccount): string => String(a._id ?? a.id);
const isAccountOf = (a: MetaApiAccount, creds: Mt5Credentials): boolean => String(a.login) === creds.login && a.server === creds.server;
const isConnected = (a: MetaApiAccount): boolean => a.connectionStatus === 'CONNECTED' || (a.accountReplicas ?? []).some((r) => r.connectionStatus === 'CONNECTED');

/** createAccount's `transaction-id`: "a random 32-character transaction id" (16 random bytes in hex). */
const newTransactionId = (): string => randomBytes(16).toString('hex');

interface MetaApiDeal {
  id: string;
  type: string;
  entryType?: string;
  symbol?: string;
  time: string;
  brokerTime?: string;
  volume?: number;
  price?: number;
  commission?: number;
  swap?: number;
  profit: number;
  positionId?: string;
  orderId?: string;
  comment?: string;
  stopLoss?: number;
  takeProfit?: number;
}

interface MetaApiPosition {
  id: string | number;
  type: string;
  symbol: string;
  time: string;
  openPrice: number;
  currentPrice: number;
  stopLoss?: number;
  takeProfit?: number;
  volume: number;
  swap?: number;
  profit?: number;
  unrealizedProfit?: number;
}

const PAGE = 1000;

const DEAL_TYPES: Record<string, DealType> = {
  DEAL_TYPE_BUY: 'buy',
  DEAL_TYPE_SELL: 'sell',
  DEAL_TYPE_BALANCE: 'balance',
  DEAL_TYPE_CREDIT: 'credit',
  DEAL_TYPE_CHARGE: 'charge',
  DEAL_TYPE_CORRECTION: 'correction',
  DEAL_TYPE_BONUS: 'bonus',
  DEAL_TYPE_COMMISSION: 'commission',
  DEAL_TYPE_COMMISSION_DAILY: 'commission_daily',
  DEAL_TYPE_COMMISSION_MONTHLY: 'commission_monthly',
  DEAL_TYPE_COMMISSION_AGENT_DAILY: 'commission_agent_daily',
  DEAL_TYPE_COMMISSION_AGENT_MONTHLY: 'commission_agent_monthly',
  DEAL_TYPE_INTEREST: 'interest',
  DEAL_TYPE_BUY_CANCELED: 'buy_canceled',
  DEAL_TYPE_SELL_CANCELED: 'sell_canceled',
  DEAL_DIVIDEND: 'dividend',
  DEAL_DIVIDEND_FRANKED: 'dividend_franked',
  DEAL_TAX: 'tax',
  DEAL_TYPE_DIVIDEND: 'dividend',
  DEAL_TYPE_DIVIDEND_FRANKED: 'dividend_franked',
  DEAL_TYPE_TAX: 'tax',
};
const ENTRIES: Record<string, DealEntry> = { DEAL_ENTRY_IN: 'in', DEAL_ENTRY_OUT: 'out', DEAL_ENTRY_INOUT: 'inout', DEAL_ENTRY_OUT_BY: 'out_by' };

/** `brokerTime` (server clock, `YYYY-MM-DD HH:mm:ss.SSS`) minus `time` (UTC), minutes. */
export function brokerOffsetMinutes(time: string, brokerTime: string | undefined): number | null {
  if (!brokerTime) return null;
  const wall = Date.parse(`${brokerTime.replace(' ', 'T')}Z`);
  const utc = Date.parse(time);
  if (Number.isNaN(wall) || Number.isNaN(utc)) return null;
  return Math.round((wall - utc) / 60_000);
}

const iso = (t: string) => new Date(Date.parse(t)).toISOString();
const num = (v: unknown, fallback = 0) => (typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'string' && v !== '' && Number.isFinite(Number(v)) ? Number(v) : fallback);

export class MetaApiConnector implements Mt5Connector {
  readonly kind = 'metaapi';
  readonly #http: MetaApiHttp;
  readonly #cfg: Required<Omit<MetaApiConfig, 'sleep' | 'now'>>;
  readonly #sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly #now: () => number;
  /** `login@server` → MetaApi account id and region (ids are not secrets), and when it was last seen connected. */
  readonly #accounts = new Map<string, ResolvedAccount>();
  readonly #resolving = new Map<string, Promise<ResolvedAccount>>();

  constructor(config: MetaApiConfig) {
    this.#sleep = config.sleep ?? abortableSleep;
    this.#now = config.now ?? Date.now;
    this.#cfg = {
      token: config.token,
      provisioningUrl: config.provisioningUrl.replace(/\/+$/, ''),
      clientUrl: config.clientUrl.replace(/\/+$/, ''),
      marketDataUrl: config.marketDataUrl.replace(/\/+$/, ''),
      requestTimeoutMs: config.requestTimeoutMs ?? 60_000,
      maxRetries: config.maxRetries ?? 5,
      retryBaseMs: config.retryBaseMs ?? 1000,
      retryMaxMs: config.retryMaxMs ?? 30_000,
      maxRateLimitWaitMs: config.maxRateLimitWaitMs ?? 60_000,
      longRunningTimeoutMs: config.longRunningTimeoutMs ?? 600_000,
      deployTimeoutMs: config.deployTimeoutMs ?? 120_000,
      deployPollMs: config.deployPollMs ?? 2000,
      accountRecheckMs: config.accountRecheckMs ?? 60_000,
      historyFrom: config.historyFrom ?? '2000-01-01T00:00:00.000Z',
      includeBars: config.includeBars ?? true,
      maxBarDays: config.maxBarDays ?? 45,
      accountName: config.accountName ?? 'brymix-{login}',
    };
    this.#http = createMetaApiHttp({
      token: config.token,
      timeoutMs: this.#cfg.requestTimeoutMs,
      maxRetries: this.#cfg.maxRetries,
      retryBaseMs: this.#cfg.retryBaseMs,
      retryMaxMs: this.#cfg.retryMaxMs,
      maxRateLimitWaitMs: this.#cfg.maxRateLimitWaitMs,
      longRunningTimeoutMs: this.#cfg.longRunningTimeoutMs,
      sleep: this.#sleep,
      now: this.#now,
    });
  }

  /** Runs a MetaApi call, turning HTTP errors into ConnectorErrors without the password. */
  async #call<T>(creds: Mt5Credentials, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof ConnectorError) throw scrub(err, creds.password);
      if (err instanceof MetaApiHttpError) throw scrub(this.#mapHttpError(err), creds.password);
      throw err;
    }
  }

  #mapHttpError(err: MetaApiHttpError): ConnectorError {
    const details = JSON.stringify(err.body?.details ?? '') + String(err.body?.message ?? '');
    if (/E_AUTH/.test(details)) return new ConnectorError('invalid_credentials', 'The MT5 broker rejected the login or password', false);
    if (/E_SRV_NOT_FOUND/.test(details)) return new ConnectorError('unknown_server', 'MetaApi does not know this MT5 server name', false);
    // createAccount errors (metaapi-javascript-sdk docs/metaApi/managingAccounts.md "Error handling"):
    // E_SERVER_TIMEZONE "try again later"; E_RESOURCE_SLOTS needs the firm to allot more resource slots
    if (/E_SERVER_TIMEZONE/.test(details)) return new ConnectorError('unreachable', 'MetaApi could not detect the broker server settings yet; it will be tried again', true);
    if (/E_RESOURCE_SLOTS/.test(details)) return new ConnectorError('unreachable', 'MetaApi needs more resource slots for this account (E_RESOURCE_SLOTS); raise them in MetaApi', false);
    if (err.status === 401 || err.status === 403) return new ConnectorError('unreachable', `MetaApi rejected our API token (${err.status}); check METAAPI_TOKEN`, false);
    if (err.status === 404) return new ConnectorError('unreachable', 'MetaApi account not found or not deployed yet', true);
    if (err.status === 400) return new ConnectorError('bad_data', `MetaApi refused the request: ${err.body?.message ?? 'validation error'}`, false);
    return new ConnectorError('unreachable', `MetaApi answered ${err.status}`, true);
  }

  #client(region: string): string {
    return this.#cfg.clientUrl.replaceAll('{region}', encodeURIComponent(region));
  }

  #marketData(region: string): string {
    return this.#cfg.marketDataUrl.replaceAll('{region}', encodeURIComponent(region));
  }

  /**
   * The MetaApi account of these credentials, deployed and connected to the broker. The id found
   * for a login is reused, but re-read (readAccount) once the last look is older than
   * `accountRecheckMs`, and at once when `fresh` (a client route answered 404): an account removed
   * from MetaApi is found again or re-created, one undeployed is deployed again.
   */
  async #account(creds: Mt5Credentials, signal?: AbortSignal, fresh = false): Promise<ResolvedAccount> {
    const key = `${creds.login}@${creds.server}`;
    const cached = this.#accounts.get(key);
    if (cached && !fresh && this.#now() - cached.checkedAt < this.#cfg.accountRecheckMs) return cached;
    // one resolution per login at a time, so two concurrent checks never create two accounts
    const running = this.#resolving.get(key);
    if (running) return running;
    const resolution = this.#resolve(creds, cached, signal).finally(() => this.#resolving.delete(key));
    this.#resolving.set(key, resolution);
    return resolution;
  }

  async #resolve(creds: Mt5Credentials, cached: ResolvedAccount | undefined, signal?: AbortSignal): Promise<ResolvedAccount> {
    const key = `${creds.login}@${creds.server}`;
    this.#accounts.delete(key);
    let account = cached ? await this.#readAccount(cached.id, signal) : null;
    if (account && (account.state === 'DELETING' || !isAccountOf(account, creds))) account = null;
    account ??= await this.#findOrCreate(creds, signal);
    account = await this.#untilConnected(account, signal);
    const entry: ResolvedAccount = { id: accountId(account), region: account.region ?? 'new-york', checkedAt: this.#now() };
    this.#accounts.set(key, entry);
    return entry;
  }

  /** readAccount (https://metaapi.cloud/docs/provisioning/api/account/readAccount/); null when MetaApi answers 404 NotFoundError. */
  async #readAccount(id: string, signal?: AbortSignal): Promise<MetaApiAccount | null> {
    try {
      return await this.#http.request<MetaApiAccount>('GET', `${this.#cfg.provisioningUrl}/users/current/accounts/${encodeURIComponent(id)}`, { signal, what: 'the account state' });
    } catch (err) {
      if (err instanceof MetaApiHttpError && err.status === 404) return null;
      throw err;
    }
  }

  /**
   * The account MetaApi already has for this login and server (readAccounts, `query` searches
   * login among other fields), else a new one (createAccount). createAccount requires a
   * `transaction-id` header of 32 random characters, reused unchanged while the call answers 202
   * (broker settings detection in progress) — the HTTP layer repeats the same request.
   * https://metaapi.cloud/docs/provisioning/api/account/readAccounts/
   * https://metaapi.cloud/docs/provisioning/api/account/createAccount/
   */
  async #findOrCreate(creds: Mt5Credentials, signal?: AbortSignal): Promise<MetaApiAccount> {
    const base = `${this.#cfg.provisioningUrl}/users/current/accounts`;
    const list = await this.#http.request<MetaApiAccount[] | { items?: MetaApiAccount[] }>('GET', `${base}?query=${encodeURIComponent(creds.login)}&offset=0&limit=1000`, { signal, what: 'the account list' });
    const items = Array.isArray(list) ? list : (list?.items ?? []);
    const found = items.find((a) => isAccountOf(a, creds) && a.state !== 'DELETING');
    if (found) return found;
    const created = await this.#http.request<{ id?: string; state?: string }>('POST', base, {
      signal,
      what: 'account provisioning',
      headers: { 'transaction-id': newTransactionId() },
      body: {
        login: creds.login,
        password: creds.password,
        server: creds.server,
        platform: 'mt5',
        name: this.#cfg.accountName.replaceAll('{login}', creds.login),
        magic: 0,
        type: 'cloud-g2',
      },
    });
    if (!created?.id) throw new ConnectorError('bad_data', 'MetaApi created the account but did not answer its id', true);
    const account = await this.#readAccount(created.id, signal);
    if (!account) throw new ConnectorError('unreachable', 'MetaApi created the account but cannot read it yet', true);
    return account;
  }

  /**
   * Deploys the account unless it is (being) deployed — deployAccount "will be ignored if the
   * account is already deployed" — and re-reads it until it is DEPLOYED and connected to the broker
   * (the SDK's waitConnected: the account's or any replica's connectionStatus is CONNECTED).
   * https://metaapi.cloud/docs/provisioning/api/account/deployAccount/
   */
  async #untilConnected(initial: MetaApiAccount, signal?: AbortSignal): Promise<MetaApiAccount> {
    const id = accountId(initial);
    const deadlineAt = this.#now() + this.#cfg.deployTimeoutMs;
    let account = initial;
    for (let deployRequested = false; ; ) {
      if (account.state === 'DEPLOYED' && isConnected(account)) return account;
      if (account.state === 'DEPLOY_FAILED') throw new ConnectorError('unreachable', 'MetaApi could not deploy the account', true);
      if (account.state === 'DELETING') throw new ConnectorError('unreachable', 'MetaApi is deleting this account', true);
      if (!deployRequested && account.state !== undefined && DEPLOYABLE.has(account.state)) {
        await this.#http.request('POST', `${this.#cfg.provisioningUrl}/users/current/accounts/${encodeURIComponent(id)}/deploy`, { signal, what: 'account deployment' });
        deployRequested = true;
      }
      if (this.#now() >= deadlineAt) throw new ConnectorError('timeout', `MetaApi account not connected to the broker after ${Math.round(this.#cfg.deployTimeoutMs / 1000)} s`, true);
      await this.#sleep(this.#cfg.deployPollMs, signal);
      const next = await this.#readAccount(id, signal);
      if (!next) throw new ConnectorError('unreachable', 'MetaApi account was removed while it was being deployed', true);
      account = next;
    }
  }

  /**
   * Runs client-API reads against the account. Every client route answers "404 - MetaTrader account
   * not found or not provisioned yet" once the account was removed or undeployed since we looked:
   * then the account is resolved again (found, re-created or redeployed) and the reads run once more.
   */
  async #withAccount<T>(creds: Mt5Credentials, signal: AbortSignal | undefined, read: (acc: ResolvedAccount) => Promise<T>): Promise<T> {
    const acc = await this.#account(creds, signal);
    try {
      return await read(acc);
    } catch (err) {
      if (!(err instanceof MetaApiHttpError && err.status === 404)) throw err;
      return read(await this.#account(creds, signal, true));
    }
  }

  async getAccountInfo(creds: Mt5Credentials, opts: FetchOptions = {}): Promise<AccountInfo> {
    return this.#call(creds, () => this.#withAccount(creds, opts.signal, async (acc) => (await this.#info(creds, acc, opts.signal)).info));
  }

  async #info(creds: Mt5Credentials, acc: ResolvedAccount, signal?: AbortSignal): Promise<{ info: AccountInfo; netting: boolean }> {
    const a = await this.#http.request<Record<string, unknown>>('GET', `${this.#client(acc.region)}/users/current/accounts/${encodeURIComponent(acc.id)}/account-information`, { signal, what: 'account information' });
    if (!a || typeof a !== 'object' || a.balance === undefined) throw new ConnectorError('bad_data', 'MetaApi account information has no balance', true);
    const info: AccountInfo = {
      login: String(a.login ?? creds.login),
      server: String(a.server ?? creds.server),
      currency: String(a.currency ?? ''),
      leverage: num(a.leverage),
      balance: num(a.balance),
      equity: num(a.equity),
      credit: num(a.credit),
      margin: num(a.margin),
      free_margin: num(a.freeMargin),
      margin_level: a.marginLevel === undefined || a.marginLevel === null ? null : num(a.marginLevel),
      as_of: new Date(this.#now()).toISOString(),
    };
    return { info, netting: String(a.marginMode ?? '').includes('NETTING') };
  }

  async getPositions(creds: Mt5Credentials, opts: FetchOptions = {}): Promise<OpenPosition[]> {
    return this.#call(creds, () => this.#withAccount(creds, opts.signal, (acc) => this.#positions(acc, opts.signal)));
  }

  async #positions(acc: ResolvedAccount, signal?: AbortSignal): Promise<OpenPosition[]> {
    const list = await this.#http.request<MetaApiPosition[]>('GET', `${this.#client(acc.region)}/users/current/accounts/${encodeURIComponent(acc.id)}/positions`, { signal, what: 'positions' });
    if (!Array.isArray(list)) throw new ConnectorError('bad_data', 'MetaApi positions are not a list', true);
    return list.map((p) => ({
      ticket: num(p.id),
      symbol: p.symbol,
      type: p.type === 'POSITION_TYPE_SELL' ? 'sell' : 'buy',
      volume: num(p.volume),
      open_price: num(p.openPrice),
      current_price: num(p.currentPrice),
      sl: p.stopLoss === undefined ? null : num(p.stopLoss),
      tp: p.takeProfit === undefined ? null : num(p.takeProfit),
      swap: num(p.swap),
      profit: num(p.unrealizedProfit ?? p.profit),
      open_time: iso(p.time),
    }));
  }

  /** Deals in [from, to): pages of 1000 until a short page. */
  async #deals(acc: ResolvedAccount, from: string, to: string, signal?: AbortSignal): Promise<MetaApiDeal[]> {
    const out: MetaApiDeal[] = [];
    const url = `${this.#client(acc.region)}/users/current/accounts/${encodeURIComponent(acc.id)}/history-deals/time/${encodeURIComponent(from)}/${encodeURIComponent(to)}`;
    for (let offset = 0; ; offset += PAGE) {
      const page = await this.#http.request<MetaApiDeal[] | { deals?: MetaApiDeal[] }>('GET', `${url}?offset=${offset}&limit=${PAGE}`, { signal, what: 'deal history' });
      const deals = Array.isArray(page) ? page : (page?.deals ?? []);
      out.push(...deals);
      if (deals.length < PAGE) break;
    }
    return out;
  }

  /** M1 candles of [fromMs, toMs]; the API loads backwards from `startTime`, up to 1000 a call. */
  async #bars(acc: ResolvedAccount, symbol: string, fromMs: number, toMs: number, signal?: AbortSignal): Promise<Bar[]> {
    const base = `${this.#marketData(acc.region)}/users/current/accounts/${encodeURIComponent(acc.id)}/historical-market-data/symbols/${encodeURIComponent(symbol)}/timeframes/1m/candles`;
    const bars: Bar[] = [];
    let start = toMs;
    for (let guard = 0; guard < 200 && start >= fromMs; guard++) {
      const page = await this.#http.request<Array<Record<string, unknown>>>('GET', `${base}?startTime=${encodeURIComponent(new Date(start).toISOString())}&limit=1000`, { signal, what: `M1 candles of ${symbol}` });
      if (!Array.isArray(page) || page.length === 0) break;
      let earliest = Infinity;
      for (const c of page) {
        const t = Date.parse(String(c.time));
        if (Number.isNaN(t)) continue;
        earliest = Math.min(earliest, t);
        if (t >= fromMs && t <= toMs) bars.push({ time: new Date(t).toISOString(), open: num(c.open), high: num(c.high), low: num(c.low), close: num(c.close), spread_points: num(c.spread) });
      }
      if (page.length < 1000 || !Number.isFinite(earliest)) break;
      start = earliest - 1;
    }
    bars.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
    return bars.filter((b, i) => i === 0 || b.time !== bars[i - 1]!.time);
  }

  async fetchHistory(creds: Mt5Credentials, opts: FetchOptions = {}): Promise<AccountHistory> {
    const signal = opts.signal;
    return this.#call(creds, () => this.#withAccount(creds, signal, (acc) => this.#history(creds, acc, signal)));
  }

  async #history(creds: Mt5Credentials, acc: ResolvedAccount, signal?: AbortSignal): Promise<AccountHistory> {
    const { info, netting } = await this.#info(creds, acc, signal);
    const positions = await this.#positions(acc, signal);
    const now = this.#now();
    // the broker's clock as it is now: a broker may move by an hour (US or EU summer time) within the history
    const offset = await this.#brokerOffsetNow(acc, signal);
    const raw = await this.#deals(acc, this.#cfg.historyFrom, new Date(now + 60_000).toISOString(), signal);
    const deals: Deal[] = [];
    for (const d of raw) {
      const type = DEAL_TYPES[d.type];
      if (!type) {
        // a deal kind we do not know moves money we could not account for: refuse rather than drop it
        if (num(d.profit) !== 0 || num(d.commission) !== 0 || num(d.swap) !== 0) throw new ConnectorError('bad_data', `MetaApi deal ${d.id} has type ${JSON.stringify(d.type)}, which we do not know, and moves money`, true);
        continue;
      }
      const trade = type === 'buy' || type === 'sell';
      const entry = ENTRIES[d.entryType ?? ''];
      if (trade && !entry) throw new ConnectorError('bad_data', `MetaApi deal ${d.id} (${d.type}) has entryType ${JSON.stringify(d.entryType ?? null)}, not one of DEAL_ENTRY_IN|OUT|INOUT|OUT_BY`, true);
      if (Number.isNaN(Date.parse(d.time))) throw new ConnectorError('bad_data', `MetaApi deal ${d.id} has no readable time`, true);
      const positionId = num(d.positionId);
      deals.push({
        ticket: num(d.id),
        order: num(d.orderId),
        time: iso(d.time),
        type,
        entry: entry ?? 'in',
        position_id: positionId,
        symbol: d.symbol ?? '',
        volume: num(d.volume),
        price: num(d.price),
        profit: num(d.profit),
        commission: num(d.commission),
        swap: num(d.swap),
        fee: 0, // MetaApi's deal model has no fee field (reference/mt5.md §1.4)
        comment: d.comment ?? '',
        ...(d.stopLoss !== undefined ? { sl: num(d.stopLoss) } : {}),
        ...(d.takeProfit !== undefined ? { tp: num(d.takeProfit) } : {}),
      });
    }
    deals.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : a.ticket - b.ticket));
    // MT5's balance excludes credit (reference/mt5.md §3.1): credit deals do not move it.
    const netCents = deals.reduce((s, d) => (d.type === 'credit' ? s : s + Math.round(d.profit * 100) + Math.round(d.commission * 100) + Math.round(d.swap * 100)), 0);
    const folded = foldFundingDeposits(deals, (Math.round(info.balance * 100) - netCents) / 100);

    let bars: Record<string, Bar[]> | undefined;
    let symbols: Record<string, SymbolSpec> | undefined;
    const traded = [...new Set(deals.filter((d) => d.type === 'buy' || d.type === 'sell').map((d) => d.symbol))].sort();
    if (this.#cfg.includeBars && traded.length > 0) {
      bars = {};
      symbols = {};
      const firstMs = Date.parse(deals.find((d) => d.type === 'buy' || d.type === 'sell')!.time);
      const fromMs = Math.max(firstMs - 60_000, now - this.#cfg.maxBarDays * 86_400_000);
      for (const symbol of traded) {
        const spec = await this.#http.request<Record<string, unknown>>('GET', `${this.#client(acc.region)}/users/current/accounts/${encodeURIComponent(acc.id)}/symbols/${encodeURIComponent(symbol)}/specification`, { signal, what: `the ${symbol} specification` }).catch((err: unknown) => {
          if (err instanceof MetaApiHttpError && err.status === 404) return null;
          throw err;
        });
        if (spec) symbols[symbol] = { contract_size: num(spec.contractSize, 100_000), point: num(spec.point, 0.00001), profit_currency: String(spec.profitCurrency ?? info.currency) };
        bars[symbol] = await this.#bars(acc, symbol, fromMs, now, signal);
      }
    }
    return {
      account: {
        login: creds.login,
        server: creds.server,
        currency: info.currency,
        initial_balance: folded.initialBalance,
        server_utc_offset_minutes: offset,
        margin_mode: netting ? 'netting' : 'hedging',
      },
      deals: folded.deals,
      equity: [{ time: new Date(now).toISOString(), balance: info.balance, equity: info.equity }],
      positions,
      ...(bars ? { bars } : {}),
      ...(symbols ? { symbols } : {}),
    };
  }

  /**
   * Broker clock minus UTC, in minutes, at the time of reading: readServerTime answers the same
   * instant as `time` (ISO, UTC) and `brokerTime` ("current broker time, in broker timezone,
   * YYYY-MM-DD HH:mm:ss.SSS").
   * https://metaapi.cloud/docs/client/restApi/api/readTradingTerminalState/readServerTime/
   */
  async #brokerOffsetNow(acc: ResolvedAccount, signal?: AbortSignal): Promise<number> {
    const t = await this.#http.request<{ time?: unknown; brokerTime?: unknown } | null>('GET', `${this.#client(acc.region)}/users/current/accounts/${encodeURIComponent(acc.id)}/server-time`, { signal, what: 'the server time' });
    const offset = typeof t?.time === 'string' && typeof t.brokerTime === 'string' ? brokerOffsetMinutes(t.time, t.brokerTime) : null;
    if (offset === null || offset < -720 || offset > 840) throw new ConnectorError('bad_data', `MetaApi server time cannot be read as a broker clock (${JSON.stringify(t)?.slice(0, 160)})`, true);
    return offset;
  }
}

function scrub(err: ConnectorError, password: string): ConnectorError {
  if (!password || !err.message.includes(password)) return err;
  return new ConnectorError(err.code, err.message.split(password).join('***'), err.retryable);
}
