/**
 * A fake of MetaApi's REST hosts on 127.0.0.1 (reference/mt5.md §1.7): provisioning
 * (`/prov`), the regional client host (`/client/{region}`) and the market-data host
 * (`/md/{region}`), with the documented routes, field names, `auth-token`, paging with
 * start-inclusive/end-exclusive time ranges, 429 with Retry-After / recommendedRetryTime,
 * slow answers, and `time` (UTC) next to `brokerTime` (server clock).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeBrokerAccount {
  login: string;
  password: string;
  server: string;
  region: string;
  currency: string;
  balance: number;
  equity: number;
  deals: Array<Record<string, unknown>>;
  positions: Array<Record<string, unknown>>;
  /** symbol → M1 candles (UTC times ascending). */
  candles?: Record<string, Array<Record<string, unknown>>>;
}

export interface FakeMetaApiOptions {
  token: string;
  brokers: FakeBrokerAccount[];
  /** Account state polls before a deployed account reports CONNECTED (default 1). */
  deployPolls?: number;
}

export interface FakeMetaApi {
  url: string;
  provisioningUrl: string;
  clientUrl: string;
  marketDataUrl: string;
  requests: Array<{ method: string; path: string; query: URLSearchParams; body: string }>;
  accounts: Map<string, { id: string; login: string; server: string; region: string; state: string; connectionStatus: string; polls: number }>;
  /** The next `count` requests answer 429; with `recommendedInMs` the body carries recommendedRetryTime. */
  rateLimit(count: number, o?: { retryAfterSeconds?: number; recommendedInMs?: number }): void;
  /** The next `count` requests answer 202 Accepted (still processing, come back after Retry-After), as MetaApi does while it loads data. */
  accepted(count: number, o?: { retryAfterSeconds?: number }): void;
  /** Requests whose path matches wait this long before answering. */
  delay(pattern: RegExp, ms: number, count?: number): void;
  close(): Promise<void>;
}

export function brokerTime(iso: string, offsetMinutes: number): string {
  return new Date(Date.parse(iso) + offsetMinutes * 60_000).toISOString().replace('T', ' ').replace('Z', '');
}

export async function startFakeMetaApi(o: FakeMetaApiOptions): Promise<FakeMetaApi> {
  const accounts: FakeMetaApi['accounts'] = new Map();
  const requests: FakeMetaApi['requests'] = [];
  let limited = { count: 0, retryAfterSeconds: 1, recommendedInMs: undefined as number | undefined };
  let pending = { count: 0, retryAfterSeconds: 1 };
  const delays: Array<{ pattern: RegExp; ms: number; count: number }> = [];
  let nextId = 1;

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
  };
  const error = (res: ServerResponse, status: number, name: string, message: string, details?: unknown) => send(res, status, { id: 1, error: name, message, ...(details ? { details } : {}) });

  async function handle(req: IncomingMessage, res: ServerResponse, body: string): Promise<void> {
    const u = new URL(req.url!, 'http://x');
    const path = decodeURIComponent(u.pathname);
    requests.push({ method: req.method!, path: u.pathname, query: u.searchParams, body });
    let wait = 0;
    for (const d of delays) {
      if (d.count > 0 && d.pattern.test(path)) {
        d.count--;
        wait += d.ms;
      }
    }
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    if (req.headers['auth-token'] !== o.token) return error(res, 401, 'UnauthorizedError', 'Authorization token invalid');
    if (limited.count > 0) {
      limited.count--;
      const metadata = limited.recommendedInMs !== undefined ? { recommendedRetryTime: new Date(Date.now() + limited.recommendedInMs).toISOString(), exceededPeriod: '1s' } : { exceededPeriod: '1s' };
      return send(res, 429, { id: 1, error: 'TooManyRequestsError', message: 'The API allows 1000 cpu credits per 1s', metadata }, { 'retry-after': String(limited.retryAfterSeconds) });
    }
    if (pending.count > 0) {
      pending.count--;
      return send(res, 202, { message: 'The data is being loaded, retry later' }, { 'retry-after': String(pending.retryAfterSeconds) });
    }

    let m: RegExpExecArray | null;
    // ---- provisioning
    if (req.method === 'GET' && path === '/prov/users/current/accounts') {
      const q = u.searchParams.get('query') ?? '';
      return send(res, 200, [...accounts.values()].filter((a) => a.login.includes(q)).map((a) => ({ _id: a.id, login: a.login, server: a.server, state: a.state, connectionStatus: a.connectionStatus, region: a.region, type: 'cloud-g2' })));
    }
    if (req.method === 'POST' && path === '/prov/users/current/accounts') {
      const b = JSON.parse(body) as { login: string; password: string; server: string; platform: string };
      const broker = o.brokers.find((x) => x.server === b.server);
      if (!broker) return error(res, 400, 'ValidationError', 'Server not found', [{ code: 'E_SRV_NOT_FOUND', message: 'Server file not found' }]);
      const acct = o.brokers.find((x) => x.server === b.server && x.login === String(b.login));
      if (!acct || acct.password !== b.password) return error(res, 400, 'ValidationError', 'Authentication failed', [{ code: 'E_AUTH', message: 'Failed to authenticate' }]);
      const id = `acc${nextId++}`;
      accounts.set(id, { id, login: acct.login, server: acct.server, region: acct.region, state: 'UNDEPLOYED', connectionStatus: 'DISCONNECTED', polls: 0 });
      return send(res, 201, { id, state: 'UNDEPLOYED' });
    }
    if ((m = /^\/prov\/users\/current\/accounts\/([^/]+)(\/deploy)?$/.exec(path))) {
      const a = accounts.get(m[1]!);
      if (!a) return error(res, 404, 'NotFoundError', 'Account not found');
      if (req.method === 'POST' && m[2]) {
        a.state = 'DEPLOYING';
        return send(res, 204, {});
      }
      if (a.state === 'DEPLOYING' && ++a.polls >= (o.deployPolls ?? 1)) {
        a.state = 'DEPLOYED';
        a.connectionStatus = 'CONNECTED';
      }
      return send(res, 200, { _id: a.id, login: a.login, server: a.server, state: a.state, connectionStatus: a.connectionStatus, region: a.region, type: 'cloud-g2', reliability: 'high' });
    }

    // ---- client and market-data hosts
    if ((m = /^\/(client|md)\/([^/]+)\/users\/current\/accounts\/([^/]+)\/(.*)$/.exec(path))) {
      const [, host, region, id, rest] = m;
      const a = accounts.get(id!);
      if (!a || a.region !== region || a.state !== 'DEPLOYED') return error(res, 404, 'NotFoundError', 'Account not found or not provisioned yet');
      const broker = o.brokers.find((x) => x.login === a.login && x.server === a.server)!;
      if (host === 'client' && rest === 'account-information') {
        return send(res, 200, { platform: 'mt5', broker: 'Fake Broker Ltd', currency: broker.currency, server: broker.server, balance: broker.balance, equity: broker.equity, margin: 0, freeMargin: broker.equity, leverage: 100, tradeAllowed: true, marginMode: 'ACCOUNT_MARGIN_MODE_RETAIL_HEDGING', name: 'Trader', login: Number(broker.login), credit: 0, type: 'ACCOUNT_TRADE_MODE_DEMO' });
      }
      if (host === 'client' && rest === 'positions') return send(res, 200, broker.positions);
      let t: RegExpExecArray | null;
      if (host === 'client' && (t = /^history-deals\/time\/([^/]+)\/([^/]+)$/.exec(rest!))) {
        const from = Date.parse(t[1]!);
        const to = Date.parse(t[2]!);
        const offsetQ = Number(u.searchParams.get('offset') ?? 0);
        const limit = Number(u.searchParams.get('limit') ?? 1000);
        if (!(limit >= 1 && limit <= 1000) || !(offsetQ >= 0)) return error(res, 400, 'ValidationError', 'limit must be 1..1000');
        const inRange = broker.deals.filter((d) => Date.parse(String(d.time)) >= from && Date.parse(String(d.time)) < to);
        return send(res, 200, inRange.slice(offsetQ, offsetQ + limit));
      }
      if (host === 'client' && (t = /^symbols\/([^/]+)\/specification$/.exec(rest!))) {
        return send(res, 200, { symbol: t[1], contractSize: t[1] === 'XAUUSD' ? 100 : 100_000, point: t[1] === 'XAUUSD' ? 0.01 : 0.00001, digits: 5, profitCurrency: 'USD' });
      }
      if (host === 'md' && (t = /^historical-market-data\/symbols\/([^/]+)\/timeframes\/1m\/candles$/.exec(rest!))) {
        const series = broker.candles?.[t[1]!] ?? [];
        const start = u.searchParams.get('startTime') ? Date.parse(u.searchParams.get('startTime')!) : Infinity;
        const limit = Math.min(1000, Number(u.searchParams.get('limit') ?? 1000));
        const upTo = series.filter((c) => Date.parse(String(c.time)) <= start);
        return send(res, 200, upTo.slice(Math.max(0, upTo.length - limit)));
      }
    }
    return error(res, 404, 'NotFoundError', `no route ${req.method} ${path}`);
  }

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      handle(req, res, Buffer.concat(chunks).toString('utf8')).catch((err: Error) => error(res, 500, 'InternalError', err.message));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    provisioningUrl: `${url}/prov`,
    clientUrl: `${url}/client/{region}`,
    marketDataUrl: `${url}/md/{region}`,
    requests,
    accounts,
    rateLimit(count, r = {}) {
      limited = { count, retryAfterSeconds: r.retryAfterSeconds ?? 1, recommendedInMs: r.recommendedInMs };
    },
    accepted(count, r = {}) {
      pending = { count, retryAfterSeconds: r.retryAfterSeconds ?? 1 };
    },
    delay(pattern, ms, count = Infinity) {
      delays.push({ pattern, ms, count });
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** MetaApi-shaped round trips: `n` positions of EURUSD, each a buy in and a sell out one minute later. */
export function metaApiDeals(n: number, startIso: string, offsetMinutes = 180): Array<Record<string, unknown>> {
  const deals: Array<Record<string, unknown>> = [];
  const t0 = Date.parse(startIso);
  deals.push({ id: '1', type: 'DEAL_TYPE_BALANCE', time: new Date(t0 - 3_600_000).toISOString(), brokerTime: brokerTime(new Date(t0 - 3_600_000).toISOString(), offsetMinutes), profit: 100_000, comment: 'Deposit', platform: 'mt5' });
  for (let i = 0; i < n; i++) {
    const open = new Date(t0 + i * 120_000).toISOString();
    const close = new Date(t0 + i * 120_000 + 60_000).toISOString();
    const pos = String(1000 + i);
    const profit = i % 3 === 0 ? -4 : 6;
    deals.push({ id: String(10_000 + 2 * i), type: 'DEAL_TYPE_BUY', entryType: 'DEAL_ENTRY_IN', symbol: 'EURUSD', time: open, brokerTime: brokerTime(open, offsetMinutes), volume: 0.1, price: 1.1, commission: -0.35, swap: 0, profit: 0, positionId: pos, orderId: pos, platform: 'mt5', stopLoss: 1.09 });
    deals.push({ id: String(10_001 + 2 * i), type: 'DEAL_TYPE_SELL', entryType: 'DEAL_ENTRY_OUT', symbol: 'EURUSD', time: close, brokerTime: brokerTime(close, offsetMinutes), volume: 0.1, price: 1.1 + profit / 10_000, commission: -0.35, swap: 0, profit, positionId: pos, orderId: String(5000 + i), platform: 'mt5', reason: 'DEAL_REASON_CLIENT' });
  }
  return deals;
}
