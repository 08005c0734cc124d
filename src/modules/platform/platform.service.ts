/**
 * The trading platform's side: traders sign up and sign in, change their password and submit KYC;
 * their challenge accounts, money and checks are platform.accounts.ts. Every change goes to the CRM
 * as a site event through the outbox. Staff arrive through single-use SSO links; such sessions are
 * flagged, and actions that change money or credentials are refused while impersonating.
 */

import { AppError } from '../../http/errors.ts';
import type { Clock } from '../../infra/clock.ts';
import { newId, randomBase62, type Sealer, sha256Hex } from '../../infra/crypto/index.ts';
import { type Db, isUniqueViolation } from '../../infra/db/index.ts';
import type { Logger } from '../../infra/logger.ts';
import type { JobQueue } from '../../infra/queue/types.ts';
import type { LoginThrottle } from '../../infra/ratelimit/login-throttle.ts';
import type { ConnectorRouter } from '../../mt5/router.ts';
import type { AuditService } from '../audit/audit.service.ts';
import type { RequestMeta } from '../audit/audit.ts';
import type { CheckService } from '../checks/check.service.ts';
import { verifySsoToken } from '../crm/sso.ts';
import type { MonitorService } from '../monitors/monitor.service.ts';
import { dummyHash, hashPassword, PASSWORD_MAX, PASSWORD_MIN, verifyPassword } from '../staff/password.ts';
import type { PlatformOutbox } from './outbox.ts';
import { createPlatformAccounts } from './platform.accounts.ts';
import { createPlatformMonitors } from './platform.monitors.ts';
import { createPlatformRepository } from './platform.repository.ts';
import type { PlatformAccountRow, PlatformTraderRow } from './platform.table.ts';
import { accountEventData, invalid, refuseWhileImpersonating, type Session, traderEventData } from './platform.ts';

/** Impersonation sessions end after an hour whatever the platform's session length. */
const IMPERSONATION_MAX_MS = 3_600_000;
const SIM_SERVER = 'Brymix-Demo';
/** Simulator logins handed out in turn (see src/mt5/simulator/README.md). */
const DEMO_LOGINS = ['1001', '1005', '1004', '1003', '1002'];
const CHALLENGE_RULES = { max_drawdown_percent: 10, profit_target_percent: 10, max_daily_loss_percent: 5 };
const INITIAL_BALANCE_CENTS = 10_000_000;

export interface PlatformServiceDeps {
  db: Db;
  clock: Clock;
  logger: Logger;
  audit: AuditService;
  queue: JobQueue;
  sealer: Sealer;
  connectors: ConnectorRouter;
  checks: CheckService;
  /** The platform watches its challenge accounts live, as its own tenant. */
  monitors: Pick<MonitorService, 'create' | 'stop' | 'ofChallenge'>;
  outbox: PlatformOutbox;
  ssoSecret: string;
  sessionTtlSeconds: number;
  throttle: LoginThrottle;
}

export function createPlatformService(deps: PlatformServiceDeps) {
  const { db, clock, audit, outbox } = deps;
  const repo = createPlatformRepository(db);
  const accounts = createPlatformAccounts({
    db,
    clock,
    audit,
    queue: deps.queue,
    sealer: deps.sealer,
    connectors: deps.connectors,
    checks: deps.checks,
    outbox,
    monitors: createPlatformMonitors({ monitors: deps.monitors, sealer: deps.sealer, logger: deps.logger }),
    repo,
  });

  async function newSession(
    traderId: string,
    impersonatedBy: string | null,
  ): Promise<{ token: string; maxAgeSeconds: number }> {
    const token = randomBase62(43);
    const now = clock.now();
    const ttlMs = impersonatedBy
      ? Math.min(IMPERSONATION_MAX_MS, deps.sessionTtlSeconds * 1000)
      : deps.sessionTtlSeconds * 1000;
    await repo.insertSession({
      token_hash: sha256Hex(token),
      trader_id: traderId,
      impersonated_by: impersonatedBy,
      created_at: now,
      expires_at: now + ttlMs,
      ended_at: null,
    });
    return { token, maxAgeSeconds: Math.floor(ttlMs / 1000) };
  }

  return {
    /** Whether a trader with this email exists: what an SSO link for that email needs (consumeSso). */
    async hasTrader(email: string): Promise<boolean> {
      return repo.hasTraderWithEmail(email.trim().toLowerCase());
    },

    async signUp(
      input: { email: string; password: string; firstName: string; lastName: string; phone?: string | undefined },
      meta: RequestMeta,
    ): Promise<{ token: string; maxAgeSeconds: number; traderId: string }> {
      const email = input.email.trim().toLowerCase();
      if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email) || email.length > 254)
        throw invalid('email', 'is not an email address');
      if (input.password.length < PASSWORD_MIN || input.password.length > PASSWORD_MAX)
        throw invalid('password', `must be ${PASSWORD_MIN}–${PASSWORD_MAX} characters`);
      const now = clock.now();
      const trader: PlatformTraderRow = {
        id: newId('trd', 16),
        email,
        password_hash: await hashPassword(input.password),
        first_name: input.firstName.trim(),
        last_name: input.lastName.trim(),
        phone: input.phone?.trim() || null,
        kyc_status: 'not_started',
        created_at: now,
        updated_at: now,
      };
      const accountCount = await repo.countAccounts();
      const accountId = newId('pac', 16);
      const account: PlatformAccountRow = {
        id: accountId,
        trader_id: trader.id,
        parent_id: null,
        login: DEMO_LOGINS[accountCount % DEMO_LOGINS.length]!,
        server: SIM_SERVER,
        password_enc: deps.sealer.seal('demo', accountId),
        type: 'challenge',
        phase: 'phase-1',
        status: 'active',
        currency: 'USD',
        initial_balance_cents: INITIAL_BALANCE_CENTS,
        balance_cents: INITIAL_BALANCE_CENTS,
        rules: JSON.stringify(CHALLENGE_RULES),
        check_job_id: null,
        created_at: now,
        updated_at: now,
      };
      let ids: string[];
      try {
        ids = await db.transaction().execute(async (tx) => {
          await repo.insertTrader(trader, tx);
          await repo.insertAccount(account, tx);
          return [
            await outbox.add(tx, 'client.registered', traderEventData(trader), now),
            await outbox.add(tx, 'account.updated', accountEventData(trader, account, 'created'), now),
          ];
        });
      } catch (err) {
        if (isUniqueViolation(err))
          throw new AppError('conflict', 'An account with this email already exists; sign in instead');
        throw err;
      }
      await outbox.dispatch(ids);
      await audit.record({
        actorType: 'trader',
        actorId: trader.id,
        action: 'platform.signup',
        targetType: 'trader',
        targetId: trader.id,
        ip: meta.ip,
        requestId: meta.requestId,
        meta: { email },
      });
      await accounts
        .submitCheck(account)
        .catch((err: Error) =>
          deps.logger.error({ err: err.message, accountId }, 'could not submit the challenge check'),
        );
      await accounts.startMonitor(account);
      return { ...(await newSession(trader.id, null)), traderId: trader.id };
    },

    async signIn(
      input: { email: string; password: string },
      meta: RequestMeta,
    ): Promise<{ token: string; maxAgeSeconds: number }> {
      const email = input.email.trim().toLowerCase();
      const gate = await deps.throttle.check(email, meta.ip);
      if (!gate.ok)
        throw new AppError('rate_limited', 'Too many failed sign-ins; try again later', {
          retryAfterSeconds: gate.retryAfterSeconds,
        });
      const t = await repo.findTraderByEmail(email);
      const ok = await verifyPassword(input.password, t?.password_hash ?? (await dummyHash()));
      if (!t || !ok) {
        await deps.throttle.failed(email, meta.ip);
        await audit.record({
          actorType: 'anonymous',
          action: 'platform.signin',
          outcome: 'failure',
          ip: meta.ip,
          requestId: meta.requestId,
          meta: { email },
        });
        throw new AppError('unauthorized', 'Invalid email or password');
      }
      await deps.throttle.succeeded(email);
      await audit.record({
        actorType: 'trader',
        actorId: t.id,
        action: 'platform.signin',
        ip: meta.ip,
        requestId: meta.requestId,
      });
      return newSession(t.id, null);
    },

    /** The live session of a cookie value, or null. */
    async session(token: string | undefined): Promise<Session | null> {
      if (!token || token.length > 200) return null;
      const hash = sha256Hex(token);
      const s = await repo.findSession(hash);
      if (!s || s.ended_at !== null || Number(s.expires_at) <= clock.now()) return null;
      const trader = await repo.findTrader(s.trader_id);
      if (!trader) return null;
      return { tokenHash: hash, trader, impersonatedBy: s.impersonated_by, expiresAt: Number(s.expires_at) };
    },

    async signOut(session: Session, meta: RequestMeta): Promise<void> {
      await repo.endSession(session.tokenHash, clock.now());
      await audit.record({
        actorType: session.impersonatedBy ? 'staff' : 'trader',
        actorId: session.impersonatedBy ?? session.trader.id,
        action: session.impersonatedBy ? 'sso.impersonation_ended' : 'platform.signout',
        targetType: 'trader',
        targetId: session.trader.id,
        ip: meta.ip,
        requestId: meta.requestId,
      });
    },

    /**
     * GET /sso/impersonate: verifies the token (algorithm, type, audience, issuer, expiry, age),
     * burns its jti (a second use fails), and opens an impersonation session. Null on any failure.
     */
    async consumeSso(
      token: string | undefined,
      meta: RequestMeta,
    ): Promise<{ token: string; maxAgeSeconds: number } | null> {
      const claims = token ? await verifySsoToken(deps.ssoSecret, token, clock.now()) : null;
      const reject = async (reason: string) => {
        await audit.tryRecord({
          actorType: 'anonymous',
          action: 'sso.rejected',
          outcome: 'denied',
          ip: meta.ip,
          requestId: meta.requestId,
          meta: { reason, jti: claims?.jti ?? null },
        });
        return null;
      };
      if (!claims) return reject('invalid_token');
      try {
        await repo.insertUsedSsoToken({ jti: claims.jti, expires_at: claims.exp * 1000, used_at: clock.now() });
      } catch (err) {
        if (isUniqueViolation(err)) return reject('replayed');
        throw err;
      }
      await repo.pruneUsedSsoTokens(clock.now() - 3_600_000);
      const trader = await repo.findTraderByEmail(claims.clientEmail.toLowerCase());
      if (!trader) return reject('unknown_client');
      const session = await newSession(trader.id, claims.impersonatedBy);
      await audit.record({
        actorType: 'staff',
        actorId: claims.impersonatedBy,
        action: 'sso.consumed',
        targetType: 'trader',
        targetId: trader.id,
        ip: meta.ip,
        requestId: meta.requestId,
        meta: { jti: claims.jti, reason: claims.reason },
      });
      return session;
    },

    me(session: Session) {
      const t = session.trader;
      return {
        trader: { id: t.id, email: t.email, firstName: t.first_name, lastName: t.last_name, kycStatus: t.kyc_status },
        impersonation: session.impersonatedBy ? { by: session.impersonatedBy } : null,
        sessionExpiresAt: new Date(session.expiresAt).toISOString(),
      };
    },

    async changePassword(
      session: Session,
      input: { currentPassword: string; newPassword: string },
      meta: RequestMeta,
    ): Promise<void> {
      refuseWhileImpersonating(session, 'Changing the password');
      if (!(await verifyPassword(input.currentPassword, session.trader.password_hash)))
        throw new AppError('unauthorized', 'The current password is wrong');
      if (input.newPassword.length < PASSWORD_MIN || input.newPassword.length > PASSWORD_MAX)
        throw invalid('newPassword', `must be ${PASSWORD_MIN}–${PASSWORD_MAX} characters`);
      await repo.setPassword(session.trader.id, await hashPassword(input.newPassword), clock.now());
      await audit.record({
        actorType: 'trader',
        actorId: session.trader.id,
        action: 'platform.password_changed',
        ip: meta.ip,
        requestId: meta.requestId,
      });
    },

    /** The trader sends KYC documents: status becomes pending and the CRM hears of it. */
    async submitKyc(session: Session, meta: RequestMeta): Promise<{ kycStatus: string }> {
      const now = clock.now();
      const ids = await db.transaction().execute(async (tx) => {
        await repo.setKycStatus(session.trader.id, 'pending', now, tx);
        return [
          await outbox.add(
            tx,
            'kyc.updated',
            {
              clientId: session.trader.id,
              email: session.trader.email,
              kycStatus: 'pending',
              kycNotes: 'Documents submitted on the platform',
            },
            now,
          ),
        ];
      });
      await outbox.dispatch(ids);
      await audit.record({
        actorType: session.impersonatedBy ? 'staff' : 'trader',
        actorId: session.impersonatedBy ?? session.trader.id,
        action: 'platform.kyc_submitted',
        targetType: 'trader',
        targetId: session.trader.id,
        ip: meta.ip,
        requestId: meta.requestId,
      });
      return { kycStatus: 'pending' };
    },

    accounts: accounts.accounts,
    equity: accounts.equity,
    deposit: accounts.deposit,
    withdraw: accounts.withdraw,
    monitor: accounts.monitor,
    syncAccount: accounts.syncAccount,
  };
}

export type PlatformService = ReturnType<typeof createPlatformService>;
