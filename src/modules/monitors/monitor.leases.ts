/**
 * Which monitors a live process watches: its leases (monitor.runtime.ts runs a round at each slot
 * that needs one). A lease is a row's `lease_owner` + `lease_expires_at`; see `round`.
 */
import type { Clock } from '../../infra/clock.ts';
import type { Metrics } from '../../infra/metrics.ts';
import type { MonitorRepository, Partition } from './monitor.repository.ts';
import type { MonitorRow } from './monitor.table.ts';
import type { Watch } from './monitor.watch.ts';

export interface LeaseDeps {
  deps: {
    clock: Clock;
    metrics: Pick<Metrics, 'monitorsWatched'>;
    leaseMs: number;
    takeOver: boolean;
    partition?: Partition;
    claimBatch?: number;
  };
  repo: MonitorRepository;
  owner: string;
  watches: Map<string, Watch>;
  watch(row: MonitorRow): void;
  unwatch(w: Watch): void;
}

export function createLeases(o: LeaseDeps) {
  const watches = o.watches;
  const state = { lastLeaseAt: -Infinity, leaseNow: false };
  const fullDue = () => o.deps.clock.now() - state.lastLeaseAt >= o.deps.leaseMs / 3;
  return {
    /** A monitor was started: claim at the next slot instead of at the next full round. */
    claimSoon(): void {
      state.leaseNow = true;
    },
    /** A full round is due (the first, and every third of the lease after it). */
    fullDue,
    /** A round of either kind is due. */
    due: () => state.leaseNow || fullDue(),
    /** Whether the process has run a full round yet (it then holds leases to give up). */
    started: () => state.lastLeaseAt > -Infinity,
    /**
     * Claims monitors and keeps the leases. Several processes: claim a batch of the free or expired,
     * renew, and reread which it holds (another may have stopped or taken one). The embedded process
     * (takeOver) takes every monitor in its first round, then only new ones; it renews nothing (no
     * other process looks) and learns of a monitor stopped elsewhere when its next write misses.
     * Between full rounds (every third of the lease), a monitor just started is only claimed
     * (`full` false): renewing and rereading every lease held at each new monitor would cost a
     * process with thousands as much as their readings.
     */
    async round(full: boolean): Promise<void> {
      const now = o.deps.clock.now();
      const first = state.lastLeaseAt === -Infinity;
      if (full) state.lastLeaseAt = now;
      state.leaseNow = false;
      let batch = o.deps.takeOver ? 1_000_000 : (o.deps.claimBatch ?? 1_000);
      // Several processes: each claims up to an even share, and gives up what it holds over it.
      let share = Infinity;
      if (!o.deps.takeOver) {
        const s = await o.repo.share(o.owner, now, now - o.deps.leaseMs);
        share = Math.ceil(s.monitors / Math.max(1, s.processes));
        batch = Math.max(0, Math.min(batch, share - watches.size));
      }
      const claimed =
        batch > 0
          ? await o.repo.claim(o.owner, now, o.deps.leaseMs, {
              limit: batch,
              take: !o.deps.takeOver ? 'free' : first ? 'steal' : 'unheld',
              ...(o.deps.takeOver && o.deps.partition ? { partition: o.deps.partition } : {}),
            })
          : [];
      if (!o.deps.takeOver && full) {
        await o.repo.renew(o.owner, now, o.deps.leaseMs);
        let held = await o.repo.held(o.owner);
        const excess = held.length - share;
        if (excess > 0) {
          const given = held.slice(held.length - excess).map((r) => r.id);
          await o.repo.releaseSome(o.owner, given);
          const gone = new Set(given);
          held = held.filter((r) => !gone.has(r.id));
        }
        const heldIds = new Set(held.map((r) => r.id));
        for (const w of [...watches.values()]) if (!heldIds.has(w.row.id) || w.done) o.unwatch(w);
        for (const r of held) {
          const w = watches.get(r.id);
          if (w && (r.sequence !== w.row.sequence || r.status !== w.row.status)) {
            const row = await o.repo.find(r.id);
            if (row) w.row = row;
          }
        }
      }
      const fresh = claimed.filter((id) => !watches.has(id));
      for (const row of await o.repo.findMany(fresh)) o.watch(row);
      o.deps.metrics.monitorsWatched.set(watches.size);
      // A full batch claimed: more may be waiting, so the next round claims again at once.
      if (batch > 0 && claimed.length >= batch) state.leaseNow = true;
    },
  };
}
