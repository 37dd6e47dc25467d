// stripe-meters/emulator: the runtime-neutral emulator (no Node module, no Node global).
// The Node HTTP server is stripe-meters/emulator/server.
export { createEmulator, type Emulator } from './emulator.js';
export type { EmulatorOptions, FaultKind, FaultRequest, FaultRule } from './options.js';
export type { ClockAdvance, ClockSettings, EmulatorClock } from './clock.js';
export type { EmulatorAnswer, EmulatorRequest, RequestCounts } from './core.js';
export type { Delivery } from './injected.js';
export type { EmulatorStats, EventFilter, StoredEvent } from './introspect.js';
export type { RequestRecord } from './request-log.js';
export type { Via } from './series.js';
export type { MeterErrorCode, MeterErrorReport, MeterErrorSample } from './error-reports.js';
export type { FeedItem } from './feed.js';
export type { EmulatorState } from './persist.js';
export type { ThinEvent, ThinEventDelivery, WebhookDestination } from './thin-events.js';
