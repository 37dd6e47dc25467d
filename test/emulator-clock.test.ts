// The time rules on the emulator's clock (never the real one): the 24-hour identifier and cancel
// windows, the 35-day and 5-minute timestamp window, session token expiry, idempotency keys, the
// summary lag, and the clock itself (in process and over the control endpoint).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { StripeInvalidRequestError, TemporarySessionExpiredError } from '../src/index.js';
import { createEmulator } from '../src/emulator/index.js';
import { createMeter, DAY, HOUR, raw, setup, summaries, T0 } from './emulator-kit.js';

const event = (identifier: string, value = '1', timestamp?: number) => ({
  event_name: 'api_calls',
  payload: { stripe_customer_id: 'cus_a', value },
  identifier,
  ...(timestamp === undefined ? {} : { timestamp }),
});
const v2event = (identifier: string) => ({ event_name: 'api_calls', payload: { stripe_customer_id: 'cus_a', value: '1' }, identifier });
const total = async (stripe: Parameters<typeof summaries>[0], meterId: string) =>
  (await summaries(stripe, meterId, 'cus_a', T0 - 40 * DAY, T0 + 40 * DAY))[0]?.[1];

describe('emulator clock rules', () => {
  it('an identifier is taken for 24 hours from receipt, then free again', async () => {
    const { emulator, stripe } = setup();
    const meter = await createMeter(stripe, 'api_calls');
    await stripe.billing.meterEvents.create(event('once'));
    emulator.clock.advance({ hours: 23, minutes: 59, seconds: 59 });
    await expect(stripe.billing.meterEvents.create(event('once'))).rejects.toThrow('An event already exists with identifier once.');
    await expect(stripe.v2.billing.meterEvents.create(v2event('once'))).rejects.toMatchObject({ code: 'duplicate_meter_event', statusCode: 400 });
    emulator.clock.advance({ seconds: 1 });
    await stripe.billing.meterEvents.create(event('once'));
    expect(await total(stripe, meter.id)).toBe(2);
  });

  it('identifierWindowSeconds widens the window', async () => {
    const { emulator, stripe } = setup({ identifierWindowSeconds: 2 * DAY });
    await createMeter(stripe, 'api_calls');
    await stripe.billing.meterEvents.create(event('once'));
    emulator.clock.advance({ days: 1, hours: 23 });
    await expect(stripe.billing.meterEvents.create(event('once'))).rejects.toBeInstanceOf(StripeInvalidRequestError);
    emulator.clock.advance({ hours: 1 });
    await expect(stripe.billing.meterEvents.create(event('once'))).resolves.toMatchObject({ identifier: 'once' });
  });

  it('a cancel works up to 24 hours after receipt, whatever the event timestamp', async () => {
    const { emulator, stripe, warnings } = setup();
    const meter = await createMeter(stripe, 'api_calls');
    // Timestamped 30 days back, received now: the cancel window runs from receipt.
    await stripe.billing.meterEvents.create(event('old_but_new', '5', T0 - 30 * DAY));
    await stripe.billing.meterEvents.create(event('late', '7'));
    emulator.clock.advance({ days: 1 });
    await stripe.billing.meterEventAdjustments.create({ event_name: 'api_calls', type: 'cancel', cancel: { identifier: 'old_but_new' } });
    expect(await total(stripe, meter.id)).toBe(7);
    emulator.clock.advance({ seconds: 1 });
    const late = await stripe.billing.meterEventAdjustments.create({ event_name: 'api_calls', type: 'cancel', cancel: { identifier: 'late' } });
    expect(late.status).toBe('pending');
    expect(await total(stripe, meter.id)).toBe(7);
    expect(warnings).toEqual(['stripe-meters emulator: The cancel of identifier "late" (event name "api_calls") changed nothing: the event was received more than 24 hours ago.']);
  });

  it('timestamps: 35 days back and 5 minutes ahead, measured on the emulator clock', async () => {
    const { emulator, stripe } = setup();
    await createMeter(stripe, 'api_calls');
    await stripe.billing.meterEvents.create(event('edge_past', '1', T0 - 35 * DAY));
    await stripe.billing.meterEvents.create(event('edge_future', '1', T0 + 300));
    await expect(stripe.billing.meterEvents.create(event('too_old', '1', T0 - 35 * DAY - 1))).rejects.toMatchObject({
      statusCode: 400,
      param: 'timestamp',
      message: `The event timestamp cannot be more than 35 days in past. Expected a timestamp greater than or equal to ${T0 - 35 * DAY}.`,
    });
    await expect(stripe.billing.meterEvents.create(event('too_new', '1', T0 + 301))).rejects.toMatchObject({ statusCode: 400, param: 'timestamp' });
    await expect(stripe.v2.billing.meterEvents.create({ ...v2event('too_new_v2'), timestamp: new Date((T0 + 301) * 1000).toISOString() })).rejects.toMatchObject({ code: 'timestamp_in_future' });
    emulator.clock.advance({ days: 1 });
    await expect(stripe.billing.meterEvents.create(event('now_too_old', '1', T0 - 35 * DAY))).rejects.toMatchObject({ param: 'timestamp' });
  });

  it('session tokens expire after 15 minutes (or sessionLifetimeSeconds)', async () => {
    for (const [lifetime, options] of [[15 * 60, {}], [60, { sessionLifetimeSeconds: 60 }]] as const) {
      const { emulator, stripe } = setup(options);
      await createMeter(stripe, 'api_calls');
      const session = await stripe.v2.billing.meterEventSession.create();
      expect(Date.parse(session.expires_at) - Date.parse(session.created)).toBe(lifetime * 1000);
      const send = () => stripe.v2.billing.meterEventStream.create({ events: [{ ...v2event(`e${emulator.clock.now()}`), timestamp: new Date(emulator.clock.now() * 1000).toISOString() }] }, { apiKey: session.authentication_token });
      emulator.clock.advance({ seconds: lifetime - 1 });
      await send();
      emulator.clock.advance({ seconds: 1 });
      await expect(send()).rejects.toBeInstanceOf(TemporarySessionExpiredError);
    }
  });

  it('the batching stream replaces a token the emulator clock expired, and counts each event once', async () => {
    const { emulator, stripe } = setup();
    const meter = await createMeter(stripe, 'api_calls');
    const stream = stripe.meterEventSender({ retryBudgetMs: 1000 });
    // Timestamps on the emulator's clock (send() would stamp the host's).
    const at = () => new Date(emulator.clock.now() * 1000);
    for (let i = 0; i < 150; i++) await stream.send({ ...v2event(`first-${i}`), timestamp: at() });
    await stream.flush();
    emulator.clock.advance({ minutes: 16 });
    for (let i = 0; i < 150; i++) await stream.send({ ...v2event(`second-${i}`), timestamp: at() });
    await stream.close();
    expect(stream.stats).toMatchObject({ accepted: 300, failed: 0, sessionsCreated: 2 });
    expect(await total(stripe, meter.id)).toBe(300);
  });

  it('an idempotency key replays for 24 hours, then is a new request', async () => {
    const { emulator, stripe } = setup();
    const meter = await createMeter(stripe, 'api_calls');
    // The same params each time (the client would otherwise fill in a new identifier per call).
    const send = (identifier: string) => stripe.billing.meterEvents.create(event(identifier), { idempotencyKey: 'k1' });
    const first = await send('same');
    emulator.clock.advance({ hours: 23 });
    const replay = await send('same');
    expect(replay).toEqual(first);
    expect(replay.lastResponse.headers['idempotent-replayed']).toBe('true');
    expect(replay.lastResponse.headers['original-request']).toBe(first.lastResponse.requestId);
    await expect(send('other')).rejects.toMatchObject({ type: 'StripeIdempotencyError', statusCode: 400 });
    emulator.clock.advance({ hours: 1 });
    const fresh = await send('other');
    expect(fresh.created).toBe(first.created + DAY);
    expect(await total(stripe, meter.id)).toBe(2);
  });

  it('summaryLagSeconds keeps new events out of summaries for a while', async () => {
    const { emulator, stripe } = setup({ summaryLagSeconds: 30 });
    const meter = await createMeter(stripe, 'api_calls');
    await stripe.billing.meterEvents.create(event('lagging', '4'));
    expect(await total(stripe, meter.id)).toBe(0);
    emulator.clock.advance({ seconds: 30 });
    expect(await total(stripe, meter.id)).toBe(4);
  });
});

describe('emulator clock', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('follows the host clock plus the offset set() and advance() make', () => {
    vi.useFakeTimers({ now: T0 * 1000 });
    const emulator = createEmulator();
    expect(emulator.clock.now()).toBe(T0);
    vi.advanceTimersByTime(90_000);
    expect(emulator.clock.now()).toBe(T0 + 90);
    expect(emulator.clock.advance({ days: 1, hours: 2, minutes: 3, seconds: 4 })).toBe(T0 + 90 + DAY + 2 * HOUR + 3 * 60 + 4);
    expect(emulator.clock.set(new Date((T0 - DAY) * 1000))).toBe(T0 - DAY);
    vi.advanceTimersByTime(10_000);
    expect(emulator.clock.now()).toBe(T0 - DAY + 10);
    emulator.reset();
    expect(emulator.clock.now()).toBe(T0 + 100);
  });

  it('follows fake timers installed after it was created', () => {
    const emulator = createEmulator();
    vi.useFakeTimers({ now: T0 * 1000 });
    expect(emulator.clock.now()).toBe(T0);
  });

  it('a frozen clock moves only when told', () => {
    vi.useFakeTimers({ now: T0 * 1000 });
    const emulator = createEmulator({ clock: { start: new Date((T0 + HOUR) * 1000), frozen: true } });
    vi.advanceTimersByTime(60_000);
    expect(emulator.clock.now()).toBe(T0 + HOUR);
    expect(emulator.clock.set(T0 - 5)).toBe(T0 - 5);
    expect(() => emulator.clock.advance({ hours: Number.NaN })).toThrow(RangeError);
  });

  it('POST /_emulator/clock sets or advances it and answers {now}', async () => {
    const { emulator } = setup();
    expect((await raw(emulator, 'POST', '/_emulator/clock', { json: { advance_seconds: 3600 } })).body).toEqual({ now: T0 + HOUR });
    expect((await raw(emulator, 'POST', '/_emulator/clock', { json: { now: T0 - DAY } })).body).toEqual({ now: T0 - DAY });
    expect(emulator.clock.now()).toBe(T0 - DAY);
    const bad = await raw(emulator, 'POST', '/_emulator/clock', { json: { now: T0, advance_seconds: 1 } });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('request-id')).toMatch(/^req_/);
    expect((await raw(emulator, 'POST', '/_emulator/clock', { json: { later: 1 } })).status).toBe(400);
    expect((await raw(emulator, 'POST', '/_emulator/clock', { json: { now: 'soon' } })).status).toBe(400);
  });
});
