/**
 * The built-in MT5 simulator: a deterministic `Brymix-Demo` server behind the connector
 * interface. Password `demo` for every login; the scripted accounts are listed in scenarios.ts.
 */
import { type Clock, systemClock } from '../../infra/clock.ts';
import { ConnectorError, type FetchOptions, type Mt5Connector, type Mt5Credentials } from '../connector.ts';
import type { AccountHistory, AccountInfo, OpenPosition } from '../history.ts';
import type { LiveCapable, LiveReader } from '../live.ts';
import { AS_OF_MS } from './calendar.ts';
import { bookPositions } from './ledger.ts';
import { SimulatorLiveReader } from './live.ts';
import { demoMarket } from './market.ts';
import { hashString } from './prng.ts';
import { planRandomTrader } from './random-trader.ts';
import { INITIAL_BALANCE, planScript, SCRIPTS } from './scenarios.ts';

export const DEMO_SERVER = 'Brymix-Demo';
const DEMO_PASSWORD = 'demo';
/** A login whose server never answers: the documented error path. */
const UNREACHABLE_LOGIN = '1099';
const DEMO_LEVERAGE = 100;

export interface SimulatedAccount {
  history: AccountHistory;
  info: AccountInfo;
}

export interface GenerateOptions {
  server?: string;
  /** Add M1 bars (Bid) of the traded symbols to the history. */
  includeBars?: boolean;
}

/**
 * Builds a login's account on the simulated server (no credential checks, no caching). Pure and
 * deterministic: the same login always gives the same history.
 */
export function generateAccount(login: string, opts: GenerateOptions = {}): SimulatedAccount {
  const market = demoMarket();
  const seed = hashString(`${DEMO_SERVER}:${login}`);
  const script = SCRIPTS[login];
  const plans =
    script && Object.hasOwn(SCRIPTS, login) ? planScript(market, script, seed) : planRandomTrader(market, seed);
  return bookPositions(market, plans, {
    login,
    server: opts.server ?? DEMO_SERVER,
    initialBalance: INITIAL_BALANCE,
    asOfMs: AS_OF_MS,
    leverage: DEMO_LEVERAGE,
    ticketSeed: seed,
    includeBars: opts.includeBars ?? false,
  });
}

export interface SimulatorOptions {
  /** Simulated network round trip per call, in ms (abortable through `FetchOptions.signal`). */
  latencyMs?: number;
  /** Generated accounts kept per instance (LRU). Default 32. */
  cacheSize?: number;
  /** Server name this instance answers to. Default `Brymix-Demo`. */
  server?: string;
  includeBars?: boolean;
  /** The clock live readings are taken on (tests drive it). Default the system clock. */
  clock?: Clock;
}

/** Histories are shared between callers, so they are frozen all the way down. */
function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error && reason.name === 'TimeoutError') {
    return new ConnectorError('timeout', 'MT5 server did not respond in time', true);
  }
  return reason instanceof Error ? reason : new DOMException('The operation was aborted', 'AbortError');
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (signal?.aborted) return Promise.reject(abortError(signal));
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortError(signal!));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export class SimulatorConnector implements Mt5Connector, LiveCapable {
  readonly kind = 'simulator';
  readonly server: string;
  private readonly latencyMs: number;
  private readonly cacheSize: number;
  private readonly includeBars: boolean;
  private readonly cache = new Map<string, SimulatedAccount>();
  private readonly liveReader: SimulatorLiveReader;

  constructor(opts: SimulatorOptions = {}) {
    this.latencyMs = Math.max(0, opts.latencyMs ?? 0);
    this.cacheSize = Math.max(1, opts.cacheSize ?? 32);
    this.server = opts.server ?? DEMO_SERVER;
    this.includeBars = opts.includeBars ?? false;
    this.liveReader = new SimulatorLiveReader(this, opts.clock ?? systemClock);
  }

  live(): LiveReader {
    return this.liveReader;
  }

  async fetchHistory(creds: Mt5Credentials, opts?: FetchOptions): Promise<AccountHistory> {
    return (await this.account(creds, opts)).history;
  }

  async getAccountInfo(creds: Mt5Credentials, opts?: FetchOptions): Promise<AccountInfo> {
    return (await this.account(creds, opts)).info;
  }

  async getPositions(creds: Mt5Credentials, opts?: FetchOptions): Promise<OpenPosition[]> {
    return (await this.account(creds, opts)).history.positions ?? [];
  }

  /** The server's answer to a login attempt: latency, then unknown server, unreachable or bad credentials. */
  async authorize(creds: Mt5Credentials, opts?: FetchOptions): Promise<void> {
    await sleep(this.latencyMs, opts?.signal);
    if (creds.server !== this.server) {
      throw new ConnectorError('unknown_server', `This simulator serves ${this.server} only`, false);
    }
    if (creds.login === UNREACHABLE_LOGIN) {
      throw new ConnectorError('unreachable', 'MT5 server did not respond', true);
    }
    if (creds.password !== DEMO_PASSWORD || !/^\S{1,64}$/.test(creds.login)) {
      throw new ConnectorError('invalid_credentials', 'Invalid MT5 login or password', false);
    }
  }

  private async account(creds: Mt5Credentials, opts?: FetchOptions): Promise<SimulatedAccount> {
    await this.authorize(creds, opts);
    const cached = this.cache.get(creds.login);
    if (cached) {
      this.cache.delete(creds.login); // re-insert: Map order is the recency order
      this.cache.set(creds.login, cached);
      return cached;
    }
    const account = deepFreeze(generateAccount(creds.login, { server: this.server, includeBars: this.includeBars }));
    this.cache.set(creds.login, account);
    if (this.cache.size > this.cacheSize) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
    return account;
  }
}
