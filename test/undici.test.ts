// The opt-in Node transport (stripe-meters/undici) behaves like the built-in fetch: same wire,
// same retries, timeouts, aborts and errors.
import { afterEach, describe, expect, it } from 'vitest';
import { StripeAPIError, StripeConnectionError, StripeMeters } from '../src/index.js';
import { undiciFetch } from '../src/undici.js';
import { startFaultServer, type Fault } from './fault-server.js';
import { KEY } from './helpers.js';
import { startMeterEventsServer } from '../scripts/meter-events-server.js';
import { startRecordingServer } from './recording-server.js';

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

async function faulty(plan: (info: { attemptForKey: number; n: number }) => Fault, options = {}) {
  const server = await startFaultServer(plan, 400);
  closers.push(server.close);
  return { server, stripe: new StripeMeters(KEY, { baseUrl: server.url, fetch: undiciFetch(), retryDelay: { initialMs: 1, maxMs: 2 }, ...options }) };
}

describe('undiciFetch', () => {
  it('sends the same bytes and headers as the built-in fetch', async () => {
    const server = await startRecordingServer();
    closers.push(server.close);
    const params = { display_name: 'Café ☕ & co', event_name: 'e', default_aggregation: { formula: 'sum' as const } };
    const viaUndici = new StripeMeters(KEY, { baseUrl: server.url, fetch: undiciFetch() });
    const viaFetch = new StripeMeters(KEY, { baseUrl: server.url });
    const a = await viaUndici.billing.meters.create(params, { idempotencyKey: 'k' });
    const b = await viaFetch.billing.meters.create(params, { idempotencyKey: 'k' });
    const [u, f] = server.requests;
    expect(u?.body).toBe(f?.body);
    for (const h of ['authorization', 'content-type', 'idempotency-key', 'stripe-version']) expect(u?.headers[h], h).toBe(f?.headers[h]);
    expect(a).toEqual(b);
    expect(a.lastResponse.requestId).toBe('req_1');
    expect(a.lastResponse.headers['content-type']).toBe('application/json');
    const page = await viaUndici.billing.meters.list({ limit: 3 });
    expect(page.object).toBe('list');
    expect(server.requests[2]?.query).toEqual([['limit', '3']]);
  });

  it('retries 503s and resets with one idempotency key', async () => {
    const { server, stripe } = await faulty(({ attemptForKey }) => (attemptForKey === 1 ? 'reset-after' : attemptForKey === 2 ? { status: 503 } : 'none'));
    const event = await stripe.billing.meterEvents.create({ event_name: 'e', payload: { value: 1 } });
    expect(event.lastResponse.attempts).toBe(3);
    expect(server.events.size).toBe(1);
    expect(server.attemptsByKey.get(event.lastResponse.idempotencyKey ?? '')).toBe(3);
  });

  it('reports exhausted connection failures, timeouts and HTTP errors like the built-in fetch', async () => {
    const resets = await faulty(() => 'reset-before', { maxNetworkRetries: 1 });
    const reset = await resets.stripe.billing.meters.retrieve('mtr_1').catch((e: unknown) => e);
    expect(reset).toBeInstanceOf(StripeConnectionError);
    expect((reset as Error).message).toMatch(/\(2 attempts\)/);
    const slow = await faulty(() => 'slow', { timeout: 80, maxNetworkRetries: 1 });
    const timeout = await slow.stripe.billing.meters.retrieve('mtr_1').catch((e: unknown) => e);
    expect((timeout as Error).message).toBe('Request to Stripe timed out after 80 ms (2 attempts)');
    const failing = await faulty(() => ({ status: 500, shouldRetry: 'false' }));
    const apiError = await failing.stripe.billing.meters.retrieve('mtr_1').catch((e: unknown) => e);
    expect(apiError).toBeInstanceOf(StripeAPIError);
    expect((apiError as StripeAPIError).statusCode).toBe(500);
  });

  it("rejects with the caller's abort reason", async () => {
    const { stripe } = await faulty(() => 'slow');
    const reason = new Error('stop');
    const controller = new AbortController();
    setTimeout(() => controller.abort(reason), 30);
    await expect(stripe.billing.meters.retrieve('mtr_1', {}, { signal: controller.signal })).rejects.toBe(reason);
  });

  it('carries the batching stream through resets, 500s and expired sessions, each event once', async () => {
    const server = await startMeterEventsServer({ streamFault: (n) => (n % 7 === 0 ? 'reset-after' : n % 11 === 0 ? { status: 500 } : n % 13 === 0 ? 'expire-session' : 'none') });
    closers.push(server.close);
    const stripe = new StripeMeters(KEY, { baseUrl: server.url, meterEventsBaseUrl: server.url, fetch: undiciFetch(), retryDelay: { initialMs: 1, maxMs: 2 } });
    const stream = stripe.meterEventStream();
    for (let i = 0; i < 20_000; i++) await stream.send({ event_name: 'api_call', payload: { value: 1 } });
    await stream.close();
    expect(server.state.events.size).toBe(20_000);
    expect([...server.state.events.values()].every((n) => n === 1)).toBe(true);
    expect(stream.stats).toMatchObject({ sent: 20_000, accepted: 20_000, failed: 0 });
    expect(server.state.duplicatesDropped).toBeGreaterThan(0);
  });
});
