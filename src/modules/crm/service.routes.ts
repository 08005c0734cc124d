/**
 * The service API for the trading platform (the seed's section 2): `Authorization: Bearer <token>`,
 * 100 requests a minute per token (429 + Retry-After beyond), every call audited (metadata only).
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../http/errors.ts';
import { bearerToken } from '../../http/staff-auth.ts';
import type { FixedWindow } from '../../infra/ratelimit/fixed-window.ts';
import type { AuditService } from '../audit/audit.service.ts';
import { type Actor, requestMeta } from '../audit/audit.ts';
import type { CrmService } from './crm.service.ts';
import { kycStatusSchema } from './crm.ts';
import type { ServiceCaller, ServiceTokenService } from './service-token.service.ts';

declare module 'fastify' {
  interface FastifyRequest {
    serviceCaller?: ServiceCaller;
  }
}

/** Views are documented by their TypeScript types; the schema only says "an object". */
const view = z.looseObject({});
const problem = z
  .object({ type: z.string(), title: z.string(), status: z.number(), detail: z.string().optional() })
  .passthrough();
const emailParam = z.object({ email: z.string().min(3).max(254) });
const clientEmailParam = z.object({ clientEmail: z.string().min(3).max(254) });
const WINDOW_MS = 60_000;

export function serviceRoutes({
  crm,
  tokens,
  window,
  audit,
  perMinute,
}: {
  crm: CrmService;
  tokens: ServiceTokenService;
  window: FixedWindow;
  audit: AuditService;
  perMinute: number;
}): FastifyPluginAsyncZod {
  return async (app) => {
    app.addHook('onRequest', async (request, reply) => {
      const caller = await tokens.authenticate(bearerToken(request));
      if (!caller) throw new AppError('unauthorized', 'Missing or invalid Bearer token');
      request.serviceCaller = caller;
      const w = await window.hit(`svc:${caller.tokenId}`, perMinute, WINDOW_MS);
      reply.header('ratelimit-policy', `"token";q=${perMinute};w=60`);
      reply.header('ratelimit', `"token";r=${w.remaining};t=${w.resetSeconds}`);
      if (!w.allowed)
        throw new AppError('rate_limited', `At most ${perMinute} requests a minute per token`, {
          retryAfterSeconds: w.resetSeconds,
        });
    });
    // onSend, not onResponse: the entry is written before the caller sees the answer.
    app.addHook('onSend', async (request, reply, payload) => {
      const caller = request.serviceCaller;
      await audit.tryRecord({
        actorType: caller ? 'service' : 'anonymous',
        actorId: caller?.tokenId ?? null,
        action: 'service.request',
        outcome:
          reply.statusCode < 400
            ? 'success'
            : reply.statusCode === 401 || reply.statusCode === 403 || reply.statusCode === 429
              ? 'denied'
              : 'failure',
        ip: request.ip,
        requestId: request.id,
        meta: {
          method: request.method,
          route: request.routeOptions.url ?? 'unmatched',
          status: reply.statusCode,
          caller: caller?.name ?? null,
        },
      });
      return payload;
    });

    const actor = (request: { serviceCaller?: ServiceCaller }): Actor => ({
      type: 'service',
      id: request.serviceCaller!.tokenId,
      label: request.serviceCaller!.name,
    });

    app.get(
      '/api/service/clients/:email',
      {
        schema: {
          tags: ['service'],
          summary: 'Get client info',
          params: emailParam,
          response: { 200: view, 401: problem, 404: problem, 429: problem },
        },
      },
      async (request) => crm.getClientByEmail(request.params.email),
    );

    app.get(
      '/api/service/accounts/:clientEmail',
      {
        schema: {
          tags: ['service'],
          summary: 'Get accounts and subaccounts of a client',
          params: clientEmailParam,
          response: { 200: view, 401: problem, 404: problem, 429: problem },
        },
      },
      async (request) => crm.accounts({ email: request.params.clientEmail }),
    );

    app.patch(
      '/api/service/clients/:email/kyc',
      {
        schema: {
          tags: ['service'],
          summary: 'Update KYC status',
          params: emailParam,
          body: z.object({ kycStatus: kycStatusSchema, kycNotes: z.string().trim().max(2000).optional() }).strict(),
          response: { 200: view, 400: problem, 401: problem, 404: problem, 429: problem },
        },
      },
      async (request) =>
        crm.updateKyc({ email: request.params.email }, request.body, actor(request), requestMeta(request)),
    );

    app.post(
      '/api/service/clients/:email/notes',
      {
        schema: {
          tags: ['service'],
          summary: 'Add a client note',
          params: emailParam,
          body: z.object({ comment: z.string().trim().min(1).max(5000) }).strict(),
          response: { 201: view, 400: problem, 401: problem, 404: problem, 429: problem },
        },
      },
      async (request, reply) =>
        reply
          .code(201)
          .send(
            await crm.addNote(
              { email: request.params.email },
              request.body.comment,
              actor(request),
              requestMeta(request),
            ),
          ),
    );

    app.get(
      '/api/service/clients/:email/activity',
      {
        schema: {
          tags: ['service'],
          summary: 'Client activity timeline (newest first; pass nextCursor as cursor for more)',
          params: emailParam,
          querystring: z.object({
            limit: z.coerce.number().int().min(1).max(200).default(50),
            cursor: z.string().max(200).optional(),
          }),
          response: { 200: view, 400: problem, 401: problem, 404: problem, 429: problem },
        },
      },
      async (request) => crm.activity({ email: request.params.email }, request.query.limit, request.query.cursor),
    );
  };
}
