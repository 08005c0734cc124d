export * from './connector.ts';
export * from './router.ts';
export type * from './history.ts';
import type { ConnectorRouter } from './router.ts';
import { createConnectorRouter } from './router.ts';
import { DEMO_SERVER, SimulatorConnector, type SimulatorOptions } from './simulator/index.ts';

/** The default server map until the servers config file lands: the simulator serves `Brymix-Demo`. */
export function createDefaultConnectorRouter(opts: { simulator?: SimulatorOptions } = {}): ConnectorRouter {
  return createConnectorRouter({ [DEMO_SERVER]: new SimulatorConnector(opts.simulator) });
}
