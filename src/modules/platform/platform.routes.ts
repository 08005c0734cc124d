/**
 * The trading platform's HTTP side: GET /sso/impersonate, the trader pages (/signup, /signin,
 * /dashboard) and their JSON API under /api/platform (session cookie `brymix_trader`, HttpOnly).
 */

import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { CSRF_HEADER, clearCookie, isUnsafe, readCookie, setCookie } from '../../http/cookies.ts';
import { AppError } from '../../http/errors.ts';
import { requestMeta } from '../audit/audit.ts';
import type { PlatformService } from './platform.service.ts';
import type { Session } from './platform.ts';

const TRADER_COOKIE = 'brymix_trader';
const PAGE_CSP =
  "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

declare module 'fastify' {
  interface FastifyRequest {
    traderSession?: Session | null;
  }
}

const money = z.union([z.number(), z.string().max(32)]);

export function platformRoutes({
  platform,
  secureCookies,
}: {
  platform: PlatformService;
  secureCookies: boolean;
}): FastifyPluginAsyncZod {
  // Lax: the SSO link arrives by top-level navigation from the CRM's origin.
  const cookie = { secure: secureCookies, sameSite: 'Lax' as const };

  async function requireSession(request: FastifyRequest): Promise<Session> {
    const s = await platform.session(readCookie(request, TRADER_COOKIE));
    if (!s) throw new AppError('unauthorized', 'Sign in first');
    if (isUnsafe(request.method) && !request.headers[CSRF_HEADER])
      throw new AppError('forbidden', `Send the ${CSRF_HEADER} header`);
    return s;
  }

  return async (app) => {
    app.get(
      '/sso/impersonate',
      {
        schema: {
          tags: ['platform'],
          summary: 'SSO from the CRM: verify the single-use token, open an impersonation session, go to /dashboard',
          querystring: z.object({ token: z.string().max(4096).optional() }),
        },
      },
      async (request, reply) => {
        const session = await platform.consumeSso(request.query.token, requestMeta(request));
        reply.header('cache-control', 'no-store').header('referrer-policy', 'no-referrer');
        if (!session) return reply.code(401).type('text/plain; charset=utf-8').send('Invalid or expired SSO token');
        setCookie(reply, TRADER_COOKIE, session.token, { ...cookie, maxAgeSeconds: session.maxAgeSeconds });
        return reply.redirect('/dashboard', 302);
      },
    );

    for (const [path, file] of [
      ['/signup', 'platform/signup.html'],
      ['/signin', 'platform/signin.html'],
      ['/dashboard', 'platform/dashboard.html'],
    ] as const) {
      app.get(path, { schema: { hide: true } }, (_request, reply) =>
        reply.header('content-security-policy', PAGE_CSP).header('cache-control', 'no-store').sendFile(file),
      );
    }

    app.post(
      '/api/platform/signup',
      {
        bodyLimit: 16 * 1024,
        schema: {
          tags: ['platform'],
          summary: 'Trader sign-up (opens a challenge account; the CRM hears client.registered and account.updated)',
          body: z
            .object({
              email: z.string().max(254),
              password: z.string().max(1024),
              firstName: z.string().trim().min(1).max(100),
              lastName: z.string().trim().min(1).max(100),
              phone: z.string().trim().max(40).optional(),
            })
            .strict(),
        },
      },
      async (request, reply) => {
        const r = await platform.signUp(request.body, requestMeta(request));
        setCookie(reply, TRADER_COOKIE, r.token, { ...cookie, maxAgeSeconds: r.maxAgeSeconds });
        return reply.code(201).send({ traderId: r.traderId });
      },
    );

    app.post(
      '/api/platform/signin',
      {
        bodyLimit: 8 * 1024,
        schema: {
          tags: ['platform'],
          summary: 'Trader sign-in (throttled)',
          body: z.object({ email: z.string().max(254), password: z.string().max(1024) }).strict(),
        },
      },
      async (request, reply) => {
        const r = await platform.signIn(request.body, requestMeta(request));
        setCookie(reply, TRADER_COOKIE, r.token, { ...cookie, maxAgeSeconds: r.maxAgeSeconds });
        return { ok: true };
      },
    );

    app.post(
      '/api/platform/signout',
      { schema: { tags: ['platform'], summary: 'Sign out (also ends an impersonation)' } },
      async (request, reply) => {
        const s = await requireSession(request);
        await platform.signOut(s, requestMeta(request));
        clearCookie(reply, TRADER_COOKIE, cookie);
        return { ok: true, endedImpersonation: s.impersonatedBy !== null };
      },
    );

    app.get(
      '/api/platform/me',
      { schema: { tags: ['platform'], summary: 'The session: trader and impersonation banner data' } },
      async (request) => platform.me(await requireSession(request)),
    );

    app.get(
      '/api/platform/accounts',
      { schema: { tags: ['platform'], summary: 'Accounts with challenge objectives' } },
      async (request) => platform.accounts(await requireSession(request)),
    );

    app.get(
      '/api/platform/accounts/:id/equity',
      {
        schema: {
          tags: ['platform'],
          summary: 'Equity curve and current equity',
          params: z.object({ id: z.string().max(64) }),
        },
      },
      async (request) => platform.equity(await requireSession(request), request.params.id),
    );

    app.get(
      '/api/platform/accounts/:id/monitor',
      {
        schema: {
          tags: ['platform'],
          summary: "The account's live monitor: status, room used of each loss limit with its floor, the breach",
          params: z.object({ id: z.string().max(64) }),
        },
      },
      async (request, reply) => {
        reply.header('cache-control', 'no-store');
        return platform.monitor(await requireSession(request), request.params.id);
      },
    );

    const moneyBody = z
      .object({ accountId: z.string().max(64), amount: money, method: z.string().trim().max(50).optional() })
      .strict();
    app.post(
      '/api/platform/deposits',
      { schema: { tags: ['platform'], summary: 'Deposit (refused while impersonating)', body: moneyBody } },
      async (request, reply) =>
        reply.code(201).send(await platform.deposit(await requireSession(request), request.body, requestMeta(request))),
    );
    app.post(
      '/api/platform/withdrawals',
      { schema: { tags: ['platform'], summary: 'Withdrawal (refused while impersonating)', body: moneyBody } },
      async (request, reply) =>
        reply
          .code(201)
          .send(await platform.withdraw(await requireSession(request), request.body, requestMeta(request))),
    );
    app.post(
      '/api/platform/password',
      {
        schema: {
          tags: ['platform'],
          summary: 'Change password (refused while impersonating)',
          body: z.object({ currentPassword: z.string().max(1024), newPassword: z.string().max(1024) }).strict(),
        },
      },
      async (request, reply) => {
        await platform.changePassword(await requireSession(request), request.body, requestMeta(request));
        return reply.code(204).send();
      },
    );
    app.post(
      '/api/platform/kyc',
      { schema: { tags: ['platform'], summary: 'Submit KYC documents (status pending; the CRM hears kyc.updated)' } },
      async (request) => platform.submitKyc(await requireSession(request), requestMeta(request)),
    );
  };
}
