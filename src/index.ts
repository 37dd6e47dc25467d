export { StripeMeters, DEFAULT_BASE_URL, DEFAULT_METER_EVENTS_BASE_URL, DEFAULT_MAX_NETWORK_RETRIES, DEFAULT_TIMEOUT_MS } from './client.js';
export { API_VERSION } from '../generated/schema.js';
export type { FetchLike, LastResponse, RequestEvent, RequestOptions, ResponseEvent, StripeMetersOptions, WithLastResponse } from './options.js';
export { ListPromise, MAX_AUTO_PAGING_TO_ARRAY } from './list-promise.js';
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
  type StripeRawError,
} from './errors.js';
export type { Meters } from './resources/meters.js';
export type { MeterEvents, MeterEventAdjustments, MeterEventCreateInput, MeterEventPayload } from './resources/meter-events.js';
export type {
  MeterEventSessions,
  MeterEventStreamRequests,
  V2MeterEvents,
  V2MeterEventAdjustments,
  V2MeterEventCreateInput,
  V2MeterEventStreamCreateInput,
} from './resources/v2-billing.js';
export { MeterEventStream, type MeterEventStreamEvent, type MeterEventStreamOptions, type MeterEventStreamStats } from './stream/meter-event-stream.js';
export { MeterEventStreamClosedError, MeterEventStreamError, type MeterEventStreamFailure } from './stream/errors.js';
export type * from './types.js';
