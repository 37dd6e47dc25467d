import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY_DELAYS, isTransient, parseRetryAfter, retryDelayMs, shouldRetry } from '../src/internal/retry-policy.js';

describe('shouldRetry', () => {
  const at = (status: number | undefined, header?: string, attempt = 1, maxNetworkRetries = 2) =>
    shouldRetry({ attempt, maxNetworkRetries, status, shouldRetryHeader: header });

  it.each([
    [undefined, true, 'connection error or timeout'],
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
    expect(at(status)).toBe(expected);
  });

  it('Stripe-Should-Retry overrides the status', () => {
    expect(at(500, 'false')).toBe(false);
    expect(at(undefined, 'false')).toBe(false);
    expect(at(400, 'true')).toBe(true);
    expect(at(404, 'true')).toBe(true);
  });

  it('stops after maxNetworkRetries, whatever the header says', () => {
    expect(at(503, undefined, 2, 2)).toBe(true);
    expect(at(503, undefined, 3, 2)).toBe(false);
    expect(at(400, 'true', 3, 2)).toBe(false);
    expect(at(503, undefined, 1, 0)).toBe(false);
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

describe('isTransient (what the batching stream retries within its budget)', () => {
  const error = (statusCode: number | undefined, headers: Record<string, string> = {}): { statusCode: number | undefined; headers: Record<string, string>; attempts: number | undefined } => ({ statusCode, headers, attempts: 1 });
  it.each<[string, ReturnType<typeof error>, boolean]>([
    ['no answer', error(undefined), true],
    ['a broken 2xx', error(200), true],
    ['409', error(409), true],
    ['429', error(429), true],
    ['503', error(503), true],
    ['400', error(400), false],
    ['401', error(401), false],
    ['404', error(404), false],
    ['500 with Stripe-Should-Retry: false', error(500, { 'stripe-should-retry': 'false' }), false],
    ['400 with Stripe-Should-Retry: true', error(400, { 'stripe-should-retry': 'true' }), true],
    ['refused before sending', { statusCode: undefined, headers: {}, attempts: undefined }, false],
  ])('%s -> %s', (_, e, expected) => {
    expect(isTransient(e)).toBe(expected);
  });
});
