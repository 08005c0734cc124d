/**
 * Staff users (roles `admin` and `agent`): create (CLI), log in (scrypt, throttled, audited),
 * authenticate a token (signature, claims, the user still active, the token not logged out), log out.
 */
import { z } from 'zod';
import { AppError } from '../../http/errors.ts';
import type { Clock } from '../../infra/clock.ts';
import { newId } from '../../infra/crypto/index.ts';
import { type Db, isUniqueViolation } from '../../infra/db/index.ts';
import type { LoginThrottle } from '../../infra/ratelimit/login-throttle.ts';
import type { AuditService } from '../audit/audit.service.ts';
import type { RequestMeta } from '../audit/audit.ts';
import { dummyHash, hashPassword, PASSWORD_MAX, PASSWORD_MIN, verifyPassword } from './password.ts';
import { createStaffRepository } from './staff.repository.ts';
import type { StaffUserRow } from './staff.table.ts';
import type { StaffRole, StaffTokens } from './staff-tokens.ts';

export interface StaffPrincipal {
  id: string;
  email: string;
  role: StaffRole;
  jti: string;
  exp: number;
}

export interface StaffView {
  id: string;
  email: string;
  role: StaffRole;
  createdAt: string;
  lastLoginAt: string | null;
  disabled: boolean;
}

const emailSchema = z.string().trim().toLowerCase().email().max(254);
const staffRoleSchema = z.enum(['admin', 'agent']);

function view(r: StaffUserRow): StaffView {
  return {
    id: r.id,
    email: r.email,
    role: r.role as StaffRole,
    createdAt: new Date(Number(r.created_at)).toISOString(),
    lastLoginAt: r.last_login_at === null ? null : new Date(Number(r.last_login_at)).toISOString(),
    disabled: r.disabled_at !== null,
  };
}

function invalid(field: string, message: string): AppError {
  return new AppError('validation_failed', `${field}: ${message}`, { errors: [{ field, message }] });
}

export function createStaffService({
  db,
  clock,
  tokens,
  audit,
  throttle,
}: {
  db: Db;
  clock: Clock;
  tokens: StaffTokens;
  audit: AuditService;
  throttle: LoginThrottle;
}) {
  const repo = createStaffRepository(db);

  return {
    async create(input: { email: string; role: string; password: string }): Promise<StaffView> {
      const email = emailSchema.safeParse(input.email);
      if (!email.success) throw invalid('email', 'is not an email address');
      const role = staffRoleSchema.safeParse(input.role);
      if (!role.success) throw invalid('role', 'must be admin or agent');
      if (input.password.length < PASSWORD_MIN || input.password.length > PASSWORD_MAX)
        throw invalid('password', `must be ${PASSWORD_MIN}–${PASSWORD_MAX} characters`);
      const now = clock.now();
      const row = {
        id: newId('stf', 16),
        email: email.data,
        role: role.data,
        password_hash: await hashPassword(input.password),
        created_at: now,
        updated_at: now,
        disabled_at: null,
        last_login_at: null,
      };
      try {
        await repo.insert(row);
      } catch (err) {
        if (isUniqueViolation(err))
          throw new AppError('conflict', `A staff user with email ${email.data} already exists`);
        throw err;
      }
      await audit.record({
        actorType: 'system',
        actorId: 'cli',
        action: 'staff.created',
        targetType: 'staff',
        targetId: row.id,
        meta: { email: row.email, role: row.role },
      });
      return view(row);
    },

    /** Sets a new password (CLI); every token issued before stays valid until it expires (15 min by default). */
    async setPassword(emailRaw: string, password: string): Promise<StaffView> {
      if (password.length < PASSWORD_MIN || password.length > PASSWORD_MAX)
        throw invalid('password', `must be ${PASSWORD_MIN}–${PASSWORD_MAX} characters`);
      const row = await repo.findByEmail(emailRaw.trim().toLowerCase());
      if (!row) throw new AppError('not_found', `No staff user ${emailRaw}`);
      await repo.update(row.id, { password_hash: await hashPassword(password), updated_at: clock.now() });
      await audit.record({
        actorType: 'system',
        actorId: 'cli',
        action: 'staff.password_changed',
        targetType: 'staff',
        targetId: row.id,
      });
      return view(row);
    },

    async list(): Promise<StaffView[]> {
      return (await repo.list()).map(view);
    },

    async login(
      input: { email: string; password: string },
      meta: RequestMeta,
    ): Promise<{ token: string; expiresIn: number; staff: StaffView }> {
      const email = input.email.trim().toLowerCase();
      const gate = await throttle.check(email, meta.ip);
      if (!gate.ok) {
        await audit.tryRecord({
          actorType: 'anonymous',
          action: 'staff.login',
          outcome: 'denied',
          ip: meta.ip,
          requestId: meta.requestId,
          meta: { email, reason: 'throttled' },
        });
        throw new AppError('rate_limited', 'Too many failed logins; try again later', {
          retryAfterSeconds: gate.retryAfterSeconds,
        });
      }
      const row = await repo.findByEmail(email);
      // Unknown users cost a full hash too, so timing does not reveal which emails exist.
      const ok = await verifyPassword(input.password, row?.password_hash ?? (await dummyHash()));
      if (!row || !ok || row.disabled_at !== null) {
        await throttle.failed(email, meta.ip);
        await audit.record({
          actorType: 'anonymous',
          actorId: row?.id ?? null,
          action: 'staff.login',
          outcome: 'failure',
          ip: meta.ip,
          requestId: meta.requestId,
          meta: { email, reason: !row ? 'unknown_email' : !ok ? 'wrong_password' : 'disabled' },
        });
        throw new AppError('unauthorized', 'Invalid email or password');
      }
      await throttle.succeeded(email);
      const now = clock.now();
      await repo.update(row.id, { last_login_at: now });
      const signed = await tokens.sign({ id: row.id, email: row.email, role: row.role as StaffRole });
      await audit.record({
        actorType: 'staff',
        actorId: row.id,
        action: 'staff.login',
        outcome: 'success',
        ip: meta.ip,
        requestId: meta.requestId,
        meta: { email: row.email, role: row.role },
      });
      return { token: signed.token, expiresIn: tokens.ttlSeconds, staff: view({ ...row, last_login_at: now }) };
    },

    /** The staff member behind a token, or null: invalid token, logged out, user gone or disabled. */
    async authenticate(token: string | undefined): Promise<StaffPrincipal | null> {
      if (!token || token.length > 4096) return null;
      const claims = await tokens.verify(token);
      if (!claims) return null;
      const [row, revoked] = await Promise.all([repo.findById(claims.staffId), repo.isRevoked(claims.jti)]);
      if (!row || row.disabled_at !== null || revoked) return null;
      // The role is read from the database, so a demotion takes effect at once.
      return { id: row.id, email: row.email, role: row.role as StaffRole, jti: claims.jti, exp: claims.exp };
    },

    async logout(principal: StaffPrincipal, meta: RequestMeta): Promise<void> {
      await repo.revokeToken(principal.jti, principal.exp * 1000);
      await repo.pruneRevocations(clock.now() - 60_000);
      await audit.record({
        actorType: 'staff',
        actorId: principal.id,
        action: 'staff.logout',
        ip: meta.ip,
        requestId: meta.requestId,
      });
    },

    async get(id: string): Promise<StaffView | null> {
      const row = await repo.findById(id);
      return row ? view(row) : null;
    },
  };
}

export type StaffService = ReturnType<typeof createStaffService>;
