// The batching sender (MeterEventSender) against the emulator in process: a second copy of an event
// would be counted in the emulator's summaries. Timing rules (flush interval, token refresh, the
// stall notice) run on fake timers. Faults over HTTP, on both transports: test/sender-faults.test.ts.
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  MeterEventSender,
  MeterEventSenderClosedError,
  MeterEventSenderError,
  StripeAuthenticationError,
  StripeConnectionError,
  StripeInvalidParameterError,
  StripeInvalidRequestError,
  StripeMeters,
  StripeMetersCore,
  type MeterEventSenderFailure,
  type MeterEventSenderStats,
  type ResponseEvent,
} from '../src/index.js';
import { SessionTokens } from '../src/internal/sessions.js';
import { STALL_NOTICE_MS } from '../src/sender/progress.js';
import type { Emulator } from '../src/emulator/index.js';
import { createMeter, HOUR, KEY, setup, summaries, T0 } from './emulator-kit.js';
import { json } from './helpers.js';

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

const at = new Date(T0 * 1000);
const event = (i: number, identifier?: string) => ({ event_name: 'calls', payload: { stripe_customer_id: 'cus_a', value: 1 + (i % 3) }, timestamp: at, ...(identifier === undefined ? {} : { identifier }) });
const sumOf = (n: number) => Array.from({ length: n }, (_, i) => 1 + (i % 3)).reduce((a, b) => a + b, 0);

function addsUp(stats: MeterEventSenderStats): void {
  expect(stats.sent).toBe(stats.accepted + stats.failed + stats.returned + stats.buffered);
}

async function usage(stripe: StripeMeters, meterId: string): Promise<number> {
  return (await summaries(stripe, meterId, 'cus_a', T0 - HOUR, T0 + HOUR)).reduce((sum, [, value]) => sum + value, 0);
}

/**
 * A client of `emulator` whose stream requests carrying a `bad_` identifier are refused, as Stripe
 * refuses a whole request for one bad event (the emulator validates events later instead).
 */
function refusing(emulator: Emulator, options: ConstructorParameters<typeof StripeMeters>[1] = {}): StripeMeters {
  const fetch = async (url: string, init: RequestInit) => {
    if (url.endsWith('/meter_event_stream') && /"identifier":"bad_/.test(String(init.body))) {
      return json(400, { error: { type: 'invalid_request_error', code: 'invalid_event', message: 'This event is not valid.' } });
    }
    return emulator.fetch(url, init);
  };
  return new StripeMeters(KEY, { fetch, now: () => emulator.clock.now() * 1000, retryDelay: { initialMs: 1, maxMs: 2 }, ...options });
}

describe('MeterEventSender against the emulator', () => {
  it('20,000 events through resets, 5xx, 409, 429 and tokens expiring mid-run: each counted once, none failed', async () => {
    const stream = '/v2/billing/meter_event_stream';
    const { emulator, stripe } = setup(
      {
        sessionLifetimeSeconds: 60,
        faults: [
          { path: stream, fault: 'reset_after', rate: 0.05 },
          { path: stream, fault: 'reset', rate: 0.05 },
          { path: stream, fault: 'server_error', rate: 0.05 },
          { path: stream, fault: 'conflict', rate: 0.03 },
          { path: stream, fault: 'rate_limit', rate: 0.03, retryAfterSeconds: 0 },
          { path: '/v2/billing/meter_event_session', fault: 'server_error', rate: 0.3 },
        ],
      },
      { retryDelay: { initialMs: 1, maxMs: 2 } },
    );
    const meter = await createMeter(stripe, 'calls');
    const sender = stripe.meterEventSender({ refreshMarginMs: 0 });
    const total = 20_000;
    for (let i = 0; i < total; i++) {
      await sender.send(event(i));
      // Stripe's clock moves on: tokens the sender still holds for fresh expire under it.
      if (i % 2000 === 1999) emulator.clock.advance({ minutes: 2 });
    }
    await sender.close();
    expect(sender.stats).toMatchObject({ sent: total, accepted: total, failed: 0, returned: 0, buffered: 0 });
    addsUp(sender.stats);
    expect(sender.stats.retried).toBeGreaterThan(0);
    expect(sender.stats.sessionFailures).toBeGreaterThan(0);
    expect(sender.stats.sessionsCreated).toBeGreaterThan(5);
    expect(sender.stats.attempts).toBeGreaterThan(sender.stats.batches);
    expect(await usage(stripe, meter.id)).toBe(sumOf(total));
  });

  it('refuses at send() an identifier it still holds, and takes it again once that event is delivered', async () => {
    const { stripe } = setup();
    const meter = await createMeter(stripe, 'calls');
    const sender = stripe.meterEventSender({ flushIntervalMs: 60_000 });
    await sender.send(event(0, 'same'));
    const error = await sender.send({ ...event(1, 'same'), payload: { stripe_customer_id: 'cus_a', value: 50 } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StripeInvalidParameterError);
    expect((error as StripeInvalidParameterError).param).toBe('identifier');
    expect((error as Error).message).toMatch(/"same" belongs to an event this sender has not delivered yet/);
    const many = (await sender.sendMany([event(2, 'other'), event(3, 'same')]).catch((e: unknown) => e)) as StripeInvalidParameterError;
    expect(many.param).toBe('events[1][identifier]');
    await sender.flush();
    // Delivered: the identifier is free again (Stripe drops the repeat as a duplicate).
    await sender.send(event(4, 'same'));
    await sender.close();
    expect(sender.stats).toMatchObject({ sent: 3, accepted: 3, failed: 0 });
    expect(await usage(stripe, meter.id)).toBe(1 + 3);
  });

  it('sendMany() names a bad event by its place, and says how many it had taken', async () => {
    const { stripe } = setup();
    const meter = await createMeter(stripe, 'calls');
    const sender = stripe.meterEventSender();
    const rows = Array.from({ length: 10 }, (_, i) => (i === 7 ? { ...event(i), payload: { value: 1e21 } } : event(i)));
    const error = (await sender.sendMany(rows).catch((e: unknown) => e)) as StripeInvalidParameterError;
    expect(error).toBeInstanceOf(StripeInvalidParameterError);
    expect(error.param).toBe('events[7][payload][value]');
    expect(error.message).toMatch(/\(sendMany\(\) had taken the 7 event\(s\) before it\)$/);
    await sender.close();
    expect(await usage(stripe, meter.id)).toBe(sumOf(7));
  });

  it('reports events Stripe refuses with their error, and delivers the rest once', async () => {
    const { emulator, stripe } = setup();
    const meter = await createMeter(stripe, 'calls');
    const failures: MeterEventSenderFailure[] = [];
    const sender = refusing(emulator).meterEventSender({ onError: (f) => failures.push(f) });
    const bad = new Set([3, 150, 151, 999]);
    for (let i = 0; i < 1000; i++) await sender.send(event(i, bad.has(i) ? `bad_${i}` : `good_${i}`));
    await sender.close();
    expect(failures.map((f) => f.event.identifier).sort()).toEqual(['bad_150', 'bad_151', 'bad_3', 'bad_999']);
    for (const f of failures) {
      expect(f.error).toBeInstanceOf(StripeInvalidRequestError);
      expect(f.error.code).toBe('invalid_event');
    }
    expect(sender.stats).toMatchObject({ sent: 1000, accepted: 996, failed: 4 });
    expect(await usage(stripe, meter.id)).toBe(sumOf(1000) - [3, 150, 151, 999].reduce((s, i) => s + 1 + (i % 3), 0));
  });

  it('the secret key refused at session creation fails every event at once, with the typed error', async () => {
    const { emulator } = setup();
    const fetch = async (url: string, init: RequestInit) =>
      url.endsWith('/meter_event_session') ? json(401, { error: { type: 'invalid_request_error', message: 'Invalid API Key provided: sk_test_***' } }) : emulator.fetch(url, init);
    const failures: MeterEventSenderFailure[] = [];
    const sender = new StripeMeters(KEY, { fetch, now: () => T0 * 1000 }).meterEventSender({ onError: (f) => failures.push(f) });
    for (let i = 0; i < 150; i++) await sender.send(event(i));
    await sender.close();
    expect(failures).toHaveLength(150);
    expect(failures[0]?.error).toBeInstanceOf(StripeAuthenticationError);
    expect(sender.stats).toMatchObject({ failed: 150, sessionFailures: 2, attempts: 0 });
  });

  it('without onError, a failure surfaces on the next send() (which does not buffer its event), flush() and close()', async () => {
    const { emulator } = setup();
    const sender = refusing(emulator).meterEventSender({ flushIntervalMs: 0 });
    await sender.send(event(0, 'bad_1'));
    const flushed = await sender.flush().catch((e: unknown) => e);
    expect((flushed as MeterEventSenderError).failures.map((f) => f.event.identifier)).toEqual(['bad_1']);
    await sender.send(event(1, 'bad_2'));
    await new Promise((r) => setTimeout(r, 20));
    expect(await sender.send(event(2)).catch((e: unknown) => e)).toBeInstanceOf(MeterEventSenderError);
    expect(sender.stats.sent).toBe(2);
    await expect(sender.close()).resolves.toBeUndefined();
  });

  it('an onError that throws loses nothing: the failure surfaces on close()', async () => {
    const { emulator } = setup();
    const sender = refusing(emulator).meterEventSender({
      onError: () => {
        throw new Error('handler bug');
      },
    });
    await sender.send(event(0, 'bad_kept'));
    const error = await sender.close().catch((e: unknown) => e);
    expect((error as MeterEventSenderError).failures.map((f) => f.event.identifier)).toEqual(['bad_kept']);
  });

  it('close() flushes what is buffered; send() after close() rejects', async () => {
    const { stripe } = setup();
    const meter = await createMeter(stripe, 'calls');
    const sender = new MeterEventSender(stripe, { flushIntervalMs: 60_000 });
    await sender.sendMany(Array.from({ length: 150 }, (_, i) => event(i)));
    await sender.close();
    expect(await usage(stripe, meter.id)).toBe(sumOf(150));
    await expect(sender.send(event(1))).rejects.toBeInstanceOf(MeterEventSenderClosedError);
  });

  it('a sender built on the core alone delivers the same way', async () => {
    const { emulator, stripe } = setup();
    const meter = await createMeter(stripe, 'calls');
    const sender = new MeterEventSender(new StripeMetersCore(KEY, { fetch: emulator.fetch, now: () => T0 * 1000 }));
    await sender.sendMany(Array.from({ length: 250 }, (_, i) => event(i)));
    await sender.close();
    expect(await usage(stripe, meter.id)).toBe(sumOf(250));
  });
});

describe('MeterEventSender: timing, with fake timers', () => {
  const SESSION = (n: number, lifetimeMs = 900_000) => ({
    id: `s${n}`,
    object: 'v2.billing.meter_event_session',
    authentication_token: `mes_tok_fake_${n}`,
    created: new Date(Date.now()).toISOString(),
    expires_at: new Date(Date.now() + lifetimeMs).toISOString(),
    livemode: false,
  });

  /** A Stripe that answers sessions and accepts every batch (unit tests of timing only). */
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
    const sender = stripe.meterEventSender({ flushIntervalMs: 200 });
    await sender.send({ event_name: 'calls', payload: { value: 1 } });
    await vi.advanceTimersByTimeAsync(199);
    expect(batches).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(batches).toHaveLength(1);
    expect(batches[0]?.[0]?.identifier).toMatch(/^[0-9a-f-]{36}$/);
    expect(batches[0]?.[0]?.timestamp).toBe('2026-11-22T10:00:00.000Z');
    await sender.close();
  });

  it('a server that is down: stats count attempts and session failures as they happen, lastError names the cause, and one line says so after 10 s', async () => {
    vi.useFakeTimers();
    const printed = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const refused = () => Promise.reject(new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:12111'), { code: 'ECONNREFUSED' }) }));
    const stripe = new StripeMeters('sk_test_down', { fetch: refused, baseUrl: 'http://127.0.0.1:12111', retryDelay: { initialMs: 100, maxMs: 1000 } });
    const sender = stripe.meterEventSender({ flushIntervalMs: 0 });
    await sender.send({ event_name: 'calls', payload: { value: 1 } });
    await vi.advanceTimersByTimeAsync(3000);
    const early = sender.stats;
    expect(early.sessionFailures).toBeGreaterThan(2);
    expect(early.lastError).toMatch(/^Could not connect to Stripe: ECONNREFUSED \(\d+ attempts?\)$/);
    expect(early).toMatchObject({ buffered: 1, accepted: 0, failed: 0 });
    await vi.advanceTimersByTimeAsync(STALL_NOTICE_MS - 3001);
    expect(printed).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(printed).toHaveBeenCalledTimes(1);
    expect(String(printed.mock.calls[0]?.[0])).toMatch(/delivered nothing for 10 s and keeps retrying \(1 event\(s\) waiting; last error: Could not connect to Stripe: ECONNREFUSED .*sending to http:\/\/127\.0\.0\.1:12111 and https:\/\/meter-events\.stripe\.com\)/);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(printed).toHaveBeenCalledTimes(1);
    expect(sender.stats.sessionFailures).toBeGreaterThan(early.sessionFailures);
    const closing = sender.close({ signal: AbortSignal.timeout(100) }).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(100);
    expect((await closing) as Error).toMatchObject({ undelivered: [expect.objectContaining({ event_name: 'calls' })] });
  });

  it('with onError, or the client onResponse, nothing is printed; onResponse says another attempt follows for every failure but the last', async () => {
    vi.useFakeTimers();
    const printed = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const refused = () => Promise.reject(new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) }));
    const seen: ResponseEvent[] = [];
    const stripe = new StripeMeters('sk_test_down', { fetch: refused, retryDelay: { initialMs: 100, maxMs: 1000 }, onResponse: (e) => void seen.push(e) });
    const failures: MeterEventSenderFailure[] = [];
    const sender = stripe.meterEventSender({ flushIntervalMs: 0, retryBudgetMs: 20_000, onError: (f) => failures.push(f) });
    await sender.send({ event_name: 'calls', payload: { value: 1 } });
    await vi.advanceTimersByTimeAsync(30_000);
    expect(printed).not.toHaveBeenCalled();
    expect(failures).toHaveLength(1);
    expect(failures[0]?.error).toBeInstanceOf(StripeConnectionError);
    expect(seen.length).toBeGreaterThan(5);
    expect(seen.slice(0, -1).filter((e) => e.retryInMs === undefined || e.error !== 'ECONNREFUSED')).toEqual([]);
    expect(seen.at(-1)?.retryInMs).toBeUndefined();
    await sender.close();
  });

  it('a token refused as expired is replaced at once, the batch resent with its identifiers under a new Idempotency-Key', async () => {
    let sessions = 0;
    const batches: Array<{ token: string; key: string; ids: string[] }> = [];
    const fetch = async (url: string, init: RequestInit) => {
      if (url.endsWith('/meter_event_session')) return json(200, SESSION(++sessions));
      const headers = new Headers(init.headers);
      const token = (headers.get('authorization') ?? '').replace('Bearer ', '');
      batches.push({ token, key: headers.get('idempotency-key') ?? '', ids: (JSON.parse(String(init.body)) as { events: Array<{ identifier: string }> }).events.map((e) => e.identifier) });
      if (token === 'mes_tok_fake_1') return json(401, { error: { type: 'temporary_session_expired', code: 'billing_meter_event_session_expired', message: 'The meter event session has expired.' } });
      return json(200, {});
    };
    const seen: ResponseEvent[] = [];
    const sender = new StripeMeters('sk_test_fake', { fetch, onResponse: (e) => void seen.push(e) }).meterEventSender({ flushIntervalMs: 0 });
    await sender.send({ event_name: 'calls', payload: { value: 1 }, identifier: 'x1' });
    await sender.close();
    expect(batches.map((b) => [b.token, b.ids])).toEqual([
      ['mes_tok_fake_1', ['x1']],
      ['mes_tok_fake_2', ['x1']],
    ]);
    expect(batches[0]?.key).not.toBe(batches[1]?.key);
    expect(seen.filter((e) => e.url.endsWith('/meter_event_stream')).map((e) => [e.status, e.retryInMs])).toEqual([
      [401, 0],
      [200, undefined],
    ]);
    expect(sender.stats).toMatchObject({ accepted: 1, retried: 1, sessionsCreated: 2, attempts: 2 });
  });

  it('an async onError that rejects has not taken the failure: close() reports it', async () => {
    const fetch = async (url: string) => (url.endsWith('/meter_event_session') ? json(200, SESSION(1)) : json(400, { error: { type: 'invalid_request_error', code: 'invalid_event', message: 'Not valid' } }));
    const sender = new StripeMeters('sk_test_fake', { fetch }).meterEventSender({ onError: async () => Promise.reject(new Error('dead-letter queue down')) });
    await sender.send({ event_name: 'calls', payload: { value: 1 }, identifier: 'kept' });
    const error = await sender.close().catch((e: unknown) => e);
    expect((error as MeterEventSenderError).failures.map((f) => f.event.identifier)).toEqual(['kept']);
  });

  it('a session answer without a token is a broken answer, retried within the budget', async () => {
    let sessions = 0;
    const batches: unknown[] = [];
    const fetch = async (url: string, init: RequestInit) => {
      if (url.endsWith('/meter_event_session')) return json(200, ++sessions === 1 ? { ...SESSION(1), authentication_token: undefined } : SESSION(sessions));
      batches.push(init.body);
      return json(200, {});
    };
    const sender = new StripeMeters('sk_test_fake', { fetch, retryDelay: { initialMs: 1, maxMs: 1 } }).meterEventSender();
    await sender.send({ event_name: 'calls', payload: { value: 1 } });
    await sender.close();
    expect(sender.stats).toMatchObject({ accepted: 1, failed: 0, sessionsCreated: 1, sessionFailures: 1 });
    expect(sessions).toBe(2);
    expect(batches).toHaveLength(1);
  });

  it('prints failures nobody took, once, a second after they happened', async () => {
    vi.useFakeTimers();
    const printed = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const fetch = async (url: string) => (url.endsWith('/meter_event_session') ? json(200, SESSION(1)) : json(400, { error: { type: 'invalid_request_error', code: 'invalid_event', message: 'Not valid' } }));
    const sender = new StripeMeters('sk_test_fake', { fetch }).meterEventSender({ flushIntervalMs: 0 });
    await sender.send({ event_name: 'calls', payload: { value: 1 }, identifier: 'orphan' });
    await vi.advanceTimersByTimeAsync(999);
    expect(printed).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(printed).toHaveBeenCalledTimes(1);
    expect(String(printed.mock.calls[0]?.[0])).toMatch(/1 meter event\(s\) failed and nothing has taken them .*Identifiers: orphan/);
    await sender.send({ event_name: 'calls', payload: { value: 1 }, identifier: 'orphan2' }).catch(() => undefined);
    await vi.advanceTimersByTimeAsync(5000);
    expect(printed).toHaveBeenCalledTimes(1);
  });

  it('session tokens: reused until the refresh margin, then refreshed once for every waiting caller', async () => {
    vi.useFakeTimers({ now: 0 });
    let created = 0;
    const fetch = async () => {
      created++;
      return json(200, { ...SESSION(created, 10_000), created: '2026-01-01T00:00:00Z', expires_at: '2026-01-01T00:00:10Z' });
    };
    const tokens = new SessionTokens(new StripeMetersCore('sk_test_fake', { fetch }), 2000);
    const policy = { maxAttempts: 1, deadline: Number.POSITIVE_INFINITY, delays: { initialMs: 1, maxMs: 1, maxRetryAfterMs: 1 }, now: Date.now };
    const token = async () => {
      const got = await tokens.token(policy, undefined);
      return got.ok ? got.value : got.error.message;
    };
    expect(await token()).toBe('mes_tok_fake_1');
    vi.setSystemTime(7999);
    expect(await token()).toBe('mes_tok_fake_1');
    vi.setSystemTime(8000);
    expect(await Promise.all([token(), token(), token()])).toEqual(['mes_tok_fake_2', 'mes_tok_fake_2', 'mes_tok_fake_2']);
    expect(created).toBe(2);
    tokens.expired('mes_tok_fake_1');
    expect(await token()).toBe('mes_tok_fake_2');
    tokens.expired('mes_tok_fake_2');
    expect(await token()).toBe('mes_tok_fake_3');
  });

  it('refuses invalid events and options, naming the parameter', async () => {
    const { stripe } = fakeStripe();
    const sender = stripe.meterEventSender();
    const error = await sender.send({ event_name: 'e', payload: { value: Number.NaN } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StripeInvalidParameterError);
    expect((error as StripeInvalidParameterError).param).toBe('payload[value]');
    expect(((await sender.send({ event_name: '', payload: {} }).catch((e: unknown) => e)) as StripeInvalidParameterError).param).toBe('event_name');
    expect(((await sender.send({ event_name: 'e', payload: {}, timestamp: 'yesterday' }).catch((e: unknown) => e)) as StripeInvalidParameterError).param).toBe('timestamp');
    expect(() => stripe.meterEventSender({ maxBatchSize: 101 })).toThrow(expect.objectContaining({ param: 'maxBatchSize' }));
    expect(() => stripe.meterEventSender({ maxConcurrency: 0 })).toThrow(expect.objectContaining({ param: 'maxConcurrency' }));
    expect(() => stripe.meterEventSender({ maxNetworkRetries: 3 } as never)).toThrow(expect.objectContaining({ param: 'maxNetworkRetries' }));
    expect(() => stripe.meterEventSender({ retryBudgetMs: 2 ** 31 })).toThrow(expect.objectContaining({ param: 'retryBudgetMs' }));
    await expect(sender.close({ timeout: 5 } as never)).rejects.toMatchObject({ param: 'timeout' });
    await sender.close();
    expect(sender.stats.sent).toBe(0);
  });
});
