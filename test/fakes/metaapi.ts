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
 *   [429]            https://metaapi.cloud/docs/client/models/tooManyRequestsError/ ("The HTTP response
 *                    contains the Retry-After header"; metadata.recommendedRetryTime) and
 *                    https://metaapi.cloud/docs/client/rateLimiting/ (CPU credits per app, server and account)
 *   [sdk-http]       metaapi.cloud-sdk 29.3.3 lib/clients/httpClient.ts (202: `retry-after` header,
 *                    else body `metadata.recommendedRetryTime`)
 *
 * The provisioning routes live in metaapi-provisioning.ts, the broker's clock and the client and
 * market-data answers in metaapi-broker.ts; this file serves them, with the token check, the rate
 * limits and the delays every route shares.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Answer, errorAnswer } from './metaapi-answer.ts';
import { type FakeBrokerAccount, terminalAnswer } from './metaapi-broker.ts';
import { createFakeProvisioning, type FakeAccount, type FakeProvisioning } from './metaapi-provisioning.ts';

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
  createAccepted: FakeProvisioning['createAccepted'];
  close(): Promise<void>;
}

export async function startFakeMetaApi(o: FakeMetaApiOptions): Promise<FakeMetaApi> {
  const provisioning = createFakeProvisioning(o);
  const accounts = provisioning.accounts;
  const requests: FakeMetaApi['requests'] = [];
  const now = o.now ?? Date.now;
  let limited = { count: 0, retryAfterSeconds: 1, recommendedInMs: undefined as number | undefined };
  let pending = { count: 0, retryAfterSeconds: 1 };
  const delays: Array<{ pattern: RegExp; ms: number; count: number }> = [];

  const recordOf = new WeakMap<ServerResponse, FakeMetaApi['requests'][number]>();
  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    const rec = recordOf.get(res);
    if (rec) rec.status = status;
    if (status === 204) return void res.writeHead(204, headers).end();
    res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
  };
  const reply = (res: ServerResponse, answer: Answer) => send(res, answer.status, answer.body, answer.headers);
  const error = (res: ServerResponse, status: number, name: string, message: string, details?: unknown) =>
    reply(res, errorAnswer(status, name, message, details));

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

    const provisioned = provisioning.answer(req.method!, path, u.searchParams, req.headers, body);
    if (provisioned) return reply(res, provisioned);

    // ---- client and market-data hosts
    const clientPath = /^\/(client|md)\/([^/]+)\/users\/current\/accounts\/([^/]+)\/(.*)$/.exec(path);
    if (clientPath) {
      const [, host, region, id, rest] = clientPath;
      const a = accounts.get(id!);
      // every client route: "404 - MetaTrader account not found or not provisioned yet"
      if (!a || a.region !== region || a.state !== 'DEPLOYED')
        return error(res, 404, 'NotFoundError', `Trading account ${id} not found or not deployed`);
      const broker = o.brokers.find((x) => x.login === a.login && x.server === a.server)!;
      const answer = terminalAnswer(broker, host!, rest!, u.searchParams, now);
      if (answer) return reply(res, answer);
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
    createAccepted: provisioning.createAccepted,
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
