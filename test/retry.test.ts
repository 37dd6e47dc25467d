// The retry engine's policy: pure functions and the per-request state, without a network.
import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY_DELAYS, isRetryable, parseRetryAfter, Retries, retryDelayMs, type RetryPolicy } from '../src/internal/retry.js';

describe('isRetryable', () => {
  it.each([
    [undefined, true, 'connection error, timeout or broken answer'],
    [409, true, 'conflict'],
    [429, true, 'rate limited'],
    [500, true, 'server error'],
    [502, true, 'bad gateway'],
    [503, true, 'unavailable'],
    [400, false, 'bad request'],
    [401, false, 'unauthorized'],
    [402, false, 'request failed'],
    [403, false, 'forbidden'],
    [404, false, 'not found'],
  ])('status %s -> %s (%s)', (status, expected, _why) => {
    expect(isRetryable(status)).toBe(expected);
  });

  it('Stripe-Should-Retry overrides the status', () => {
    expect(isRetryable(500, 'false')).toBe(false);
    expect(isRetryable(undefined, 'false')).toBe(false);
    expect(isRetryable(400, 'true')).toBe(true);
    expect(isRetryable(404, 'true')).toBe(true);
  });
});

describe('retryDelayMs', () => {
  it('Retry-After in seconds wins', () => {
    expect(retryDelayMs({ attempt: 1, retryAfter: '2' })).toBe(2000);
    expect(retryDelayMs({ attempt: 5, retryAfter: '0' })).toBe(0);
    expect(retryDelayMs({ attempt: 1, retryAfter: '1.5' })).toBe(1500);
  });

  it('Retry-After as an HTTP date', () => {
    const now = Date.parse('2026-11-22T10:00:00Z');
    expect(retryDelayMs({ attempt: 1, retryAfter: 'Sun, 22 Nov 2026 10:00:03 GMT', now })).toBe(3000);
    expect(retryDelayMs({ attempt: 1, retryAfter: 'Sun, 22 Nov 2026 09:59:00 GMT', now })).toBe(0);
  });

  it('Retry-After is capped', () => {
    expect(retryDelayMs({ attempt: 1, retryAfter: '3600' })).toBe(DEFAULT_RETRY_DELAYS.maxRetryAfterMs);
    expect(retryDelayMs({ attempt: 1, retryAfter: '10', delays: { initialMs: 1, maxMs: 1, maxRetryAfterMs: 500 } })).toBe(500);
  });

  it('an unusable Retry-After falls back to backoff', () => {
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter('-1')).toBeUndefined();
    expect(retryDelayMs({ attempt: 1, retryAfter: 'soon', random: 0.999999 })).toBe(500);
  });

  it('doubles from 0.5 s, capped at 8 s, with jitter between half and all of it', () => {
    const low = (attempt: number) => retryDelayMs({ attempt, random: 0 });
    const high = (attempt: number) => retryDelayMs({ attempt, random: 0.999999 });
    expect([1, 2, 3, 4, 5, 6].map(high)).toEqual([500, 1000, 2000, 4000, 8000, 8000]);
    expect([1, 2, 3, 4, 5, 6].map(low)).toEqual([250, 500, 1000, 2000, 4000, 4000]);
    for (let i = 0; i < 200; i++) {
      const d = retryDelayMs({ attempt: 2 });
      expect(d).toBeGreaterThanOrEqual(500);
      expect(d).toBeLessThanOrEqual(1000);
    }
  });
});

describe('Retries: one request under a policy', () => {
  const delays = { initialMs: 100, maxMs: 1000, maxRetryAfterMs: 5000 };
  const policy = (over: Partial<RetryPolicy> = {}): RetryPolicy => ({ maxAttempts: 3, deadline: Number.POSITIVE_INFINITY, delays, now: () => 0, ...over });

  it('calls: another attempt while attempts are left, whatever the clock says', () => {
    const r = new Retries(policy());
    expect(r.next()).toBeGreaterThanOrEqual(50);
    r.attempt++;
    expect(r.next('2')).toBe(2000);
    r.attempt++;
    expect(r.next()).toBeUndefined();
    expect(new Retries(policy({ maxAttempts: 1 })).next()).toBeUndefined();
  });

  it('a time budget: no retry that would start after the deadline', () => {
    let now = 0;
    const r = new Retries(policy({ maxAttempts: Number.POSITIVE_INFINITY, deadline: 1000, now: () => now }));
    expect(r.next('0.5')).toBe(500);
    now = 600;
    expect(r.next('0.4')).toBe(400);
    expect(r.next('0.5')).toBeUndefined();
    now = 1001;
    expect(r.next('0')).toBeUndefined();
  });

  it('backs off from the first failure, doubling per failure that waited', () => {
    const r = new Retries(policy({ maxAttempts: 10, delays: { initialMs: 100, maxMs: 100_000, maxRetryAfterMs: 0 } }));
    const waits = Array.from({ length: 4 }, () => {
      const wait = r.next() ?? -1;
      r.attempt++;
      return wait;
    });
    expect(waits.map((w, i) => w >= 50 * 2 ** i && w <= 100 * 2 ** i)).toEqual([true, true, true, true]);
  });

  it('an expired session token: a fresh one at once, then backoff while fresh ones are refused too', () => {
    const r = new Retries(policy({ maxAttempts: 10 }));
    expect(r.nextAfterExpiredToken()).toBe(0);
    expect(r.nextAfterExpiredToken()).toBeGreaterThanOrEqual(50);
    expect(r.nextAfterExpiredToken()).toBeGreaterThanOrEqual(100);
    // Another failure in between starts the count again.
    expect(r.next()).toBeGreaterThan(0);
    expect(r.nextAfterExpiredToken()).toBe(0);
    expect(new Retries(policy({ maxAttempts: 1 })).nextAfterExpiredToken()).toBeUndefined();
    expect(new Retries(policy({ maxAttempts: 10, deadline: -1 })).nextAfterExpiredToken()).toBeUndefined();
  });
});
