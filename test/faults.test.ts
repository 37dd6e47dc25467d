// Retries, idempotency, timeouts and cancellation against a real loopback server that fails on purpose.
import { afterEach, describe, expect, it } from 'vitest';
import {
  StripeAPIError,
  StripeConnectionError,
  StripeError,
  StripeInvalidRequestError,
  StripeMeters,
  type RequestEvent,
  type ResponseEvent,
  type StripeMetersOptions,
} from '../src/index.js';
import { seeded, startFaultServer, type Fault } from './fault-server.js';
import { editingHeaders, KEY } from './helpers.js';

type Server = Awaited<ReturnType<typeof startFaultServer>>;
const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function setup(plan: (info: { attemptForKey: number; n: number }) => Fault, options: StripeMetersOptions = {}, slowMs?: number) {
  const server = await startFaultServer(plan, slowMs);
  servers.push(server);
  // Fast backoff unless a test asks for the real default timing.
  const stripe = new StripeMeters(KEY, { baseUrl: server.url, retryDelay: { initialMs: 1, maxMs: 4 }, ...options });
  return { server, stripe };
}

const EVENT = { event_name: 'api_call', payload: { stripe_customer_id: 'cus_1', value: 1 } };

describe('retries', () => {
  it('1,000 meter events through a third of failing attempts: each counted exactly once', async () => {
    const random = seeded(20261122);
    const mix: Fault[] = ['reset-before', 'reset-after', 'slow', { status: 500 }, { status: 503 }, { status: 409 }, { status: 429, retryAfter: '0' }];
    const { server, stripe } = await setup(() => (random() < 1 / 3 ? (mix[Math.floor(random() * mix.length)] as Fault) : 'none'), { timeout: 150, maxNetworkRetries: 6 }, 200);
    const total = 1000;
    const settled = { resolved: 0, rejected: 0 };
    const failed: number[] = [];
    const send = (i: number) => stripe.billing.meterEvents.create({ ...EVENT, identifier: `evt_${i}` }, { idempotencyKey: `key_${i}` });
    let next = 0;
    const worker = async () => {
      while (next < total) {
        const i = next++;
        try {
          await send(i);
          settled.resolved++;
        } catch (e) {
          expect(e).toBeInstanceOf(StripeError);
          settled.rejected++;
          failed.push(i);
        }
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    expect(settled.resolved + settled.rejected).toBe(total);
    // What a caller does with the few that ran out of retries: send them again, same key and identifier.
    for (const i of failed) await send(i);

    expect(server.events.size).toBe(total);
    expect([...server.events.values()].every((count) => count === 1)).toBe(true);
    expect([...server.events.keys()].sort()).toEqual(Array.from({ length: total }, (_, i) => `evt_${i}`).sort());
    // The mix really happened: about a third of attempts failed, in every way.
    const injected = Object.entries(server.faults).filter(([name]) => name !== 'none');
    const failures = injected.reduce((sum, [, count]) => sum + count, 0);
    expect(failures / server.requests()).toBeGreaterThan(0.25);
    expect(failures / server.requests()).toBeLessThan(0.42);
    expect(injected.map(([name]) => name).sort()).toEqual(['409', '429', '500', '503', 'reset-after', 'reset-before', 'slow']);
    // One key per logical request, the same body on every attempt.
    for (const [key, bodies] of server.bodiesByKey) {
      expect(new Set(bodies).size, key).toBe(1);
    }
    console.log(`faults: ${JSON.stringify(server.faults)}; ${server.requests()} attempts for ${total} events; ${failed.length} re-sent by the caller`);
  }, 60_000);

  it('reuses one idempotency key and resends the body intact on every attempt', async () => {
    const { server, stripe } = await setup(({ attemptForKey }) => (attemptForKey < 3 ? { status: 503 } : 'none'));
    const event = await stripe.billing.meterEvents.create({ ...EVENT, identifier: 'evt_same' });
    expect(event.lastResponse.attempts).toBe(3);
    const key = event.lastResponse.idempotencyKey ?? '';
    expect(server.attemptsByKey.get(key)).toBe(3);
    const bodies = server.bodiesByKey.get(key) ?? [];
    expect(bodies).toHaveLength(3);
    expect(new Set(bodies)).toEqual(new Set(['event_name=api_call&payload[stripe_customer_id]=cus_1&payload[value]=1&identifier=evt_same']));
  });

  it('fills in an identifier, so that a retry after a lost answer cannot count twice', async () => {
    const { server, stripe } = await setup(({ attemptForKey }) => (attemptForKey === 1 ? 'reset-after' : 'none'));
    const event = await stripe.billing.meterEvents.create(EVENT);
    expect(event.identifier).toMatch(/^[0-9a-f-]{36}$/);
    expect(event.lastResponse.attempts).toBe(2);
    expect(server.events.get(event.identifier)).toBe(1);
    expect(server.events.size).toBe(1);
  });

  it('a retry refused as a duplicate of its own identifier succeeds and says so', async () => {
    // The first attempt lands and its answer is lost; the retry arrives under another idempotency
    // key (as after a key expiry), so the server refuses the identifier as a duplicate.
    const { server, stripe } = await setup(({ n }) => (n === 1 ? 'reset-after' : 'none'));
    let attempt = 0;
    const fetchWithNewKeys = editingHeaders((h) => h.set('Idempotency-Key', `rotated_${++attempt}`));
    const stripe2 = new StripeMeters(KEY, { baseUrl: server.url, retryDelay: { initialMs: 1, maxMs: 1 }, fetch: fetchWithNewKeys });
    const event = await stripe2.billing.meterEvents.create({ ...EVENT, identifier: 'evt_lost_answer', timestamp: 1711584000 });
    expect(event.lastResponse.duplicateOfEarlierAttempt).toBe(true);
    expect(event.lastResponse.attempts).toBe(2);
    expect(event.lastResponse.statusCode).toBe(400);
    expect(event).toMatchObject({ object: 'billing.meter_event', identifier: 'evt_lost_answer', event_name: 'api_call', timestamp: 1711584000, livemode: false });
    expect(event.payload).toEqual({ stripe_customer_id: 'cus_1', value: '1' });
    expect(server.events.get('evt_lost_answer')).toBe(1);
    // A duplicate on the first attempt is the caller's own repeat: it is an error.
    const repeat = await stripe.billing.meterEvents.create({ ...EVENT, identifier: 'evt_lost_answer' }).catch((e: unknown) => e);
    expect(repeat).toBeInstanceOf(StripeInvalidRequestError);
    expect((repeat as StripeError).code).toBe('duplicate_meter_event');
  });

  it('never retries other 4xx', async () => {
    const { server, stripe } = await setup(() => ({ status: 400 }));
    const error = await stripe.billing.meters.retrieve('mtr_1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StripeError);
    expect((error as StripeError).attempts).toBe(1);
    expect(server.requests()).toBe(1);
  });

  it('obeys Stripe-Should-Retry: false on a 500 and true on a 400', async () => {
    const { server, stripe } = await setup(({ n }) => (n === 1 ? { status: 500, shouldRetry: 'false' } : n === 2 ? { status: 400, shouldRetry: 'true' } : 'none'));
    const refused = await stripe.billing.meters.retrieve('mtr_1').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(StripeAPIError);
    expect(server.requests()).toBe(1);
    const meter = await stripe.billing.meters.retrieve('mtr_1');
    expect(meter.lastResponse.attempts).toBe(2);
    expect(server.requests()).toBe(3);
  });

  it('gives up after maxNetworkRetries and reports the last error with the attempt count', async () => {
    const { server, stripe } = await setup(() => ({ status: 503 }), { maxNetworkRetries: 3 });
    const error = await stripe.billing.meters.deactivate('mtr_1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StripeAPIError);
    expect((error as StripeError).statusCode).toBe(503);
    expect((error as StripeError).attempts).toBe(4);
    expect(server.requests()).toBe(4);
    const once = await stripe.billing.meters.deactivate('mtr_1', {}, { maxNetworkRetries: 0 }).catch((e: unknown) => e);
    expect((once as StripeError).attempts).toBe(1);
    expect(server.requests()).toBe(5);
  });

  it('retries connection resets and reports exhaustion as StripeConnectionError', async () => {
    const { server, stripe } = await setup(() => 'reset-before', { maxNetworkRetries: 2 });
    const error = await stripe.billing.meters.retrieve('mtr_1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StripeConnectionError);
    expect((error as Error).message).toMatch(/\(3 attempts\)/);
    expect(server.requests()).toBe(3);
  });

  it('hooks see every attempt, and never a key', async () => {
    const seen: Array<RequestEvent | ResponseEvent> = [];
    const { stripe } = await setup(({ attemptForKey }) => (attemptForKey === 1 ? { status: 429, retryAfter: '0' } : 'none'), {
      onRequest: (e) => seen.push(e),
      onResponse: (e) => seen.push(e),
    });
    await stripe.billing.meters.create({ display_name: 'x', event_name: 'y', default_aggregation: { formula: 'sum' } });
    expect(seen.map((e) => ('status' in e ? `response ${e.attempt} ${String(e.status)} retry=${String(e.retryInMs)}` : `request ${e.attempt}`))).toEqual([
      'request 1',
      'response 1 429 retry=0',
      'request 2',
      'response 2 200 retry=undefined',
    ]);
    expect(JSON.stringify(seen)).not.toContain(KEY);
  });
});

describe('timeouts and cancellation', () => {
  it('a timeout surfaces as StripeConnectionError, after every attempt timed out', async () => {
    const { server, stripe } = await setup(() => 'slow', { timeout: 100, maxNetworkRetries: 2 }, 400);
    const started = Date.now();
    const error = await stripe.billing.meters.retrieve('mtr_1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StripeConnectionError);
    expect((error as Error).message).toBe('Request to Stripe timed out after 100 ms (3 attempts)');
    expect(server.requests()).toBe(3);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it("a caller's abort during a backoff sleep rejects at once with its reason, with no further attempt", async () => {
    const { server, stripe } = await setup(() => ({ status: 503, retryAfter: '30' }), { retryDelay: { maxRetryAfterMs: 60_000 } });
    const controller = new AbortController();
    const reason = new Error('shutting down');
    setTimeout(() => controller.abort(reason), 150);
    const started = Date.now();
    await expect(stripe.billing.meters.retrieve('mtr_1', {}, { signal: controller.signal })).rejects.toBe(reason);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(server.requests()).toBe(1);
  });

  it('an already-aborted signal sends nothing', async () => {
    const { server, stripe } = await setup(() => 'none');
    const reason = new Error('too late');
    await expect(stripe.billing.meters.retrieve('mtr_1', {}, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect(server.requests()).toBe(0);
  });
});

describe('backoff timing (real clock)', () => {
  it('waits the default backoff (0.5 s with jitter) before the first retry', async () => {
    const { stripe } = await setup(({ n }) => (n === 1 ? { status: 503 } : 'none'), { retryDelay: {} });
    const started = Date.now();
    const meter = await stripe.billing.meters.retrieve('mtr_1');
    const elapsed = Date.now() - started;
    expect(meter.lastResponse.attempts).toBe(2);
    expect(elapsed).toBeGreaterThanOrEqual(245);
    expect(elapsed).toBeLessThan(2500);
  });

  it('honours Retry-After in seconds', async () => {
    const { stripe } = await setup(({ n }) => (n === 1 ? { status: 429, retryAfter: '1' } : 'none'));
    const started = Date.now();
    await stripe.billing.meters.retrieve('mtr_1');
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(990);
    expect(elapsed).toBeLessThan(3000);
  });

  it('cuts a Retry-After longer than the cap', async () => {
    const { stripe } = await setup(({ n }) => (n === 1 ? { status: 503, retryAfter: '3600' } : 'none'), { retryDelay: { maxRetryAfterMs: 200 } });
    const started = Date.now();
    await stripe.billing.meters.retrieve('mtr_1');
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(195);
    expect(elapsed).toBeLessThan(2000);
  });
});
