export { AS_OF_MS, pragueDate, serverUtcOffsetMinutes } from './calendar.ts';
export { SYMBOLS, type SymbolName } from './market.ts';
export { hashString } from './prng.ts';
export { type TraderProfile, type TraderStyle, traderProfile } from './random-trader.ts';
export { DEMO_LOGINS, type DemoLogin, INITIAL_BALANCE } from './scenarios.ts';
export {
  DEMO_LEVERAGE,
  DEMO_PASSWORD,
  DEMO_SERVER,
  type GenerateOptions,
  generateAccount,
  type SimulatedAccount,
  SimulatorConnector,
  type SimulatorOptions,
  UNREACHABLE_LOGIN,
} from './simulator.ts';
