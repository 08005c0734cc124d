export {
  DEMO_LEVERAGE,
  DEMO_PASSWORD,
  DEMO_SERVER,
  SimulatorConnector,
  UNREACHABLE_LOGIN,
  generateAccount,
  type GenerateOptions,
  type SimulatedAccount,
  type SimulatorOptions,
} from './simulator.ts';
export { DEMO_LOGINS, INITIAL_BALANCE, type DemoLogin } from './scenarios.ts';
export { AS_OF_MS, pragueDate, serverUtcOffsetMinutes } from './calendar.ts';
export { SYMBOLS, type SymbolName } from './market.ts';
export { traderProfile, type TraderProfile, type TraderStyle } from './random-trader.ts';
export { hashString } from './prng.ts';
