// Retries, idempotency, broken answers, timeouts and cancellation against the emulator over HTTP,
// on both transports. The emulator stores every event it accepts, so an event sent twice under two
// identifiers would be counted twice and show; timing runs on fake timers where it matters.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { FaultRule } from '../src/emulator/index.js';
import type { RunningEmulator } from '../src/emulator/server.node.js';
import {
  isDuplicateMeterEvent,
  StripeAPIError,
  StripeConnectionError,
  StripeError,
  StripeIdempotencyError,
  StripeInvalidRequestError,
  type MeterEventCreateInput,
  type StripeMeters,
  type StripeMetersOptions,
} from '../src/index.js';
import { apiRequests, bodiesByKey, drive, editingHeaders, faultMix, KEY, logged, servedEmulator, settled, TRANSPORTS } from './helpers.js';

const servers: RunningEmulator[] = [];
afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const EVENT = { event_name: 'api_call', payload: { stripe_customer_id: 'cus_1', value: 1 } };
const V1 = '/v1/billing/meter_events';
/** Timers the client and the emulator run on; sockets and undici keep the real ones. */
const FAKE = { toFake: ['setTimeout' as const, 'clearTimeout' as const, 'Date' as const] };

describe.each(TRANSPORTS)('over $transport', ({ client }) => {
  async function setup(faults: FaultRule[], options: StripeMetersOptions = {}) {
    const server = await servedEmulator({ faults, faultSeed: 20261201, requestLog: { size: 100_000, bodies: true } });
    servers.push(server);
    // Fast backoff unless a test asks for the real default timing.
    const stripe = client(KEY, { baseUrl: server.url, meterEventsBaseUrl: server.url, retryDelay: { initialMs: 1, maxMs: 4 }, ...options });
    return { emulator: server.emulator, stripe };
  }

  /** Creates `total` events `concurrency` at a time; returns the indexes whose create rejected. */
  async function createAll(total: number, concurrency: number, send: (i: number) => Promise<unknown>): Promise<number[]> {
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

  /** The logged create requests per customer (each create below has its own): keys, bodies, replays. */
  function attemptsByCustomer(emulator: Parameters<typeof logged>[0]): Map<string, { keys: Set<string>; bodies: Set<string>; attempts: number; replayed: number }> {
    const out = new Map<string, { keys: Set<string>; bodies: Set<string>; attempts: number; replayed: number }>();
    for (const r of logged(emulator)) {
      if (r.operationId !== 'PostBillingMeterEvents') continue;
      const body = new TextDecoder().decode(r.body);
      const customer = new URLSearchParams(body).get('payload[stripe_customer_id]') ?? '';
      const seen = out.get(customer) ?? { keys: new Set<string>(), bodies: new Set<string>(), attempts: 0, replayed: 0 };
      if (r.idempotencyKey !== undefined) seen.keys.add(r.idempotencyKey);
      seen.bodies.add(body);
      seen.attempts++;
      if (r.replayed) seen.replayed++;
      out.set(customer, seen);
    }
    return out;
  }

  /** How many stored events each customer has (each create below has its own customer). */
  function countedByCustomer(emulator: Parameters<typeof logged>[0]): Map<string, number> {
    const counted = new Map<string, number>();
    for (const e of emulator.events({ event_name: 'api_call' })) counted.set(e.customer, (counted.get(e.customer) ?? 0) + 1);
    return counted;
  }

  it('identifiers the SDK generates survive retries: every first attempt counted and then cut or reset, each event counted exactly once, one key and one body per create', async () => {
    // Every first attempt is applied by the emulator and its answer lost (a body cut half-way, or the
    // connection reset after the event was counted); some second attempts too. Only a retry that
    // carries the same identifier and the same Idempotency-Key as the attempt that counted is safe.
    const faults: FaultRule[] = [
      { path: V1, fault: 'cut_body', attempt: 1, rate: 0.5 },
      { path: V1, fault: 'reset_after', attempt: 1 },
      { path: V1, fault: 'cut_body', attempt: 2, rate: 0.25 },
      { path: V1, fault: 'reset_after', attempt: 2, rate: 0.25 },
    ];
    const { emulator, stripe } = await setup(faults, { maxNetworkRetries: 3 });
    const total = 300;
    const customers = Array.from({ length: total }, (_, i) => `cus_${i}`);
    const failed = await createAll(total, 16, (i) => stripe.billing.meterEvents.create({ event_name: 'api_call', payload: { stripe_customer_id: customers[i] as string, value: 1 } }));
    // Counted once at the emulator: one stored event per create, none twice.
    const counted = countedByCustomer(emulator);
    expect(customers.filter((c) => (counted.get(c) ?? 0) > 1)).toEqual([]);
    expect(failed).toEqual([]);
    expect(customers.filter((c) => counted.get(c) !== 1)).toEqual([]);
    expect(emulator.events({ event_name: 'api_call' })).toHaveLength(total);
    const fired = emulator.stats().faults;
    expect([fired['cut_body'] ?? 0, fired['reset_after'] ?? 0].every((n) => n > 0)).toBe(true);
    const attempts = attemptsByCustomer(emulator);
    for (const c of customers) {
      const a = attempts.get(c);
      expect(a?.attempts ?? 0, c).toBeGreaterThanOrEqual(2); // every create was retried
      expect(a?.keys.size, c).toBe(1); // one Idempotency-Key for all its attempts
      expect(a?.bodies.size, c).toBe(1); // one body: the same identifier and timestamp
      expect(a?.replayed ?? 0, c).toBeGreaterThanOrEqual(1); // the retry was answered from the first attempt
    }
  }, 60_000);

  it('1,000 meter events at concurrency 32 through every kind of failure, identifiers from the SDK: none counted twice, every success counted once, one key and one body per create', async () => {
    const { emulator, stripe } = await setup(faultMix(V1, 0.025), { timeout: 150 });
    const total = 1000;
    const failed = await createAll(total, 32, (i) => stripe.billing.meterEvents.create({ event_name: 'api_call', payload: { stripe_customer_id: `cus_${i}`, value: 1 } }));
    const counted = countedByCustomer(emulator);
    expect([...counted.values()].filter((n) => n > 1)).toEqual([]);
    const lost = failed.map((i) => `cus_${i}`);
    const missing = Array.from({ length: total }, (_, i) => `cus_${i}`).filter((c) => counted.get(c) !== 1 && !lost.includes(c));
    expect(missing).toEqual([]);
    const fired = Object.keys(emulator.stats().faults).sort();
    expect(fired).toEqual(['conflict', 'cut_body', 'not_json', 'rate_limit', 'reset', 'reset_after', 'server_error', 'slow', 'stall_body']);
    for (const [customer, a] of attemptsByCustomer(emulator)) expect([a.keys.size, a.bodies.size], customer).toEqual([1, 1]);
  }, 60_000);

  it('a caller that resends every rejection as the README says: none lost, none counted twice', async () => {
    const { emulator, stripe } = await setup(faultMix(V1, 0.03), { timeout: 150, maxNetworkRetries: 1 });
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
    const failed = await createAll(1000, 32, () => reportOnce(EVENT));
    expect(failed).toEqual([]);
    // No identifier given: a second copy under a new identifier would be a 1,001st event.
    expect(emulator.events({ event_name: 'api_call' })).toHaveLength(1000);
  }, 60_000);

  it.each<[FaultRule['fault'], string]>([
    ['cut_body', 'a 200 cut off mid-body'],
    ['stall_body', 'a body that stalls past the timeout'],
    ['not_json', 'a 2xx whose body is not JSON'],
    ['reset_after', 'a connection dropped after the event landed'],
  ])('retries %s (%s) after the event landed, and counts it once', async (fault) => {
    const { emulator, stripe } = await setup([{ path: V1, fault, attempt: 1, delayMs: 400 }], { timeout: 150 });
    const event = await stripe.billing.meterEvents.create({ ...EVENT, identifier: `evt_${fault}` });
    expect(event.lastResponse.attempts).toBe(2);
    expect(emulator.countAccepted(`evt_${fault}`)).toBe(1);
    expect(new Set(bodiesByKey(emulator).get(event.lastResponse.idempotencyKey ?? ''))).toHaveProperty('size', 1);
  });

  it('a broken answer on every attempt says so, and what was sent', async () => {
    const { stripe } = await setup([{ path: V1, fault: 'cut_body' }, { path: '/v1/billing/meters/{id}', fault: 'not_json' }], { maxNetworkRetries: 1 });
    const error = (await stripe.billing.meterEvents.create(EVENT).catch((e: unknown) => e)) as StripeError;
    expect(error).toBeInstanceOf(StripeConnectionError);
    expect(error.message).toMatch(/^The answer from Stripe broke off: .* \(2 attempts\)$/);
    expect(error.identifier).toMatch(/^[0-9a-f-]{36}$/);
    const apiError = (await stripe.billing.meters.retrieve('mtr_1').catch((e: unknown) => e)) as StripeError;
    expect(apiError).toBeInstanceOf(StripeAPIError);
    expect(apiError.message).toBe('Stripe answered HTTP 200 with a body that is not a JSON object (2 attempts)');
  });

  it('every error of a POST carries the idempotency key it was sent with, and meter event errors their identifiers', async () => {
    const { emulator, stripe } = await setup([{ fault: 'server_error', status: 503 }], { maxNetworkRetries: 1 });
    const perKey = (key: string | undefined) => logged(emulator).filter((r) => r.idempotencyKey === key).length;
    const v1 = (await stripe.billing.meterEvents.create(EVENT).catch((e: unknown) => e)) as StripeError;
    expect(v1.attempts).toBe(2);
    expect(v1.identifier).toMatch(/^[0-9a-f-]{36}$/);
    expect(typeof v1.timestamp).toBe('number');
    expect(perKey(v1.idempotencyKey)).toBe(2);
    const v2 = (await stripe.v2.billing.meterEvents.create({ ...EVENT, identifier: 'v2_a' }).catch((e: unknown) => e)) as StripeError;
    expect(v2.identifier).toBe('v2_a');
    expect(perKey(v2.idempotencyKey)).toBe(2);
    const batch = (await stripe.v2.billing.meterEventStream
      .create({ events: [{ ...EVENT, identifier: 'b' }, EVENT, { ...EVENT, identifier: 'a' }] }, { apiKey: 'mes_tok_123' })
      .catch((e: unknown) => e)) as StripeError;
    expect(batch.identifiers?.[0]).toBe('b');
    expect(batch.identifiers?.[2]).toBe('a');
    expect(batch.identifiers?.[1]).toMatch(/^[0-9a-f-]{36}$/);
    const meter = (await stripe.billing.meters.deactivate('mtr_1').catch((e: unknown) => e)) as StripeError;
    expect(perKey(meter.idempotencyKey)).toBe(2);
  });

  it('a resend with the same idempotency key but another body is refused, as Stripe does', async () => {
    const { stripe } = await setup([]);
    await stripe.billing.meterEvents.create({ ...EVENT, identifier: 'x1' }, { idempotencyKey: 'k1' });
    const error = await stripe.billing.meterEvents.create({ ...EVENT, identifier: 'x2' }, { idempotencyKey: 'k1' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StripeIdempotencyError);
  });

  it.each([
    ['v1', (s: StripeMeters) => s.billing.meterEvents.create({ ...EVENT, identifier: 'evt_lost_answer' })],
    ['v2', (s: StripeMeters) => s.v2.billing.meterEvents.create({ ...EVENT, identifier: 'evt_lost_answer' })],
  ])('%s: a retry refused as a duplicate of its own identifier (as Stripe answers it) succeeds and says so', async (_, create) => {
    // The first attempt lands and its answer is lost; the retry arrives under another idempotency
    // key (as after a key expiry), so the emulator refuses the identifier as a duplicate.
    const server = await servedEmulator({ faults: [{ fault: 'reset_after', times: 1 }] });
    servers.push(server);
    let attempt = 0;
    const rotating = client(KEY, { baseUrl: server.url, retryDelay: { initialMs: 1, maxMs: 1 }, fetch: editingHeaders((h) => h.set('Idempotency-Key', `rotated_${++attempt}`)) });
    const event = await create(rotating);
    expect(event.lastResponse.duplicateOfEarlierAttempt).toBe(true);
    expect(event.lastResponse.attempts).toBe(2);
    expect(event.lastResponse.statusCode).toBe(400);
    expect(event).toMatchObject({ identifier: 'evt_lost_answer', event_name: 'api_call', livemode: false });
    expect(event.payload).toEqual({ stripe_customer_id: 'cus_1', value: '1' });
    expect(server.emulator.countAccepted('evt_lost_answer')).toBe(1);
    // A duplicate on the first attempt is the caller's own repeat: an error, recognisable as such.
    const repeat = await create(client(KEY, { baseUrl: server.url })).catch((e: unknown) => e);
    expect(repeat).toBeInstanceOf(StripeInvalidRequestError);
    expect(isDuplicateMeterEvent(repeat, 'evt_lost_answer')).toBe(true);
    expect(isDuplicateMeterEvent(repeat, 'another')).toBe(_ === 'v2');
  });

  it('a retried answer whose body stalls is dropped at once, not waited for', async () => {
    vi.useFakeTimers(FAKE);
    const { stripe } = await setup([{ path: '/v1/billing/meters/{id}', fault: 'stall_body', status: 503, delayMs: 60_000, times: 1 }], { timeout: 120_000 });
    const meter = stripe.billing.meters.retrieve('mtr_1').catch((e: unknown) => e);
    // Only the backoff passes: were the stalled body waited for, this would take a minute.
    await drive(() => settled(meter), 5, (ms) => vi.advanceTimersByTimeAsync(ms), 20);
    expect(await settled(meter)).toBe(true);
    expect(((await meter) as StripeError).statusCode).toBe(404);
    expect(((await meter) as StripeError).attempts).toBe(2);
  });

  it('a redirect is an answer, not followed (a POST must not turn into a GET)', async () => {
    const { emulator, stripe } = await setup([{ fault: 'redirect' }]);
    const error = (await stripe.billing.meterEvents.create(EVENT).catch((e: unknown) => e)) as StripeError;
    expect(error).toBeInstanceOf(StripeAPIError);
    expect(error.statusCode).toBe(302);
    expect(apiRequests(emulator)).toBe(1);
  });

  it('hooks that throw, or whose promise rejects, change nothing and leave no unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const record = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', record);
    try {
      const { emulator, stripe } = await setup([{ path: V1, fault: 'server_error', attempt: 1 }], {
        onRequest: async () => Promise.reject(new Error('logger down')),
        onResponse: () => {
          throw new Error('logger down');
        },
      });
      const event = await stripe.billing.meterEvents.create({ ...EVENT, identifier: 'hooked' });
      await new Promise((r) => setImmediate(r));
      expect(event.lastResponse.attempts).toBe(2);
      expect(emulator.countAccepted('hooked')).toBe(1);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', record);
    }
  });

  it('never retries other 4xx; obeys Stripe-Should-Retry both ways', async () => {
    const { emulator, stripe } = await setup([
      { fault: 'error', status: 400, when: (r) => r.n === 1 },
      { fault: 'server_error', shouldRetry: false, when: (r) => r.n === 2 },
      { fault: 'error', status: 400, shouldRetry: true, when: (r) => r.n === 3 },
    ]);
    expect(((await stripe.billing.meters.retrieve('mtr_1').catch((e: unknown) => e)) as StripeError).attempts).toBe(1);
    expect(await stripe.billing.meters.retrieve('mtr_1').catch((e: unknown) => e)).toBeInstanceOf(StripeAPIError);
    expect(apiRequests(emulator)).toBe(2);
    // The third request is retried on Stripe's word; the fourth answers (404: there is no mtr_1).
    expect(((await stripe.billing.meters.retrieve('mtr_1').catch((e: unknown) => e)) as StripeError).attempts).toBe(2);
  });

  it('gives up after maxNetworkRetries with the last error and the attempt count', async () => {
    const { emulator, stripe } = await setup([{ fault: 'server_error', status: 503 }], { maxNetworkRetries: 3 });
    const error = (await stripe.billing.meters.deactivate('mtr_1').catch((e: unknown) => e)) as StripeError;
    expect(error).toBeInstanceOf(StripeAPIError);
    expect([error.statusCode, error.attempts, apiRequests(emulator)]).toEqual([503, 4, 4]);
    const once = (await stripe.billing.meters.deactivate('mtr_1', {}, { maxNetworkRetries: 0 }).catch((e: unknown) => e)) as StripeError;
    expect(once.attempts).toBe(1);
  });

  it('retries connection resets and reports exhaustion as StripeConnectionError', async () => {
    const { emulator, stripe } = await setup([{ fault: 'reset' }], { maxNetworkRetries: 2 });
    const error = await stripe.billing.meters.retrieve('mtr_1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StripeConnectionError);
    expect((error as Error).message).toMatch(/^Could not connect to Stripe: .*\(3 attempts\)$/);
    expect(apiRequests(emulator)).toBe(3);
  });

  it('a timeout surfaces as StripeConnectionError, after every attempt timed out', async () => {
    vi.useFakeTimers(FAKE);
    const { emulator, stripe } = await setup([{ fault: 'slow', delayMs: 60_000 }], { timeout: 100, maxNetworkRetries: 2 });
    const error = stripe.billing.meters.retrieve('mtr_1').catch((e: unknown) => e);
    await drive(() => settled(error), 20, (ms) => vi.advanceTimersByTimeAsync(ms), 100);
    expect(await error).toBeInstanceOf(StripeConnectionError);
    expect(((await error) as Error).message).toBe('Request to Stripe timed out after 100 ms (3 attempts)');
    expect(apiRequests(emulator)).toBe(3);
  });

  it("a caller's abort during a backoff sleep rejects at once with its reason, with no further attempt", async () => {
    vi.useFakeTimers(FAKE);
    const { emulator, stripe } = await setup([{ fault: 'rate_limit', retryAfterSeconds: 30 }], { retryDelay: { maxRetryAfterMs: 60_000 } });
    const controller = new AbortController();
    const reason = new Error('shutting down');
    const call = stripe.billing.meters.retrieve('mtr_1', {}, { signal: controller.signal }).catch((e: unknown) => e);
    await drive(() => apiRequests(emulator) > 0, 1, (ms) => vi.advanceTimersByTimeAsync(ms));
    await vi.advanceTimersByTimeAsync(100);
    controller.abort(reason);
    expect(await call).toBe(reason);
    expect(apiRequests(emulator)).toBe(1);
  });

  it("a caller's abort while the answer is slow rejects with its reason", async () => {
    vi.useFakeTimers(FAKE);
    const { emulator, stripe } = await setup([{ fault: 'slow', delayMs: 60_000 }]);
    const controller = new AbortController();
    const reason = new Error('enough');
    const call = stripe.billing.meters.retrieve('mtr_1', {}, { signal: controller.signal }).catch((e: unknown) => e);
    await drive(() => apiRequests(emulator) > 0, 1, (ms) => vi.advanceTimersByTimeAsync(ms));
    await vi.advanceTimersByTimeAsync(50);
    controller.abort(reason);
    expect(await call).toBe(reason);
  });

  it('an already-aborted signal sends nothing', async () => {
    const { emulator, stripe } = await setup([]);
    const reason = new Error('too late');
    await expect(stripe.billing.meters.retrieve('mtr_1', {}, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect(apiRequests(emulator)).toBe(0);
  });
});
