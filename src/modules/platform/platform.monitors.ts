/**
 * The platform watches its challenge accounts live: each account opened gets a monitor in the
 * platform's own tenant (the rules its check uses), stopped when the account ends. When such a
 * monitor raises monitor.breached or monitor.objectives_met for an active platform account of that
 * login and server, the account is finished (failed / passed) in the event's own transaction, with
 * its `account.updated` outbox row; the row is dispatched after the commit, and the outbox sweep
 * delivers it if the process dies in between. A monitor of any other tenant never touches it.
 */
import type { Clock } from '../../infra/clock.ts';
import type { Sealer } from '../../infra/crypto/index.ts';
import type { Db } from '../../infra/db/index.ts';
import type { Logger } from '../../infra/logger.ts';
import { centsToAmount, parseCents } from '../../infra/money.ts';
import type { RaisedEvent } from '../monitors/monitor.events.ts';
import type { MonitorService } from '../monitors/monitor.service.ts';
import type { PlatformOutbox } from './outbox.ts';
import { createPlatformRepository } from './platform.repository.ts';
import type { PlatformAccountRow } from './platform.table.ts';
import { accountEventData, challengeReason, firstBreach, PLATFORM_TENANT, ruleLabel } from './platform.ts';

/** What a monitor event does to the platform account it watches. */
const FINISHES: Partial<Record<RaisedEvent['event'], 'failed' | 'passed'>> = {
  'monitor.breached': 'failed',
  'monitor.objectives_met': 'passed',
};

/** The hook of createMonitorEvents (`onRaised`): built before the monitors, it needs only the outbox. */
export function createPlatformMonitorLink(deps: { db: Db; clock: Clock; outbox: PlatformOutbox }) {
  const repo = createPlatformRepository(deps.db);
  return {
    async onRaised(tx: Db, e: RaisedEvent): Promise<(() => Promise<void>) | null> {
      const status = FINISHES[e.event];
      if (!status || e.monitor.tenant_id !== PLATFORM_TENANT.tenantId) return null;
      const a = await repo.findAccount(e.monitor.challenge_id, tx);
      if (a?.status !== 'active' || a.login !== e.monitor.mt5_login || a.server !== e.monitor.mt5_server) return null;
      const trader = await repo.findTrader(a.trader_id, tx);
      if (!trader) return null;
      const now = deps.clock.now();
      // As a finished check does: the balance is the one read on the MT5 account.
      const read = e.snapshot.metrics.current_balance;
      const readCents = typeof read === 'number' ? parseCents(read) : null;
      const balance_cents = readCents ?? Number(a.balance_cents);
      if (!(await repo.finishActiveAccount(a.id, { status, balance_cents }, now, tx))) return null;
      const id = await deps.outbox.add(
        tx,
        'account.updated',
        {
          ...accountEventData(
            trader,
            { ...a, status, balance_cents },
            status === 'passed' ? 'challenge_passed' : 'challenge_failed',
          ),
          reason: challengeReason('monitor', e.snapshot.violations, e.occurredAt),
        },
        now,
      );
      return () => deps.outbox.dispatch([id]);
    },
  };
}

/** One loss limit as the dashboard shows it. */
interface LimitPanel {
  rule: string;
  label: string;
  floor: number;
  allowed: number;
  usedPercent: number;
  day: string | null;
}

/** The account's live monitor as the dashboard shows it. */
export interface MonitorPanel {
  id: string;
  status: string;
  equity: number | null;
  observedAt: string | null;
  dataAgeMs: number | null;
  connection: { state: string; since: string | null; lastError: string | null };
  limits: LimitPanel[];
  breach: { rule: string; label: string; description: string | null; at: string | null } | null;
}

function panelOf(v: Record<string, unknown>): MonitorPanel {
  const metrics = (v.metrics ?? {}) as Record<string, unknown>;
  const limits = (v.limits ?? []) as Array<{
    rule: string;
    floor: number;
    allowed: number;
    used_percent: number;
    day: string | null;
  }>;
  const conn = (v.connection ?? {}) as { state?: string; since?: string | null; last_error?: string | null };
  const b = firstBreach((v.violations ?? []) as Array<Record<string, unknown>>);
  return {
    id: String(v.monitor_id),
    status: String(v.status),
    equity: typeof metrics.current_equity === 'number' ? metrics.current_equity : null,
    observedAt: (v.last_observation_at as string | null) ?? null,
    dataAgeMs: (v.data_age_ms as number | null) ?? null,
    connection: { state: conn.state ?? 'connecting', since: conn.since ?? null, lastError: conn.last_error ?? null },
    limits: limits.map((l) => ({
      rule: l.rule,
      label: ruleLabel(l.rule),
      floor: l.floor,
      allowed: l.allowed,
      usedPercent: Math.round(l.used_percent * 10) / 10,
      day: l.day,
    })),
    breach: b && { rule: b.rule, label: ruleLabel(b.rule), description: b.description, at: b.at },
  };
}

/** Starting, stopping and reading an account's monitor, as the platform's tenant. */
export function createPlatformMonitors(deps: {
  monitors: Pick<MonitorService, 'create' | 'stop' | 'ofChallenge'>;
  sealer: Sealer;
  logger: Logger;
}) {
  return {
    /** Starts the account's monitor with the rules its check uses (idempotent per account); logs a failure. */
    async start(account: PlatformAccountRow): Promise<void> {
      await deps.monitors
        .create(
          PLATFORM_TENANT,
          {
            user_id: account.trader_id,
            challenge_id: account.id,
            mt5_login: account.login,
            mt5_password: deps.sealer.open(account.password_enc, account.id),
            mt5_server: account.server,
            initial_balance: centsToAmount(Number(account.initial_balance_cents)),
            rules: JSON.parse(account.rules) as Record<string, unknown>,
          } as Parameters<MonitorService['create']>[1],
          `platform-account-${account.id}`,
        )
        .catch((err: Error) =>
          deps.logger.error({ err: err.message, accountId: account.id }, 'could not start the account monitor'),
        );
    },

    /**
     * Stops the account's monitor if it still watches (one that ended stays as it is); logs a
     * failure: a monitor left running can no longer change the ended account.
     */
    async stop(accountId: string): Promise<void> {
      try {
        const v = await deps.monitors.ofChallenge(PLATFORM_TENANT, accountId);
        if (v && (v.status === 'active' || v.status === 'stale'))
          await deps.monitors.stop(PLATFORM_TENANT, String(v.monitor_id));
      } catch (err) {
        deps.logger.error({ err: (err as Error).message, accountId }, 'could not stop the account monitor');
      }
    },

    async panel(accountId: string): Promise<MonitorPanel | null> {
      const v = await deps.monitors.ofChallenge(PLATFORM_TENANT, accountId);
      return v ? panelOf(v) : null;
    },
  };
}

export type PlatformMonitors = ReturnType<typeof createPlatformMonitors>;
