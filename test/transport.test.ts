// Transport details that need an injected fetch to observe.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { clientWith, json } from './helpers.js';

describe('transport', () => {
  it('cancels the body of every retried attempt and reads only the last', async () => {
    const cancelled: number[] = [];
    let attempt = 0;
    const { stripe } = clientWith(
      () => {
        const n = ++attempt;
        if (n === 3) return json(200, { id: 'mtr_1' });
        const body = new ReadableStream({
          start(controller) {
            controller.enqueue(new TextEncoder().encode('{"error":{"type":"api_error"'));
          },
          cancel() {
            cancelled.push(n);
          },
        });
        return new Response(body, { status: 503, headers: { 'content-type': 'application/json' } });
      },
      { maxNetworkRetries: 2, retryDelay: { initialMs: 1, maxMs: 1 } },
    );
    const meter = await stripe.billing.meters.retrieve('mtr_1');
    expect(meter.lastResponse.attempts).toBe(3);
    expect(cancelled).toEqual([1, 2]);
  });

  it('sends the same body bytes and headers on every attempt', async () => {
    let attempt = 0;
    const { stripe, requests } = clientWith(() => (++attempt < 3 ? json(500, { error: { type: 'api_error' } }) : json(200, { id: 'mtr_1' })), {
      maxNetworkRetries: 2,
      retryDelay: { initialMs: 1, maxMs: 1 },
    });
    await stripe.billing.meters.update('mtr_1', { display_name: 'Café ☕' }, { idempotencyKey: 'same-key' });
    expect(requests).toHaveLength(3);
    expect(new Set(requests.map((r) => r.body))).toEqual(new Set(['display_name=Caf%C3%A9%20%E2%98%95']));
    expect(new Set(requests.map((r) => r.headers.get('idempotency-key')))).toEqual(new Set(['same-key']));
    expect(new Set(requests.map((r) => r.headers.get('content-type')))).toEqual(new Set(['application/x-www-form-urlencoded']));
  });
});

describe('backoff timing, with fake timers', () => {
  afterEach(() => vi.useRealTimers());

  /** A client whose first `failures` attempts answer `failure`, and the times of its attempts. */
  function timed(failure: () => Response, failures = 1, options = {}) {
    const times: number[] = [];
    const { stripe } = clientWith(
      () => {
        times.push(Date.now());
        return times.length <= failures ? failure() : json(200, { id: 'mtr_1' });
      },
      { maxNetworkRetries: 3, ...options },
    );
    return { stripe, times };
  }

  it('waits the default backoff (0.5 s, halved at most by jitter) before the first retry', async () => {
    vi.useFakeTimers({ now: 0 });
    vi.spyOn(Math, 'random').mockReturnValue(0); // the shortest jitter: half of 500 ms
    const { stripe, times } = timed(() => json(503, { error: { type: 'api_error' } }));
    const done = stripe.billing.meters.retrieve('mtr_1');
    await vi.advanceTimersByTimeAsync(249);
    expect(times).toEqual([0]);
    await vi.advanceTimersByTimeAsync(1);
    expect(times).toEqual([0, 250]);
    expect((await done).lastResponse.attempts).toBe(2);
  });

  it('doubles per attempt and honours Retry-After, cut to maxRetryAfterMs', async () => {
    vi.useFakeTimers({ now: 0 });
    vi.spyOn(Math, 'random').mockReturnValue(0.999999);
    const backoff = timed(() => json(500, { error: { type: 'api_error' } }), 3);
    const first = backoff.stripe.billing.meters.retrieve('mtr_1');
    await vi.advanceTimersByTimeAsync(10_000);
    await first;
    expect(backoff.times).toEqual([0, 500, 1500, 3500]);
    vi.setSystemTime(0);
    const asked = timed(() => json(429, { error: { type: 'invalid_request_error' } }, { 'retry-after': '2' }), 1);
    const second = asked.stripe.billing.meters.retrieve('mtr_1');
    await vi.advanceTimersByTimeAsync(1999);
    expect(asked.times).toEqual([0]);
    await vi.advanceTimersByTimeAsync(1);
    await second;
    expect(asked.times).toEqual([0, 2000]);
    vi.setSystemTime(0);
    const capped = timed(() => json(503, { error: { type: 'api_error' } }, { 'retry-after': '3600' }), 1, { retryDelay: { maxRetryAfterMs: 200 } });
    const third = capped.stripe.billing.meters.retrieve('mtr_1');
    await vi.advanceTimersByTimeAsync(200);
    await third;
    expect(capped.times).toEqual([0, 200]);
  });
});
