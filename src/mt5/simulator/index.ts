export { DEMO_SERVER, SimulatorConnector, type SimulatorOptions } from './simulator.ts';
