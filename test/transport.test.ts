// What every attempt of one request carries, and when it goes: against the emulator in process,
// whose request log keeps each attempt's headers, exact body bytes and arrival time (fake timers).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createEmulator, type FaultRule } from '../src/emulator/index.js';
import { StripeMeters, type StripeMetersOptions } from '../src/index.js';
import { KEY } from './helpers.js';

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

function setup(faults: FaultRule[], options: StripeMetersOptions = {}) {
  const emulator = createEmulator({ faults, requestLog: { size: 100, bodies: true }, onWarning: () => undefined });
  const stripe = new StripeMeters(KEY, { fetch: emulator.fetch, ...options });
  return { emulator, stripe, attempts: () => emulator.requests().filter((r) => r.operationId === 'GetBillingMetersId' || r.operationId === 'PostBillingMetersId') };
}

describe('attempts', () => {
  it('sends the same body bytes and headers on every attempt', async () => {
    const { emulator, stripe, attempts } = setup([], { maxNetworkRetries: 2, retryDelay: { initialMs: 1, maxMs: 1 } });
    const { id } = await stripe.billing.meters.create({ display_name: 'x', event_name: 'calls', default_aggregation: { formula: 'sum' } });
    emulator.setFaults([{ path: '/v1/billing/meters/{id}', fault: 'server_error', times: 2 }]);
    const meter = await stripe.billing.meters.update(id, { display_name: 'Café ☕' }, { idempotencyKey: 'same-key' });
    expect(meter.lastResponse.attempts).toBe(3);
    const sent = attempts();
    expect(sent).toHaveLength(3);
    expect(new Set(sent.map((r) => new TextDecoder().decode(r.body)))).toEqual(new Set(['display_name=Caf%C3%A9%20%E2%98%95']));
    expect(new Set(sent.map((r) => r.headers?.['idempotency-key']))).toEqual(new Set(['same-key']));
    expect(new Set(sent.map((r) => r.headers?.['content-type']))).toEqual(new Set(['application/x-www-form-urlencoded']));
  });

  it('drops the body of an answer that will be retried, and reads only the last', async () => {
    vi.useFakeTimers({ now: 0, toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const { stripe, attempts } = setup([{ path: '/v1/billing/meters/{id}', fault: 'stall_body', status: 503, delayMs: 3_600_000, times: 2 }], { maxNetworkRetries: 2, retryDelay: { initialMs: 1, maxMs: 1 } });
    const meter = stripe.billing.meters.retrieve('mtr_missing').catch((e: unknown) => e);
    // Only the two 1 ms backoffs pass: a stalled body waited for would take an hour.
    await vi.advanceTimersByTimeAsync(10);
    expect(await meter).toMatchObject({ statusCode: 404, attempts: 3 });
    expect(attempts()).toHaveLength(3);
  });
});

describe('backoff timing, with fake timers', () => {
  /** When each attempt of one retrieve arrived, after `failures` answered as the rules say. */
  async function times(faults: FaultRule[], options: StripeMetersOptions, run: (done: Promise<unknown>) => Promise<void>): Promise<number[]> {
    const { stripe, attempts } = setup(faults, { maxNetworkRetries: 3, ...options });
    const done = stripe.billing.meters.retrieve('mtr_missing').catch((e: unknown) => e);
    await run(done);
    await done;
    return attempts().map((r) => r.at);
  }

  it('waits the default backoff (0.5 s, halved at most by jitter) before the first retry', async () => {
    vi.useFakeTimers({ now: 0, toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    vi.spyOn(Math, 'random').mockReturnValue(0); // the shortest jitter: half of 500 ms
    const { stripe, attempts } = setup([{ fault: 'server_error', status: 503, times: 1 }], { maxNetworkRetries: 3 });
    const done = stripe.billing.meters.retrieve('mtr_missing').catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(249);
    expect(attempts().map((r) => r.at)).toEqual([0]);
    await vi.advanceTimersByTimeAsync(1);
    expect(attempts().map((r) => r.at)).toEqual([0, 250]);
    expect(await done).toMatchObject({ attempts: 2, statusCode: 404 });
  });

  it('doubles per attempt and honours Retry-After, cut to maxRetryAfterMs', async () => {
    vi.useFakeTimers({ now: 0, toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    vi.spyOn(Math, 'random').mockReturnValue(0.999999);
    expect(await times([{ fault: 'server_error', times: 3 }], {}, () => vi.advanceTimersByTimeAsync(10_000).then(() => undefined))).toEqual([0, 500, 1500, 3500]);
    vi.setSystemTime(0);
    const asked = await times([{ fault: 'rate_limit', retryAfterSeconds: 2, times: 1 }], {}, async () => {
      await vi.advanceTimersByTimeAsync(1999);
      await vi.advanceTimersByTimeAsync(1);
    });
    expect(asked).toEqual([0, 2000]);
    vi.setSystemTime(0);
    const capped = await times([{ fault: 'rate_limit', retryAfterSeconds: 3600, times: 1 }], { retryDelay: { maxRetryAfterMs: 200 } }, () => vi.advanceTimersByTimeAsync(200).then(() => undefined));
    expect(capped).toEqual([0, 200]);
  });
});
