/**
 * One HTTP attempt of a webhook: POST the exact bytes, at most `timeoutMs` in all, redirects
 * never followed, connections only to allowed addresses, at most 64 KiB of the answer read.
 */
import { Agent, request } from 'undici';
import { deadline } from '../../infra/deadline.ts';
import type { CidrList } from '../../infra/net/cidr.ts';
import { guardedLookup } from './ssrf.ts';

export interface AttemptOutcome {
  statusCode: number | null;
  /** At most 4 KiB of the response body, for the delivery log. */
  responseBody: string | null;
  error: string | null;
  retryAfter: string | undefined;
  durationMs: number;
}

const MAX_READ_BYTES = 64 * 1024;
const MAX_STORED_CHARS = 4 * 1024;

export function createWebhookSender({ allow, timeoutMs }: { allow: CidrList; timeoutMs: number }) {
  const agent = new Agent({
    connect: { lookup: guardedLookup(allow) as never, timeout: Math.min(5_000, timeoutMs) },
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    keepAliveTimeout: 4_000,
  });

  return {
    async send(url: string, headers: Record<string, string>, body: string): Promise<AttemptOutcome> {
      const started = performance.now();
      const { signal, clear } = deadline(timeoutMs);
      try {
        const res = await request(url, {
          method: 'POST',
          headers,
          body,
          dispatcher: agent,
          signal,
          maxRedirections: 0,
        } as never);
        const chunks: Buffer[] = [];
        let size = 0;
        for await (const chunk of res.body as AsyncIterable<Buffer>) {
          if (size < MAX_READ_BYTES) chunks.push(chunk);
          size += chunk.length;
          if (size >= MAX_READ_BYTES) {
            res.body.destroy();
            break;
          }
        }
        const text = Buffer.concat(chunks).toString('utf8').slice(0, MAX_STORED_CHARS);
        const ra = res.headers['retry-after'];
        return {
          statusCode: res.statusCode,
          responseBody: text,
          error: null,
          retryAfter: Array.isArray(ra) ? ra[0] : ra,
          durationMs: Math.round(performance.now() - started),
        };
      } catch (err) {
        const e = err as Error & { code?: string; cause?: { code?: string; message?: string } };
        const reason = signal.aborted
          ? `timed out after ${timeoutMs} ms`
          : `${e.cause?.code ?? e.code ?? 'error'}: ${e.cause?.message ?? e.message}`;
        return {
          statusCode: null,
          responseBody: null,
          error: reason.slice(0, 500),
          retryAfter: undefined,
          durationMs: Math.round(performance.now() - started),
        };
      } finally {
        clear();
      }
    },
    close: () => agent.close(),
  };
}

export type WebhookSender = ReturnType<typeof createWebhookSender>;
