/**
 * A trader's challenge accounts: their objectives and equity, deposits and withdrawals, and the
 * challenge check (submitted to the checker, followed until it ends, its pass or fail told to the CRM).
 */

import { AppError } from '../../http/errors.ts';
import type { Clock } from '../../infra/clock.ts';
import { newId, type Sealer } from '../../infra/crypto/index.ts';
import type { Db } from '../../infra/db/index.ts';
import { centsToAmount, formatCents, parseCents } from '../../infra/money.ts';
import type { JobQueue } from '../../infra/queue/types.ts';
import { type AccountSyncPayload, accountSyncJob } from '../../jobs.ts';
import type { ConnectorRouter } from '../../mt5/router.ts';
import type { AuditService } from '../audit/audit.service.ts';
import type { RequestMeta } from '../audit/audit.ts';
import type { CheckService } from '../checks/check.service.ts';
import { type AccountObjectives, buildObjectives } from './objectives.ts';
import type { PlatformOutbox } from './outbox.ts';
import type { MonitorPanel, PlatformMonitors } from './platform.monitors.ts';
import type { createPlatformRepository } from './platform.repository.ts';
import type { PlatformAccountRow } from './platform.table.ts';
import {
  accountEventData,
  challengeReason,
  invalid,
  PLATFORM_TENANT,
  refuseWhileImpersonating,
  type Session,
} from './platform.ts';

interface PlatformAccountsDeps {
  db: Db;
  clock: Clock;
  audit: AuditService;
  queue: JobQueue;
  sealer: Sealer;
  connectors: ConnectorRouter;
  checks: CheckService;
  outbox: PlatformOutbox;
  monitors: PlatformMonitors;
  repo: ReturnType<typeof createPlatformRepository>;
}

export function createPlatformAccounts(deps: PlatformAccountsDeps) {
  const { db, clock, audit, outbox, repo } = deps;

  async function submitCheck(account: PlatformAccountRow): Promise<void> {
    const { job_id } = await deps.checks.submit(
      PLATFORM_TENANT,
      {
        user_id: account.trader_id,
        challenge_id: account.id,
        mt5_login: account.login,
        mt5_password: deps.sealer.open(account.password_enc, account.id),
        mt5_server: account.server,
        initial_balance: centsToAmount(Number(account.initial_balance_cents)),
        rules: JSON.parse(account.rules) as Record<string, unknown>,
      },
      undefined,
    );
    await repo.setCheckJob(account.id, job_id, clock.now());
    await deps.queue.enqueue(
      accountSyncJob,
      { account_id: account.id, round: 1 },
      { id: `sync-${account.id}-${job_id}-1`, delayMs: 200, maxAttempts: 3 },
    );
  }

  async function ownAccount(session: Session, accountId: string): Promise<PlatformAccountRow> {
    const a = await repo.findTraderAccount(session.trader.id, accountId);
    if (!a) throw new AppError('not_found', `No account ${accountId}`);
    return a;
  }

  async function moveMoney(
    session: Session,
    kind: 'deposit' | 'withdrawal',
    input: { accountId: string; amount: number | string; method?: string | undefined },
    meta: RequestMeta,
  ) {
    refuseWhileImpersonating(session, kind === 'deposit' ? 'A deposit' : 'A withdrawal');
    const cents = parseCents(input.amount);
    if (cents === null || cents <= 0) throw invalid('amount', 'must be a positive amount with at most two decimals');
    const account = await ownAccount(session, input.accountId);
    if (kind === 'withdrawal' && cents > Number(account.balance_cents))
      throw new AppError('conflict', 'The withdrawal is larger than the balance');
    const now = clock.now();
    const txId = newId('ptx', 16);
    const method = input.method ?? (kind === 'deposit' ? 'card' : 'bank_transfer');
    const ids = await db.transaction().execute(async (tx) => {
      await repo.addToBalance(account.id, kind === 'deposit' ? cents : -cents, now, tx);
      await repo.insertTransaction(
        {
          id: txId,
          trader_id: session.trader.id,
          account_id: account.id,
          type: kind,
          amount_cents: cents,
          currency: account.currency,
          method,
          created_at: now,
        },
        tx,
      );
      return [
        await outbox.add(
          tx,
          kind === 'deposit' ? 'deposit.completed' : 'withdrawal.completed',
          {
            transactionId: txId,
            clientId: session.trader.id,
            email: session.trader.email,
            accountId: account.id,
            amount: formatCents(cents),
            currency: account.currency,
            method,
            completedAt: new Date(now).toISOString(),
          },
          now,
        ),
      ];
    });
    await outbox.dispatch(ids);
    await audit.record({
      actorType: 'trader',
      actorId: session.trader.id,
      action: `platform.${kind}`,
      targetType: 'platform_account',
      targetId: account.id,
      ip: meta.ip,
      requestId: meta.requestId,
      meta: { amount: formatCents(cents), currency: account.currency },
    });
    return {
      transactionId: txId,
      type: kind,
      amount: formatCents(cents),
      currency: account.currency,
      accountId: account.id,
      balance: formatCents(Number(account.balance_cents) + (kind === 'deposit' ? cents : -cents)),
    };
  }

  return {
    /** Submits an account's challenge check and starts following it (the `platform.account.sync` job). */
    submitCheck,

    /** Starts watching the account live (a monitor in the platform's tenant, the check's rules). */
    startMonitor: (account: PlatformAccountRow) => deps.monitors.start(account),

    async accounts(
      session: Session,
    ): Promise<{ accounts: Array<AccountObjectives & { monitor: MonitorPanel | null }> }> {
      const rows = await repo.accountsOf(session.trader.id);
      const out: Array<AccountObjectives & { monitor: MonitorPanel | null }> = [];
      for (const a of rows) {
        let job: Record<string, unknown> | null = null;
        if (a.check_job_id) job = await deps.checks.get(PLATFORM_TENANT, a.check_job_id).catch(() => null);
        out.push({ ...buildObjectives(a, job), monitor: await deps.monitors.panel(a.id) });
      }
      return { accounts: out };
    },

    /** The account's live monitor (the dashboard re-reads it every few seconds), with the account's status. */
    async monitor(
      session: Session,
      accountId: string,
    ): Promise<{ accountId: string; status: string; monitor: MonitorPanel | null }> {
      const a = await ownAccount(session, accountId);
      return { accountId: a.id, status: a.status, monitor: await deps.monitors.panel(a.id) };
    },

    /** Equity points for the chart (at most ~600) and the account's current equity. */
    async equity(
      session: Session,
      accountId: string,
    ): Promise<{
      accountId: string;
      points: Array<{ time: number; value: number }>;
      current: { equity: number; balance: number; at: string };
    }> {
      const a = await ownAccount(session, accountId);
      const creds = { login: a.login, server: a.server, password: deps.sealer.open(a.password_enc, a.id) };
      const [history, info] = await Promise.all([
        deps.connectors.fetchHistory(creds),
        deps.connectors.getAccountInfo(creds),
      ]);
      const snaps = history.equity ?? [];
      const step = Math.max(1, Math.ceil(snaps.length / 600));
      const points: Array<{ time: number; value: number }> = [];
      let lastTime = -1;
      // Every step-th snapshot and always the last one, so the line ends at the account's equity.
      const picked = snaps.filter((_, i) => i % step === 0 || i === snaps.length - 1);
      for (const snap of picked) {
        const time = Math.floor(Date.parse(snap.time) / 1000);
        if (time > lastTime) points.push({ time, value: snap.equity });
        else if (time === lastTime) points[points.length - 1] = { time, value: snap.equity };
        lastTime = Math.max(lastTime, time);
      }
      return {
        accountId: a.id,
        points,
        current: { equity: info.equity, balance: info.balance, at: new Date(clock.now()).toISOString() },
      };
    },

    deposit: (
      session: Session,
      input: { accountId: string; amount: number | string; method?: string | undefined },
      meta: RequestMeta,
    ) => moveMoney(session, 'deposit', input, meta),
    withdraw: (
      session: Session,
      input: { accountId: string; amount: number | string; method?: string | undefined },
      meta: RequestMeta,
    ) => moveMoney(session, 'withdrawal', input, meta),

    /** Queue handler: follows an account's check; when it ends, records pass/fail and tells the CRM. */
    async syncAccount(payload: AccountSyncPayload): Promise<void> {
      const { account_id: accountId, round } = payload;
      const a = await repo.findAccount(accountId);
      if (!a?.check_job_id || a.status !== 'active') return;
      const job = await deps.checks.get(PLATFORM_TENANT, a.check_job_id);
      if (job.status === 'queued' || job.status === 'running') {
        if (round < 60)
          await deps.queue.enqueue(
            accountSyncJob,
            { account_id: accountId, round: round + 1 },
            {
              id: `sync-${accountId}-${a.check_job_id}-${round + 1}`,
              delayMs: Math.min(30_000, 250 * 2 ** Math.min(round, 7)),
              maxAttempts: 3,
            },
          );
        return;
      }
      const status = job.status === 'passed' ? 'passed' : job.status === 'failed' ? 'failed' : null;
      if (!status) return; // an error: the dashboard shows it; no pass/fail to report
      const trader = (await repo.findTrader(a.trader_id))!;
      const now = clock.now();
      // The account's balance is what the check read on the MT5 account (trading P/L included),
      // not the opening balance the platform booked: the CRM and the dashboard show that one figure.
      const read = (job.metrics as { current_balance?: unknown } | undefined)?.current_balance;
      const readCents = typeof read === 'number' ? parseCents(read) : null;
      const balance_cents = readCents ?? Number(a.balance_cents);
      const ids = await db.transaction().execute(async (tx) => {
        if (!(await repo.finishActiveAccount(a.id, { status, balance_cents }, now, tx))) return [];
        return [
          await outbox.add(
            tx,
            'account.updated',
            {
              ...accountEventData(
                trader,
                { ...a, status, balance_cents },
                status === 'passed' ? 'challenge_passed' : 'challenge_failed',
              ),
              reason: challengeReason('check', (job.violations ?? []) as Array<Record<string, unknown>>, now),
            },
            now,
          ),
        ];
      });
      await outbox.dispatch(ids);
      // The account has ended: its monitor has nothing left to watch.
      if (ids.length > 0) await deps.monitors.stop(a.id);
    },
  };
}
