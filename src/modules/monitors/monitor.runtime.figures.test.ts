/**
 * What the API shows of a monitor a live process watches (its last reading, the figures saved every
 * MONITOR_SNAPSHOT_MS), and the monitor threads of one process on SQLite, each taking its own part.
 */
import { describe, expect, it } from 'vitest';
import { monitor, round, setup, view } from '../../../test/factories/live-monitor.ts';
import { servicesMode } from '../../../test/harness.ts';
import { inPartition } from './monitor.repository.ts';
import { createMonitorRuntime } from './monitor.runtime.ts';

describe('the monitor runtime, seen from the API and from threads', () => {
  it('shows a watched monitor as of its last reading, and saves its figures every MONITOR_SNAPSHOT_MS', async () => {
    const s = await setup();
    const a = s.scripted.add('7561');
    const id = await monitor(s, '7561', { alerts: [95] });
    const stored = async () =>
      (await s.stack.deps.dbHandle.db.selectFrom('monitors').selectAll().where('id', '=', id).executeTakeFirstOrThrow())
        .snapshot;
    await round(s);
    const saved = await stored();
    expect(JSON.parse(saved!).metrics.current_equity).toBe(100_000);
    a.equity = 98_765.43;
    await round(s);
    // The API answers with the reading of a second ago; the row keeps the figures saved before.
    expect(await view(s, id)).toMatchObject({ metrics: { current_equity: 98_765.43 }, data_age_ms: 0 });
    expect((await view(s, id)).limits).toEqual([
      expect.objectContaining({ rule: 'maximum_drawdown', used_percent: 12.35 }),
    ]);
    expect(await stored()).toBe(saved);
    // Once MONITOR_SNAPSHOT_MS (15 s) has passed, the figures are saved for other processes and restarts.
    await round(s, 15_000);
    expect(JSON.parse((await stored())!).metrics.current_equity).toBe(98_765.43);
    // A process that does not watch the monitor (the runtime stopped) shows the saved figures.
    a.equity = 97_000;
    await round(s);
    await s.stack.deps.monitorRuntime.stop();
    expect(await view(s, id)).toMatchObject({ metrics: { current_equity: 98_765.43 }, data_age_ms: 1_000 });
  });

  it.skipIf(servicesMode)(
    'monitor threads on SQLite: each takes its own part, and all of them together every monitor',
    async () => {
      const s = await setup();
      const ids: string[] = [];
      const accounts: ReturnType<typeof s.scripted.add>[] = [];
      for (let i = 0; i < 12; i++) {
        accounts.push(s.scripted.add(String(7600 + i)));
        ids.push(await monitor(s, String(7600 + i)));
      }
      // What `serve` runs on each of two threads, here on the test's event loop against the same database.
      const d = s.stack.deps;
      const runtimeOf = (index: number) =>
        createMonitorRuntime({
          db: d.dbHandle.db,
          clock: s.clock,
          logger: d.logger,
          metrics: d.metrics,
          sealer: d.sealer,
          connectors: d.connectors,
          events: d.monitorEvents,
          monitors: d.monitors,
          pollIntervalMs: 1_000,
          staleAfterMs: 30_000,
          readTimeoutMs: 5_000,
          leaseMs: 6_000,
          snapshotMs: 15_000,
          takeOver: true,
          partition: { index, count: 2 },
        });
      const runtimes = [runtimeOf(0), runtimeOf(1)];
      for (const r of runtimes) await r.tick();
      const owners = await d.dbHandle.db.selectFrom('monitors').select(['id', 'lease_owner']).execute();
      const byOwner = (o: string) => owners.filter((r) => r.lease_owner === o).map((r) => r.id);
      const [a, b] = runtimes.map((r) => byOwner(r.owner));
      expect(a!.length + b!.length).toBe(12);
      expect([...a!, ...b!].sort()).toEqual([...ids].sort());
      expect(a!.every((id) => inPartition(id, { index: 0, count: 2 }))).toBe(true);
      expect(runtimes.map((r) => r.stats().monitors)).toEqual([a!.length, b!.length]);
      // The API shows each thread's monitors as of that thread's last reading (both answer, not the last one started).
      for (const [i, acc] of accounts.entries()) acc.equity = 99_000 - i;
      s.clock.advance(1_000);
      for (const r of runtimes) await r.tick();
      for (const id of [a![0]!, b![0]!]) {
        const i = ids.indexOf(id);
        expect(await view(s, id)).toMatchObject({ metrics: { current_equity: 99_000 - i }, data_age_ms: 0 });
      }
      // A thread started again (a new owner) takes its part back from the one that died, and only its part.
      const again = runtimeOf(0);
      await again.tick();
      const after = await d.dbHandle.db.selectFrom('monitors').select(['id', 'lease_owner']).execute();
      const ownedBy = (o: string) =>
        after
          .filter((r) => r.lease_owner === o)
          .map((r) => r.id)
          .sort();
      expect(ownedBy(again.owner)).toEqual([...a!].sort());
      expect(ownedBy(runtimes[1]!.owner)).toEqual([...b!].sort());
    },
  );
});
