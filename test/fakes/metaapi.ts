/**
 * A fake of MetaApi's REST hosts on 127.0.0.1: provisioning (`/prov`), the regional client host
 * (`/client/{region}`) and the market-data host (`/md/{region}`). Every behaviour below is written
 * from MetaApi's documentation, named beside it, with the docs' field names and example values:
 *
 *   [createAccount]  https://metaapi.cloud/docs/provisioning/api/account/createAccount/
 *   [readAccount]    https://metaapi.cloud/docs/provisioning/api/account/readAccount/
 *   [readAccounts]   https://metaapi.cloud/docs/provisioning/api/account/readAccounts/
 *   [deployAccount]  https://metaapi.cloud/docs/provisioning/api/account/deployAccount/
 *   [undeployAccount] https://metaapi.cloud/docs/provisioning/api/account/undeployAccount/
 *   [deleteAccount]  https://metaapi.cloud/docs/provisioning/api/account/deleteAccount/
 *   [managingAccounts] metaapi-javascript-sdk docs/metaApi/managingAccounts.md (create errors, 202 wait)
 *   [accountInformation] https://metaapi.cloud/docs/client/restApi/api/readTradingTerminalState/readAccountInformation/
 *   [positions]      https://metaapi.cloud/docs/client/restApi/api/readTradingTerminalState/readPositions/
 *   [serverTime]     https://metaapi.cloud/docs/client/restApi/api/readTradingTerminalState/readServerTime/
 *                    and the model https://metaapi.cloud/docs/client/models/serverTime/
 *   [dealsByTime]    https://metaapi.cloud/docs/client/restApi/api/retrieveHistoricalData/readDealsByTimeRange/
 *   [specification]  https://metaapi.cloud/docs/client/restApi/api/retrieveMarketData/readSymbolSpecification/
 *   [candles]        https://metaapi.cloud/docs/client/restApi/api/retrieveMarketData/readHistoricalCandles/
 *                    and the model https://metaapi.cloud/docs/client/models/metatraderCandle/
 *   [429]            https://metaapi.cloud/docs/client/models/tooManyRequestsError/
 *   [sdk-http]       metaapi.cloud-sdk 29.3.3 lib/clients/httpClient.ts (202: `retry-after` header,
 *                    else body `metadata.recommendedRetryTime`)
 *
 * The broker behind an account keeps its own clock ([serverTime]: `brokerTime` is "current broker
 * time, in broker timezone"): a fixed offset from UTC that may move by an hour on the US or the EU
 * daylight-saving dates. Every `brokerTime` the fake serves (deals, positions, candles, server time)
 * is stamped from that clock at the record's own `time`, as MetaApi does.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A broker's clock: base offset from UTC, plus one hour during the US or EU summer time. */
interface FakeBrokerClock {
  utc_offset_minutes: number;
  dst: 'us' | 'eu' | 'none';
}

export interface FakeBrokerAccount {
  login: string;
  password: string;
  server: string;
  region: string;
  currency: string;
  balance: number;
  equity: number;
  /** [MetatraderAccountInformation] `credit`: credit facility, outside `balance` (default 0). */
  credit?: number;
  deals: Array<Record<string, unknown>>;
  positions: Array<Record<string, unknown>>;
  /** symbol → M1 candles (UTC times ascending). */
  candles?: Record<string, Array<Record<string, unknown>>>;
  /** Default: UTC+3 all year. */
  clock?: FakeBrokerClock;
  /** The broker's settings cannot be detected: a create ends in [managingAccounts] "Settings detection error". */
  settingsUndetectable?: boolean;
}

export interface FakeMetaApiOptions {
  token: string;
  brokers: FakeBrokerAccount[];
  /** Account reads (readAccount) before a deploying / freshly created account reports DEPLOYED and CONNECTED (default 1). */
  deployPolls?: number;
  /** How many times a new create transaction answers 202 before its final answer (default 1), and the Retry-After it sends. */
  createAccepted?: { count: number; retryAfter?: string; recommendedInMs?: number };
  /** The fake's clock for `time` in server-time answers (default Date.now). */
  now?: () => number;
}

interface FakeAccount {
  id: string;
  login: string;
  server: string;
  region: string;
  name: string;
  state: string;
  connectionStatus: string;
  polls: number;
}

export interface FakeMetaApi {
  url: string;
  provisioningUrl: string;
  clientUrl: string;
  marketDataUrl: string;
  requests: Array<{
    method: string;
    path: string;
    query: URLSearchParams;
    body: string;
    headers: IncomingMessage['headers'];
    status: number;
  }>;
  accounts: Map<string, FakeAccount>;
  /** The next `count` requests answer 429; with `recommendedInMs` the body carries recommendedRetryTime. */
  rateLimit(count: number, o?: { retryAfterSeconds?: number; recommendedInMs?: number }): void;
  /** The next `count` requests answer 202 Accepted (still processing, come back after Retry-After), as MetaApi does while it loads data. */
  accepted(count: number, o?: { retryAfterSeconds?: number }): void;
  /** Requests whose path matches wait this long before answering. */
  delay(pattern: RegExp, ms: number, count?: number): void;
  /** How the next create transactions answer before their final answer. */
  createAccepted(count: number, o?: { retryAfter?: string; recommendedInMs?: number }): void;
  close(): Promise<void>;
}

// ---- broker clocks ---------------------------------------------------------------------------

function nthSundayUtc(year: number, month: number, nth: number): number {
  const first = new Date(Date.UTC(year, month, 1)).getUTCDay();
  return 1 + ((7 - first) % 7) + (nth - 1) * 7;
}
function lastSundayUtc(year: number, month: number): number {
  const last = new Date(Date.UTC(year, month + 1, 0));
  return last.getUTCDate() - last.getUTCDay();
}

/**
 * Minutes the broker's clock is ahead of UTC at `utcMs`.
 * US: summer time from the second Sunday of March to the first Sunday of November at 02:00 New York
 * time (Energy Policy Act of 2005), i.e. 07:00 and 06:00 UTC — a "New York close" broker moves then.
 * EU: from the last Sunday of March to the last Sunday of October at 01:00 UTC (Directive 2000/84/EC).
 */
function brokerOffsetAt(clock: FakeBrokerClock, utcMs: number): number {
  const year = new Date(utcMs).getUTCFullYear();
  let summer = false;
  if (clock.dst === 'us') {
    summer =
      utcMs >= Date.UTC(year, 2, nthSundayUtc(year, 2, 2), 7) &&
      utcMs < Date.UTC(year, 10, nthSundayUtc(year, 10, 1), 6);
  } else if (clock.dst === 'eu') {
    summer =
      utcMs >= Date.UTC(year, 2, lastSundayUtc(year, 2), 1) && utcMs < Date.UTC(year, 9, lastSundayUtc(year, 9), 1);
  }
  return clock.utc_offset_minutes + (summer ? 60 : 0);
}

/** `YYYY-MM-DD HH:mm:ss.SSS` on a clock `offsetMinutes` ahead of UTC ([serverTime] format). */
function brokerTime(iso: string, offsetMinutes: number): string {
  return new Date(Date.parse(iso) + offsetMinutes * 60_000).toISOString().replace('T', ' ').replace('Z', '');
}

const DEFAULT_CLOCK: FakeBrokerClock = { utc_offset_minutes: 180, dst: 'none' };

export async function startFakeMetaApi(o: FakeMetaApiOptions): Promise<FakeMetaApi> {
  const accounts: FakeMetaApi['accounts'] = new Map();
  const requests: FakeMetaApi['requests'] = [];
  const now = o.now ?? Date.now;
  let limited = { count: 0, retryAfterSeconds: 1, recommendedInMs: undefined as number | undefined };
  let pending = { count: 0, retryAfterSeconds: 1 };
  let createWait = {
    count: o.createAccepted?.count ?? 1,
    retryAfter: o.createAccepted?.retryAfter ?? '1',
    recommendedInMs: o.createAccepted?.recommendedInMs,
  };
  const delays: Array<{ pattern: RegExp; ms: number; count: number }> = [];
  /** transaction-id → the create request it identifies ([createAccount] "reuse the same transaction id value to poll the result"). */
  const transactions = new Map<string, { body: string; accepted: number; final?: { status: number; body: unknown } }>();
  let nextId = 1;

  const recordOf = new WeakMap<ServerResponse, FakeMetaApi['requests'][number]>();
  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    const rec = recordOf.get(res);
    if (rec) rec.status = status;
    if (status === 204) return void res.writeHead(204, headers).end();
    res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
  };
  // Error body {id, error, message, details?} (SDK lib/clients/errorHandler.ts; [managingAccounts] examples)
  const error = (res: ServerResponse, status: number, name: string, message: string, details?: unknown) =>
    send(res, status, { id: 1, error: name, message, ...(details !== undefined ? { details } : {}) });
  const stamp = (record: Record<string, unknown>, clock: FakeBrokerClock) => ({
    ...record,
    brokerTime: brokerTime(String(record.time), brokerOffsetAt(clock, Date.parse(String(record.time)))),
  });

  // [readAccount] example: {"_id","login","name","server","magic","connectionStatus","state","type","region","reliability",…}
  const accountDto = (a: FakeAccount) => ({
    _id: a.id,
    login: a.login,
    name: a.name,
    server: a.server,
    magic: 0,
    connectionStatus: a.connectionStatus,
    state: a.state,
    type: 'cloud-g2',
    region: a.region,
    reliability: 'high',
    version: 5,
  });

  /** The final answer of a create transaction, decided once. */
  function createFinal(body: string): { status: number; body: unknown } {
    let b: { login?: string; password?: string; server?: string; platform?: string; name?: string };
    try {
      b = JSON.parse(body) as typeof b;
    } catch {
      return { status: 400, body: { id: 1, error: 'ValidationError', message: 'Invalid JSON' } };
    }
    if (!b.name || !b.server)
      return {
        status: 400,
        body: {
          id: 1,
          error: 'ValidationError',
          message: 'Validation failed',
          details: [{ parameter: !b.name ? 'name' : 'server', message: 'required' }],
        },
      };
    if (!o.brokers.some((x) => x.server === b.server)) {
      // [managingAccounts] "Server file not found" example
      return {
        status: 400,
        body: {
          id: 3,
          error: 'ValidationError',
          message: `.dat file for server ${b.server} not found, please check the server name or use a provisioning profile instead. Suggested server names: FakeBroker-Demo.`,
          details: { code: 'E_SRV_NOT_FOUND', serversByBrokers: { 'Fake Broker Ltd': o.brokers.map((x) => x.server) } },
        },
      };
    }
    const acct = o.brokers.find((x) => x.server === b.server && x.login === String(b.login));
    if (acct?.settingsUndetectable) {
      // [managingAccounts] "Settings detection error" example: retry later or use a provisioning profile
      return {
        status: 400,
        body: {
          id: 3,
          error: 'ValidationError',
          message:
            'We were not able to retrieve server settings using credentials provided. Please try again later or configure the provisioning profile manually.',
          details: 'E_SERVER_TIMEZONE',
        },
      };
    }
    if (!acct || acct.password !== b.password) {
      // [managingAccounts] "Authentication error" example: details is the string "E_AUTH"
      return {
        status: 400,
        body: {
          id: 3,
          error: 'ValidationError',
          message:
            'We failed to authenticate to your broker using credentials provided. Please check that your MetaTrader login, password and server name are correct.',
          details: 'E_AUTH',
        },
      };
    }
    const id = `acc${nextId++}`;
    // [createAccount] "Adds a trading account and starts a cloud API server for the trading account. It can
    // take some time for the API server and trading terminal to start and connect to broker" (connectionStatus).
    accounts.set(id, {
      id,
      login: acct.login,
      server: acct.server,
      region: acct.region,
      name: b.name,
      state: 'DEPLOYED',
      connectionStatus: 'DISCONNECTED',
      polls: 0,
    });
    return { status: 201, body: { id, state: 'DEPLOYED' } };
  }

  async function handle(req: IncomingMessage, res: ServerResponse, body: string): Promise<void> {
    const u = new URL(req.url!, 'http://x');
    const path = decodeURIComponent(u.pathname);
    const rec = { method: req.method!, path: u.pathname, query: u.searchParams, body, headers: req.headers, status: 0 };
    requests.push(rec);
    recordOf.set(res, rec);
    let wait = 0;
    for (const d of delays) {
      if (d.count > 0 && d.pattern.test(path)) {
        d.count--;
        wait += d.ms;
      }
    }
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    // every route: header auth-token, 401 "Authorization failed" otherwise
    if (req.headers['auth-token'] !== o.token)
      return error(res, 401, 'UnauthorizedError', 'Authorization token invalid');
    if (limited.count > 0) {
      limited.count--;
      // [429] example body, plus a Retry-After header
      const metadata = {
        total: 1000,
        available: 0,
        needed: 50,
        resourceId: 'user:userId',
        multiplierId: 'accountCount:userId',
        exceededConfig: 'perUser',
        exceededPeriod: '1s',
        method: 'getAccountInformation',
        ...(limited.recommendedInMs !== undefined
          ? { recommendedRetryTime: new Date(Date.now() + limited.recommendedInMs).toISOString() }
          : {}),
      };
      return send(
        res,
        429,
        {
          id: 1,
          error: 'TooManyRequestsError',
          message: 'The getAccountInformation API allows 1000 cpu credits per 1s',
          metadata,
        },
        { 'retry-after': String(limited.retryAfterSeconds) },
      );
    }
    if (pending.count > 0) {
      pending.count--;
      return send(
        res,
        202,
        { message: 'The data is being loaded, retry later' },
        { 'retry-after': String(pending.retryAfterSeconds) },
      );
    }

    // ---- provisioning
    if (req.method === 'GET' && path === '/prov/users/current/accounts') {
      // [readAccounts] query: `query` searches over _id, name, server and login; offset ≥ 0 (default 0); limit 1..1000 (default 1000)
      const q = u.searchParams.get('query') ?? '';
      const offset = Number(u.searchParams.get('offset') ?? 0);
      const limit = Number(u.searchParams.get('limit') ?? 1000);
      if (!(limit >= 1 && limit <= 1000) || !(offset >= 0))
        return error(res, 400, 'ValidationError', 'Validation failed', [
          { parameter: 'limit', message: 'must be 1..1000' },
        ]);
      const found = [...accounts.values()].filter((a) => [a.id, a.name, a.server, a.login].some((f) => f.includes(q)));
      return send(res, 200, found.slice(offset, offset + limit).map(accountDto));
    }
    if (req.method === 'POST' && path === '/prov/users/current/accounts') {
      // [createAccount] header transaction-id, Required: "For the new request please generate a random 32-character
      // transaction id. If your request has returned 202 status code, please reuse the same transaction id value to
      // poll the result of the request you've sent earlier." The docs do not show the refusal's body; a missing or
      // malformed id is refused as the other missing required inputs are, with 400 ValidationError.
      const txId = req.headers['transaction-id'];
      if (typeof txId !== 'string' || txId.length !== 32)
        return error(res, 400, 'ValidationError', 'Validation failed', [
          { parameter: 'transaction-id', message: 'transaction-id header must be a 32-character string' },
        ]);
      let tx = transactions.get(txId);
      if (!tx) {
        tx = { body, accepted: createWait.count };
        transactions.set(txId, tx);
      } else if (tx.body !== body) {
        return error(res, 409, 'ConflictError', 'Transaction id was used with a different request');
      }
      if (tx.accepted > 0) {
        tx.accepted--;
        // [managingAccounts] "Broker settings detection or connection validation might take some time. If so you will
        // receive response with request processing stage and wait time"; [sdk-http] retry-after header, else metadata.recommendedRetryTime
        const metadata =
          createWait.recommendedInMs !== undefined
            ? { metadata: { recommendedRetryTime: new Date(Date.now() + createWait.recommendedInMs).toISOString() } }
            : {};
        return send(
          res,
          202,
          { message: 'Automatic broker settings detection is in progress, please retry in 60 seconds', ...metadata },
          createWait.retryAfter ? { 'retry-after': createWait.retryAfter } : {},
        );
      }
      // E_SRV_NOT_FOUND/E_AUTH are known once detection is done; the same transaction keeps answering the same result
      tx.final ??= createFinal(body);
      return send(res, tx.final.status, tx.final.body);
    }
    const accountPath = /^\/prov\/users\/current\/accounts\/([^/]+)(\/deploy|\/undeploy)?$/.exec(path);
    if (accountPath) {
      const a = accounts.get(accountPath[1]!);
      // [readAccount]/[deployAccount]/[undeployAccount]/[deleteAccount]: 404 NotFoundError for an unknown id
      if (!a) return error(res, 404, 'NotFoundError', `Trading account with id ${accountPath[1]} not found`);
      if (req.method === 'POST' && accountPath[2] === '/deploy') {
        // [deployAccount] "This request will be ignored if the account is already deployed"; 204 No Content
        if (a.state !== 'DEPLOYED') {
          a.state = 'DEPLOYING';
          a.polls = 0;
        }
        return send(res, 204, null);
      }
      if (req.method === 'POST' && accountPath[2] === '/undeploy') {
        // [undeployAccount] stops the API server; the client API then answers 404 "not found or not provisioned yet"
        a.state = 'UNDEPLOYED';
        a.connectionStatus = 'DISCONNECTED';
        return send(res, 204, null);
      }
      if (req.method === 'DELETE' && !accountPath[2]) {
        // [deleteAccount] removes the account; afterwards every route answers 404 for it
        accounts.delete(a.id);
        return send(res, 204, null);
      }
      if (req.method === 'GET' && !accountPath[2]) {
        if (
          (a.state === 'DEPLOYING' || (a.state === 'DEPLOYED' && a.connectionStatus !== 'CONNECTED')) &&
          ++a.polls >= (o.deployPolls ?? 1)
        ) {
          a.state = 'DEPLOYED';
          a.connectionStatus = 'CONNECTED';
        }
        return send(res, 200, accountDto(a));
      }
    }

    // ---- client and market-data hosts
    const clientPath = /^\/(client|md)\/([^/]+)\/users\/current\/accounts\/([^/]+)\/(.*)$/.exec(path);
    if (clientPath) {
      const [, host, region, id, rest] = clientPath;
      const a = accounts.get(id!);
      // every client route: "404 - MetaTrader account not found or not provisioned yet"
      if (!a || a.region !== region || a.state !== 'DEPLOYED')
        return error(res, 404, 'NotFoundError', `Trading account ${id} not found or not deployed`);
      const broker = o.brokers.find((x) => x.login === a.login && x.server === a.server)!;
      const clock = broker.clock ?? DEFAULT_CLOCK;
      if (host === 'client' && rest === 'account-information') {
        // [accountInformation] fields as in the docs example
        return send(res, 200, {
          platform: 'mt5',
          broker: 'Fake Broker Ltd',
          currency: broker.currency,
          server: broker.server,
          balance: broker.balance,
          equity: broker.equity,
          margin: 0,
          freeMargin: broker.equity,
          leverage: 100,
          tradeAllowed: true,
          investorMode: true,
          marginMode: 'ACCOUNT_MARGIN_MODE_RETAIL_HEDGING',
          name: 'Trader',
          login: Number(broker.login),
          credit: broker.credit ?? 0,
          type: 'ACCOUNT_TRADE_MODE_DEMO',
        });
      }
      if (host === 'client' && rest === 'positions')
        return send(
          res,
          200,
          broker.positions.map((p) => stamp(p, clock)),
        );
      if (host === 'client' && rest === 'server-time') {
        // [serverTime] {time, brokerTime, lastQuoteTime, lastQuoteBrokerTime}
        const t = new Date(now()).toISOString();
        const q = new Date(now() - 200).toISOString();
        return send(res, 200, {
          time: t,
          brokerTime: brokerTime(t, brokerOffsetAt(clock, Date.parse(t))),
          lastQuoteTime: q,
          lastQuoteBrokerTime: brokerTime(q, brokerOffsetAt(clock, Date.parse(q))),
        });
      }
      const dealsByTime = host === 'client' ? /^history-deals\/time\/([^/]+)\/([^/]+)$/.exec(rest!) : null;
      if (dealsByTime) {
        // [dealsByTime] startTime inclusive, endTime exclusive; offset ≥ 0 (default 0), limit 1..1000 (default 1000)
        const from = Date.parse(dealsByTime[1]!);
        const to = Date.parse(dealsByTime[2]!);
        const offsetQ = Number(u.searchParams.get('offset') ?? 0);
        const limit = Number(u.searchParams.get('limit') ?? 1000);
        if (!(limit >= 1 && limit <= 1000) || !(offsetQ >= 0))
          return error(res, 400, 'ValidationError', 'Validation failed', [
            { parameter: 'limit', message: 'must be 1..1000' },
          ]);
        const inRange = broker.deals.filter(
          (d) => Date.parse(String(d.time)) >= from && Date.parse(String(d.time)) < to,
        );
        return send(
          res,
          200,
          inRange.slice(offsetQ, offsetQ + limit).map((d) => stamp(d, clock)),
        );
      }
      const specification = host === 'client' ? /^symbols\/([^/]+)\/specification$/.exec(rest!) : null;
      if (specification) {
        // [specification] MetatraderSymbolSpecification: contractSize, point, digits, profitCurrency, …
        const symbol = specification[1]!;
        const gold = symbol === 'XAUUSD';
        return send(res, 200, {
          symbol,
          tickSize: gold ? 0.01 : 0.00001,
          minVolume: 0.01,
          maxVolume: 100,
          volumeStep: 0.01,
          contractSize: gold ? 100 : 100_000,
          point: gold ? 0.01 : 0.00001,
          digits: gold ? 2 : 5,
          baseCurrency: symbol.slice(0, 3),
          profitCurrency: 'USD',
          marginCurrency: symbol.slice(0, 3),
        });
      }
      const candles =
        host === 'md' ? /^historical-market-data\/symbols\/([^/]+)\/timeframes\/1m\/candles$/.exec(rest!) : null;
      if (candles) {
        // [candles] startTime: "candles are loaded in backwards direction, so this should be the latest time";
        // limit ≤ 1000
        const series = broker.candles?.[candles[1]!] ?? [];
        const start = u.searchParams.get('startTime') ? Date.parse(u.searchParams.get('startTime')!) : Infinity;
        const limit = Number(u.searchParams.get('limit') ?? 1000);
        if (!(limit >= 1 && limit <= 1000))
          return error(res, 400, 'ValidationError', 'Validation failed', [
            { parameter: 'limit', message: 'must be ≤ 1000' },
          ]);
        const upTo = series.filter((c) => Date.parse(String(c.time)) <= start);
        return send(
          res,
          200,
          upTo.slice(Math.max(0, upTo.length - limit)).map((c) => stamp(c, clock)),
        );
      }
    }
    return error(res, 404, 'NotFoundError', `no route ${req.method} ${path}`);
  }

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      handle(req, res, Buffer.concat(chunks).toString('utf8')).catch((err: Error) =>
        error(res, 500, 'InternalError', err.message),
      );
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
    createAccepted(count, r = {}) {
      createWait = { count, retryAfter: r.retryAfter ?? '', recommendedInMs: r.recommendedInMs };
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/**
 * MetaApi-shaped round trips ([dealsByTime] and the readDealsByPosition example deal): `n` positions
 * of EURUSD, each a buy in and a sell out one minute later. `brokerTime` is stamped by the fake from
 * the broker's clock.
 */
export function metaApiDeals(n: number, startIso: string): Array<Record<string, unknown>> {
  const deals: Array<Record<string, unknown>> = [];
  const t0 = Date.parse(startIso);
  deals.push({
    id: '1',
    type: 'DEAL_TYPE_BALANCE',
    time: new Date(t0 - 3_600_000).toISOString(),
    profit: 100_000,
    comment: 'Deposit',
    platform: 'mt5',
  });
  for (let i = 0; i < n; i++) {
    const open = new Date(t0 + i * 120_000).toISOString();
    const close = new Date(t0 + i * 120_000 + 60_000).toISOString();
    const pos = String(1000 + i);
    const profit = i % 3 === 0 ? -4 : 6;
    deals.push({
      id: String(10_000 + 2 * i),
      type: 'DEAL_TYPE_BUY',
      entryType: 'DEAL_ENTRY_IN',
      symbol: 'EURUSD',
      magic: 0,
      time: open,
      volume: 0.1,
      price: 1.1,
      commission: -0.35,
      swap: 0,
      profit: 0,
      positionId: pos,
      orderId: pos,
      platform: 'mt5',
      reason: 'DEAL_REASON_CLIENT',
      stopLoss: 1.09,
    });
    deals.push({
      id: String(10_001 + 2 * i),
      type: 'DEAL_TYPE_SELL',
      entryType: 'DEAL_ENTRY_OUT',
      symbol: 'EURUSD',
      magic: 0,
      time: close,
      volume: 0.1,
      price: 1.1 + profit / 10_000,
      commission: -0.35,
      swap: 0,
      profit,
      positionId: pos,
      orderId: String(5000 + i),
      platform: 'mt5',
      reason: 'DEAL_REASON_CLIENT',
    });
  }
  return deals;
}
