// Retries, idempotency, broken answers, timeouts and cancellation against a real loopback server
// that fails on purpose and dedupes as Stripe does, over both transports.
import { afterEach, describe, expect, it } from 'vitest';
import {
  isDuplicateMeterEvent,
  StripeAPIError,
  StripeConnectionError,
  StripeError,
  StripeInvalidRequestError,
  type MeterEventCreateInput,
  type StripeMeters,
  type StripeMetersOptions,
} from '../src/index.js';
import { seeded, startFaultServer, type Fault } from './fault-server.js';
import { editingHeaders, KEY, TRANSPORTS } from './helpers.js';

type Server = Awaited<ReturnType<typeof startFaultServer>>;
const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const EVENT = { event_name: 'api_call', payload: { stripe_customer_id: 'cus_1', value: 1 } };
/** Every way an attempt fails here, Stripe's and the network's. */
const MIX: Fault[] = ['reset-before', 'reset-after', 'slow', 'cut-body', 'stall-body', 'not-json', { status: 500 }, { status: 503 }, { status: 409 }, { status: 429, retryAfter: '0' }, { status: 429 }];

describe.each(TRANSPORTS)('over $transport', ({ client }) => {
  async function setup(plan: (info: { attemptForKey: number; n: number; path: string }) => Fault, options: StripeMetersOptions = {}, slowMs?: number) {
    const server = await startFaultServer(plan, slowMs);
    servers.push(server);
    // Fast backoff unless a test asks for the real default timing.
    const stripe = client(KEY, { baseUrl: server.url, retryDelay: { initialMs: 1, maxMs: 4 }, ...options });
    return { server, stripe };
  }

  /** Creates `total` events `concurrency` at a time; returns the indexes whose create rejected. */
  async function createAll(stripe: StripeMeters, total: number, concurrency: number, send: (i: number) => Promise<unknown>): Promise<number[]> {
    const failed: number[] = [];
    let next = 0;
    const worker = async () => {
      while (next < total) {
        const i = next++;
        await send(i).catch((e: unknown) => {
          expect(e).toBeInstanceOf(StripeError);
          failed.push(i);
        });
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    return failed;
  }

  it('2,000 meter events at concurrency 32 through every kind of failure: none counted twice', async () => {
    const random = seeded(20261201);
    const { server, stripe } = await setup(() => (random() < 0.25 ? (MIX[Math.floor(random() * MIX.length)] as Fault) : 'none'), { timeout: 150 }, 200);
    const failed = await createAll(stripe, 2000, 32, (i) => stripe.billing.meterEvents.create({ ...EVENT, identifier: `evt_${i}` }));
    expect([...server.events.values()].every((count) => count === 1)).toBe(true);
    expect(server.events.size).toBeGreaterThanOrEqual(2000 - failed.length);
    const injected = Object.entries(server.faults).filter(([name]) => name !== 'none');
    expect(injected.map(([name]) => name).sort()).toEqual(['409', '429', '500', '503', 'cut-body', 'not-json', 'reset-after', 'reset-before', 'slow', 'stall-body']);
    // One key per logical request, the same body on every attempt.
    for (const [key, bodies] of server.bodiesByKey) expect(new Set(bodies).size, key).toBe(1);
  }, 60_000);

  it('a caller that resends every rejection as the README says: none lost, none counted twice', async () => {
    const random = seeded(7);
    const { server, stripe } = await setup(() => (random() < 0.3 ? (MIX[Math.floor(random() * MIX.length)] as Fault) : 'none'), { timeout: 150, maxNetworkRetries: 1 }, 200);
    // The README's recipe: resend with the identifier, timestamp and idempotency key the error
    // reports; a duplicate answer means an earlier send landed.
    async function reportOnce(event: MeterEventCreateInput): Promise<void> {
      let next = event;
      let idempotencyKey: string | undefined;
      for (;;) {
        try {
          await stripe.billing.meterEvents.create(next, idempotencyKey === undefined ? {} : { idempotencyKey });
          return;
        } catch (e) {
          if (isDuplicateMeterEvent(e, next.identifier)) return;
          if (!(e instanceof StripeError) || e.identifier === undefined) throw e;
          next = { ...next, identifier: e.identifier, timestamp: e.timestamp as number };
          idempotencyKey = e.idempotencyKey;
        }
      }
    }
    const failed = await createAll(stripe, 2000, 32, () => reportOnce(EVENT));
    expect(failed).toEqual([]);
    expect(server.events.size).toBe(2000);
    expect([...server.events.values()].every((count) => count === 1)).toBe(true);
  }, 60_000);

  it.each<[Fault, string]>([
    ['cut-body', 'a 200 cut off mid-body'],
    ['stall-body', 'a body that stalls past the timeout'],
    ['not-json', 'a 2xx whose body is not JSON'],
  ])('retries %s (%s) after the event landed, and counts it once', async (fault) => {
    const { server, stripe } = await setup(({ attemptForKey }) => (attemptForKey === 1 ? fault : 'none'), { timeout: 150 }, 400);
    const event = await stripe.billing.meterEvents.create({ ...EVENT, identifier: `evt_${String(fault)}` });
    expect(event.lastResponse.attempts).toBe(2);
    expect(server.events.get(`evt_${String(fault)}`)).toBe(1);
    const key = event.lastResponse.idempotencyKey ?? '';
    expect(new Set(server.bodiesByKey.get(key))).toHaveProperty('size', 1);
  });

  it('a broken answer on every attempt says so, and what was sent', async () => {
    const { stripe } = await setup(() => 'cut-body', { maxNetworkRetries: 1 });
    const error = (await stripe.billing.meterEvents.create(EVENT).catch((e: unknown) => e)) as StripeError;
    expect(error).toBeInstanceOf(StripeConnectionError);
    expect(error.message).toMatch(/^The answer from Stripe broke off: .* \(2 attempts\)$/);
    const html = await setup(() => 'not-json', { maxNetworkRetries: 1 });
    const apiError = (await html.stripe.billing.meters.retrieve('mtr_1').catch((e: unknown) => e)) as StripeError;
    expect(apiError).toBeInstanceOf(StripeAPIError);
    expect(apiError.message).toBe('Stripe answered HTTP 200 with a body that is not JSON (2 attempts)');
  });

  it('every error of a POST carries the idempotency key it was sent with, and meter event errors their identifiers', async () => {
    const { server, stripe } = await setup(() => ({ status: 503 }), { maxNetworkRetries: 1 });
    const v1 = (await stripe.billing.meterEvents.create(EVENT).catch((e: unknown) => e)) as StripeError;
    expect(v1.attempts).toBe(2);
    expect(v1.identifier).toMatch(/^[0-9a-f-]{36}$/);
    expect(typeof v1.timestamp).toBe('number');
    expect(server.attemptsByKey.get(v1.idempotencyKey ?? '')).toBe(2);
    const v2 = (await stripe.v2.billing.meterEvents.create({ ...EVENT, identifier: 'v2_a' }).catch((e: unknown) => e)) as StripeError;
    expect(v2.identifier).toBe('v2_a');
    expect(server.attemptsByKey.get(v2.idempotencyKey ?? '')).toBe(2);
    const batch = (await stripe.v2.billing.meterEventStream
      .create({ events: [{ ...EVENT, identifier: 'b' }, EVENT, { ...EVENT, identifier: 'a' }] }, { apiKey: 'mes_tok_123' })
      .catch((e: unknown) => e)) as StripeError;
    expect(batch.identifiers?.[0]).toBe('b');
    expect(batch.identifiers?.[2]).toBe('a');
    expect(batch.identifiers?.[1]).toMatch(/^[0-9a-f-]{36}$/);
    const meter = (await stripe.billing.meters.deactivate('mtr_1').catch((e: unknown) => e)) as StripeError;
    expect(server.attemptsByKey.get(meter.idempotencyKey ?? '')).toBe(2);
  });

  it('a resend with the same idempotency key but another body is refused, as Stripe does', async () => {
    const { stripe } = await setup(() => 'none');
    await stripe.billing.meterEvents.create({ ...EVENT, identifier: 'x1' }, { idempotencyKey: 'k1' });
    const error = await stripe.billing.meterEvents.create({ ...EVENT, identifier: 'x2' }, { idempotencyKey: 'k1' }).catch((e: unknown) => e);
    expect((error as StripeError).type).toBe('StripeIdempotencyError');
  });

  it.each([
    ['v1', (s: StripeMeters) => s.billing.meterEvents.create({ ...EVENT, identifier: 'evt_lost_answer' })],
    ['v2', (s: StripeMeters) => s.v2.billing.meterEvents.create({ ...EVENT, identifier: 'evt_lost_answer' })],
  ])('%s: a retry refused as a duplicate of its own identifier (as Stripe answers it) succeeds and says so', async (_, create) => {
    // The first attempt lands and its answer is lost; the retry arrives under another idempotency
    // key (as after a key expiry), so the server refuses the identifier as a duplicate.
    const server = await startFaultServer(({ n }) => (n === 1 ? 'reset-after' : 'none'));
    servers.push(server);
    let attempt = 0;
    const rotating = client(KEY, { baseUrl: server.url, retryDelay: { initialMs: 1, maxMs: 1 }, fetch: editingHeaders((h) => h.set('Idempotency-Key', `rotated_${++attempt}`)) });
    const event = await create(rotating);
    expect(event.lastResponse.duplicateOfEarlierAttempt).toBe(true);
    expect(event.lastResponse.attempts).toBe(2);
    expect(event.lastResponse.statusCode).toBe(400);
    expect(event).toMatchObject({ identifier: 'evt_lost_answer', event_name: 'api_call', livemode: false });
    expect(event.payload).toEqual({ stripe_customer_id: 'cus_1', value: '1' });
    expect(server.events.get('evt_lost_answer')).toBe(1);
    // A duplicate on the first attempt is the caller's own repeat: an error, recognisable as such.
    const repeat = await create(client(KEY, { baseUrl: server.url })).catch((e: unknown) => e);
    expect(repeat).toBeInstanceOf(StripeInvalidRequestError);
    expect(isDuplicateMeterEvent(repeat, 'evt_lost_answer')).toBe(true);
    expect(isDuplicateMeterEvent(repeat, 'another')).toBe(_ === 'v2');
  });

  it('a retried answer whose body stalls is dropped at once, not waited for', async () => {
    const { stripe } = await setup(({ n }) => (n === 1 ? 'stall-error' : 'none'), { timeout: 5000 }, 10_000);
    const started = Date.now();
    const meter = await stripe.billing.meters.retrieve('mtr_1');
    expect(meter.lastResponse.attempts).toBe(2);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('a redirect is an answer, not followed (a POST must not turn into a GET)', async () => {
    const { server, stripe } = await setup(() => 'redirect');
    const error = (await stripe.billing.meterEvents.create(EVENT).catch((e: unknown) => e)) as StripeError;
    expect(error).toBeInstanceOf(StripeAPIError);
    expect(error.statusCode).toBe(302);
    expect(server.requests()).toBe(1);
  });

  it('hooks whose promise rejects change nothing either, and leave no unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const record = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', record);
    try {
      const { server, stripe } = await setup(() => 'none', {
        onRequest: async () => Promise.reject(new Error('logger down')),
        onResponse: async () => Promise.reject(new Error('logger down')),
      });
      await stripe.billing.meterEvents.create({ ...EVENT, identifier: 'async-hooked' });
      await new Promise((r) => setTimeout(r, 20));
      expect(server.events.get('async-hooked')).toBe(1);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', record);
    }
  });

  it('hooks that throw change nothing: the event lands and the call succeeds', async () => {
    const { server, stripe } = await setup(({ attemptForKey }) => (attemptForKey === 1 ? { status: 503 } : 'none'), {
      onRequest: () => {
        throw new Error('logger down');
      },
      onResponse: () => {
        throw new Error('logger down');
      },
    });
    const event = await stripe.billing.meterEvents.create({ ...EVENT, identifier: 'hooked' });
    expect(event.lastResponse.attempts).toBe(2);
    expect(server.events.get('hooked')).toBe(1);
  });

  it('never retries other 4xx; obeys Stripe-Should-Retry both ways', async () => {
    const { server, stripe } = await setup(({ n }) => (n === 1 ? { status: 400 } : n === 2 ? { status: 500, shouldRetry: 'false' } : n === 3 ? { status: 400, shouldRetry: 'true' } : 'none'));
    expect(((await stripe.billing.meters.retrieve('mtr_1').catch((e: unknown) => e)) as StripeError).attempts).toBe(1);
    expect(await stripe.billing.meters.retrieve('mtr_1').catch((e: unknown) => e)).toBeInstanceOf(StripeAPIError);
    expect(server.requests()).toBe(2);
    expect((await stripe.billing.meters.retrieve('mtr_1')).lastResponse.attempts).toBe(2);
  });

  it('gives up after maxNetworkRetries with the last error and the attempt count', async () => {
    const { server, stripe } = await setup(() => ({ status: 503 }), { maxNetworkRetries: 3 });
    const error = (await stripe.billing.meters.deactivate('mtr_1').catch((e: unknown) => e)) as StripeError;
    expect(error).toBeInstanceOf(StripeAPIError);
    expect([error.statusCode, error.attempts, server.requests()]).toEqual([503, 4, 4]);
    const once = (await stripe.billing.meters.deactivate('mtr_1', {}, { maxNetworkRetries: 0 }).catch((e: unknown) => e)) as StripeError;
    expect(once.attempts).toBe(1);
  });

  it('retries connection resets and reports exhaustion as StripeConnectionError', async () => {
    const { server, stripe } = await setup(() => 'reset-before', { maxNetworkRetries: 2 });
    const error = await stripe.billing.meters.retrieve('mtr_1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StripeConnectionError);
    expect((error as Error).message).toMatch(/^Could not connect to Stripe: .*\(3 attempts\)$/);
    expect(server.requests()).toBe(3);
  });

  it('a timeout surfaces as StripeConnectionError, after every attempt timed out', async () => {
    const { server, stripe } = await setup(() => 'slow', { timeout: 100, maxNetworkRetries: 2 }, 400);
    const error = await stripe.billing.meters.retrieve('mtr_1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StripeConnectionError);
    expect((error as Error).message).toBe('Request to Stripe timed out after 100 ms (3 attempts)');
    expect(server.requests()).toBe(3);
  });

  it("a caller's abort during a backoff sleep rejects at once with its reason, with no further attempt", async () => {
    const { server, stripe } = await setup(() => ({ status: 503, retryAfter: '30' }), { retryDelay: { maxRetryAfterMs: 60_000 } });
    const controller = new AbortController();
    const reason = new Error('shutting down');
    setTimeout(() => controller.abort(reason), 100);
    await expect(stripe.billing.meters.retrieve('mtr_1', {}, { signal: controller.signal })).rejects.toBe(reason);
    expect(server.requests()).toBe(1);
  });

  it("a caller's abort while the answer is slow rejects with its reason", async () => {
    const { stripe } = await setup(() => 'slow', {}, 5000);
    const reason = new Error('enough');
    await expect(stripe.billing.meters.retrieve('mtr_1', {}, { signal: AbortSignal.any([AbortSignal.timeout(100)]) }).catch((e: unknown) => (e as Error).name)).resolves.toBe('TimeoutError');
    const controller = new AbortController();
    setTimeout(() => controller.abort(reason), 50);
    await expect(stripe.billing.meters.retrieve('mtr_1', {}, { signal: controller.signal })).rejects.toBe(reason);
  });

  it('an already-aborted signal sends nothing', async () => {
    const { server, stripe } = await setup(() => 'none');
    const reason = new Error('too late');
    await expect(stripe.billing.meters.retrieve('mtr_1', {}, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect(server.requests()).toBe(0);
  });
});
