import type { FetchLike, RequestEvent, ResponseEvent } from './internal/transport.js';

export type { FetchLike, RequestEvent, ResponseEvent };

/** Options of a StripeMeters client; every one can be left out. */
export interface StripeMetersOptions {
  /** Stripe-Version header. @default the version generated/schema.ts was generated from */
  apiVersion?: string;
  /** Connected account to act as (Stripe-Account header). */
  stripeAccount?: string;
  /** Retries after a connection error, timeout, 409, 429 or 5xx. @default 2 */
  maxNetworkRetries?: number;
  /** Per-attempt timeout. @unit milliseconds @default 80000 */
  timeout?: number;
  /** @default "https://api.stripe.com" */
  baseUrl?: string;
  /** Host of the v2 meter event stream. @default "https://meter-events.stripe.com" */
  meterEventsBaseUrl?: string;
  /**
   * The fetch to send requests with, called as `fetch(url, init)`: a test double, a proxy-aware
   * fetch, or `undiciFetch()` from `stripe-meters/undici` (faster in Node). @default globalThis.fetch
   */
  fetch?: FetchLike;
  /**
   * Backoff between retries: `initialMs` doubling per attempt up to `maxMs`, with jitter; a
   * Retry-After header wins, up to `maxRetryAfterMs`. Shrink it in tests of failure handling.
   * @default { initialMs: 500, maxMs: 8000, maxRetryAfterMs: 60000 }
   */
  retryDelay?: { initialMs?: number; maxMs?: number; maxRetryAfterMs?: number };
  /** Called before each attempt (for logging; it never sees a key or token). */
  onRequest?: (event: RequestEvent) => void;
  /** Called after each attempt, with its status or error and whether it will be retried. */
  onResponse?: (event: ResponseEvent) => void;
}

/** Per-request options, the last argument of every method. */
export interface RequestOptions {
  /** Idempotency-Key of this POST. @default a fresh UUID, reused on every retry of this call */
  idempotencyKey?: string;
  /** Connected account to act as, for this request. */
  stripeAccount?: string;
  /** API key (or v2 meter event session token) for this request. */
  apiKey?: string;
  /** Stripe-Version for this request. */
  apiVersion?: string;
  /** Retries for this request. @default the client's maxNetworkRetries */
  maxNetworkRetries?: number;
  /** Per-attempt timeout for this request. @unit milliseconds @default the client's timeout */
  timeout?: number;
  /** Aborts the request (and any retry) when it fires. */
  signal?: AbortSignal;
}

/** What every result carries, non-enumerable, as `result.lastResponse`. */
export interface LastResponse {
  requestId: string | undefined;
  statusCode: number;
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

export type WithLastResponse<T> = T & { readonly lastResponse: LastResponse };
