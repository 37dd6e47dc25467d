// The delivery engine (src/internal/delivery.ts), which the batching sender and the outbox relay
// deliver through, against the emulator in process: each event ends delivered, failed for good or
// undelivered, and a second copy of an event would show in the emulator's summaries.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { StripeAPIError, StripeError, StripeInvalidParameterError, StripeInvalidRequestError, StripeMeters } from '../src/index.js';
import { classifyDeliveryError, deliver, type DeliveryEvent } from '../src/internal/delivery.js';
import { prepareStreamEvent } from '../src/internal/meter-events.js';
import { SessionTokens } from '../src/internal/sessions.js';
import { createMeter, DAY, HOUR, KEY, setup, summaries, T0 } from './emulator-kit.js';

afterEach(() => {
  vi.useRealTimers();
});

const FAST = { retryDelay: { initialMs: 1, maxMs: 2 } };
const at = new Date(T0 * 1000);

/** `n` prepared events for customer cus_a, values 1..n, identifiers `${prefix}_${i}`. */
function events(n: number, prefix = 'e', eventName = 'calls'): DeliveryEvent[] {
  return Array.from({ length: n }, (_, i) => prepareStreamEvent({ event_name: eventName, payload: { stripe_customer_id: 'cus_a', value: i + 1 }, identifier: `${prefix}_${i}`, timestamp: at }, T0 * 1000));
}

const total = (n: number) => (n * (n + 1)) / 2;

async function usage(stripe: StripeMeters, meterId: string): Promise<number> {
  const rows = await summaries(stripe, meterId, 'cus_a', T0 - HOUR, T0 + HOUR);
  return rows.reduce((sum, [, value]) => sum + value, 0);
}

describe('deliver()', () => {
  it.each(['stream', 'v1'] as const)('%s: 300 events through resets after processing, 5xx, 409 and 429: each delivered, each counted once', async (via) => {
    const path = via === 'stream' ? '/v2/billing/meter_event_stream' : '/v1/billing/meter_events';
    const { stripe } = setup(
      {
        faults: [
          { path, fault: 'reset_after', rate: 0.15 },
          { path, fault: 'reset', rate: 0.1 },
          { path, fault: 'server_error', rate: 0.1 },
          { path, fault: 'conflict', rate: 0.05 },
          { path, fault: 'rate_limit', rate: 0.05, retryAfterSeconds: 0 },
          { path: '/v2/billing/meter_event_session', fault: 'reset_after', times: 1 },
        ],
      },
      FAST,
    );
    const meter = await createMeter(stripe, 'calls');
    const batch = events(300);
    const settled: number[] = [];
    const outcomes = await deliver(stripe, batch, { via, deadline: Date.now() + 60_000, concurrency: 4, onSettled: (_, count) => settled.push(count) });
    expect(outcomes.every((o) => o.status === 'delivered' && !o.duplicate)).toBe(true);
    expect(settled.reduce((a, b) => a + b, 0)).toBe(300);
    expect(await usage(stripe, meter.id)).toBe(total(300));
  });

  it('stream: a batch Stripe refuses is split until the bad events stand alone; the others are delivered once', async () => {
    const { emulator, stripe } = setup();
    const meter = await createMeter(stripe, 'calls');
    // Stripe refuses a whole stream request for one bad event; the emulator validates events later,
    // so a fetch in front of it refuses, as Stripe would, every request that carries a bad one.
    const refusing = async (url: string, init: RequestInit) => {
      const body = typeof init.body === 'string' ? init.body : '';
      if (url.endsWith('/v2/billing/meter_event_stream') && /"identifier":"bad_/.test(body)) {
        return new Response(JSON.stringify({ error: { type: 'invalid_request_error', code: 'invalid_event', message: 'This event is not valid.' } }), { status: 400, headers: { 'content-type': 'application/json' } });
      }
      return emulator.fetch(url, init);
    };
    // On the emulator's clock, as the events are stamped (the engine re-checks their window on it).
    const refused = new StripeMeters(KEY, { fetch: refusing, maxNetworkRetries: 0, now: () => emulator.clock.now() * 1000 });
    const batch = events(40).map((e, i) => (i === 3 || i === 29 ? { ...e, identifier: `bad_${i}` } : e));
    const outcomes = await deliver(refused, batch, { deadline: Date.now() + 10_000 });
    const failed = outcomes.flatMap((o, i) => (o.status === 'failed' ? [i] : []));
    expect(failed).toEqual([3, 29]);
    for (const i of failed) expect((outcomes[i] as { error: unknown }).error).toBeInstanceOf(StripeInvalidRequestError);
    expect(await usage(stripe, meter.id)).toBe(total(40) - 4 - 30);
  });

  it('stream: a server that keeps failing leaves every event undelivered, with the last error, once the budget is spent', async () => {
    vi.useFakeTimers();
    const { stripe } = setup({ faults: [{ path: '/v2/billing/meter_event_stream', fault: 'server_error' }] }, { retryDelay: { initialMs: 100, maxMs: 1000 } });
    const attempts: Array<number | undefined> = [];
    const done = deliver(stripe, events(150), { deadline: Date.now() + 5000, observe: (event) => attempts.push(event.retryInMs) });
    await vi.advanceTimersByTimeAsync(10_000);
    const outcomes = await done;
    expect(new Set(outcomes.map((o) => o.status))).toEqual(new Set(['undelivered']));
    const [first] = outcomes;
    expect(first?.status === 'undelivered' && first.error).toBeInstanceOf(StripeAPIError);
    expect(first?.status === 'undelivered' && first.aborted).toBe(false);
    // Two batches (100 and 50), each retried until the deadline: every report but each batch's last says another attempt follows.
    expect(attempts.filter((ms) => ms === undefined)).toHaveLength(2);
    expect(attempts.length).toBeGreaterThan(6);
  });

  it('an abort ends the events in flight undelivered and aborted, at once', async () => {
    vi.useFakeTimers();
    const { stripe } = setup({ faults: [{ path: '/v2/billing/meter_event_stream', fault: 'server_error' }] }, { retryDelay: { initialMs: 60_000, maxMs: 60_000 } });
    const controller = new AbortController();
    const done = deliver(stripe, events(5), { deadline: Date.now() + 3_600_000, signal: controller.signal });
    await vi.advanceTimersByTimeAsync(10);
    controller.abort(new Error('shutting down'));
    const outcomes = await done;
    expect(outcomes.map((o) => o.status === 'undelivered' && o.aborted)).toEqual([true, true, true, true, true]);
  });

  it('v1: an identifier Stripe already holds is delivered (an earlier delivery landed), and counted once', async () => {
    const { stripe } = setup({}, FAST);
    const meter = await createMeter(stripe, 'calls');
    const batch = events(3);
    await stripe.billing.meterEvents.create({ event_name: 'calls', payload: { stripe_customer_id: 'cus_a', value: 2 }, identifier: 'e_1', timestamp: T0 });
    const outcomes = await deliver(stripe, batch, { via: 'v1', deadline: Date.now() + 10_000 });
    expect(outcomes).toEqual([
      { status: 'delivered', duplicate: false },
      { status: 'delivered', duplicate: true },
      { status: 'delivered', duplicate: false },
    ]);
    expect(await usage(stripe, meter.id)).toBe(6);
  });

  it('stream: a token that expired mid-run is replaced, and the batch resent with the same identifiers', async () => {
    const { emulator, stripe } = setup({ sessionLifetimeSeconds: 60 }, FAST);
    const meter = await createMeter(stripe, 'calls');
    const sessions = new SessionTokens(stripe);
    const expect200 = async (batch: DeliveryEvent[]) => (await deliver(stripe, batch, { deadline: Date.now() + 10_000, sessions })).every((o) => o.status === 'delivered');
    expect(await expect200(events(100, 'a'))).toBe(true);
    // The token is still fresh by the host's clock; Stripe's (the emulator's) says it expired.
    emulator.clock.advance({ minutes: 2 });
    const seen: Array<[number | undefined, number | undefined]> = [];
    const outcomes = await deliver(stripe, events(100, 'b'), { deadline: Date.now() + 10_000, sessions, observe: (e) => seen.push([e.status, e.retryInMs]) });
    expect(outcomes.every((o) => o.status === 'delivered')).toBe(true);
    expect(seen).toEqual([
      [401, 0],
      [200, undefined],
    ]);
    expect(sessions.created).toBe(2);
    expect(await usage(stripe, meter.id)).toBe(2 * total(100));
  });

  it.each([
    ['stream', 'allow', 180],
    ['v1', 'allow', 180],
    ['stream', 'avoid', 60],
    ['v1', 'avoid', 60],
  ] as const)('%s, edge %s: the 35-day window is checked again before each attempt: an event that left it while retried (%i s pass) fails with the window error, unsent; the others go on', async (via, windowEdge, pass) => {
    const path = via === 'stream' ? '/v2/billing/meter_event_stream' : '/v1/billing/meter_events';
    // The client's clock is the emulator's (injected): the window is read on it.
    const { emulator, stripe } = setup({ faults: [{ path, fault: 'server_error' }] }, FAST);
    const meter = await createMeter(stripe, 'calls');
    const prepare = (identifier: string, seconds: number) => prepareStreamEvent({ event_name: 'calls', payload: { stripe_customer_id: 'cus_a', value: 1 }, identifier, timestamp: new Date(seconds * 1000) }, T0 * 1000);
    // 90 seconds inside the window at the start: 30 seconds inside the 'avoid' edge (60 s), 150 inside the 'allow' one.
    const batch = [prepare('edge', T0 - 35 * DAY + 90), prepare('fresh', T0)];
    let failures = 0;
    let advanced = false;
    const outcomes = await deliver(stripe, batch, {
      via,
      ...(windowEdge === 'allow' ? {} : { windowEdge }),
      deadline: Date.now() + 10_000,
      observe: (_event, failure) => {
        if (failure === undefined || advanced || ++failures < 4) return;
        // While the engine retries, a minute passes and Stripe comes back.
        advanced = true;
        emulator.clock.advance({ seconds: pass });
        emulator.setFaults([]);
      },
    });
    expect(advanced).toBe(true);
    expect(outcomes[1]).toEqual({ status: 'delivered', duplicate: false });
    const [edge] = outcomes;
    expect(edge?.status).toBe('failed');
    const error = edge?.status === 'failed' ? edge.error : undefined;
    expect(error).toBeInstanceOf(StripeInvalidRequestError);
    expect(error).toMatchObject({ code: 'timestamp_too_far_in_past', statusCode: undefined, identifier: 'edge' });
    expect(error?.message).toMatch(/35 days/);
    expect(classifyDeliveryError(error, 'edge')).toBe('refused');
    // Never sent once out of the window: Stripe holds only the fresh event.
    expect(emulator.countAccepted('edge')).toBe(0);
    expect(emulator.countAccepted('fresh')).toBe(1);
    expect(await usage(stripe, meter.id)).toBe(1);
  });

  it('stream: the window is checked after the session token, just before sending: an event that left it while a token was made fails, unsent', async () => {
    const { emulator, stripe } = setup({}, FAST);
    const meter = await createMeter(stripe, 'calls');
    const prepare = (identifier: string, seconds: number) => prepareStreamEvent({ event_name: 'calls', payload: { stripe_customer_id: 'cus_a', value: 1 }, identifier, timestamp: new Date(seconds * 1000) }, T0 * 1000);
    // Inside the window ('allow' edge) for 150 seconds more; making the token takes three minutes.
    const batch = [prepare('edge', T0 - 35 * DAY + 90), prepare('fresh', T0)];
    class SlowTokens extends SessionTokens {
      override async token(...args: Parameters<SessionTokens['token']>): ReturnType<SessionTokens['token']> {
        const got = await super.token(...args);
        emulator.clock.advance({ seconds: 180 });
        return got;
      }
    }
    const outcomes = await deliver(stripe, batch, { via: 'stream', deadline: Date.now() + 10_000, sessions: new SlowTokens(stripe) });
    expect(outcomes[0]).toMatchObject({ status: 'failed', error: { code: 'timestamp_too_far_in_past' } });
    expect(outcomes[1]).toEqual({ status: 'delivered', duplicate: false });
    expect(emulator.countAccepted('edge')).toBe(0);
    expect(emulator.errorReports()).toEqual([]);
    expect(await usage(stripe, meter.id)).toBe(1);
  });

  it('classifies the error a delivery ended with once, for the outbox and the command line', () => {
    const refusedByStripe = StripeError.fromResponse(400, {}, { error: { type: 'invalid_request_error', message: 'bad' } }, { attempts: 1 });
    const duplicateV1 = StripeError.fromResponse(400, {}, { error: { type: 'invalid_request_error', message: 'An event already exists with identifier e_1.' } }, { attempts: 1 });
    expect(classifyDeliveryError(refusedByStripe)).toBe('refused');
    expect(classifyDeliveryError(duplicateV1, 'e_1')).toBe('duplicate');
    expect(classifyDeliveryError(duplicateV1, 'e_2')).toBe('refused');
    expect(classifyDeliveryError(StripeError.fromResponse(404, {}, { error: { type: 'invalid_request_error', message: 'no such path' } }, { attempts: 1 }))).toBe('blocked');
    expect(classifyDeliveryError(StripeError.fromResponse(401, {}, { error: { type: 'invalid_request_error', message: 'bad key' } }, { attempts: 1 }))).toBe('blocked');
    expect(classifyDeliveryError(StripeError.fromResponse(403, {}, { error: { type: 'invalid_request_error', message: 'no' } }, { attempts: 1 }))).toBe('blocked');
    expect(classifyDeliveryError(StripeError.fromResponse(503, {}, { error: { type: 'api_error', message: 'down' } }, { attempts: 3 }))).toBe('transient');
    expect(classifyDeliveryError(StripeError.fromResponse(429, {}, { error: { type: 'invalid_request_error', message: 'slow down' } }, { attempts: 3 }))).toBe('transient');
    expect(classifyDeliveryError(new StripeInvalidParameterError('payload', 'payload must be an object'))).toBe('refused');
    expect(classifyDeliveryError(new Error('what'))).toBe('transient');
  });
});
