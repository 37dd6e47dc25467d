// The batching sender's options (defaults and limits) and its stats.
import { PostV2BillingMeterEventStream } from '../../generated/rules.js';
import { StripeInvalidParameterError } from '../errors.js';
import { checkInteger, MAX_TIMER_MS } from '../internal/check-options.js';
import type { MeterEventPayload } from '../types.js';
import type { MeterEventSenderFailure } from './errors.js';

/** Stripe's limit of events per stream request, from the spec. */
const MAX_STREAM_BATCH = PostV2BillingMeterEventStream.params.properties.events.maxItems;

export interface MeterEventSenderOptions {
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
  /**
   * How long an event may be retried, from its first send attempt, before it fails: connection
   * errors, timeouts, broken answers, 409, 429 and 5xx (on the stream and on session creation)
   * are retried with the client's backoff until then, and an expired session token is replaced.
   * @unit milliseconds @default 300000 (5 minutes)
   */
  retryBudgetMs?: number;
  /** Refresh the session token this long before it expires. @unit milliseconds @default 60000 */
  refreshMarginMs?: number;
  /**
   * Called once for each event that failed for good or was not delivered within retryBudgetMs.
   * Without it (or when it throws, or its promise rejects), failures surface on the next send(),
   * flush() or close(), and are printed once if none of those comes within a second. Without it
   * and without the client's onResponse, a sender that has delivered nothing for 10 seconds while
   * it retries prints one line saying why.
   */
  onError?: (failure: MeterEventSenderFailure) => void;
}

/** An event for the sender; `identifier` and `timestamp` are filled in by send() when absent. */
export interface MeterEventSenderEvent {
  event_name: string;
  payload: MeterEventPayload;
  identifier?: string;
  /** RFC 3339 date-time with a time zone, or a Date. @default the time of send() */
  timestamp?: string | Date;
}

export interface MeterEventSenderStats {
  /** Events accepted by send(). */
  sent: number;
  /** Events Stripe accepted (a 200 for their batch). */
  accepted: number;
  /** Events that failed for good or ran out of retry budget (reported through onError, or surfaced as MeterEventSenderError). */
  failed: number;
  /** Events handed back undelivered by an aborted close(). sent = accepted + failed + returned + buffered. */
  returned: number;
  /** Batch requests sent, each attempt counted, as they end. */
  attempts: number;
  /** Event sends repeated after a failed attempt (same identifiers). */
  retried: number;
  /** Batch requests Stripe accepted. */
  batches: number;
  /** Session tokens created. */
  sessionsCreated: number;
  /** Attempts to create a session token that failed, as they happen. */
  sessionFailures: number;
  /** What went wrong last (a request or a session creation), whether or not it was retried; keys and tokens masked. */
  lastError: string | undefined;
  /** Events queued or in flight now, and the most there ever were. */
  buffered: number;
  peakBuffered: number;
}

export interface SenderSettings {
  batchSize: number;
  intervalMs: number;
  concurrency: number;
  maxBuffered: number;
  budgetMs: number;
  refreshMarginMs: number;
  onError: ((failure: MeterEventSenderFailure) => void) | undefined;
}

const KNOWN = new Set(['maxBatchSize', 'flushIntervalMs', 'maxConcurrency', 'maxBufferedEvents', 'retryBudgetMs', 'refreshMarginMs', 'onError']);

/** Checks the options and fills in the defaults. */
export function senderSettings(options: unknown = {}): SenderSettings {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) throw new StripeInvalidParameterError('options', 'meterEventSender options must be an object');
  for (const key of Object.keys(options)) if (!KNOWN.has(key)) throw new StripeInvalidParameterError(key, `${key} is not a meterEventSender option (known: ${[...KNOWN].join(', ')})`);
  const o = options as MeterEventSenderOptions;
  const batchSize = checkInteger(o.maxBatchSize, 'maxBatchSize', 1, MAX_STREAM_BATCH, MAX_STREAM_BATCH);
  const concurrency = checkInteger(o.maxConcurrency, 'maxConcurrency', 1, 256, 8);
  if (o.onError !== undefined && typeof o.onError !== 'function') throw new StripeInvalidParameterError('onError', 'onError must be a function');
  return {
    batchSize,
    concurrency,
    intervalMs: checkInteger(o.flushIntervalMs, 'flushIntervalMs', 0, 3_600_000, 100),
    maxBuffered: checkInteger(o.maxBufferedEvents, 'maxBufferedEvents', batchSize, 10_000_000, 2 * concurrency * batchSize),
    budgetMs: checkInteger(o.retryBudgetMs, 'retryBudgetMs', 0, MAX_TIMER_MS, 300_000),
    refreshMarginMs: checkInteger(o.refreshMarginMs, 'refreshMarginMs', 0, 14 * 60_000, 60_000),
    onError: o.onError,
  };
}
