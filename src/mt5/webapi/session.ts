/**
 * The Manager Web API session (reference/mt5.md §2.2, MetaQuotes `webapi_rest_authentication` and
 * `webapi_https`): one kept-alive connection carries the `/api/auth/start` + `/api/auth/answer`
 * handshake and every command after it, and the server's `cli_rand_answer` is verified, so a
 * server that does not know the manager password is refused. The session belongs to the TCP
 * connection, hence a dispatcher of one socket.
 */
import { Agent, request } from 'undici';
import { parseRetryAfter } from '../../infra/http/retry-after.ts';
import { ConnectorError } from '../connector.ts';
import { newCliRand, passwordHash, randAnswer, sameHex } from './auth.ts';
import { MT_RET_ERR_FREQUENT } from './retcodes.ts';

/** A Web API record or answer: every value a JSON string, as the docs' examples show. */
export type WebApiRecord = Record<string, unknown>;

export type WebApiQuery = Record<string, string | number>;

/** One HTTP answer: its status, its JSON body and the wait its Retry-After asks for. */
interface WebApiAnswer {
  status: number;
  body: WebApiRecord;
  retryAfterMs: number | null;
}

export interface WebApiSessionOptions {
  /** Base URL of the access server, e.g. https://mt5.broker.example:443 */
  url: string;
  managerLogin: string;
  managerPassword: string;
  /** Client build sent in auth/start (≥ 484). */
  version?: number;
  /** Agent name sent in auth/start (no spaces). */
  agent?: string;
  timeoutMs?: number;
  /** Accept a self-signed certificate (common on access servers). */
  insecureTls?: boolean;
  now: () => number;
}

export class WebApiSession {
  readonly #options: WebApiSessionOptions;
  readonly #agent: Agent;
  #cookies = new Map<string, string>();
  #login: Promise<void> | null = null;

  constructor(options: WebApiSessionOptions) {
    this.#options = options;
    this.#agent = new Agent({
      connections: 1,
      pipelining: 1,
      keepAliveTimeout: 60_000,
      headersTimeout: options.timeoutMs ?? 30_000,
      bodyTimeout: options.timeoutMs ?? 30_000,
      ...(options.insecureTls ? { connect: { rejectUnauthorized: false } } : {}),
    });
  }

  async close(): Promise<void> {
    await this.#agent.close();
  }

  /** Logs in unless the session is open; concurrent callers share one handshake. */
  open(signal?: AbortSignal): Promise<void> {
    this.#login ??= this.#authenticate(signal).catch((err: unknown) => {
      this.#login = null;
      throw err;
    });
    return this.#login;
  }

  /** The server has forgotten the session (401/403): the next `open` logs in again. */
  forget(): void {
    this.#login = null;
  }

  /** One GET on the session's connection, with its cookies. */
  async get(path: string, query: WebApiQuery, signal?: AbortSignal): Promise<WebApiAnswer> {
    const search = new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)])).toString();
    const url = `${this.#options.url.replace(/\/+$/, '')}${path}${search ? `?${search}` : ''}`;
    const timeout = AbortSignal.timeout(this.#options.timeoutMs ?? 30_000);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    const cookie = [...this.#cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    let res: Awaited<ReturnType<typeof request>>;
    try {
      res = await request(url, {
        method: 'GET',
        dispatcher: this.#agent,
        headers: { connection: 'keep-alive', accept: 'application/json', ...(cookie ? { cookie } : {}) },
        signal: combined,
      });
    } catch (err) {
      const name = (err as Error).name;
      if (signal?.aborted && !(signal.reason instanceof Error && signal.reason.name === 'TimeoutError')) {
        throw signal.reason;
      }
      if (combined.aborted || name === 'HeadersTimeoutError' || name === 'BodyTimeoutError') {
        throw new ConnectorError('timeout', `MT5 Web API did not answer ${path} in time`, true);
      }
      throw new ConnectorError('unreachable', `MT5 Web API could not be reached (${(err as Error).message})`, true);
    }
    const setCookie = res.headers['set-cookie'];
    for (const c of Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : []) {
      const m = /^([^=;\s]+)=([^;]*)/.exec(c);
      if (m) this.#cookies.set(m[1]!, m[2]!);
    }
    const text = await res.body.text();
    let body: WebApiRecord = {};
    try {
      body = text ? (JSON.parse(text) as WebApiRecord) : {};
    } catch {
      if (res.statusCode < 400) {
        throw new ConnectorError('bad_data', `MT5 Web API ${path} answered something that is not JSON`, true);
      }
    }
    const retryAfterMs = parseRetryAfter(res.headers['retry-after'], this.#options.now());
    return { status: res.statusCode, body, retryAfterMs };
  }

  async #authenticate(signal?: AbortSignal): Promise<void> {
    const { managerLogin, managerPassword } = this.#options;
    this.#cookies = new Map();
    const version = this.#options.version ?? 484;
    const agent = this.#options.agent ?? 'brymix';
    const start = await this.get('/api/auth/start', { version, agent, login: managerLogin, type: 'manager' }, signal);
    const startRetcode = String(start.body.retcode ?? '');
    const srvRand = String(start.body.srv_rand ?? '');
    const why = String(start.body.retcode ?? start.status);
    if (start.status === 429 || start.status === 503 || Number.parseInt(startRetcode, 10) === MT_RET_ERR_FREQUENT) {
      throw new ConnectorError('unreachable', `MT5 Web API is rate-limiting logins (${why})`, true);
    }
    if (start.status >= 400 || !startRetcode.startsWith('0') || !/^[0-9a-f]{32}$/i.test(srvRand)) {
      const message = `MT5 Web API refused auth/start for manager ${managerLogin} (${why})`;
      throw new ConnectorError('unreachable', message, false);
    }
    const hash = passwordHash(managerPassword);
    const cliRand = newCliRand();
    const answerQuery = { srv_rand_answer: randAnswer(hash, srvRand), cli_rand: cliRand };
    const answer = await this.get('/api/auth/answer', answerQuery, signal);
    const answerRetcode = String(answer.body.retcode ?? '');
    if (answer.status >= 400 || !answerRetcode.startsWith('0')) {
      const refusal = String(answer.body.retcode ?? answer.status);
      const message = `MT5 Web API rejected the manager login ${managerLogin} (${refusal})`;
      throw new ConnectorError('unreachable', message, false);
    }
    // Mutual authentication: a server that does not know the password cannot answer cli_rand.
    if (!sameHex(String(answer.body.cli_rand_answer ?? ''), randAnswer(hash, cliRand))) {
      const message = 'MT5 Web API server failed mutual authentication (wrong cli_rand_answer)';
      throw new ConnectorError('unreachable', message, false);
    }
  }
}
