// The stream's options (defaults and limits), its stats, and the events it accepts.
import { StripeInvalidParameterError } from '../errors.js';
import { newIdentifier } from '../internal/ids.js';
import { checkInteger, checkParams, normalizePayload } from '../internal/validate.js';
import { MAX_STREAM_BATCH } from '../resources/v2-billing.js';
import type { V2MeterEventInput } from '../types.js';
import type { MeterEventStreamFailure } from './errors.js';

export interface MeterEventStreamOptions {
  /** Events per request. @default 100 (Stripe's maximum) */
  maxBatchSize?: number;
  /** A partial batch is sent once its first event has waited this long. @unit milliseconds @default 100 */
  flushIntervalMs?: number;
  /** Batch requests in flight at once. @default 8 */
  maxConcurrency?: number;
  /**
   * Events held (queued or in flight) before send() waits for room.
   * @default 2 x maxConcurrency x maxBatchSize (1,600): enough to keep every request slot busy
   */
  maxBufferedEvents?: number;
  /** Retries of a batch request after connection errors, timeouts, 409, 429 and 5xx. @default 10 */
  maxNetworkRetries?: number;
  /** Refresh the session token this long before it expires. @unit milliseconds @default 60000 */
  refreshMarginMs?: number;
  /** Called once for each event that failed for good (without it, flush() and close() reject with them). */
  onError?: (failure: MeterEventStreamFailure) => void;
}

/** An event for the stream; `identifier` and `timestamp` are filled in by send() when absent. */
export interface MeterEventStreamEvent {
  event_name: string;
  payload: Record<string, string | number>;
  identifier?: string;
  /** RFC 3339 string or Date. @default the time of send() */
  timestamp?: string | Date;
}

export interface MeterEventStreamStats {
  /** Events accepted by send(). */
  sent: number;
  /** Events Stripe accepted (a 200 for their batch). */
  accepted: number;
  /** Events that failed for good (reported through onError or flush()). */
  failed: number;
  /** Event sends repeated after a failed attempt (same identifiers). */
  retried: number;
  /** Batch requests Stripe accepted. */
  batches: number;
  /** Session tokens created. */
  sessionsCreated: number;
  /** Events queued or in flight now, and the most there ever were. */
  buffered: number;
  peakBuffered: number;
}

export interface StreamSettings {
  batchSize: number;
  intervalMs: number;
  concurrency: number;
  maxBuffered: number;
  retries: number;
  refreshMarginMs: number;
  onError: ((failure: MeterEventStreamFailure) => void) | undefined;
}

/** An integer option with its limits and default (always a number, unlike checkInteger's result). */
function integerOption(value: unknown, name: string, min: number, max: number, fallback: number): number {
  return checkInteger(value, name, min, max, fallback) ?? fallback;
}

/** Checks the options and fills in the defaults. */
export function streamSettings(options: MeterEventStreamOptions = {}): StreamSettings {
  checkParams(options, 'options');
  const batchSize = integerOption(options.maxBatchSize, 'maxBatchSize', 1, MAX_STREAM_BATCH, MAX_STREAM_BATCH);
  const concurrency = integerOption(options.maxConcurrency, 'maxConcurrency', 1, 256, 8);
  if (options.onError !== undefined && typeof options.onError !== 'function') throw new StripeInvalidParameterError('onError', 'onError must be a function');
  return {
    batchSize,
    concurrency,
    intervalMs: integerOption(options.flushIntervalMs, 'flushIntervalMs', 0, 3_600_000, 100),
    maxBuffered: integerOption(options.maxBufferedEvents, 'maxBufferedEvents', batchSize, 10_000_000, 2 * concurrency * batchSize),
    retries: integerOption(options.maxNetworkRetries, 'maxNetworkRetries', 0, 100, 10),
    refreshMarginMs: integerOption(options.refreshMarginMs, 'refreshMarginMs', 0, 14 * 60_000, 60_000),
    onError: options.onError,
  };
}

let isoMs = -1;
let iso = '';
/** The current time as RFC 3339, formatted once per millisecond (events arrive many per ms). */
function now(): string {
  const ms = Date.now();
  if (ms !== isoMs) {
    isoMs = ms;
    iso = new Date(ms).toISOString();
  }
  return iso;
}

/** Checks an event and returns it as sent: payload values as strings, identifier and timestamp filled in. */
export function prepareEvent(event: MeterEventStreamEvent): V2MeterEventInput {
  checkParams(event, 'event');
  if (typeof event.event_name !== 'string' || event.event_name === '') {
    throw new StripeInvalidParameterError('event_name', 'event_name must be a non-empty string');
  }
  const { identifier, timestamp } = event;
  if (identifier !== undefined && (typeof identifier !== 'string' || identifier === '' || identifier.length > 100)) {
    throw new StripeInvalidParameterError('identifier', 'identifier must be a string of 1 to 100 characters');
  }
  let time: string;
  if (timestamp === undefined) time = now();
  else if (timestamp instanceof Date && Number.isFinite(timestamp.getTime())) time = timestamp.toISOString();
  else if (typeof timestamp === 'string' && !Number.isNaN(Date.parse(timestamp))) time = timestamp;
  else throw new StripeInvalidParameterError('timestamp', 'timestamp must be a Date or an RFC 3339 string');
  return { event_name: event.event_name, payload: normalizePayload(event.payload), identifier: identifier ?? newIdentifier(), timestamp: time };
}
