// Everything public, by name. Nothing here comes from src/internal. The package is free of side
// effects: a bundle keeps only what it uses (the core and one resource, say).
export { StripeMetersCore } from './client-core.js';
export { StripeMeters } from './client.js';
export type { InitOf, PathOf, RawClient, RawInit, ResultOf } from './client-raw.js';
export { Meters } from './resources/meters.js';
export { MeterEvents, MeterEventAdjustments } from './resources/meter-events.js';
export { V2MeterEventSessions, V2MeterEventStream, V2MeterEvents, V2MeterEventAdjustments } from './resources/v2-billing.js';
export { MeterEventSender, type MeterEventSenderEvent, type MeterEventSenderOptions, type MeterEventSenderStats, type ShutdownOptions } from './sender/meter-event-sender.js';
export { MeterEventSenderAbortedError, MeterEventSenderClosedError, MeterEventSenderError, type MeterEventSenderFailure, type UndeliveredEvent } from './sender/errors.js';
export { DEFAULT_MAX_NETWORK_RETRIES, DEFAULT_TIMEOUT_MS } from './options.js';
export type { FetchLike, LastResponse, RequestEvent, RequestOptions, ResponseEvent, RetryDelayOptions, StripeMetersOptions, WithLastResponse } from './options.js';
export { DEFAULT_BASE_URL, DEFAULT_METER_EVENTS_BASE_URL } from './servers.js';
export { API_VERSION } from '../generated/schema.js';
export { ListPromise, MAX_AUTO_PAGING_TO_ARRAY, type Cursor } from './list-promise.js';
export {
  StripeError,
  StripeInvalidRequestError,
  StripeInvalidParameterError,
  StripeAuthenticationError,
  StripePermissionError,
  StripeRateLimitError,
  StripeIdempotencyError,
  StripeAPIError,
  StripeConnectionError,
  TemporarySessionExpiredError,
  type SentIdentifiers,
  type StripeRawError,
} from './errors.js';
export { isDuplicateMeterEvent } from './rules/duplicates.js';
export type * from './types.js';
