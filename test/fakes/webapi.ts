/**
 * A fake MT5 Manager Web API access server on 127.0.0.1, written from MetaQuotes' documentation
 * (https://support.metaquotes.net/en/docs/mt5/api/webapi, "Manager Interface (Rest API)"; the page
 * of each behaviour is named beside it, reference/mt5.md §2). Every value is a JSON string, as in
 * the docs' examples; answers are `{"retcode":"0 Done","answer":…}`.
 *
 * Switches reproduce what real servers and the networks in front of them do: slow answers,
 * forgotten sessions, rate limits (`12 Too frequent requests`, or a proxy's 429 with Retry-After),
 * transient retcodes, a server that cannot answer cli_rand, an answer of another shape, and an
 * account that trades while it is being read. The batched reads (`get_batch`) are in webapi-batch.ts.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { type BrokerClock, utcToServer } from '../../src/mt5/broker-clock.ts';
import { passwordHash, randAnswer } from '../../src/mt5/webapi/auth.ts';
import { batchAnswer } from './webapi-batch.ts';

type WireRecord = Record<string, string>;

export interface FakeWebApiUser {
  login: string;
  /** The user record's `Group` (Users / Data Structure): the account's currency lives on it. */
  group: string;
  balance: string;
  credit: string;
  /** null: `user/account/get` answers 13 Not found (idle account). */
  trade: WireRecord | null;
  deals: WireRecord[];
  positions: WireRecord[];
  /** Daily reports as `daily/get` returns them (Daily Reports / Data Structure). */
  daily: WireRecord[];
}

export interface FakeWebApi {
  url: string;
  /** TCP connections accepted so far. */
  connections: () => number;
  requests: Array<{ path: string; query: URLSearchParams }>;
  /** Forget every session (as a server restart or idle timeout would). */
  dropSessions(): void;
  /** Answer cli_rand wrongly (an impostor that does not know the password). */
  impostor: boolean;
  delay(pattern: RegExp, ms: number, count?: number): void;
  /**
   * The next `count` commands after the handshake are refused: `retcode` answers
   * `12 Too frequent requests` (MT_RET_ERR_FREQUENT); `http429` answers 429 with Retry-After
   * (as a rate-limiting proxy in front of the access server would).
   */
  rateLimit(count: number, o?: { mode?: 'retcode' | 'http429'; retryAfterSeconds?: number }): void;
  /** The next `count` commands (whose path matches `pattern`, if given) answer this retcode instead (e.g. `10 No connection`). */
  failWith(retcode: string, count?: number, pattern?: RegExp): void;
  /** The next `count` commands whose path matches answer `{"retcode":"0 Done","answer":answer}` instead. */
  answerWith(pattern: RegExp, answer: unknown, count?: number): void;
  /** Forgets the substitutes not yet used. */
  resetAnswers(): void;
  /** Called after each answered command: lets a test make the account trade while it is read. */
  afterCommand: ((path: string) => void) | null;
  close(): Promise<void>;
}

/** Windows FILETIME (100-ns ticks since 1601-01-01 UTC) of a UTC instant, as the docs' `Timestamp` string. */
export function fileTime(utcMs: number): string {
  return ((BigInt(Math.round(utcMs)) + 11_644_473_600_000n) * 10_000n).toString();
}

/** Server-clock seconds of a UTC instant, as the Web API writes `Time`, `TimeCreate`, `DatetimePrev`. */
function serverSeconds(clock: BrokerClock, utcMs: number): string {
  return String(Math.floor(utcToServer(clock, utcMs) / 1000));
}

/**
 * The Daily Reports / Data Structure fields the connector reads: the report generated at the
 * server's end of day (`generatedAt`, UTC), carrying that moment's `Balance`, `Credit` and
 * `ProfitEquity`, and the previous report's (`previousAt`) figures as `BalancePrevDay`/`EquityPrevDay`.
 */
export function dailyReport(
  clock: BrokerClock,
  r: {
    login: string;
    group: string;
    currency: string;
    generatedAt: number;
    previousAt: number;
    balance: number;
    credit: number;
    equity: number;
    balancePrevDay: number;
    equityPrevDay: number;
    dailyProfit?: number;
  },
): WireRecord {
  const f = (x: number) => x.toFixed(2);
  return {
    Timestamp: fileTime(r.generatedAt),
    DatetimePrev: serverSeconds(clock, r.previousAt),
    Login: r.login,
    Name: 'Test Collateral',
    Group: r.group,
    Currency: r.currency,
    CurrencyDigits: '2',
    Company: 'MetaQuotes DEV',
    EMail: '',
    Balance: f(r.balance),
    Credit: f(r.credit),
    InterestRate: '0.00',
    CommissionDaily: '0.00',
    CommissionMonthly: '0.00',
    AgentDaily: '0.00',
    AgentMonthly: '0.00',
    BalancePrevDay: f(r.balancePrevDay),
    BalancePrevMonth: f(r.balancePrevDay),
    EquityPrevDay: f(r.equityPrevDay),
    EquityPrevMonth: f(r.equityPrevDay),
    Margin: '0.00',
    MarginFree: f(r.equity),
    MarginLevel: '0.00',
    MarginLeverage: '100',
    Profit: f(r.equity - r.balance - r.credit),
    ProfitStorage: '0.00',
    ProfitEquity: f(r.equity),
    ProfitAssets: '0.00',
    ProfitLiabilities: '0.00',
    DailyProfit: f(r.dailyProfit ?? 0),
    DailyBalance: '0.00',
    DailyCredit: '0.00',
    DailyCharge: '0.00',
    DailyCorrection: '0.00',
    DailyBonus: '0.00',
    DailyStorage: '0.00',
    DailyCommInstant: '0.00',
    DailyCommFee: '0.00',
    DailyCommRound: '0.00',
    DailyAgent: '0.00',
    DailyInterest: '0.00',
  };
}

export async function startFakeWebApi(o: {
  managerLogin: string;
  managerPassword: string;
  users: FakeWebApiUser[];
  /** Group configurations (Groups / Data Structure): `Group`, `Currency`, `CurrencyDigits`, `MarginMode`, … */
  groups: WireRecord[];
  /** The trade server's own clock: `from`/`to` of daily/get are read on it. */
  clock: BrokerClock;
}): Promise<FakeWebApi> {
  const pw = passwordHash(o.managerPassword);
  const pending = new WeakMap<Socket, { srvRand: string; at: number }>();
  let sessions = new WeakMap<Socket, string>();
  const sockets = new Set<Socket>();
  let connections = 0;
  const requests: FakeWebApi['requests'] = [];
  const delays: Array<{ pattern: RegExp; ms: number; count: number }> = [];
  let limited = {
    count: 0,
    mode: 'retcode' as 'retcode' | 'http429',
    retryAfterSeconds: undefined as number | undefined,
  };
  let failing = { count: 0, retcode: '', pattern: /./ };
  const substitutes: Array<{ pattern: RegExp; answer: unknown; count: number }> = [];

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) =>
    res
      .writeHead(status, { 'content-type': 'application/json', connection: 'keep-alive', ...headers })
      .end(JSON.stringify(body));
  const ok = (res: ServerResponse, answer: unknown) => send(res, 200, { retcode: '0 Done', answer });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<unknown> {
    const u = new URL(req.url!, 'http://x');
    const q = u.searchParams;
    requests.push({ path: u.pathname, query: q });
    let wait = 0;
    for (const d of delays) {
      if (d.count > 0 && d.pattern.test(u.pathname)) {
        d.count--;
        wait += d.ms;
      }
    }
    if (wait) await new Promise((r) => setTimeout(r, wait));
    const socket = req.socket;

    // Authentication (webapi_rest_authentication): version ≥ 484, agent without spaces, type=manager.
    if (u.pathname === '/api/auth/start') {
      if (
        Number(q.get('version')) < 484 ||
        !q.get('agent') ||
        /\s/.test(q.get('agent')!) ||
        q.get('type') !== 'manager'
      )
        return send(res, 200, { retcode: '3 Invalid parameters' });
      if (q.get('login') !== o.managerLogin) return send(res, 200, { retcode: '3006 Invalid account' });
      const srvRand = randomBytes(16).toString('hex');
      pending.set(socket, { srvRand, at: Date.now() });
      return send(res, 200, { retcode: '0 Done', version_access: '1290', srv_rand: srvRand });
    }
    // auth/answer within 10 s of auth/start; the answer to cli_rand proves the server knows the password.
    if (u.pathname === '/api/auth/answer') {
      const p = pending.get(socket);
      pending.delete(socket);
      if (!p || Date.now() - p.at > 10_000 || q.get('srv_rand_answer') !== randAnswer(pw, p.srvRand))
        return send(res, 403, { retcode: '3006 Invalid account' });
      const cliRand = q.get('cli_rand') ?? '';
      if (!/^[0-9a-f]{32}$/i.test(cliRand)) return send(res, 200, { retcode: '3 Invalid parameters' });
      const token = randomBytes(12).toString('hex');
      sessions.set(socket, token);
      const answer = fake.impostor ? randomBytes(16).toString('hex') : randAnswer(pw, cliRand);
      return send(
        res,
        200,
        { retcode: '0 Done', version_access: '1290', version_trade: '1290', cli_rand_answer: answer },
        { 'set-cookie': `MT5Session=${token}; Path=/; HttpOnly` },
      );
    }
    // Everything else needs the session of this very connection (webapi_https: one kept-alive connection).
    const token = sessions.get(socket);
    if (!token || !(req.headers.cookie ?? '').includes(`MT5Session=${token}`))
      return send(res, 403, { retcode: '8 Access denied' });
    if (limited.count > 0) {
      limited.count--;
      const headers: Record<string, string> =
        limited.retryAfterSeconds !== undefined ? { 'retry-after': String(limited.retryAfterSeconds) } : {};
      return limited.mode === 'http429'
        ? send(res, 429, { retcode: '12 Too frequent requests' }, headers)
        : send(res, 200, { retcode: '12 Too frequent requests' }, headers);
    }
    if (failing.count > 0 && failing.pattern.test(u.pathname)) {
      failing.count--;
      return send(res, 200, { retcode: failing.retcode });
    }
    const substitute = substitutes.find((s) => s.count > 0 && s.pattern.test(u.pathname));
    if (substitute) {
      substitute.count--;
      return ok(res, substitute.answer);
    }
    if (u.pathname === '/api/test/access') return ok(res, {});
    // The batched reads (Get Multiple …): webapi-batch.ts.
    const batch = batchAnswer(u.pathname, q, o.users);
    if (batch) return send(res, 200, batch);
    const user = o.users.find((x) => x.login === q.get('login'));
    const notFound = () => send(res, 200, { retcode: '13 Not found' });
    switch (u.pathname) {
      // Users / Get by Login (webapi_user_get): the user record; no currency on it (Users / Data Structure).
      case '/api/user/get':
        return user
          ? ok(res, {
              Login: user.login,
              Group: user.group,
              CertSerialNumber: '0',
              Rights: '6627',
              MQID: 'F5986B14',
              Registration: '1527173711',
              LastAccess: '1527173713',
              LastPassChange: '1527173711',
              Name: 'Trader',
              Leverage: '100',
              Balance: user.balance,
              Credit: user.credit,
            })
          : notFound();
      // Users / Get Trade State (webapi_user_account_get): "only available if the account has open
      // orders/positions or trade activity since the last restart", else 13 Not found.
      case '/api/user/account/get':
        return user?.trade ? ok(res, { Login: user.login, CurrencyDigits: '2', ...user.trade }) : notFound();
      // Groups / Get by Name (webapi_group_get): `group=demo\forex`; Currency and CurrencyDigits (Groups / Data Structure).
      case '/api/group/get': {
        const group = o.groups.find((g) => g.Group === q.get('group'));
        return group ? ok(res, group) : notFound();
      }
      // Positions / Get Total (webapi_position_get_total): `{ "Total" : "10" }`.
      case '/api/position/get_total':
        return user ? ok(res, { Total: String(user.positions.length) }) : notFound();
      // Deals / Get Total (webapi_deal_get_total): `{ "Total" : "10" }` for login, from, to (server seconds).
      case '/api/deal/get_total':
        return user ? ok(res, { Total: String(dealsInRange(user.deals, q).length) }) : notFound();
      // Positions / Get Paged (webapi_position_get_page) and Deals / Get Paged (webapi_deal_get_page): total ≤ 100.
      case '/api/position/get_page':
      case '/api/deal/get_page': {
        if (!user) return notFound();
        const offset = Number(q.get('offset'));
        const total = Number(q.get('total'));
        if (!(total >= 1 && total <= 100) || !(offset >= 0)) return send(res, 200, { retcode: '3 Invalid parameters' });
        const list = u.pathname === '/api/deal/get_page' ? dealsInRange(user.deals, q) : user.positions;
        return ok(res, list.slice(offset, offset + total));
      }
      // Daily Reports / Get (webapi_daily_get): reports generated between from and to (server seconds).
      case '/api/daily/get':
        return user
          ? ok(
              res,
              user.daily.filter((r) => within(Math.floor(utcToServer(o.clock, fileTimeMs(r.Timestamp!)) / 1000), q)),
            )
          : notFound();
    }
    return send(res, 404, { retcode: '13 Not found' });
  }

  function within(serverSecs: number, q: URLSearchParams): boolean {
    return serverSecs >= Number(q.get('from') ?? 0) && serverSecs <= Number(q.get('to') ?? Infinity);
  }
  const dealsInRange = (rows: WireRecord[], q: URLSearchParams) => rows.filter((r) => within(Number(r.Time), q));

  const server = createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
    req.resume();
    req.on(
      'end',
      () =>
        void handle(req, res)
          .then(() => fake.afterCommand?.(new URL(req.url!, 'http://x').pathname))
          .catch((err: Error) => send(res, 500, { retcode: `1 ${err.message}` })),
    );
  });
  server.on('connection', (s: Socket) => {
    connections++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const fake: FakeWebApi = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    connections: () => connections,
    requests,
    impostor: false,
    afterCommand: null,
    dropSessions() {
      sessions = new WeakMap();
    },
    delay(pattern, ms, count = Infinity) {
      delays.push({ pattern, ms, count });
    },
    rateLimit(count, opts = {}) {
      limited = { count, mode: opts.mode ?? 'retcode', retryAfterSeconds: opts.retryAfterSeconds };
    },
    failWith(retcode, count = 1, pattern = /./) {
      failing = { count, retcode, pattern };
    },
    answerWith(pattern, answer, count = 1) {
      substitutes.push({ pattern, answer, count });
    },
    resetAnswers() {
      substitutes.length = 0;
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
  return fake;
}

/** FILETIME string → UTC ms. */
function fileTimeMs(ft: string): number {
  return Number(BigInt(ft) / 10_000n - 11_644_473_600_000n);
}
