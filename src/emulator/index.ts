// stripe-meters/emulator: the runtime-neutral emulator (no Node module, no Node global).
// The Node HTTP server is stripe-meters/emulator/server.
export { createEmulator, type Emulator } from './emulator.js';
export type { EmulatorOptions, FaultRule } from './options.js';
export type { ClockAdvance, ClockSettings, EmulatorClock } from './clock.js';
export type { EmulatorAnswer, EmulatorRequest } from './core.js';
export type { MeterErrorCode, MeterErrorReport, MeterErrorSample } from './error-reports.js';
