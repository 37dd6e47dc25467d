// The batching meter event stream against a loopback stand-in for Stripe's stream endpoints.
import { afterEach, describe, expect, it } from 'vitest';
import {
  MeterEventStreamClosedError,
  MeterEventStreamError,
  StripeInvalidParameterError,
  StripeInvalidRequestError,
  StripeMeters,
  type MeterEventStreamFailure,
} from '../src/index.js';
import { startMeterEventsServer, type MeterEventsServerOptions, type StreamFault } from '../scripts/meter-events-server.js';
import { seeded } from './fault-server.js';

type Server = Awaited<ReturnType<typeof startMeterEventsServer>>;
const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function setup(options: MeterEventsServerOptions = {}) {
  const server = await startMeterEventsServer(options);
  servers.push(server);
  const stripe = new StripeMeters('sk_test_stream', { baseUrl: server.url, meterEventsBaseUrl: server.url, retryDelay: { initialMs: 1, maxMs: 5 } });
  return { server, stripe };
}

const event = (i: number) => ({ event_name: 'api_call', payload: { stripe_customer_id: `cus_${i % 7}`, value: 1 } });

describe('meter event stream', () => {
  it('100,000 events through resets, 500s, 429s and session expiries: each accepted exactly once', async () => {
    const random = seeded(42);
    const mix: StreamFault[] = ['reset-before', 'reset-after', { status: 500 }, { status: 503 }, { status: 429, retryAfter: '0' }, 'expire-session'];
    const { server, stripe } = await setup({ streamFault: () => (random() < 0.2 ? (mix[Math.floor(random() * mix.length)] as StreamFault) : 'none') });
    const stream = stripe.meterEventStream({ maxConcurrency: 8 });
    const total = 100_000;
    for (let i = 0; i < total; i++) await stream.send(event(i));
    await stream.close();

    expect(server.state.events.size).toBe(total);
    expect([...server.state.events.values()].every((n) => n === 1)).toBe(true);
    const stats = stream.stats;
    expect(stats).toMatchObject({ sent: total, accepted: total, failed: 0, buffered: 0 });
    expect(stats.batches).toBe(server.state.acceptedBatches);
    expect(stats.sessionsCreated).toBe(server.state.sessionsCreated);
    expect(stats.sessionsCreated).toBeGreaterThan(1);
    expect(stats.retried).toBeGreaterThan(0);
    expect(server.state.duplicatesDropped).toBeGreaterThan(0);
    for (const fault of ['reset-before', 'reset-after', '500', '503', '429', 'expire-session']) expect(server.state.faults[fault] ?? 0, fault).toBeGreaterThan(0);
    console.log(`stream: ${JSON.stringify(stats)}; server faults ${JSON.stringify(server.state.faults)}, duplicates dropped ${server.state.duplicatesDropped}`);
  }, 60_000);

  it('backpressure keeps the buffer within its bound against a slow server', async () => {
    const { server, stripe } = await setup({ streamDelayMs: 20 });
    const stream = stripe.meterEventStream({ maxBufferedEvents: 500, maxConcurrency: 2 });
    let observed = 0;
    const started = Date.now();
    for (let i = 0; i < 5000; i++) {
      await stream.send(event(i));
      observed = Math.max(observed, stream.stats.buffered);
    }
    const producing = Date.now() - started;
    await stream.close();
    expect(observed).toBeLessThanOrEqual(500);
    expect(stream.stats.peakBuffered).toBeLessThanOrEqual(500);
    expect(stream.stats.peakBuffered).toBeGreaterThanOrEqual(400);
    // 5,000 events at 2 x 100 per 20 ms cannot be produced faster than the server drains them.
    expect(producing).toBeGreaterThanOrEqual(300);
    expect(server.state.events.size).toBe(5000);
  });

  it('reports permanent per-event errors with the event, and delivers the rest', async () => {
    const { server, stripe } = await setup({ unknownEventNames: ['no_such_meter'] });
    const failures: MeterEventStreamFailure[] = [];
    const stream = stripe.meterEventStream({ onError: (f) => failures.push(f) });
    const bad = new Set([3, 150, 151, 999]);
    for (let i = 0; i < 1000; i++) {
      await stream.send(bad.has(i) ? { event_name: 'no_such_meter', payload: { value: 1 }, identifier: `bad_${i}` } : { ...event(i), identifier: `good_${i}` });
    }
    await stream.close();
    expect(failures.map((f) => f.event.identifier).sort()).toEqual(['bad_150', 'bad_151', 'bad_3', 'bad_999']);
    for (const f of failures) {
      expect(f.error).toBeInstanceOf(StripeInvalidRequestError);
      expect(f.error.code).toBe('no_meter');
      expect(f.event.event_name).toBe('no_such_meter');
    }
    expect(server.state.events.size).toBe(996);
    expect(stream.stats).toMatchObject({ sent: 1000, accepted: 996, failed: 4 });
  });

  it('without onError, flush() rejects with the failed events', async () => {
    const { stripe } = await setup({ unknownEventNames: ['no_such_meter'] });
    const stream = stripe.meterEventStream();
    await stream.send({ event_name: 'no_such_meter', payload: { value: 1 }, identifier: 'lost' });
    await stream.send(event(1));
    const error = await stream.flush().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MeterEventStreamError);
    expect((error as MeterEventStreamError).failures.map((f) => f.event.identifier)).toEqual(['lost']);
    await expect(stream.close()).resolves.toBeUndefined();
  });

  it('refreshes the session token before it expires, one refresh at a time', async () => {
    // A 1 s margin leaves room for a loaded CI machine between taking a token and using it.
    const { server, stripe } = await setup({ sessionLifetimeMs: 2000 });
    const stream = stripe.meterEventStream({ refreshMarginMs: 1000, maxConcurrency: 8, maxBatchSize: 10 });
    const started = Date.now();
    let i = 0;
    while (Date.now() - started < 3200) {
      for (let k = 0; k < 200; k++) await stream.send(event(i++));
      await new Promise((r) => setTimeout(r, 50));
    }
    await stream.close();
    expect(server.state.expiredTokenUses).toBe(0);
    expect(server.state.maxConcurrentSessionCreations).toBe(1);
    // A token lives 2 s and is replaced after 1 s: 3.2 s of traffic needs about 4 sessions.
    expect(server.state.sessionsCreated).toBeGreaterThanOrEqual(3);
    expect(server.state.sessionsCreated).toBeLessThanOrEqual(5);
    expect(stream.stats.sessionsCreated).toBe(server.state.sessionsCreated);
    expect(server.state.events.size).toBe(i);
  });

  it('retries a batch with a fresh token when the session expired', async () => {
    const { server, stripe } = await setup({ streamFault: (n) => (n === 1 ? 'expire-session' : 'none') });
    const stream = stripe.meterEventStream();
    for (let i = 0; i < 100; i++) await stream.send(event(i));
    await stream.flush();
    expect(server.state.sessionsCreated).toBe(2);
    expect(stream.stats).toMatchObject({ accepted: 100, retried: 100, sessionsCreated: 2 });
  });

  it('sends a partial batch after flushIntervalMs, fills identifier and timestamp at send time', async () => {
    const { server, stripe } = await setup();
    const stream = stripe.meterEventStream({ flushIntervalMs: 20 });
    const before = new Date().toISOString();
    await stream.send(event(1));
    await new Promise((r) => setTimeout(r, 300));
    expect(server.state.events.size).toBe(1);
    const [identifier] = [...server.state.events.keys()];
    expect(identifier).toMatch(/^[0-9a-f-]{36}$/);
    expect(stream.stats.batches).toBe(1);
    await stream.close();
    expect(before <= new Date().toISOString()).toBe(true);
  });

  it('close() flushes what is buffered; send() after close() rejects', async () => {
    const { server, stripe } = await setup();
    const stream = stripe.meterEventStream({ flushIntervalMs: 60_000 });
    await stream.sendMany(Array.from({ length: 150 }, (_, i) => event(i)));
    await stream.close();
    expect(server.state.events.size).toBe(150);
    await expect(stream.send(event(1))).rejects.toBeInstanceOf(MeterEventStreamClosedError);
  });

  it('refuses invalid events and options, naming the parameter', async () => {
    const { stripe } = await setup();
    const stream = stripe.meterEventStream();
    const error = await stream.send({ event_name: 'e', payload: { value: Number.NaN } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StripeInvalidParameterError);
    expect((error as StripeInvalidParameterError).param).toBe('payload[value]');
    expect(((await stream.send({ event_name: '', payload: {} }).catch((e: unknown) => e)) as StripeInvalidParameterError).param).toBe('event_name');
    expect(((await stream.send({ ...event(1), timestamp: 'yesterday' }).catch((e: unknown) => e)) as StripeInvalidParameterError).param).toBe('timestamp');
    expect(() => stripe.meterEventStream({ maxBatchSize: 101 })).toThrow(expect.objectContaining({ param: 'maxBatchSize' }));
    expect(() => stripe.meterEventStream({ maxConcurrency: 0 })).toThrow(expect.objectContaining({ param: 'maxConcurrency' }));
    await stream.close();
    expect(stream.stats.sent).toBe(0);
  });
});
