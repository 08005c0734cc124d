/** HTTP routes of live monitors (X-API-Key; a monitor belongs to the key's tenant, foreign ids answer 404). */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { apiKeyAuth, requireApiKey } from '../../http/api-key-auth.ts';
import { openSse, type SseHub, safeWrite, sseEvent } from '../../http/sse.ts';
import type { ApiKeyService } from '../api-keys/api-key.service.ts';
import {
  createResponseSchema,
  listQuerySchema,
  listResponseSchema,
  monitorIdParams,
  monitorRequestSchema,
  monitorResponseSchema,
} from './monitor.schemas.ts';
import type { MonitorService } from './monitor.service.ts';

const problem = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number(),
    detail: z.string().optional(),
    code: z.string(),
    request_id: z.string(),
  })
  .passthrough();
const security = [{ apiKey: [] }];
const tags = ['monitors'];

/** Last-Event-ID as a sequence: a stream resumes after it; anything else starts from the first event. */
function lastSequence(header: string | string[] | undefined): number {
  const value = Array.isArray(header) ? header[0] : header;
  const n = Number(value);
  return value !== undefined && /^\d{1,15}$/.test(value.trim()) && Number.isSafeInteger(n) ? n : 0;
}

export function monitorRoutes({
  monitors,
  keys,
  hub,
}: {
  monitors: MonitorService;
  keys: ApiKeyService;
  hub: SseHub;
}): FastifyPluginAsyncZod {
  return async (app) => {
    app.addHook('onRequest', apiKeyAuth(keys));

    app.post(
      '/api/v1/monitors',
      {
        schema: {
          tags,
          summary: 'Start monitoring an MT5 account live',
          description:
            'Takes the body of POST /api/v1/check (MT5 credentials, rules flat, list or preset, callback_url) plus ' +
            '`alerts`, the percentages of a loss limit’s room used at which `monitor.alert` is sent (default ' +
            '[50, 80, 95]). The account is then read about once a second and judged after every reading; events ' +
            '(monitor.alert, monitor.breached, monitor.objectives_met, monitor.stale, monitor.recovered, ' +
            'monitor.stopped) go to callback_url signed exactly like check results, and to GET …/events. The MT5 ' +
            'password is encrypted while the monitor runs and erased when it ends. Send `Idempotency-Key` to make ' +
            'retries safe.',
          security,
          headers: z.object({ 'idempotency-key': z.string().optional() }).passthrough(),
          body: monitorRequestSchema,
          response: { 201: createResponseSchema, 400: problem, 401: problem, 422: problem },
        },
      },
      async (request, reply) => {
        const key = request.headers['idempotency-key'];
        const created = await monitors.create(requireApiKey(request), request.body, Array.isArray(key) ? key[0] : key);
        return reply.code(201).send(created);
      },
    );

    app.get(
      '/api/v1/monitors',
      {
        schema: {
          tags,
          summary: 'List monitors, newest first',
          description: 'Filter by `status`; page with `cursor` = the previous page’s `next_cursor`.',
          security,
          querystring: listQuerySchema,
          response: { 200: listResponseSchema, 400: problem, 401: problem },
        },
      },
      async (request) => monitors.list(requireApiKey(request), request.query) as never,
    );

    app.get(
      '/api/v1/monitors/:monitor_id',
      {
        schema: {
          tags,
          summary: 'A monitor: status, metrics, violations, objectives, data age and connection',
          security,
          params: monitorIdParams,
          response: { 200: monitorResponseSchema, 401: problem, 404: problem },
        },
      },
      async (request) => monitors.get(requireApiKey(request), request.params.monitor_id) as never,
    );

    app.delete(
      '/api/v1/monitors/:monitor_id',
      {
        schema: {
          tags,
          summary: 'Stop a monitor (its credentials are erased; monitor.stopped is sent)',
          description: 'A monitor that already ended (breached, passed, stopped) is answered as it is.',
          security,
          params: monitorIdParams,
          response: { 200: monitorResponseSchema, 401: problem, 404: problem },
        },
      },
      async (request) => monitors.stop(requireApiKey(request), request.params.monitor_id) as never,
    );

    app.get(
      '/api/v1/monitors/:monitor_id/deliveries',
      {
        schema: {
          tags,
          summary: 'Webhook delivery log of a monitor’s events',
          description:
            'Each event’s delivery (`webhook_id` = the event id) with its attempts, as GET /api/v1/job/{id}/deliveries shows a check’s.',
          security,
          params: monitorIdParams,
          response: {
            200: z.object({ monitor_id: z.string(), deliveries: z.array(z.record(z.string(), z.unknown())) }),
            401: problem,
            404: problem,
          },
        },
      },
      async (request) => monitors.deliveries(requireApiKey(request), request.params.monitor_id) as never,
    );

    app.get(
      '/api/v1/monitors/:monitor_id/events',
      {
        schema: {
          tags,
          summary: 'Server-Sent Events: the monitor’s events, the same as its webhooks; resumable',
          description:
            'Each event is sent with its name as the SSE `event`, its `sequence` as the `id` and the webhook body ' +
            'as `data`. On connect, every event after `Last-Event-ID` (all of them without it) is sent first.',
          security,
          params: monitorIdParams,
          response: { 401: problem, 404: problem },
        },
      },
      async (request, reply) => {
        const follow = await monitors.followerOf(requireApiKey(request), request.params.monitor_id);
        let sent = lastSequence(request.headers['last-event-id']);
        reply.hijack();
        const res = reply.raw;
        openSse(res, { 'x-request-id': request.id });
        const client = { res, write: (chunk: string) => safeWrite(res, chunk) };
        // One group per stream: each resumes from its own Last-Event-ID.
        const leave = hub.add(`monitor:${request.params.monitor_id}:${request.id}`, client, (send) =>
          follow(sent, (e) => {
            if (e.sequence <= sent) return;
            sent = e.sequence;
            send(sseEvent(e.event, e.body, e.sequence));
          }),
        );
        res.on('close', leave);
      },
    );
  };
}
