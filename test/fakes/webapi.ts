/**
 * A fake MT5 Manager Web API access server on 127.0.0.1 (reference/mt5.md §2.5): the
 * auth/start + auth/answer handshake with the real hash, a session bound to the connection and a
 * cookie, string values and `retcode`, paged positions and deals (≤ 100 a page), daily reports,
 * `13 Not found` for idle accounts' trade state, and switches for slow answers, expired
 * sessions, rate limits (`12 Too frequent requests`, or a proxy's 429 with Retry-After), transient
 * retcodes and a server that cannot answer cli_rand.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { passwordHash, randAnswer } from '../../src/mt5/webapi/auth.ts';

export interface FakeWebApiUser {
  login: string;
  currency: string;
  balance: string;
  credit: string;
  /** null: `user/account/get` answers 13 Not found (idle account). */
  trade: Record<string, string> | null;
  deals: Array<Record<string, string>>;
  positions: Array<Record<string, string>>;
  daily: Array<Record<string, string>>;
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
  close(): Promise<void>;
}

export async function startFakeWebApi(o: { managerLogin: string; managerPassword: string; users: FakeWebApiUser[] }): Promise<FakeWebApi> {
  const pw = passwordHash(o.managerPassword);
  const pending = new WeakMap<Socket, { srvRand: string; at: number }>();
  let sessions = new WeakMap<Socket, string>();
  const sockets = new Set<Socket>();
  let connections = 0;
  const requests: FakeWebApi['requests'] = [];
  const delays: Array<{ pattern: RegExp; ms: number; count: number }> = [];
  let limited = { count: 0, mode: 'retcode' as 'retcode' | 'http429', retryAfterSeconds: undefined as number | undefined };
  let failing = { count: 0, retcode: '', pattern: /./ };

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) =>
    res.writeHead(status, { 'content-type': 'application/json', connection: 'keep-alive', ...headers }).end(JSON.stringify(body));
  const ok = (res: ServerResponse, answer: unknown) => send(res, 200, { retcode: '0 Done', answer });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<unknown> {
    const u = new URL(req.url!, 'http://x');
    const q = u.searchParams;
    requests.push({ path: u.pathname, query: q });
    let wait = 0;
    for (const d of delays) if (d.count > 0 && d.pattern.test(u.pathname)) (d.count--, (wait += d.ms));
    if (wait) await new Promise((r) => setTimeout(r, wait));
    const socket = req.socket;

    if (u.pathname === '/api/auth/start') {
      if (Number(q.get('version')) < 484 || !q.get('agent') || /\s/.test(q.get('agent')!) || q.get('type') !== 'manager') return send(res, 200, { retcode: '3 Invalid parameters' });
      if (q.get('login') !== o.managerLogin) return send(res, 200, { retcode: '3006 Invalid account' });
      const srvRand = randomBytes(16).toString('hex');
      pending.set(socket, { srvRand, at: Date.now() });
      return send(res, 200, { retcode: '0 Done', version_access: '1290', srv_rand: srvRand });
    }
    if (u.pathname === '/api/auth/answer') {
      const p = pending.get(socket);
      pending.delete(socket);
      if (!p || Date.now() - p.at > 10_000 || q.get('srv_rand_answer') !== randAnswer(pw, p.srvRand)) return send(res, 403, { retcode: '3006 Invalid account' });
      const cliRand = q.get('cli_rand') ?? '';
      if (!/^[0-9a-f]{32}$/i.test(cliRand)) return send(res, 200, { retcode: '3 Invalid parameters' });
      const token = randomBytes(12).toString('hex');
      sessions.set(socket, token);
      const answer = fake.impostor ? randomBytes(16).toString('hex') : randAnswer(pw, cliRand);
      return send(res, 200, { retcode: '0 Done', version_access: '1290', version_trade: '1290', cli_rand_answer: answer }, { 'set-cookie': `MT5Session=${token}; Path=/; HttpOnly` });
    }
    // Everything else needs the session of this very connection (and its cookie).
    const token = sessions.get(socket);
    if (!token || !(req.headers.cookie ?? '').includes(`MT5Session=${token}`)) return send(res, 403, { retcode: '8 Access denied' });
    if (limited.count > 0) {
      limited.count--;
      const headers: Record<string, string> = limited.retryAfterSeconds !== undefined ? { 'retry-after': String(limited.retryAfterSeconds) } : {};
      return limited.mode === 'http429' ? send(res, 429, { retcode: '12 Too frequent requests' }, headers) : send(res, 200, { retcode: '12 Too frequent requests' }, headers);
    }
    if (failing.count > 0 && failing.pattern.test(u.pathname)) {
      failing.count--;
      return send(res, 200, { retcode: failing.retcode });
    }
    if (u.pathname === '/api/test/access') return ok(res, {});
    const user = o.users.find((x) => x.login === q.get('login'));
    const notFound = () => send(res, 200, { retcode: '13 Not found' });
    switch (u.pathname) {
      case '/api/user/get':
        return user ? ok(res, { Login: user.login, Group: 'demo\\prop', Name: 'Trader', Leverage: '100', Balance: user.balance, Credit: user.credit, Currency: user.currency }) : notFound();
      case '/api/user/account/get':
        return user?.trade ? ok(res, { Login: user.login, CurrencyDigits: '2', ...user.trade }) : notFound();
      case '/api/position/get_total':
        return user ? ok(res, { total: String(user.positions.length) }) : notFound();
      case '/api/deal/get_total': {
        if (!user) return notFound();
        return ok(res, { total: String(inRange(user.deals, q).length) });
      }
      case '/api/position/get_page':
      case '/api/deal/get_page': {
        if (!user) return notFound();
        const offset = Number(q.get('offset'));
        const total = Number(q.get('total'));
        if (!(total >= 1 && total <= 100) || !(offset >= 0)) return send(res, 200, { retcode: '3 Invalid parameters' });
        const list = u.pathname === '/api/deal/get_page' ? inRange(user.deals, q) : user.positions;
        return ok(res, list.slice(offset, offset + total));
      }
      case '/api/daily/get':
        return user ? ok(res, inRange(user.daily, q, 'Datetime')) : notFound();
    }
    return send(res, 404, { retcode: '13 Not found' });
  }

  function inRange(rows: Array<Record<string, string>>, q: URLSearchParams, field = 'Time') {
    const from = Number(q.get('from') ?? 0);
    const to = Number(q.get('to') ?? Infinity);
    return rows.filter((r) => Number(r[field]) >= from && Number(r[field]) <= to);
  }

  const server = createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
    req.resume();
    req.on('end', () => void handle(req, res).catch((err: Error) => send(res, 500, { retcode: `1 ${err.message}` })));
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
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
  return fake;
}
