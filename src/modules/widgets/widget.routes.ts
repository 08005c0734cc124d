/**
 * Widget pages (framework-free HTML under web/widgets/) and their data: GET /api/widgets/data and
 * the SSE stream GET /api/widgets/stream, both authorized by the widget token in the query string.
 * Request logging is off for these routes so tokens in URLs stay out of the logs; the access log
 * records the widget id instead.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../http/errors.ts';
import { openSse, type SseHub, safeWrite, sseEvent } from '../../http/sse.ts';
import type { Clock } from '../../infra/clock.ts';
import type { AccessLog } from '../accounts/access-log.service.ts';
import { type AccountSnapshot, freshness } from '../accounts/account.ts';
import type { AccountFeed } from '../accounts/account-feed.ts';
import type { WidgetService } from './widget.service.ts';
import { effectiveOptions, WIDGET_KINDS, type WidgetMonitor, type WidgetOptions, widgetPayload } from './widget.ts';

// Colours from the URL are set through CSSOM (style.setProperty), which style-src 'self' allows; no
// inline style attribute or element is needed. The one exception is the <style> element Lightweight
// Charts adds for its attribution logo (lightweight-charts 5.x, `a#tv-attr-logo{…}`), allowed by its hash.
const ATTRIBUTION_STYLE_HASH = "'sha256-3pRED1tOXas1FXFoPb9TGCjmYe9XQsmO9OV23khV2nY='";
const PAGE_CSP = `default-src 'self'; img-src 'self' data:; style-src 'self' ${ATTRIBUTION_STYLE_HASH}; script-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'`;
const tokenQuery = z
  .object({ token: z.string().max(100), streamer: z.string().max(10).optional(), hide: z.string().max(100).optional() })
  .passthrough();

export function widgetRoutes(d: {
  widgets: WidgetService;
  feed: AccountFeed;
  hub: SseHub;
  clock: Clock;
  accessLog: AccessLog;
}): FastifyPluginAsync {
  return async (root) => {
    const app = root.withTypeProvider<ZodTypeProvider>();

    const logAccess = (
      request: FastifyRequest,
      status: number,
      latency: number,
      widgetId: string | null,
      accountId: string | null,
      reason: string | null = null,
    ) =>
      d.accessLog.record({
        at: d.clock.now(),
        request_id: request.id,
        actor: 'widget',
        key_id: null,
        tenant_id: null,
        widget_id: widgetId,
        account_id: accountId,
        method: request.method,
        route: request.routeOptions.url ?? 'unmatched',
        status,
        ip: request.ip,
        forwarded_for: null,
        latency_ms: Math.round(latency * 100) / 100,
        reason,
      });

    const page = (file: string) => async (_request: FastifyRequest, reply: FastifyReply) =>
      reply
        .header('content-security-policy', PAGE_CSP)
        .header('cache-control', 'no-store')
        .header('referrer-policy', 'no-referrer')
        .sendFile(`widgets/${file}`);
    for (const kind of WIDGET_KINDS)
      app.get(`/widgets/${kind}`, { schema: { hide: true }, logLevel: 'warn' }, page('widget.html'));
    app.get('/widgets/customize', { schema: { hide: true }, logLevel: 'warn' }, page('customize.html'));

    async function auth(request: FastifyRequest) {
      const query = request.query as z.infer<typeof tokenQuery>;
      const found = await d.widgets.authenticate(query.token);
      if (!found) {
        logAccess(request, 404, 0, null, null, 'unknown or revoked widget token');
        throw new AppError('not_found', 'This widget link is unknown or was revoked');
      }
      return { ...found, options: effectiveOptions(found.widget.options, query) };
    }
    const payload = (
      s: AccountSnapshot,
      o: WidgetOptions,
      meta: { name: string; login: string; kind: string },
      monitor: WidgetMonitor | null,
    ) => widgetPayload(s, o, meta, freshness(s, d.clock.now(), d.feed.intervalMs), d.feed.intervalMs, monitor);

    app.get(
      '/api/widgets/data',
      {
        schema: { tags: ['Widgets'], summary: 'The widget data of a widget token (JSON)', querystring: tokenQuery },
        logLevel: 'warn',
      },
      async (request, reply) => {
        const { widget, account, options } = await auth(request);
        const [s, monitor] = await Promise.all([d.feed.read(account), d.widgets.monitorOf(account)]);
        logAccess(request, 200, reply.elapsedTime, widget.id, account.id);
        reply.header('cache-control', 'no-store');
        if (options.delay_seconds > 0)
          throw new AppError('conflict', 'This widget publishes with a delay: use the stream');
        return {
          kind: widget.kind,
          ...payload(s, options, { name: account.name, login: account.login, kind: widget.kind }, monitor),
        };
      },
    );

    app.get(
      '/api/widgets/stream',
      {
        schema: {
          tags: ['Widgets'],
          summary: 'Server-Sent Events of a widget: `snapshot` on every (re)connect, then `snapshot` per update',
          querystring: tokenQuery,
        },
        logLevel: 'warn',
      },
      async (request, reply) => {
        const { widget, account, options } = await auth(request);
        let first: AccountSnapshot | null = null;
        try {
          first = await d.feed.read(account);
        } catch {
          first = await d.feed.peek(account.id);
        }
        logAccess(request, 200, reply.elapsedTime, widget.id, account.id, 'stream opened');
        reply.hijack();
        const res = reply.raw;
        openSse(res, { 'x-request-id': request.id, 'referrer-policy': 'no-referrer' });
        const meta = { name: account.name, login: account.login, kind: widget.kind };
        const delayMs = options.delay_seconds * 1000;
        const timers = new Set<NodeJS.Timeout>();
        const write = (chunk: string) => {
          if (delayMs === 0) return safeWrite(res, chunk);
          const t = setTimeout(() => {
            timers.delete(t);
            safeWrite(res, chunk);
          }, delayMs);
          timers.add(t);
        };
        const status = (state: string, message: string | null) =>
          safeWrite(res, sseEvent('status', { state, message, delay_seconds: options.delay_seconds }));
        const monitor = await d.widgets.monitorOf(account);
        // The client may have gone while the monitor was read: its 'close' has passed, so it must not join the hub.
        if (res.destroyed || res.writableEnded) return;
        if (first) write(sseEvent('snapshot', payload(first, options, meta, monitor), first.seq));
        else status('unavailable', d.feed.failureOf(account.id)?.message ?? 'Account data is unavailable right now');
        if (delayMs > 0) status('delayed', null);
        // One group per account and privacy variant: the payload is built once per update for all of them.
        const group = `wdg:${account.id}:${JSON.stringify(options)}:${widget.kind}`;
        const leave = d.hub.add(group, { res, write }, (send) => {
          // The monitor is read (at most once a second) with each update; an older update never follows a newer one.
          let sent = -1;
          return d.feed.subscribe(account, (next) => {
            void d.widgets.monitorOf(account).then((m) => {
              if (next.seq <= sent) return;
              sent = next.seq;
              send(sseEvent('snapshot', payload(next, options, meta, m), next.seq));
            });
          });
        });
        res.on('close', () => {
          leave();
          for (const t of timers) clearTimeout(t);
        });
      },
    );
  };
}
