// The emulator's options. Defaults follow Stripe's documented behaviour; where Stripe's is unknown
// (../shared/reference/meter-semantics.md §10) the default is the closest documented behaviour and
// an option turns on the other reading.
import type { ClockSettings } from './clock.js';

/** A fault to inject, so that your own retry paths can be tested. */
export interface FaultRule {
  /**
   * Which requests: a request path (`/v1/billing/meter_events`), a path template from the spec
   * (`/v1/billing/meters/{id}`) or an operation id (`PostBillingMeterEvents`).
   * @default every API path (the `/_emulator` control endpoints never fail)
   */
  path?: string;
  /** Only requests with this method. @default any method */
  method?: 'GET' | 'POST';
  /**
   * What happens: `rate_limit` answers 429 with Retry-After, `server_error` 500, `conflict` 409
   * (v1 `lock_timeout`, v2 `too_many_concurrent_requests`), all without applying the request;
   * `reset` drops the connection before the request is applied, `reset_after` after it was
   * applied (the answer is lost). In process a reset rejects the fetch with a TypeError, as a
   * runtime's fetch does.
   */
  fault: 'rate_limit' | 'server_error' | 'conflict' | 'reset' | 'reset_after';
  /** Probability that a matching request fails (drawn from a seeded generator). @default 1 */
  rate?: number;
  /** The rule is spent after failing this many requests. @default unlimited */
  times?: number;
  /** The Retry-After header of `rate_limit` answers. @unit seconds @default 1 */
  retryAfterSeconds?: number;
}

/** Options of createEmulator(); every one can be left out. */
export interface EmulatorOptions {
  /** Lifetime of a v2 meter event session token (Stripe: 15 minutes). @unit seconds @default 900 */
  sessionLifetimeSeconds?: number;
  /**
   * How long an event identifier stays taken after the event was received. Stripe says "a rolling
   * 24 hours" (v2) and "at least 24 hours" (v1). @unit seconds @default 86400
   */
  identifierWindowSeconds?: number;
  /**
   * Which usage values are valid: `decimal` (current docs: finite decimals, negative ones
   * included, at most 15 significant digits) or `integer` (older docs and v2's error text: whole
   * numbers only). @default "decimal"
   */
  values?: 'decimal' | 'integer';
  /**
   * What the `last` formula takes: the event with the greatest `timestamp` (ties go to the one
   * received last), or simply the one received last. Stripe does not say. @default "timestamp"
   */
  last?: 'timestamp' | 'received';
  /**
   * Whether summaries grouped by hour or day include buckets without events, with value 0.
   * Stripe's docs example omits them. @default false
   */
  emptyBuckets?: boolean;
  /**
   * Whether a cancel that matches nothing (unknown identifier, another event name, received more
   * than 24 hours ago, already cancelled) is refused with 400. Stripe documents no error; by
   * default the emulator answers `pending` like Stripe, applies nothing and calls onWarning.
   * @default false
   */
  strictAdjustments?: boolean;
  /**
   * How long after it was received an event starts to count in summaries (Stripe's summaries are
   * eventually consistent). @unit seconds @default 0
   */
  summaryLagSeconds?: number;
  /**
   * Whether a customer id exists in the account. Events for other customers do not count and are
   * reported as `meter_event_customer_not_found`. @default every customer exists
   */
  customerExists?: (customer: string, account: string | undefined) => boolean;
  /** Faults to inject (also settable later with setFaults()). @default none */
  faults?: readonly FaultRule[];
  /** Seed of the generator that draws fault rates, so a run with faults is reproducible. @default 1 */
  faultSeed?: number;
  /**
   * Requests per second per account before answering 429 (Stripe's test mode allows 25), counted
   * on the host clock. @default no limit
   */
  rateLimitPerSecond?: number;
  /** Where the emulator's clock starts and whether it follows the host clock. @default the host's time, following it */
  clock?: ClockSettings;
  /**
   * Called when the emulator quietly ignores something Stripe would also ignore, such as a cancel
   * that matches no event. @default console.warn
   */
  onWarning?: (message: string) => void;
}
