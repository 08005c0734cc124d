/**
 * Staff API behind the admin panel (web/admin/): accounts (add, link, unlink, remove, feed health),
 * API keys (create, rotate, revoke, IP allowlists, limits), widget tokens and the access log.
 * Reads need any staff member; changes need the admin role (staff JWT, see src/http/staff-auth.ts).
 */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../http/errors.ts';
import { requireStaff, type StaffAuthenticator, staffAuth } from '../../http/staff-auth.ts';
import type { ApiKeyService } from '../api-keys/api-key.service.ts';
import { parseDuration } from '../api-keys/api-key.ts';
import { type Actor, requestMeta } from '../audit/audit.ts';
import type { WidgetService } from '../widgets/widget.service.ts';
import type { AccessLog } from './access-log.service.ts';
import type { AccountService } from './account.service.ts';
import type { AccountAccess } from './account-access.ts';
import type { AccountFeed } from './account-feed.ts';

const TAG = ['Admin: accounts, keys, widgets'];
const idParams = z.object({ id: z.string().min(1).max(64) });

export function adminRoutes(d: {
  accounts: AccountService;
  keys: ApiKeyService;
  widgets: WidgetService;
  accessLog: AccessLog;
  feed: AccountFeed;
  access: AccountAccess;
  staff: StaffAuthenticator;
}): FastifyPluginAsync {
  return async (root) => {
    const app = root.withTypeProvider<ZodTypeProvider>();
    const read = { onRequest: staffAuth(d.staff) };
    const write = { onRequest: staffAuth(d.staff, { role: 'admin' }) };
    const actor = (r: FastifyRequest): Actor => ({ type: 'staff', id: requireStaff(r).id });

    app.get(
      '/api/admin/accounts',
      { ...read, schema: { tags: TAG, summary: 'Registered accounts with linked keys and feed health' } },
      async () => {
        const list = await d.accounts.list();
        return { items: list.map((a) => ({ ...a, feed: d.feed.health(a.id) })) };
      },
    );
    app.post(
      '/api/admin/accounts',
      {
        ...write,
        schema: {
          tags: TAG,
          summary: 'Register an MT5 account (investor password; never returned)',
          body: z.record(z.string(), z.unknown()),
        },
      },
      async (request, reply) => {
        const created = await d.accounts.add(request.body, actor(request), requestMeta(request));
        return reply.code(201).send(created);
      },
    );
    app.delete(
      '/api/admin/accounts/:id',
      { ...write, schema: { tags: TAG, params: idParams } },
      async (request, reply) => {
        await d.accounts.remove(request.params.id, actor(request), requestMeta(request));
        d.feed.forget(request.params.id);
        return reply.code(204).send();
      },
    );
    app.post(
      '/api/admin/accounts/:id/links',
      { ...write, schema: { tags: TAG, params: idParams, body: z.object({ key_id: z.string() }).strict() } },
      async (request) => d.accounts.link(request.params.id, request.body.key_id, actor(request), requestMeta(request)),
    );
    app.delete(
      '/api/admin/accounts/:id/links/:key_id',
      { ...write, schema: { tags: TAG, params: z.object({ id: z.string(), key_id: z.string() }) } },
      async (request) =>
        d.accounts.unlink(request.params.id, request.params.key_id, actor(request), requestMeta(request)),
    );
    app.put(
      '/api/admin/accounts/:id/rules',
      {
        ...write,
        schema: {
          tags: TAG,
          params: idParams,
          body: z
            .object({
              rules: z.record(z.string(), z.unknown()).nullable(),
              initial_balance: z.number().positive().nullable(),
            })
            .strict(),
        },
      },
      async (request) =>
        d.accounts.setRules(
          request.params.id,
          request.body.rules as never,
          request.body.initial_balance,
          actor(request),
          requestMeta(request),
        ),
    );

    app.get('/api/admin/keys', { ...read, schema: { tags: TAG } }, async () => {
      const keys = await d.keys.list();
      const items = [];
      for (const k of keys)
        items.push({
          ...k,
          allowed_cidrs: await d.keys.allowedCidrsOf(k.id),
          limits: await d.accounts.limitsOf(k.tenant_id),
        });
      return { items };
    });
    app.post(
      '/api/admin/keys',
      {
        ...write,
        schema: {
          tags: TAG,
          summary: 'Create an API key (shown once)',
          body: z.object({ name: z.string(), allowed_cidrs: z.array(z.string()).max(100).optional() }).strict(),
        },
      },
      async (request, reply) => {
        const created = await d.keys.create(request.body.name, { allowedCidrs: request.body.allowed_cidrs ?? [] });
        return reply.code(201).send(created);
      },
    );
    app.post(
      '/api/admin/keys/:id/rotate',
      {
        ...write,
        schema: {
          tags: TAG,
          params: idParams,
          body: z
            .object({ overlap: z.string().default('24h') })
            .strict()
            .optional(),
        },
      },
      async (request) => {
        const overlapMs = parseDuration(request.body?.overlap ?? '24h');
        if (overlapMs === null)
          throw new AppError('validation_failed', 'overlap: not a duration such as 24h, 30m or 0');
        return d.keys.rotate(request.params.id, overlapMs);
      },
    );
    app.post('/api/admin/keys/:id/revoke', { ...write, schema: { tags: TAG, params: idParams } }, async (request) =>
      d.keys.revoke(request.params.id),
    );
    app.put(
      '/api/admin/keys/:id/allowlist',
      {
        ...write,
        schema: {
          tags: TAG,
          params: idParams,
          body: z.object({ allowed_cidrs: z.array(z.string()).max(100) }).strict(),
        },
      },
      async (request) => ({
        allowed_cidrs: await d.keys.setAllowedCidrs(request.params.id, request.body.allowed_cidrs),
      }),
    );
    app.put(
      '/api/admin/keys/:id/limits',
      { ...write, schema: { tags: TAG, params: idParams, body: z.record(z.string(), z.unknown()) } },
      async (request) => {
        const limits = await d.accounts.setLimits(request.params.id, request.body, actor(request));
        d.access.invalidateLimits();
        return limits;
      },
    );

    app.get(
      '/api/admin/widgets',
      { ...read, schema: { tags: TAG, querystring: z.object({ account_id: z.string().optional() }) } },
      async (request) => ({ items: await d.widgets.list(request.query.account_id) }),
    );
    app.post(
      '/api/admin/widgets',
      {
        ...write,
        schema: {
          tags: TAG,
          summary: 'Create a widget token; the URL (with the token) is shown once',
          body: z
            .object({
              account_id: z.string(),
              kind: z.string().optional(),
              name: z.string().optional(),
              options: z.record(z.string(), z.unknown()).optional(),
            })
            .strict(),
        },
      },
      async (request, reply) =>
        reply.code(201).send(await d.widgets.create(request.body, actor(request), requestMeta(request))),
    );
    app.post('/api/admin/widgets/:id/revoke', { ...write, schema: { tags: TAG, params: idParams } }, async (request) =>
      d.widgets.revoke(request.params.id, actor(request), requestMeta(request)),
    );

    const logQuery = z.object({
      key_id: z.string().optional(),
      account_id: z.string().optional(),
      widget_id: z.string().optional(),
      status: z.coerce.number().int().optional(),
      status_class: z.coerce.number().int().min(1).max(5).optional(),
      route: z.string().optional(),
      ip: z.string().optional(),
      from: z.string().datetime({ offset: true }).optional(),
      to: z.string().datetime({ offset: true }).optional(),
      before: z.coerce.number().int().optional(),
      limit: z.coerce.number().int().min(1).max(1000).default(100),
    });
    app.get(
      '/api/admin/access-log',
      {
        ...read,
        schema: { tags: TAG, summary: 'The account API access log, newest first, with filters', querystring: logQuery },
      },
      async (request) => {
        const q = request.query;
        return d.accessLog.query(
          {
            ...(q.key_id ? { key_id: q.key_id } : {}),
            ...(q.account_id ? { account_id: q.account_id } : {}),
            ...(q.widget_id ? { widget_id: q.widget_id } : {}),
            ...(q.status ? { status: q.status } : {}),
            ...(q.status_class ? { status_class: q.status_class } : {}),
            ...(q.route ? { route: q.route } : {}),
            ...(q.ip ? { ip: q.ip } : {}),
            ...(q.from ? { from: Date.parse(q.from) } : {}),
            ...(q.to ? { to: Date.parse(q.to) } : {}),
            ...(q.before ? { before: q.before } : {}),
          },
          q.limit,
        );
      },
    );
  };
}
