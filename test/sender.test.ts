// The batching meter event stream against a loopback stand-in for Stripe's stream endpoints, over
// both transports; timing rules (flush interval, token refresh) with fake timers and a fake fetch.
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  MeterEventStreamAbortedError,
  MeterEventStreamClosedError,
  MeterEventStreamError,
  StripeAuthenticationError,
  StripeInvalidParameterError,
  StripeInvalidRequestError,
  StripeMeters,
  type MeterEventStreamFailure,
  type MeterEventStreamStats,
} from '../src/index.js';
import { SessionTokens } from '../src/stream/session.js';
import { startMeterEventsServer, type MeterEventsServerOptions, type StreamFault } from '../scripts/meter-events-server.js';
import { seeded } from './fault-server.js';
import { json, TRANSPORTS } from './helpers.js';

type Server = Awaited<ReturnType<typeof startMeterEventsServer>>;
const servers: Server[] = [];
afterEach(async () => {
  vi.useRealTimers();
  vi.restoreAllMocks();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const event = (i: number) => ({ event_name: 'api_call', payload: { stripe_customer_id: `cus_${i % 7}`, value: 1 } });

function addsUp(stats: MeterEventStreamStats): void {
  expect(stats.sent).toBe(stats.accepted + stats.failed + stats.returned + stats.buffered);
}

describe.each(TRANSPORTS)('meter event stream over $transport', ({ client }) => {
  async function setup(options: MeterEventsServerOptions = {}, clientOptions = {}) {
    const server = await startMeterEventsServer(options);
    servers.push(server);
    const stripe = client('sk_test_stream', { baseUrl: server.url, meterEventsBaseUrl: server.url, retryDelay: { initialMs: 1, maxMs: 5 }, ...clientOptions });
    return { server, stripe };
  }

  it('200,000 events through a fifth of failing requests, session creates too, tokens expiring every 250 ms: each stored once, none failed', async () => {
    const random = seeded(42);
    const mix: StreamFault[] = ['reset-before', 'reset-after', 'cut-body', 'slow', { status: 500 }, { status: 503 }, { status: 409 }, { status: 429 }, { status: 429, retryAfter: '0.01' }];
    // The stream also meets tokens refused as expired mid-batch (as after a lost refresh).
    const streamMix: StreamFault[] = [...mix, 'expire-session'];
    const pick = () => (random() < 0.2 ? (streamMix[Math.floor(random() * streamMix.length)] as StreamFault) : 'none');
    // Every other session request fails, each way in turn.
    const sessionFault = (n: number) => (n % 2 === 0 ? (mix[(n / 2) % mix.length] as StreamFault) : 'none');
    const { server, stripe } = await setup({ streamFault: pick, sessionFault, sessionLifetimeMs: 250, slowMs: 400 }, { timeout: 200 });
    const stream = stripe.meterEventStream({ refreshMarginMs: 50 });
    const total = 200_000;
    for (let i = 0; i < total; i++) await stream.send(event(i));
    await stream.close();

    expect(server.state.events.size).toBe(total);
    expect([...server.state.events.values()].every((n) => n === 1)).toBe(true);
    const stats = stream.stats;
    expect(stats).toMatchObject({ sent: total, accepted: total, failed: 0, returned: 0, buffered: 0 });
    addsUp(stats);
    expect(stats.batches).toBe(server.state.acceptedBatches);
    expect(stats.retried).toBeGreaterThan(0);
    // Tokens live 250 ms: the run took many, and some were refused as expired mid-batch.
    expect(stats.sessionsCreated).toBeGreaterThan(5);
    for (const fault of ['reset-before', 'reset-after', 'cut-body', 'slow', '500', '503', '409', '429', 'expire-session']) expect(server.state.faults[fault] ?? 0, fault).toBeGreaterThan(0);
    expect(server.state.sessionRequests).toBeGreaterThan(stats.sessionsCreated + 4);
  }, 120_000);

  it('close({ signal }) against a sink that never answers settles in time and hands back every event; resending them stores each once', async () => {
    // The first requests land and are never answered; later ones are never read.
    const { server, stripe } = await setup({ streamFault: (n) => (n <= 2 ? 'hang-after' : 'hang') });
    const stream = stripe.meterEventStream({ maxConcurrency: 2, maxBufferedEvents: 1000 });
    for (let i = 0; i < 450; i++) await stream.send({ ...event(i), identifier: `ev_${i}` });
    const started = Date.now();
    const error = (await stream.close({ signal: AbortSignal.timeout(1000) }).catch((e: unknown) => e)) as MeterEventStreamAbortedError;
    expect(Date.now() - started).toBeLessThan(1600);
    expect(error).toBeInstanceOf(MeterEventStreamAbortedError);
    expect(error.undelivered.map((e) => e.identifier)).toEqual(Array.from({ length: 450 }, (_, i) => `ev_${i}`));
    for (const e of error.undelivered) expect(e.timestamp).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(stream.stats).toMatchObject({ sent: 450, accepted: 0, failed: 0, returned: 450, buffered: 0 });
    await expect(stream.send(event(1))).rejects.toBeInstanceOf(MeterEventStreamClosedError);
    expect(server.state.events.size).toBeGreaterThan(0); // the hung requests had landed

    const working = await setup({ tokens: server.tokens });
    working.server.state.events = server.state.events; // the same "Stripe": it dedupes by identifier
    const again = working.stripe.meterEventStream();
    await again.sendMany(error.undelivered);
    await again.close();
    expect(server.state.events.size).toBe(450);
    expect([...server.state.events.values()].every((n) => n === 1)).toBe(true);
  });

  it('flush({ signal }) lists what is not delivered yet, and the stream goes on', async () => {
    const { server, stripe } = await setup({ streamDelayMs: 300 });
    const stream = stripe.meterEventStream({ maxConcurrency: 1, maxBufferedEvents: 1000 });
    for (let i = 0; i < 250; i++) await stream.send({ ...event(i), identifier: `f_${i}` });
    const error = (await stream.flush({ signal: AbortSignal.timeout(100) }).catch((e: unknown) => e)) as MeterEventStreamAbortedError;
    expect(error).toBeInstanceOf(MeterEventStreamAbortedError);
    expect(error.message).toMatch(/flush\(\) was aborted with 250 event/);
    expect(error.undelivered).toHaveLength(250);
    await stream.close();
    expect(server.state.events.size).toBe(250);
    expect(stream.stats).toMatchObject({ accepted: 250, returned: 0 });
  });

  it('a flush() waiting when another close({ signal }) aborts rejects with the same handed-back events', async () => {
    const { stripe } = await setup({ streamFault: () => 'hang' });
    const stream = stripe.meterEventStream();
    for (let i = 0; i < 5; i++) await stream.send({ ...event(i), identifier: `w_${i}` });
    const waiting = stream.flush().catch((e: unknown) => e);
    const closing = stream.close({ signal: AbortSignal.timeout(200) }).catch((e: unknown) => e);
    const [flushed, closed] = await Promise.all([waiting, closing]);
    expect(closed).toBeInstanceOf(MeterEventStreamAbortedError);
    expect(flushed).toBe(closed);
    expect((flushed as MeterEventStreamAbortedError).undelivered.map((e) => e.identifier)).toEqual(['w_0', 'w_1', 'w_2', 'w_3', 'w_4']);
  });

  it('sendMany() names a bad event by its place, and says how many it had taken', async () => {
    const { server, stripe } = await setup();
    const stream = stripe.meterEventStream();
    const rows = Array.from({ length: 10 }, (_, i) => (i === 7 ? { ...event(i), payload: { value: 1e21 } } : event(i)));
    const error = (await stream.sendMany(rows).catch((e: unknown) => e)) as StripeInvalidParameterError;
    expect(error).toBeInstanceOf(StripeInvalidParameterError);
    expect(error.param).toBe('events[7][payload][value]');
    expect(error.message).toMatch(/\(sendMany\(\) had taken the 7 event\(s\) before it\)$/);
    await stream.close();
    expect(server.state.events.size).toBe(7);
  });

  it('backpressure keeps the buffer within its bound against a slow server', async () => {
    const { server, stripe } = await setup({ streamDelayMs: 20 });
    const stream = stripe.meterEventStream({ maxBufferedEvents: 500, maxConcurrency: 2 });
    let observed = 0;
    for (let i = 0; i < 5000; i++) {
      await stream.send(event(i));
      observed = Math.max(observed, stream.stats.buffered);
    }
    await stream.close();
    expect(observed).toBeLessThanOrEqual(500);
    expect(stream.stats.peakBuffered).toBeGreaterThanOrEqual(400);
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

  it('the secret key refused at session creation fails every event at once, with the typed error', async () => {
    const { stripe } = await setup({ sessionFault: () => ({ status: 401 }) });
    const failures: MeterEventStreamFailure[] = [];
    const stream = stripe.meterEventStream({ onError: (f) => failures.push(f) });
    for (let i = 0; i < 150; i++) await stream.send(event(i));
    await stream.close();
    expect(failures).toHaveLength(150);
    expect(failures[0]?.error).toBeInstanceOf(StripeAuthenticationError);
  });

  it('without onError, a failure surfaces on the next send() (which does not buffer its event), flush() and close()', async () => {
    const { stripe } = await setup({ unknownEventNames: ['no_such_meter'] });
    const stream = stripe.meterEventStream({ flushIntervalMs: 0 });
    await stream.send({ event_name: 'no_such_meter', payload: { value: 1 }, identifier: 'lost' });
    await stream.flush().catch((e: unknown) => {
      expect(e).toBeInstanceOf(MeterEventStreamError);
      expect((e as MeterEventStreamError).failures.map((f) => f.event.identifier)).toEqual(['lost']);
    });
    await stream.send({ event_name: 'no_such_meter', payload: { value: 1 }, identifier: 'lost2' });
    await new Promise((r) => setTimeout(r, 50));
    const error = await stream.send(event(1)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MeterEventStreamError);
    expect(stream.stats.sent).toBe(2);
    await expect(stream.close()).resolves.toBeUndefined();
  });

  it('an onError that throws loses nothing: the failure surfaces on close()', async () => {
    const { stripe } = await setup({ unknownEventNames: ['no_such_meter'] });
    const stream = stripe.meterEventStream({
      onError: () => {
        throw new Error('handler bug');
      },
    });
    await stream.send({ event_name: 'no_such_meter', payload: { value: 1 }, identifier: 'kept' });
    const error = await stream.close().catch((e: unknown) => e);
    expect((error as MeterEventStreamError).failures.map((f) => f.event.identifier)).toEqual(['kept']);
  });

  it('retries a batch with a fresh token when the session expired', async () => {
    const { server, stripe } = await setup({ streamFault: (n) => (n === 1 ? 'expire-session' : 'none') });
    const stream = stripe.meterEventStream();
    for (let i = 0; i < 100; i++) await stream.send(event(i));
    await stream.flush();
    expect(server.state.sessionsCreated).toBe(2);
    expect(stream.stats).toMatchObject({ accepted: 100, retried: 100, sessionsCreated: 2 });
  });

  it('close() flushes what is buffered; send() after close() rejects', async () => {
    const { server, stripe } = await setup();
    const stream = stripe.meterEventStream({ flushIntervalMs: 60_000 });
    await stream.sendMany(Array.from({ length: 150 }, (_, i) => event(i)));
    await stream.close();
    expect(server.state.events.size).toBe(150);
    await expect(stream.send(event(1))).rejects.toBeInstanceOf(MeterEventStreamClosedError);
  });
});

describe('meter event stream: timing, with fake timers', () => {
  const SESSION = (n: number, lifetimeMs = 900_000) => ({
    id: `s${n}`,
    object: 'v2.billing.meter_event_session',
    authentication_token: `mes_tok_fake_${n}`,
    created: new Date(Date.now()).toISOString(),
    expires_at: new Date(Date.now() + lifetimeMs).toISOString(),
    livemode: false,
  });

  function fakeStripe(options = {}) {
    const batches: Array<Array<{ identifier: string; timestamp: string }>> = [];
    let sessions = 0;
    const fetch = async (url: string, init: RequestInit) => {
      if (url.endsWith('/meter_event_session')) return json(200, SESSION(++sessions));
      batches.push((JSON.parse(String(init.body)) as { events: Array<{ identifier: string; timestamp: string }> }).events);
      return json(200, {});
    };
    return { stripe: new StripeMeters('sk_test_fake', { fetch, ...options }), batches, sessions: () => sessions };
  }

  it('sends a partial batch once its first event waited flushIntervalMs, with identifier and timestamp set at send()', async () => {
    vi.useFakeTimers({ now: Date.UTC(2026, 10, 22, 10, 0, 0) });
    const { stripe, batches } = fakeStripe();
    const stream = stripe.meterEventStream({ flushIntervalMs: 200 });
    await stream.send(event(1));
    await vi.advanceTimersByTimeAsync(199);
    expect(batches).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(batches).toHaveLength(1);
    expect(batches[0]?.[0]?.identifier).toMatch(/^[0-9a-f-]{36}$/);
    expect(batches[0]?.[0]?.timestamp).toBe('2026-11-22T10:00:00.000Z');
    await stream.close();
  });

  it('an async onError that rejects has not taken the failure: close() reports it', async () => {
    const fetch = async (url: string) => (url.endsWith('/meter_event_session') ? json(200, SESSION(1)) : json(400, { error: { type: 'invalid_request_error', code: 'no_meter', message: 'No meter' } }));
    const stream = new StripeMeters('sk_test_fake', { fetch }).meterEventStream({ onError: async () => Promise.reject(new Error('dead-letter queue down')) });
    await stream.send({ ...event(1), identifier: 'kept' });
    const error = await stream.close().catch((e: unknown) => e);
    expect((error as MeterEventStreamError).failures.map((f) => f.event.identifier)).toEqual(['kept']);
  });

  it('a session answer without a token is a broken answer, retried within the budget', async () => {
    let sessions = 0;
    const batches: unknown[] = [];
    const fetch = async (url: string, init: RequestInit) => {
      if (url.endsWith('/meter_event_session')) return json(200, ++sessions === 1 ? { ...SESSION(1), authentication_token: undefined } : SESSION(sessions));
      batches.push(init.body);
      return json(200, {});
    };
    const stream = new StripeMeters('sk_test_fake', { fetch, retryDelay: { initialMs: 1, maxMs: 1 } }).meterEventStream();
    await stream.send(event(1));
    await stream.close();
    expect(stream.stats).toMatchObject({ accepted: 1, failed: 0, sessionsCreated: 1 });
    expect(sessions).toBe(2);
    expect(batches).toHaveLength(1);
  });

  it('prints failures nobody took, once, a second after they happened', async () => {
    vi.useFakeTimers();
    const printed = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const fetch = async (url: string) => (url.endsWith('/meter_event_session') ? json(200, SESSION(1)) : json(400, { error: { type: 'invalid_request_error', code: 'no_meter', message: 'No meter' } }));
    const stream = new StripeMeters('sk_test_fake', { fetch }).meterEventStream({ flushIntervalMs: 0 });
    await stream.send({ ...event(1), identifier: 'orphan' });
    await vi.advanceTimersByTimeAsync(999);
    expect(printed).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(printed).toHaveBeenCalledTimes(1);
    expect(String(printed.mock.calls[0]?.[0])).toMatch(/1 meter event\(s\) failed for good .*Identifiers: orphan/);
    await stream.send({ ...event(2), identifier: 'orphan2' }).catch(() => undefined);
    await vi.advanceTimersByTimeAsync(5000);
    expect(printed).toHaveBeenCalledTimes(1);
  });

  it('session tokens: reused until the refresh margin, then refreshed once for every waiting caller', async () => {
    let clock = 0;
    let created = 0;
    let release: (() => void) | undefined;
    const tokens = new SessionTokens(
      () =>
        new Promise((resolve) => {
          const n = ++created;
          release = () => resolve({ ...SESSION(n, 10_000), created: '2026-01-01T00:00:00Z', expires_at: '2026-01-01T00:00:10Z' } as never);
        }),
      2000,
      () => clock,
    );
    const first = tokens.token();
    release?.();
    expect(await first).toBe('mes_tok_fake_1');
    clock = 7999;
    expect(await tokens.token()).toBe('mes_tok_fake_1');
    clock = 8000;
    const waiting = [tokens.token(), tokens.token(), tokens.token()];
    release?.();
    expect(await Promise.all(waiting)).toEqual(['mes_tok_fake_2', 'mes_tok_fake_2', 'mes_tok_fake_2']);
    expect(created).toBe(2);
    tokens.expired('mes_tok_fake_1');
    expect(await tokens.token()).toBe('mes_tok_fake_2');
    tokens.expired('mes_tok_fake_2');
    const replaced = tokens.token();
    release?.();
    expect(await replaced).toBe('mes_tok_fake_3');
  });

  it('refuses invalid events and options, naming the parameter', async () => {
    const { stripe } = fakeStripe();
    const stream = stripe.meterEventStream();
    const error = await stream.send({ event_name: 'e', payload: { value: Number.NaN } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StripeInvalidParameterError);
    expect((error as StripeInvalidParameterError).param).toBe('payload[value]');
    expect(((await stream.send({ event_name: '', payload: {} }).catch((e: unknown) => e)) as StripeInvalidParameterError).param).toBe('event_name');
    expect(((await stream.send({ ...event(1), timestamp: 'yesterday' }).catch((e: unknown) => e)) as StripeInvalidParameterError).param).toBe('timestamp');
    expect(() => stripe.meterEventStream({ maxBatchSize: 101 })).toThrow(expect.objectContaining({ param: 'maxBatchSize' }));
    expect(() => stripe.meterEventStream({ maxConcurrency: 0 })).toThrow(expect.objectContaining({ param: 'maxConcurrency' }));
    expect(() => stripe.meterEventStream({ maxNetworkRetries: 3 } as never)).toThrow(expect.objectContaining({ param: 'maxNetworkRetries' }));
    expect(() => stripe.meterEventStream({ retryBudgetMs: 2 ** 31 })).toThrow(expect.objectContaining({ param: 'retryBudgetMs' }));
    await expect(stream.close({ timeout: 5 } as never)).rejects.toMatchObject({ param: 'timeout' });
    await stream.close();
    expect(stream.stats.sent).toBe(0);
  });
});
