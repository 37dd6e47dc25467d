/**
 * How an attempt goes out when you bring your own: the standard fetch signature, (url, init). A
 * test double, a proxy-aware fetch or an in-process emulator's fetch all fit. The body is a
 * string (or absent), the headers a plain object.
 */
export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

/** What the onRequest hook sees of each attempt: never a key or token. */
export interface RequestEvent {
  method: string;
  url: string;
  /** 1 for the first attempt. */
  attempt: number;
  idempotencyKey: string | undefined;
}

/** What the onResponse hook sees of each attempt. */
export interface ResponseEvent extends RequestEvent {
  /** HTTP status, or undefined when no (complete) answer came. */
  status: number | undefined;
  requestId: string | undefined;
  /** Why the attempt failed without a usable answer (connection error, timeout, broken body). */
  error: string | undefined;
  /** @unit milliseconds */
  elapsedMs: number;
  /** Whether another attempt follows, and after how long. @unit milliseconds */
  retryInMs: number | undefined;
}

/** The client's per-attempt timeout when none is given. @unit milliseconds */
export const DEFAULT_TIMEOUT_MS = 80_000;
/** Retries after a failed attempt when maxNetworkRetries is not given. */
export const DEFAULT_MAX_NETWORK_RETRIES = 2;

/** Backoff between retries. */
export interface RetryDelayOptions {
  /** First backoff, doubling per attempt (before jitter). @unit milliseconds @default 500 */
  initialMs?: number;
  /** Backoff cap (before jitter). @unit milliseconds @default 8000 */
  maxMs?: number;
  /** Longest Retry-After honoured; longer ones are cut to this. @unit milliseconds @default 60000 */
  maxRetryAfterMs?: number;
}

/** Options of a StripeMeters client; every one can be left out. */
export interface StripeMetersOptions {
  /** Stripe-Version header. @default API_VERSION, the version the types were generated from */
  apiVersion?: string;
  /** Connected account to act as (Stripe-Account header). */
  stripeAccount?: string;
  /** Retries after a connection error, timeout, broken answer, 409, 429 or 5xx. @default 2 */
  maxNetworkRetries?: number;
  /** Per-attempt timeout, covering the whole answer. @unit milliseconds @default 80000 */
  timeout?: number;
  /** An absolute http(s) URL without credentials, query or fragment. @default "https://api.stripe.com" */
  baseUrl?: string;
  /** Host of the v2 meter event stream. @default "https://meter-events.stripe.com" */
  meterEventsBaseUrl?: string;
  /**
   * Send through this fetch instead of the built-in transport (on Node, `node:http` with a
   * keep-alive agent; elsewhere the runtime's fetch). Called as `fetch(url, init)` once per attempt.
   */
  fetch?: FetchLike;
  /** Backoff between retries; a Retry-After header wins. Shrink it in tests of failure handling. */
  retryDelay?: RetryDelayOptions;
  /** Called before each attempt, for logging. It never sees a key or token; if it throws, nothing changes. */
  onRequest?: (event: RequestEvent) => void;
  /**
   * Called after each attempt, with its status or error and whether another attempt follows
   * (`retryInMs`), whoever retries: a request's own retries, or a MeterEventSender's within its
   * retry budget. If it throws, nothing changes.
   */
  onResponse?: (event: ResponseEvent) => void;
  /**
   * The clock meter event timestamps are filled in and checked with (Stripe's window: 35 days back,
   * 5 minutes ahead). Point it at an emulator's clock in tests. @unit milliseconds since the epoch
   * @default Date.now
   */
  now?: () => number;
}

/** Per-request options, the last argument of every method. */
export interface RequestOptions {
  /** Idempotency-Key of this POST. @default a fresh UUID, reused on every retry of this call */
  idempotencyKey?: string;
  /** Connected account to act as, for this request. */
  stripeAccount?: string;
  /** API key for this request; for the v2 stream, the meter event session token. */
  apiKey?: string;
  /** Stripe-Version for this request. */
  apiVersion?: string;
  /** Retries for this request. @default the client's maxNetworkRetries */
  maxNetworkRetries?: number;
  /** Per-attempt timeout for this request. @unit milliseconds @default the client's timeout */
  timeout?: number;
  /** Aborts the request (and any retry) when it fires; the call rejects with the signal's reason. */
  signal?: AbortSignal | undefined;
}

/** What every result carries, non-enumerable, as `result.lastResponse`. */
export interface LastResponse {
  requestId: string | undefined;
  statusCode: number;
  /** The answer's headers, lower-case names. */
  headers: Record<string, string>;
  /** The Idempotency-Key sent (POST requests), the same on every attempt. */
  idempotencyKey: string | undefined;
  /** How many attempts the request took (1 when it was not retried). */
  attempts: number;
  /**
   * Set when a retried meter event create was refused as a duplicate of its own identifier: an
   * earlier attempt had landed but its answer was lost. The result is then rebuilt from what was
   * sent, and the event is counted once.
   */
  duplicateOfEarlierAttempt?: true;
}

/** A result with its `lastResponse`, as `Stripe.Response<T>` is in the official package. */
export type WithLastResponse<T> = T & { readonly lastResponse: LastResponse };
