export { StripeMeters, type RawClient, type RawInit } from './client.js';
export { DEFAULT_MAX_NETWORK_RETRIES, DEFAULT_TIMEOUT_MS } from './internal/client-config.js';
export { API_SERVER as DEFAULT_BASE_URL, METER_EVENTS_SERVER as DEFAULT_METER_EVENTS_BASE_URL } from './internal/operations.js';
export { API_VERSION } from '../generated/schema.js';
export type { FetchLike, LastResponse, RequestEvent, RequestOptions, ResponseEvent, RetryDelayOptions, StripeMetersOptions, WithLastResponse } from './options.js';
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
export type { Meters } from './resources/meters.js';
export type { MeterEvents, MeterEventAdjustments } from './resources/meter-events.js';
export type { MeterEventSessions, MeterEventStreamRequests, V2MeterEvents, V2MeterEventAdjustments } from './resources/v2-billing.js';
export {
  MeterEventStream,
  type MeterEventStreamEvent,
  type MeterEventStreamOptions,
  type MeterEventStreamStats,
  type ShutdownOptions,
} from './stream/meter-event-stream.js';
export { MeterEventStreamAbortedError, MeterEventStreamClosedError, MeterEventStreamError, type MeterEventStreamFailure, type UndeliveredEvent } from './stream/errors.js';
export type * from './types.js';
