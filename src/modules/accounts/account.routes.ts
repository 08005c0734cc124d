/**
 * The read-only account API of seed 001: GET /api/account/{account_id}/info | positions | summary |
 * stream, behind X-API-Key. Only GET routes exist; answers come from the poller's cache.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { apiKeyAuth } from '../../http/api-key-auth.ts';
import { fastSerializerCompiler } from '../../http/fast-serializer.ts';
import { openSse, type SseHub, safeWrite, sseEvent } from '../../http/sse.ts';
import type { Clock } from '../../infra/clock.ts';
import type { ApiKeyService } from '../api-keys/api-key.service.ts';
import { accountParams, infoResponse, positionsResponse, summaryResponse } from './account.schemas.ts';
import { type AccountSnapshot, changedSections, freshness } from './account.ts';
import type { AccountAccess } from './account-access.ts';
import type { AccountFeed } from './account-feed.ts';

const TAG = ['Account data'];

function snapshotEvent(s: AccountSnapshot, now: number, intervalMs: number) {
  return {
    account_id: s.account_id,
    seq: s.seq,
    info: s.info,
    positions: s.positions,
    summary: s.summary,
    error: s.error ? { code: s.error.code, message: s.error.message } : null,
    ...freshness(s, now, intervalMs),
  };
}

export function accountRoutes(d: {
  keys: ApiKeyService;
  access: AccountAccess;
  feed: AccountFeed;
  hub: SseHub;
  clock: Clock;
}): FastifyPluginAsync {
  return async (root) => {
    const app = root.withTypeProvider<ZodTypeProvider>();
    app.setSerializerCompiler(fastSerializerCompiler);
    // The key (401/403) here; its rate limits (429) with the account in each handler.
    app.addHook('onRequest', apiKeyAuth(d.keys));
    app.addHook('onResponse', (request, reply, done) => {
      d.access.log(request, reply.statusCode, reply.elapsedTime);
      done();
    });
    const fresh = (s: AccountSnapshot) => freshness(s, d.clock.now(), d.feed.intervalMs);
    const security = [{ apiKey: [] }];

    app.get(
      '/api/account/:account_id/info',
      {
        schema: {
          tags: TAG,
          summary: 'Balance, equity, margin, free margin, margin level, currency, leverage',
          security,
          params: accountParams,
          response: { 200: infoResponse },
        },
      },
      async (request, reply) => {
        const row = await d.access.account(request, reply, request.params.account_id);
        const s = await d.feed.read(row);
        return { account_id: row.id, login: row.login, ...s.info, ...fresh(s) };
      },
    );

    app.get(
      '/api/account/:account_id/positions',
      {
        schema: {
          tags: TAG,
          summary: 'Open positions',
          security,
          params: accountParams,
          response: { 200: positionsResponse },
        },
      },
      async (request, reply) => {
        const row = await d.access.account(request, reply, request.params.account_id);
        const s = await d.feed.read(row);
        return {
          account_id: row.id,
          login: row.login,
          count: s.positions.length,
          positions: s.positions,
          as_of: s.info.as_of,
          ...fresh(s),
        };
      },
    );

    app.get(
      '/api/account/:account_id/summary',
      {
        schema: {
          tags: TAG,
          summary: 'Consolidated metrics: P/L, gain, drawdown and MetaStats-named statistics',
          security,
          params: accountParams,
          response: { 200: summaryResponse },
        },
      },
      async (request, reply) => {
        const row = await d.access.account(request, reply, request.params.account_id);
        const s = await d.feed.read(row);
        return { account_id: row.id, login: row.login, ...s.summary, ...fresh(s) };
      },
    );

    app.get(
      '/api/account/:account_id/stream',
      {
        schema: {
          tags: TAG,
          summary:
            'Server-Sent Events: `snapshot` on connect (unless Last-Event-ID is current), then `update` events with the changed sections; event ids resume',
          security,
          params: accountParams,
        },
      },
      async (request, reply) => {
        const row = await d.access.account(request, reply, request.params.account_id);
        const lastId = Number(request.headers['last-event-id'] ?? NaN);
        let first: AccountSnapshot | null = null;
        let unavailable: string | null = null;
        try {
          first = await d.feed.read(row);
        } catch (err) {
          unavailable = (err as Error).message;
        }
        d.access.log(request, 200, reply.elapsedTime, 'stream opened');
        reply.hijack();
        const res = reply.raw;
        const rl = reply.getHeader('ratelimit');
        openSse(res, { 'x-request-id': request.id, ...(typeof rl === 'string' ? { ratelimit: rl } : {}) });
        let last: AccountSnapshot | null = null;
        if (first) {
          if (!(Number.isFinite(lastId) && lastId >= first.seq))
            safeWrite(res, sseEvent('snapshot', snapshotEvent(first, d.clock.now(), d.feed.intervalMs), first.seq));
          last = first;
        } else safeWrite(res, sseEvent('status', { state: 'unavailable', message: unavailable }));
        const client = {
          res,
          write: (chunk: string) => safeWrite(res, chunk),
        };
        const leave = d.hub.add(`acct:${row.id}`, client, (send) =>
          d.feed.subscribe(row, (next, prev) => {
            const changes = changedSections(prev, next);
            send(
              sseEvent(
                prev ? 'update' : 'snapshot',
                prev
                  ? {
                      account_id: next.account_id,
                      seq: next.seq,
                      ...changes,
                      error: next.error ? { code: next.error.code, message: next.error.message } : null,
                      ...fresh(next),
                    }
                  : snapshotEvent(next, d.clock.now(), d.feed.intervalMs),
                next.seq,
              ),
            );
          }),
        );
        void last;
        res.on('close', leave);
      },
    );
  };
}
