// The emulator's options. Defaults follow Stripe's documented behaviour; where Stripe's is unknown
// (../shared/reference/meter-semantics.md §10) the default is the closest documented behaviour and
// an option turns on the other reading.
import type { ClockSettings } from './clock.js';
import type { RequestRecord } from './request-log.js';
import type { WebhookDestination } from './thin-events.js';

/** What a fault does; see FaultRule.fault. */
export type FaultKind =
  | 'slow'
  | 'hang'
  | 'hang_after'
  | 'cut_body'
  | 'stall_body'
  | 'not_json'
  | 'reset'
  | 'reset_after'
  | 'conflict'
  | 'rate_limit'
  | 'server_error'
  | 'redirect'
  | 'error'
  | 'session_expired';

/** What a fault rule's `when` sees of a request. */
export interface FaultRequest {
  method: string;
  /** The request path, without the query. */
  path: string;
  /** The operation id (`PostBillingMeterEvents`). */
  operationId: string;
  idempotencyKey: string | undefined;
  /** How many requests with this Idempotency-Key arrived since the rules were set, this one included (1 without a key). */
  attempt: number;
  /** 1-based count of API requests since the rules were set, this one included. */
  n: number;
}

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
   * What happens. Applied first (the request takes effect, then the answer is disturbed):
   * `slow` answers after `delayMs`; `hang_after` never answers; `cut_body` sends the status, the
   * headers (Content-Length of the whole body) and half the body, then drops the connection;
   * `stall_body` sends half the body, stalls `delayMs`, then drops the connection; `not_json`
   * answers `status` (200) with an HTML page, as a proxy might; `reset_after` drops the
   * connection without answering. Not applied: `reset` drops the connection; `hang` never
   * answers; `conflict` is 409 (v1 `lock_timeout`, v2 `too_many_concurrent_requests`);
   * `rate_limit` is 429 (Retry-After only when `retryAfterSeconds` is given); `server_error` is
   * `status` (500-599); `redirect` is 302 to `location`; `error` is any `status` in Stripe's error
   * shape (`code`, `type`, `message`); `session_expired` expires the request's session token and
   * answers 401 `temporary_session_expired`, as the stream does for an expired token.
   * In process a dropped connection rejects the fetch (or errors the body stream) with a
   * TypeError, as a runtime's fetch does, and every wait honours the request's AbortSignal.
   */
  fault: FaultKind;
  /** Probability that a matching request fails (drawn from a seeded generator). @default 1 */
  rate?: number;
  /** The rule is spent after failing this many requests. @default unlimited */
  times?: number;
  /**
   * Only the n-th request carrying the same Idempotency-Key (1: the first attempt, 2: the first
   * retry), counted from when the rules were set. Requests without a key are attempt 1.
   * @default every attempt
   */
  attempt?: number;
  /** In process only (not over HTTP): fails only the requests for which it returns true. @default every request */
  when?: (request: FaultRequest) => boolean;
  /** `rate_limit`: the Retry-After header. @unit seconds @default no Retry-After header */
  retryAfterSeconds?: number;
  /**
   * The status: `server_error` 500-599 (default 500); `error` 400-599 (required); `not_json`
   * (default 200); `cut_body` and `stall_body` answer this error status (in Stripe's shape, not
   * applied) instead of the operation's answer. @default see each kind
   */
  status?: number;
  /** `error`: the error's `code`. @default none on v1, `injected_error` on v2 */
  code?: string;
  /** `error`: the error's `type`. @default "api_error" for 5xx, "invalid_request_error" otherwise */
  type?: string;
  /** `error`: the error's message. @default a message naming the injected status */
  message?: string;
  /** `slow`: how long before the answer; `stall_body`: how long the body stalls. @unit milliseconds @default 1000 */
  delayMs?: number;
  /** `redirect`: the Location header. @default "/v1/billing/meters/redirected" */
  location?: string;
  /** Adds `Stripe-Should-Retry: true` or `false` to the injected answer. @default no header */
  shouldRetry?: boolean;
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
  /**
   * The request log (`emulator.requests()`, the dashboard): how many requests it keeps, and
   * whether each record keeps the request's headers and exact body bytes (for byte-parity tests).
   * @default { size: 1000, bodies: false }
   */
  requestLog?: { size?: number; bodies?: boolean };
  /** Called with every request (headers and exact body bytes included) once it is answered. @default none */
  onRequest?: (record: RequestRecord) => void;
  /**
   * Where to post Stripe's thin events for meter error reports
   * (`v1.billing.meter.error_report_triggered`, `v1.billing.meter.no_meter_found`), each signed with
   * its `whsec_` secret as Stripe signs. An event is emitted once its report's window (a minute of
   * the emulator's clock) has closed. @default none (the events are still served at /v2/core/events)
   */
  webhooks?: WebhookDestination[];
  /** The fetch thin events are posted with. @default globalThis.fetch */
  webhookFetch?: typeof fetch;
  /** How many live-feed items (the dashboard's) to keep. @default 50 */
  feedSize?: number;
  /** Where the emulator's clock starts and whether it follows the host clock. @default the host's time, following it */
  clock?: ClockSettings;
  /**
   * Called when the emulator quietly ignores something Stripe would also ignore, such as a cancel
   * that matches no event. @default console.warn
   */
  onWarning?: (message: string) => void;
}
