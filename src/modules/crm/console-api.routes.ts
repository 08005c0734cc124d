/** The staff console's JSON API (staff JWT or cookie): clients, KYC, notes, timeline, accounts, transactions, impersonation. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireStaff, type StaffAuthenticator, staffAuth } from '../../http/staff-auth.ts';
import { type Actor, requestMeta } from '../audit/audit.ts';
import type { CrmService } from './crm.service.ts';
import { kycStatusSchema } from './crm.ts';

/** Views are documented by their TypeScript types; the schema only says "an object". */
const view = z.looseObject({});
const problem = z
  .object({ type: z.string(), title: z.string(), status: z.number(), detail: z.string().optional() })
  .passthrough();
const idParam = z.object({ id: z.string().min(1).max(64) });

export function consoleApiRoutes({
  crm,
  staff,
}: {
  crm: CrmService;
  staff: StaffAuthenticator;
}): FastifyPluginAsyncZod {
  return async (app) => {
    app.addHook('onRequest', staffAuth(staff));
    const actor = (request: Parameters<typeof requireStaff>[0]): Actor => {
      const s = requireStaff(request);
      return { type: 'staff', id: s.id, label: s.email };
    };

    app.get(
      '/api/clients',
      {
        schema: {
          tags: ['console'],
          summary: 'Clients: search (name, email, phone, platform id), filter, sort, paginate',
          querystring: z.object({
            q: z.string().trim().max(200).optional(),
            kycStatus: kycStatusSchema.optional(),
            status: z.string().max(40).optional(),
            sort: z.enum(['created_desc', 'created_asc', 'name_asc', 'email_asc']).default('created_desc'),
            page: z.coerce.number().int().min(1).max(100_000).default(1),
            pageSize: z.coerce.number().int().min(1).max(200).default(25),
          }),
          response: { 200: view, 400: problem, 401: problem },
        },
      },
      async (request) => {
        const { q, kycStatus, status, sort, page, pageSize } = request.query;
        return crm.listClients({ q: q || undefined, kycStatus, status: status || undefined, sort }, page, pageSize);
      },
    );

    app.get(
      '/api/clients/:id',
      {
        schema: {
          tags: ['console'],
          summary: 'Client profile with KYC history',
          params: idParam,
          response: { 200: view, 401: problem, 404: problem },
        },
      },
      async (request) => crm.getClient(request.params.id),
    );

    app.patch(
      '/api/clients/:id/kyc',
      {
        schema: {
          tags: ['console'],
          summary: 'Change KYC status',
          params: idParam,
          body: z.object({ kycStatus: kycStatusSchema, kycNotes: z.string().trim().max(2000).optional() }).strict(),
          response: { 200: view, 400: problem, 401: problem, 404: problem },
        },
      },
      async (request) => crm.updateKyc({ id: request.params.id }, request.body, actor(request), requestMeta(request)),
    );

    app.get(
      '/api/clients/:id/notes',
      { schema: { tags: ['console'], summary: 'Notes', params: idParam } },
      async (request) => crm.notes(request.params.id),
    );

    app.post(
      '/api/clients/:id/notes',
      {
        schema: {
          tags: ['console'],
          summary: 'Add a note',
          params: idParam,
          body: z.object({ comment: z.string().trim().min(1).max(5000) }).strict(),
          response: { 201: view, 400: problem, 401: problem, 404: problem },
        },
      },
      async (request, reply) =>
        reply
          .code(201)
          .send(
            await crm.addNote({ id: request.params.id }, request.body.comment, actor(request), requestMeta(request)),
          ),
    );

    app.get(
      '/api/clients/:id/activity',
      {
        schema: {
          tags: ['console'],
          summary: 'Activity timeline (newest first)',
          params: idParam,
          querystring: z.object({
            limit: z.coerce.number().int().min(1).max(200).default(50),
            cursor: z.string().max(200).optional(),
          }),
        },
      },
      async (request) => crm.activity({ id: request.params.id }, request.query.limit, request.query.cursor),
    );

    app.get(
      '/api/clients/:id/accounts',
      { schema: { tags: ['console'], summary: 'Accounts and subaccounts', params: idParam } },
      async (request) => crm.accounts({ id: request.params.id }),
    );

    app.get(
      '/api/clients/:id/transactions',
      { schema: { tags: ['console'], summary: 'Deposits and withdrawals', params: idParam } },
      async (request) => crm.transactions(request.params.id),
    );

    app.post(
      '/api/clients/:id/impersonate',
      {
        onRequest: staffAuth(staff, { role: 'admin' }),
        schema: {
          tags: ['console'],
          summary:
            "Impersonate: a single-use 15-minute SSO link into the client's trading dashboard (admins only; a reason is required)",
          description:
            'Answers 409 when the client has no account on the trading platform (a link could not sign in there).',
          params: idParam,
          body: z.object({ reason: z.string().trim().min(3, 'say why (at least 3 characters)').max(500) }).strict(),
          response: {
            200: z.object({ ssoToken: z.string(), ssoUrl: z.string(), expiresIn: z.literal(900) }),
            400: problem,
            401: problem,
            403: problem,
            404: problem,
            409: problem,
          },
        },
      },
      async (request, reply) => {
        const s = requireStaff(request);
        reply.header('cache-control', 'no-store');
        return crm.impersonate(
          request.params.id,
          { id: s.id, email: s.email },
          request.body.reason,
          requestMeta(request),
        ) as Promise<{ ssoToken: string; ssoUrl: string; expiresIn: 900 }>;
      },
    );
  };
}
