/**
 * Commands on the Manager Web API session (reference/mt5.md §2): a forgotten session (401/403) is
 * opened again once; a rate limit (`12 Too frequent requests`, or HTTP 429 / 503 with Retry-After
 * from a proxy in front of the access server) is waited out and retried with exponential backoff;
 * the server's transient retcodes (network, timeout, no connection, no service, shutdown) end the
 * read with a retryable error so the job queue tries again later.
 */
import { type Attempt, retryWithBackoff, type Sleep } from '../../infra/http/backoff.ts';
import { ConnectorError } from '../connector.ts';
import { MT_RET_ERR_FREQUENT, MT_RET_ERR_TIMEOUT, RetcodeError, TRANSIENT_RETCODES } from './retcodes.ts';
import type { WebApiQuery, WebApiRecord, WebApiSession } from './session.ts';

export interface CommandRetryOptions {
  /** Retries of a rate-limited command (default 4), the first backoff (default 500 ms, doubling). */
  maxRetries?: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** Longest wait a rate limit may ask for before we give up and let the job queue retry later (default 30 s). */
  maxRateLimitWaitMs?: number;
  sleep?: Sleep;
}

/** Rows per `get_page` call: the Web API answers at most 100. */
const PAGE_ROWS = 100;

export function createWebApiCommands(session: WebApiSession, retry: CommandRetryOptions) {
  /** A command's `answer`; a retcode other than `0 Done` is a RetcodeError. */
  function run(path: string, query: WebApiQuery, signal?: AbortSignal): Promise<unknown> {
    let reauthenticated = false;
    const policy = {
      maxRetries: retry.maxRetries ?? 4,
      baseMs: retry.retryBaseMs ?? 500,
      maxMs: retry.retryMaxMs ?? 10_000,
      maxServerDelayMs: retry.maxRateLimitWaitMs ?? 30_000,
      ...(retry.sleep ? { sleep: retry.sleep } : {}),
      ...(signal ? { signal } : {}),
    };
    return retryWithBackoff(policy, async (): Promise<Attempt<unknown>> => {
      await session.open(signal);
      const { status, body, retryAfterMs } = await session.get(path, query, signal);
      if ((status === 401 || status === 403) && !reauthenticated) {
        reauthenticated = true;
        session.forget();
        return { kind: 'repeat' };
      }
      const retcode = String(body.retcode ?? '');
      const code = Number.parseInt(retcode, 10);
      const rateLimited =
        status === 429 || (status === 503 && retryAfterMs !== null) || (status < 400 && code === MT_RET_ERR_FREQUENT);
      if (rateLimited) {
        return {
          kind: 'retry',
          serverDelayMs: retryAfterMs,
          giveUp: ({ waitMs }) => {
            const after = Math.max(1, Math.ceil(waitMs / 1000));
            const message = `MT5 Web API rate limit on ${path} (${retcode || status}); retry after ${after} s`;
            return new ConnectorError('unreachable', message, true);
          },
        };
      }
      if (status >= 500) {
        const detail = body.retcode ? ` (${retcode.slice(0, 80)})` : '';
        throw new ConnectorError('unreachable', `MT5 Web API ${path} answered ${status}${detail}`, true);
      }
      if (status >= 400) throw new ConnectorError('unreachable', `MT5 Web API ${path} answered ${status}`, false);
      if (TRANSIENT_RETCODES.has(code)) {
        const errorCode = code === MT_RET_ERR_TIMEOUT ? 'timeout' : 'unreachable';
        throw new ConnectorError(errorCode, `MT5 Web API ${path}: ${retcode.slice(0, 80)}`, true);
      }
      if (!retcode.startsWith('0')) throw new RetcodeError(retcode || 'no retcode', path);
      return { kind: 'done', value: body.answer };
    });
  }

  /**
   * Positions / Get Total and Deals / Get Total answer `{"Total":"10"}` (`webapi_position_get_total`,
   * `webapi_deal_get_total`). A count we cannot read must not become zero rows and a verdict.
   */
  async function count(path: string, query: WebApiQuery, signal?: AbortSignal): Promise<number> {
    const answer = await run(path, query, signal);
    const raw = answer && typeof answer === 'object' ? (answer as WebApiRecord).Total : undefined;
    const total =
      typeof raw === 'string' && /^\s*\d+\s*$/.test(raw) ? Number(raw) : typeof raw === 'number' ? raw : Number.NaN;
    if (!Number.isSafeInteger(total) || total < 0) {
      const got = JSON.stringify(answer ?? null).slice(0, 120);
      const message = `MT5 Web API ${path} answered no readable count (expected {"Total":"<number>"}, got ${got})`;
      throw new ConnectorError('bad_data', message, false);
    }
    return total;
  }

  /** Rows of a `get_page` command, `PAGE_ROWS` at a time, up to the announced total. */
  async function rows(path: string, query: WebApiQuery, total: number, signal?: AbortSignal): Promise<WebApiRecord[]> {
    const out: WebApiRecord[] = [];
    for (let offset = 0; offset < total; offset += PAGE_ROWS) {
      const page = await run(path, { ...query, offset, total: Math.min(PAGE_ROWS, total - offset) }, signal);
      if (!Array.isArray(page)) throw new ConnectorError('bad_data', `MT5 Web API ${path} page is not a list`, true);
      out.push(...(page as WebApiRecord[]));
      if (page.length === 0) break; // fewer rows than announced: the count check names it
    }
    return out;
  }

  return { run, count, rows };
}

export type WebApiCommands = ReturnType<typeof createWebApiCommands>;
