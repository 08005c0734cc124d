/**
 * Staff authentication for any module: `app.addHook('onRequest', staffAuth(staff))` or
 * `staffAuth(staff, { role: 'admin' })`, given the staff service. Accepts `Authorization: Bearer <jwt>`
 * (API clients) or the HttpOnly `brymix_staff` cookie set by POST /api/auth/login (console pages); a
 * cookie-authenticated POST/PATCH/DELETE must also send `X-Requested-With` (CSRF). One uniform 401 for
 * every bad token; 403 when the role is not enough. `requireStaff(request)` returns the principal in handlers.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { StaffPrincipal, StaffService } from '../modules/staff/staff.service.ts';
import { CSRF_HEADER, isUnsafe, readCookie } from './cookies.ts';
import { AppError } from './errors.ts';

export const STAFF_COOKIE = 'brymix_staff';

/** What a staff hook needs: turning a token into a principal (the staff service). */
export type StaffAuthenticator = Pick<StaffService, 'authenticate'>;

declare module 'fastify' {
  interface FastifyRequest {
    staff?: StaffPrincipal;
  }
}

export function bearerToken(request: FastifyRequest): string | undefined {
  const h = request.headers.authorization;
  if (typeof h !== 'string') return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  return m ? m[1] : undefined;
}

export function staffAuth(authenticator: StaffAuthenticator, options: { role?: 'admin' } = {}) {
  return async (request: FastifyRequest, _reply?: FastifyReply): Promise<void> => {
    const bearer = bearerToken(request);
    const cookie = bearer ? undefined : readCookie(request, STAFF_COOKIE);
    const principal = await authenticator.authenticate(bearer ?? cookie);
    if (!principal) throw new AppError('unauthorized', 'Missing, invalid or expired staff token');
    if (cookie && isUnsafe(request.method) && !request.headers[CSRF_HEADER]) {
      throw new AppError(
        'forbidden',
        `Cookie-authenticated ${request.method} requests must send the ${CSRF_HEADER} header`,
      );
    }
    if (options.role === 'admin' && principal.role !== 'admin')
      throw new AppError('forbidden', 'This action needs the admin role');
    request.staff = principal;
  };
}

export function requireStaff(request: FastifyRequest): StaffPrincipal {
  if (!request.staff) throw new AppError('unauthorized', 'Missing, invalid or expired staff token');
  return request.staff;
}
