/**
 * A simulated MT5 server whose accounts move: wraps the deterministic simulator and drifts equity
 * and open-position profit with every read, so live widgets and streams have something to show.
 * It counts upstream reads and can be switched to fail (MT5 server unreachable).
 */
import { ConnectorError, type FetchOptions, type Mt5Connector, type Mt5Credentials } from '../../src/mt5/connector.ts';
import type { AccountHistory, AccountInfo, OpenPosition } from '../../src/mt5/history.ts';
import { type ConnectorRouter, createConnectorRouter } from '../../src/mt5/router.ts';
import { DEMO_SERVER, SimulatorConnector } from '../../src/mt5/simulator/index.ts';

export interface LiveConnector extends Mt5Connector {
  reads: { info: number; positions: number; history: number };
  failing: boolean;
  /** Money added to equity per info read (default 12.5). */
  step: number;
}

export function createLiveConnector(opts: { latencyMs?: number; step?: number } = {}): LiveConnector {
  const sim = new SimulatorConnector({ latencyMs: opts.latencyMs ?? 0 });
  const ticks = new Map<string, number>();
  const c: LiveConnector = {
    kind: 'simulator',
    reads: { info: 0, positions: 0, history: 0 },
    failing: false,
    step: opts.step ?? 12.5,
    async getAccountInfo(creds: Mt5Credentials, o?: FetchOptions): Promise<AccountInfo> {
      c.reads.info++;
      if (c.failing) throw new ConnectorError('unreachable', 'MT5 server did not respond', true);
      const info = await sim.getAccountInfo(creds, o);
      const tick = (ticks.get(creds.login) ?? 0) + 1;
      ticks.set(creds.login, tick);
      const equity = Math.round((info.equity + tick * c.step) * 100) / 100;
      return {
        ...info,
        equity,
        free_margin: Math.round((info.free_margin + tick * c.step) * 100) / 100,
        as_of: new Date().toISOString(),
      };
    },
    async getPositions(creds: Mt5Credentials, o?: FetchOptions): Promise<OpenPosition[]> {
      c.reads.positions++;
      if (c.failing) throw new ConnectorError('unreachable', 'MT5 server did not respond', true);
      const tick = ticks.get(creds.login) ?? 0;
      const real = await sim.getPositions(creds, o);
      // Every account shows one open position whose profit follows the drift.
      const demo: OpenPosition = {
        ticket: 9_000_001,
        symbol: 'EURUSD',
        type: 'buy',
        volume: 1,
        open_price: 1.085,
        current_price: Math.round((1.085 + tick * 0.000125) * 1e5) / 1e5,
        sl: 1.08,
        tp: 1.1,
        swap: 0,
        profit: Math.round(tick * c.step * 100) / 100,
        open_time: '2026-01-23T20:00:00.000Z',
      };
      return [...real, demo];
    },
    async fetchHistory(creds: Mt5Credentials, o?: FetchOptions): Promise<AccountHistory> {
      c.reads.history++;
      if (c.failing) throw new ConnectorError('unreachable', 'MT5 server did not respond', true);
      return sim.fetchHistory(creds, o);
    },
  };
  return c;
}

export function liveRouter(c: LiveConnector): ConnectorRouter {
  return createConnectorRouter({ [DEMO_SERVER]: c });
}
