// When to retry and how long to wait: pure functions, tested without a network.

export interface RetryDelays {
  /** First backoff (before jitter). @unit milliseconds */
  initialMs: number;
  /** Backoff cap (before jitter). @unit milliseconds */
  maxMs: number;
  /** Longest Retry-After honoured; longer ones are cut to this. @unit milliseconds */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_DELAYS: RetryDelays = { initialMs: 500, maxMs: 8000, maxRetryAfterMs: 60_000 };

export interface AttemptOutcome {
  /** 1 for the first attempt. */
  attempt: number;
  maxNetworkRetries: number;
  /** The HTTP status, or undefined when no response came (connection error or timeout). */
  status: number | undefined;
  /** The Stripe-Should-Retry header, if any. */
  shouldRetryHeader?: string | null | undefined;
}

/**
 * Retry connection errors, timeouts, 409, 429 and 5xx, up to maxNetworkRetries; Stripe's
 * `Stripe-Should-Retry` header overrides the status (true forces, false forbids). Other 4xx never.
 */
export function shouldRetry({ attempt, maxNetworkRetries, status, shouldRetryHeader }: AttemptOutcome): boolean {
  if (attempt > maxNetworkRetries) return false;
  if (shouldRetryHeader === 'false') return false;
  if (shouldRetryHeader === 'true') return true;
  if (status === undefined) return true;
  return status === 409 || status === 429 || status >= 500;
}

/** Parses Retry-After (delta-seconds or an HTTP date) into milliseconds from `now`. */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (value === null || value === undefined || value.trim() === '') return undefined;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  // An HTTP date names its weekday or month; without letters Date.parse accepts junk like "-1".
  const at = /[a-z]/i.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

export interface DelayInput {
  /** The attempt that just failed (1 for the first). */
  attempt: number;
  retryAfter?: string | null | undefined;
  delays?: RetryDelays;
  /** A number in [0, 1); Math.random by default. */
  random?: number;
  now?: number;
}

/**
 * Exponential backoff from `initialMs`, doubling per attempt, capped at `maxMs`, with "equal
 * jitter" (between half and all of it) so that clients failing together don't retry together.
 * A valid Retry-After wins, up to `maxRetryAfterMs`.
 */
export function retryDelayMs({ attempt, retryAfter, delays = DEFAULT_RETRY_DELAYS, random = Math.random(), now }: DelayInput): number {
  const asked = parseRetryAfter(retryAfter, now);
  if (asked !== undefined) return Math.min(asked, delays.maxRetryAfterMs);
  const backoff = Math.min(delays.initialMs * 2 ** (attempt - 1), delays.maxMs);
  return Math.round(backoff * (0.5 + random / 2));
}

/**
 * Whether an error a request ended with may pass if the request is sent again (the batching
 * stream retries these within its time budget): no answer or a broken one, 409, 429, 5xx, or
 * whatever Stripe-Should-Retry says. Errors raised before sending (no attempts) never pass.
 */
export function isTransient(error: { attempts: number | undefined; statusCode: number | undefined; headers: Record<string, string> }): boolean {
  if (error.attempts === undefined) return false;
  const status = error.statusCode;
  const unanswered = status === undefined || (status >= 200 && status < 300);
  return shouldRetry({ attempt: 1, maxNetworkRetries: 1, status: unanswered ? undefined : status, shouldRetryHeader: unanswered ? undefined : error.headers['stripe-should-retry'] });
}
