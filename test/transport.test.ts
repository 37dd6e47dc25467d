// Transport details that need an injected fetch to observe.
import { describe, expect, it } from 'vitest';
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
