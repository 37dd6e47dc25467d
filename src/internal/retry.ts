// The one retry engine's policy: which failures may pass on another attempt, how long to wait, and
// when to stop. Calls stop after a number of attempts; the batching sender and the outbox stop at
// a deadline (a time budget). The decisions are pure functions, tested without a network; the
// loop that applies them is src/internal/call.ts.

export interface RetryDelays {
  /** First backoff (before jitter). @unit milliseconds */
  initialMs: number;
  /** Backoff cap (before jitter). @unit milliseconds */
  maxMs: number;
  /** Longest Retry-After honoured; longer ones are cut to this. @unit milliseconds */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_DELAYS: RetryDelays = { initialMs: 500, maxMs: 8000, maxRetryAfterMs: 60_000 };

/**
 * Whether an attempt that ended this way may pass if sent again: no (complete) answer, 409, 429
 * and 5xx may; Stripe's `Stripe-Should-Retry` header overrides the status (true forces, false
 * forbids). Other 4xx never. Decided once, where the answer is seen.
 */
export function isRetryable(status: number | undefined, shouldRetryHeader?: string | null): boolean {
  if (shouldRetryHeader === 'false') return false;
  if (shouldRetryHeader === 'true') return true;
  return status === undefined || status === 409 || status === 429 || status >= 500;
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
  /** Failures so far that waited a backoff, this one included (1 for the first). */
  attempt: number;
  retryAfter?: string | null | undefined;
  delays?: RetryDelays;
  /** A number in [0, 1); Math.random by default. */
  random?: number;
  now?: number;
}

/**
 * Exponential backoff from `initialMs`, doubling per failure, capped at `maxMs`, with "equal
 * jitter" (between half and all of it) so that clients failing together don't retry together.
 * A valid Retry-After wins, up to `maxRetryAfterMs`.
 */
export function retryDelayMs({ attempt, retryAfter, delays = DEFAULT_RETRY_DELAYS, random = Math.random(), now }: DelayInput): number {
  const asked = parseRetryAfter(retryAfter, now);
  if (asked !== undefined) return Math.min(asked, delays.maxRetryAfterMs);
  const backoff = Math.min(delays.initialMs * 2 ** (attempt - 1), delays.maxMs);
  return Math.round(backoff * (0.5 + random / 2));
}

/** When a logical request stops retrying. */
export interface RetryPolicy {
  /** Attempts in all (a call: 1 + maxNetworkRetries); Infinity: only the deadline bounds them. */
  maxAttempts: number;
  /** No retry starts after this (a time budget); Infinity for calls. @unit milliseconds on `now` */
  deadline: number;
  delays: RetryDelays;
  /** @unit milliseconds since the epoch */
  now: () => number;
}

/**
 * One logical request's retries: counts its attempts and says, after each failure that may pass
 * on another attempt, how long to wait before it, or that none follows. One per request.
 */
export class Retries {
  /** The attempt under way (1 for the first). */
  attempt = 1;
  /** Failures that waited a backoff (the exponent of the next one). */
  #backoffs = 0;
  /** Expired session tokens met in a row. */
  #expiredInARow = 0;

  constructor(readonly policy: RetryPolicy) {}

  /** The wait before another attempt after a failure that may pass, or undefined when none follows. */
  next(retryAfter?: string | null): number | undefined {
    this.#expiredInARow = 0;
    return this.#backoff(retryAfter);
  }

  /**
   * After a session token refused as expired: a fresh token at once the first time; a server that
   * keeps refusing fresh tokens gets the backoff of any other failure.
   */
  nextAfterExpiredToken(): number | undefined {
    if (++this.#expiredInARow > 1) return this.#backoff(undefined);
    return this.attempt < this.policy.maxAttempts && this.policy.now() <= this.policy.deadline ? 0 : undefined;
  }

  #backoff(retryAfter: string | null | undefined): number | undefined {
    const { policy } = this;
    if (this.attempt >= policy.maxAttempts) return undefined;
    const delay = retryDelayMs({ attempt: this.#backoffs + 1, retryAfter, delays: policy.delays });
    if (policy.now() + delay > policy.deadline) return undefined;
    this.#backoffs++;
    return delay;
  }
}
