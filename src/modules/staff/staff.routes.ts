/** Staff sign-in: POST /api/auth/login → {token} (and the console's HttpOnly cookie), logout, me. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { clearCookie, setCookie } from '../../http/cookies.ts';
import { requireStaff, STAFF_COOKIE, staffAuth } from '../../http/staff-auth.ts';
import { requestMeta } from '../audit/audit.ts';
import type { StaffService } from './staff.service.ts';

const problem = z
  .object({ type: z.string(), title: z.string(), status: z.number(), detail: z.string().optional() })
  .passthrough();
const staffView = z.object({
  id: z.string(),
  email: z.string(),
  role: z.enum(['admin', 'agent']),
  createdAt: z.string(),
  lastLoginAt: z.string().nullable(),
  disabled: z.boolean(),
});

export function staffRoutes({
  staff,
  secureCookies,
}: {
  staff: StaffService;
  secureCookies: boolean;
}): FastifyPluginAsyncZod {
  const cookie = { secure: secureCookies, sameSite: 'Strict' as const };
  return async (app) => {
    app.post(
      '/api/auth/login',
      {
        bodyLimit: 8 * 1024,
        schema: {
          tags: ['staff'],
          summary: 'Staff login',
          description:
            'Answers a staff JWT (HS256, audience `staff`) and sets it as an HttpOnly cookie for the console. Failed logins are throttled per email and per IP (429 with Retry-After).',
          body: z.object({ email: z.string().max(254), password: z.string().max(1024) }),
          response: {
            200: z.object({ token: z.string(), expiresIn: z.number(), staff: staffView }),
            401: problem,
            429: problem,
          },
        },
      },
      async (request, reply) => {
        const result = await staff.login(request.body, requestMeta(request));
        setCookie(reply, STAFF_COOKIE, result.token, { ...cookie, maxAgeSeconds: result.expiresIn });
        reply.header('cache-control', 'no-store');
        return result;
      },
    );

    app.post(
      '/api/auth/logout',
      {
        onRequest: staffAuth(staff),
        schema: {
          tags: ['staff'],
          summary: 'Log out: the token stops working at once',
          response: { 204: z.null(), 401: problem },
        },
      },
      async (request, reply) => {
        await staff.logout(requireStaff(request), requestMeta(request));
        clearCookie(reply, STAFF_COOKIE, cookie);
        return reply.code(204).send(null);
      },
    );

    app.get(
      '/api/auth/me',
      {
        onRequest: staffAuth(staff),
        schema: {
          tags: ['staff'],
          summary: 'The signed-in staff member',
          response: {
            200: z.object({
              id: z.string(),
              email: z.string(),
              role: z.enum(['admin', 'agent']),
              expiresAt: z.string(),
            }),
            401: problem,
          },
        },
      },
      async (request) => {
        const s = requireStaff(request);
        return { id: s.id, email: s.email, role: s.role, expiresAt: new Date(s.exp * 1000).toISOString() };
      },
    );
  };
}
