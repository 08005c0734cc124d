/**
 * MetaApi REST connector (reference/mt5.md §1). A trader's login/password/server is provisioned
 * as a MetaApi account, or the existing one for that login and server is reused, and deployed
 * (accounts.ts); its history is read over the client and market-data APIs (client-api.ts):
 * account information, open positions, deals, symbol specifications, and M1 candles for equity
 * reconstruction. Requests retry as MetaApi's SDK does (http.ts).
 */
import { abortableSleep, type Sleep } from '../../infra/http/backoff.ts';
import { ConnectorError, type FetchOptions, type Mt5Connector, type Mt5Credentials } from '../connector.ts';
import type { AccountHistory, AccountInfo, Bar, Deal, OpenPosition, SymbolSpec } from '../history.ts';
import type { LiveCapable, LiveReader } from '../live.ts';
import { foldFundingDeposits } from '../normalize.ts';
import { MetaApiAccounts, type ResolvedAccount } from './accounts.ts';
import { type ClientApi, createClientApi } from './client-api.ts';
import { decodeDeal } from './decode.ts';
import { createMetaApiHttp, MetaApiHttpError } from './http.ts';
import { type LivePollOptions, MetaApiLiveReader } from './live.ts';

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
  /** Live polling: how late a deal may surface, reads of a moving account (live.ts). */
  live?: LivePollOptions;
  sleep?: Sleep;
  now?: () => number;
}

/** One read of the history, with what a live reader starts from. */
interface HistoryRead {
  history: AccountHistory;
  /** Every deal listed (funding deposits folded away included): ticket and UTC ms. */
  keys: Array<[number, number]>;
  readMs: number;
  balance: number;
}

export class MetaApiConnector implements Mt5Connector, LiveCapable {
  readonly kind = 'metaapi';
  readonly #now: () => number;
  readonly #historyFrom: string;
  readonly #includeBars: boolean;
  readonly #maxBarDays: number;
  readonly #accounts: MetaApiAccounts;
  readonly #client: ClientApi;
  readonly #live: MetaApiLiveReader;

  constructor(config: MetaApiConfig) {
    const sleep = config.sleep ?? abortableSleep;
    this.#now = config.now ?? Date.now;
    this.#historyFrom = config.historyFrom ?? '2000-01-01T00:00:00.000Z';
    this.#includeBars = config.includeBars ?? true;
    this.#maxBarDays = config.maxBarDays ?? 45;
    const http = createMetaApiHttp({
      token: config.token,
      timeoutMs: config.requestTimeoutMs ?? 60_000,
      maxRetries: config.maxRetries ?? 5,
      retryBaseMs: config.retryBaseMs ?? 1000,
      retryMaxMs: config.retryMaxMs ?? 30_000,
      maxRateLimitWaitMs: config.maxRateLimitWaitMs ?? 60_000,
      longRunningTimeoutMs: config.longRunningTimeoutMs ?? 600_000,
      sleep,
      now: this.#now,
    });
    this.#accounts = new MetaApiAccounts({
      http,
      provisioningUrl: config.provisioningUrl.replace(/\/+$/, ''),
      deployTimeoutMs: config.deployTimeoutMs ?? 120_000,
      deployPollMs: config.deployPollMs ?? 2000,
      accountRecheckMs: config.accountRecheckMs ?? 60_000,
      accountName: config.accountName ?? 'brymix-{login}',
      sleep,
      now: this.#now,
    });
    this.#client = createClientApi({
      http,
      clientUrl: config.clientUrl.replace(/\/+$/, ''),
      marketDataUrl: config.marketDataUrl.replace(/\/+$/, ''),
      now: this.#now,
    });
    this.#live = new MetaApiLiveReader(this, config.live);
  }

  live(): LiveReader {
    return this.#live;
  }

  /** Runs a MetaApi call, turning HTTP errors into ConnectorErrors without the password. */
  async #call<T>(creds: Mt5Credentials, read: () => Promise<T>): Promise<T> {
    try {
      return await read();
    } catch (err) {
      if (err instanceof ConnectorError) throw scrub(err, creds.password);
      if (err instanceof MetaApiHttpError) throw scrub(connectorErrorOf(err), creds.password);
      throw err;
    }
  }

  async getAccountInfo(creds: Mt5Credentials, opts: FetchOptions = {}): Promise<AccountInfo> {
    return this.#call(creds, () =>
      this.#accounts.withAccount(creds, opts.signal, async (account) => {
        return (await this.#client.accountInformation(account, creds, opts.signal)).info;
      }),
    );
  }

  async getPositions(creds: Mt5Credentials, opts: FetchOptions = {}): Promise<OpenPosition[]> {
    return this.#call(creds, () =>
      this.#accounts.withAccount(creds, opts.signal, (account) => this.#client.positions(account, opts.signal)),
    );
  }

  async fetchHistory(creds: Mt5Credentials, opts: FetchOptions = {}): Promise<AccountHistory> {
    return (await this.historyForLive(creds, opts)).history;
  }

  /** The history, and what a live reader needs to go on from it (live.ts). */
  historyForLive(creds: Mt5Credentials, opts: FetchOptions = {}): Promise<HistoryRead> {
    const signal = opts.signal;
    return this.#call(creds, () =>
      this.#accounts.withAccount(creds, signal, (account) => this.#history(creds, account, signal)),
    );
  }

  /** One live reading's material: account information, positions, then the deals from `fromMs` (live.ts). */
  liveSnapshot(creds: Mt5Credentials, fromMs: number, opts: FetchOptions = {}) {
    const signal = opts.signal;
    return this.#call(creds, () =>
      this.#accounts.withAccount(creds, signal, async (account) => {
        const { info } = await this.#client.accountInformation(account, creds, signal);
        const readMs = this.#now();
        const positions = await this.#client.positions(account, signal);
        const to = new Date(this.#now() + 60_000).toISOString();
        const raw = await this.#client.deals(account, new Date(fromMs).toISOString(), to, signal);
        const deals = raw.map(decodeDeal).filter((deal): deal is Deal => deal !== null);
        return { readMs, balance: info.balance, equity: info.equity, positions, deals };
      }),
    );
  }

  async #history(creds: Mt5Credentials, account: ResolvedAccount, signal?: AbortSignal): Promise<HistoryRead> {
    const { info, netting } = await this.#client.accountInformation(account, creds, signal);
    const positions = await this.#client.positions(account, signal);
    const now = this.#now();
    // the broker's clock as it is now: a broker may move by an hour (US or EU summer time) within the history
    const offset = await this.#client.brokerOffsetNow(account, signal);
    const raw = await this.#client.deals(account, this.#historyFrom, new Date(now + 60_000).toISOString(), signal);
    const deals = raw.map(decodeDeal).filter((deal): deal is Deal => deal !== null);
    deals.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : a.ticket - b.ticket));
    // MT5's balance excludes credit (reference/mt5.md §3.1): credit deals do not move it.
    const cents = (d: Deal) => Math.round(d.profit * 100) + Math.round(d.commission * 100) + Math.round(d.swap * 100);
    const netCents = deals.reduce((sum, d) => (d.type === 'credit' ? sum : sum + cents(d)), 0);
    const folded = foldFundingDeposits(deals, (Math.round(info.balance * 100) - netCents) / 100);

    let bars: Record<string, Bar[]> | undefined;
    let symbols: Record<string, SymbolSpec> | undefined;
    const traded = [...new Set(deals.filter((d) => d.type === 'buy' || d.type === 'sell').map((d) => d.symbol))].sort();
    if (this.#includeBars && traded.length > 0) {
      bars = {};
      symbols = {};
      const firstMs = Date.parse(deals.find((d) => d.type === 'buy' || d.type === 'sell')!.time);
      const fromMs = Math.max(firstMs - 60_000, now - this.#maxBarDays * 86_400_000);
      for (const symbol of traded) {
        const spec = await this.#client.symbolSpecification(account, symbol, info.currency, signal);
        if (spec) symbols[symbol] = spec;
        bars[symbol] = await this.#client.candles(account, symbol, fromMs, now, signal);
      }
    }
    const history: AccountHistory = {
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
    const keys = deals.map((d): [number, number] => [d.ticket, Date.parse(d.time)]);
    return { history, keys, readMs: now, balance: info.balance };
  }
}

/** What a MetaApi error answer means for the check: E_AUTH and the like, token trouble, or passing trouble. */
function connectorErrorOf(err: MetaApiHttpError): ConnectorError {
  const details = JSON.stringify(err.body?.details ?? '') + String(err.body?.message ?? '');
  if (/E_AUTH/.test(details)) {
    return new ConnectorError('invalid_credentials', 'The MT5 broker rejected the login or password', false);
  }
  if (/E_SRV_NOT_FOUND/.test(details)) {
    return new ConnectorError('unknown_server', 'MetaApi does not know this MT5 server name', false);
  }
  // createAccount errors (metaapi-javascript-sdk docs/metaApi/managingAccounts.md "Error handling"):
  // E_SERVER_TIMEZONE "try again later"; E_RESOURCE_SLOTS needs the firm to allot more resource slots
  if (/E_SERVER_TIMEZONE/.test(details)) {
    const message = 'MetaApi could not detect the broker server settings yet; it will be tried again';
    return new ConnectorError('unreachable', message, true);
  }
  if (/E_RESOURCE_SLOTS/.test(details)) {
    const message = 'MetaApi needs more resource slots for this account (E_RESOURCE_SLOTS); raise them in MetaApi';
    return new ConnectorError('unreachable', message, false);
  }
  if (err.status === 401 || err.status === 403) {
    const message = `MetaApi rejected our API token (${err.status}); check METAAPI_TOKEN`;
    return new ConnectorError('unreachable', message, false);
  }
  if (err.status === 404) {
    return new ConnectorError('unreachable', 'MetaApi account not found or not deployed yet', true);
  }
  if (err.status === 400) {
    const message = `MetaApi refused the request: ${err.body?.message ?? 'validation error'}`;
    return new ConnectorError('bad_data', message, false);
  }
  return new ConnectorError('unreachable', `MetaApi answered ${err.status}`, true);
}

/** The error without the trader's password, should MetaApi have echoed it. */
function scrub(err: ConnectorError, password: string): ConnectorError {
  if (!password || !err.message.includes(password)) return err;
  return new ConnectorError(err.code, err.message.split(password).join('***'), err.retryable);
}
