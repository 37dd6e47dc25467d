// Every bad option and param gets a StripeInvalidParameterError that names it, before anything is
// sent: the injected fetch below must never be called.
import { describe, expect, it } from 'vitest';
import { StripeError, StripeInvalidParameterError, StripeMeters, type StripeMetersOptions } from '../src/index.js';
import { clientWith, KEY, recent } from './helpers.js';

const METER = { display_name: 'x', event_name: 'y', default_aggregation: { formula: 'sum' as const } };
const EVENT = { event_name: 'e', payload: { stripe_customer_id: 'cus_1', value: 1 } };

function expectRefusal(error: unknown, param: string, message: RegExp | string, secret?: string): void {
  expect(error, 'nothing was refused').toBeInstanceOf(StripeInvalidParameterError);
  const e = error as StripeInvalidParameterError;
  expect(e.type).toBe('StripeInvalidParameterError');
  expect(e.param).toBe(param);
  expect(e.statusCode).toBeUndefined();
  expect(e.attempts).toBeUndefined();
  if (typeof message === 'string') expect(e.message).toBe(message);
  else expect(e.message).toMatch(message);
  // The message names the option (the key's own name is `apiKey`, its hints say what it is instead).
  if (param !== 'apiKey') expect(e.message).toContain(param.split('.')[0]?.split('[')[0] ?? param);
  if (secret !== undefined && secret.length > 6) expect(e.message).not.toContain(secret);
}

/** Runs `call`; the client's fetch must never be reached. */
async function refused(call: (stripe: StripeMeters) => Promise<unknown>, options: StripeMetersOptions = {}): Promise<unknown> {
  const { stripe, requests } = clientWith(undefined, options);
  const error = await call(stripe).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(requests).toHaveLength(0);
  return error;
}

function thrown(make: () => unknown): unknown {
  try {
    make();
  } catch (e) {
    return e;
  }
  return undefined;
}

describe('the API key', () => {
  it.each([
    ['no key', undefined, /No API key provided/],
    ['an empty key', '', /No API key provided/],
    ['a number', 42, /apiKey must be a string, got a number/],
    ['a word', 'hello', /does not look like a Stripe secret key/],
    ['a publishable key', 'pk_test_51HvZa2PublishableKey', /publishable key \(pk_\.\.\.\)/],
    ['a webhook signing secret', 'whsec_1234567890abcdef', /webhook signing secret \(whsec_\.\.\.\)/],
    ['a key with NUL', 'sk_test_abc\0def', /a line break or NUL/],
    ['a key with a line break', 'sk_test_abcdef\n', /leading or trailing whitespace/],
    ['a key with leading space', ' sk_test_abcdef', /leading or trailing whitespace/],
    ['a key outside ASCII', 'sk_test_ключ123456', /outside printable ASCII/],
    ['a key that is too long', `sk_test_${'a'.repeat(300)}`, /at most 255 characters/],
  ])('refuses %s at construction', (_, key, message) => {
    expectRefusal(
      thrown(() => new StripeMeters(key as string)),
      'apiKey',
      message,
      typeof key === 'string' ? key : undefined,
    );
  });

  it.each([['sk_test_123'], ['sk_live_abc'], ['rk_test_abc'], ['rk_live_x_y']])('accepts %s', (key) => {
    expect(new StripeMeters(key)).toBeInstanceOf(StripeMeters);
  });

  it('refuses a bad key per request, and a secret key where the stream wants a session token', async () => {
    expectRefusal(await refused((s) => s.billing.meters.retrieve('mtr_1', {}, { apiKey: 'pk_live_abc123456' })), 'apiKey', /publishable/, 'pk_live_abc123456');
    const batch = { events: [EVENT] };
    expectRefusal(await refused((s) => s.v2.billing.meterEventStream.create(batch, {})), 'apiKey', /needs a session token/);
    expectRefusal(await refused((s) => s.v2.billing.meterEventStream.create(batch, { apiKey: KEY })), 'apiKey', /takes a session token, not an API key/, KEY);
  });
});

describe('client options', () => {
  it.each<[string, Record<string, unknown>, RegExp]>([
    ['idempotency_key', { idempotency_key: 'x' }, /idempotency_key is not a client option/],
    ['maxNetworkRetries', { maxNetworkRetries: -1 }, /from 0 to 100, got -1/],
    ['maxNetworkRetries', { maxNetworkRetries: 1.5 }, /integer/],
    ['timeout', { timeout: 0 }, /from 1 to 2147483647, got 0/],
    ['timeout', { timeout: Number.NaN }, /got NaN/],
    ['timeout', { timeout: 2 ** 31 }, /from 1 to 2147483647, got 2147483648/],
    ['retryDelay.initialMs', { retryDelay: { initialMs: 2 ** 31 } }, /from 0 to 2147483647/],
    ['retryDelay.maxRetryAfterMs', { retryDelay: { maxRetryAfterMs: -1 } }, /from 0/],
    ['initial', { retryDelay: { initial: 5 } }, /initial is not a retryDelay option/],
    ['baseUrl', { baseUrl: 'api.stripe.com' }, /must be an absolute http\(s\) URL/],
    ['baseUrl', { baseUrl: 'ftp://files.example.com' }, /must be an http\(s\) URL/],
    ['baseUrl', { baseUrl: 'https://api.stripe.com?x=1' }, /must not have a query string/],
    ['baseUrl', { baseUrl: 'https://api.stripe.com/#top' }, /must not have a fragment/],
    ['baseUrl', { baseUrl: 'https://user:pass@api.stripe.com' }, /must not contain credentials/],
    ['baseUrl', { baseUrl: 'https://proxy.example.com//stripe' }, /empty path segment/],
    ['meterEventsBaseUrl', { meterEventsBaseUrl: 42 }, /must be a string/],
    ['stripeAccount', { stripeAccount: '' }, /must not be empty/],
    ['stripeAccount', { stripeAccount: 'acct_1\r\nX-Evil: 1' }, /a line break or NUL/],
    ['apiVersion', { apiVersion: '2026-09-30.endive ' }, /leading or trailing whitespace/],
    ['apiVersion', { apiVersion: '2026-09-30.é' }, /outside printable ASCII/],
    ['fetch', { fetch: 'nope' }, /fetch must be a function/],
    ['onResponse', { onResponse: 1 }, /onResponse must be a function/],
    ['now', { now: 'later' }, /now must be a function/],
  ])('refuses %s: %o', (param, options, message) => {
    expectRefusal(
      thrown(() => new StripeMeters(KEY, options as StripeMetersOptions)),
      param,
      message,
    );
  });

  it('accepts base URLs with a path or a trailing slash, and sends to them', async () => {
    const { stripe, requests } = clientWith(undefined, { baseUrl: 'https://proxy.example.com/stripe/' });
    await stripe.billing.meters.retrieve('mtr_1');
    expect(requests[0]?.url.href).toBe('https://proxy.example.com/stripe/v1/billing/meters/mtr_1');
  });
});

describe('request options', () => {
  it.each<[string, Record<string, unknown>, RegExp]>([
    ['idempotency_key', { idempotency_key: 'k' }, /idempotency_key is not a request option/],
    ['idempotencyKey', { idempotencyKey: '' }, /must not be empty/],
    ['idempotencyKey', { idempotencyKey: 'key-1\r\n' }, /leading or trailing whitespace/],
    ['idempotencyKey', { idempotencyKey: 'key\0one' }, /a line break or NUL/],
    ['idempotencyKey', { idempotencyKey: 'clé-1' }, /outside printable ASCII/],
    ['idempotencyKey', { idempotencyKey: 'x'.repeat(256) }, /at most 255 characters, got 256/],
    ['stripeAccount', { stripeAccount: 42 }, /must be a string, got a number/],
    ['apiVersion', { apiVersion: '\t2026' }, /leading or trailing whitespace/],
    ['maxNetworkRetries', { maxNetworkRetries: -1 }, /from 0 to 100/],
    ['timeout', { timeout: 2 ** 31 }, /from 1 to 2147483647/],
    ['signal', { signal: 'abort' }, /signal must be an AbortSignal/],
  ])('refuses %s: %o', async (param, options, message) => {
    expectRefusal(await refused((s) => s.billing.meters.create(METER, options as never)), param, message);
  });
});

describe('params', () => {
  const getter = Object.defineProperty({ ...METER }, 'display_name', {
    enumerable: true,
    get() {
      throw new Error('getter boom');
    },
  });
  const cycle: Record<string, unknown> = { ...METER };
  cycle['expand'] = [cycle];
  it.each<[string, (s: StripeMeters) => Promise<unknown>, string, RegExp | string]>([
    ['a throwing getter', (s) => s.billing.meters.create(getter), 'display_name', 'display_name could not be read: getter boom'],
    ['a symbol', (s) => s.billing.meters.create({ ...METER, display_name: Symbol('x') as never }), 'display_name', 'display_name cannot be sent to Stripe (got a symbol)'],
    ['a BigInt', (s) => s.billing.meters.list({ limit: 10n as never }), 'limit', 'limit cannot be sent to Stripe (got a BigInt)'],
    ['a cycle', (s) => s.billing.meters.create(cycle as never), 'expand[0]', /refers back to itself/],
    ['a BigInt in a v2 body', (s) => s.v2.billing.meterEventAdjustments.create({ event_name: 'e', type: 'cancel', cancel: { identifier: 1n as never } }), 'cancel[identifier]', /BigInt/],
    ['params that are not an object', (s) => s.billing.meters.create(null as never), 'params', /params must be an object/],
    ['a missing field', (s) => s.billing.meters.create({ display_name: 'x', default_aggregation: { formula: 'sum' } } as never), 'event_name', 'event_name is required'],
    ['a bad enum', (s) => s.billing.meters.create({ ...METER, default_aggregation: { formula: 'average' as 'sum' } }), 'default_aggregation[formula]', /must be one of "count", "sum", "last", got "average"/],
    ['a bad filter', (s) => s.billing.meters.list({ status: 'archived' as 'active' }), 'status', /must be one of "active", "inactive"/],
    ['a display name that is too long', (s) => s.billing.meters.update('mtr_1', { display_name: 'x'.repeat(300) }), 'display_name', 'display_name must be at most 250 characters, got 300'],
    ['a limit over 100', (s) => s.billing.meters.list({ limit: 1000 }), 'limit', 'limit must be at most 100, got 1000'],
    ['a limit under 1', (s) => s.billing.meters.listEventSummaries('mtr_1', { customer: 'c', start_time: recent(2), end_time: recent(1), limit: 0 }), 'limit', 'limit must be at least 1, got 0'],
    ['an empty id', (s) => s.billing.meters.retrieve(''), 'id', 'id must not be empty'],
    ['a dot-segment id', (s) => s.billing.meters.deactivate('..'), 'id', 'id must not be ".."'],
    ['a non-string id', (s) => s.billing.meters.update(42 as never, { display_name: 'x' }), 'id', 'id must be a string, got 42'],
    ['an unknown summary window', (s) => s.billing.meters.listEventSummaries('mtr_1', { customer: 'c', start_time: recent(2), end_time: recent(1), value_grouping_window: 'week' as 'day' }), 'value_grouping_window', /must be one of "day", "hour"/],
    ['an unaligned summary range', (s) => s.billing.meters.listEventSummaries('mtr_1', { customer: 'c', start_time: recent(2) + 30, end_time: recent(1) }), 'start_time', /must be aligned to a minute boundary/],
    ['a summary end before its start', (s) => s.billing.meters.listEventSummaries('mtr_1', { customer: 'c', start_time: recent(1), end_time: recent(2) }), 'end_time', /must be after start_time/],
    ['an event name that is too long', (s) => s.billing.meterEvents.create({ ...EVENT, event_name: 'e'.repeat(101) }), 'event_name', 'event_name must be at most 100 characters, got 101'],
    ['a stream batch of 101', (s) => s.v2.billing.meterEventStream.create({ events: Array.from({ length: 101 }, () => EVENT) }, { apiKey: 'mes_tok_1' }), 'events', 'events must hold at most 100 items, got 101'],
    [
      'an identifier repeated in a stream batch (Stripe would drop the later event)',
      (s) => s.v2.billing.meterEventStream.create({ events: [{ ...EVENT, identifier: 'a' }, { ...EVENT, identifier: 'b' }, EVENT, { ...EVENT, identifier: 'a' }] }, { apiKey: 'mes_tok_1' }),
      'events[3][identifier]',
      'events[3][identifier] "a" is also the identifier of events[0]; Stripe would count only one of the two',
    ],
    ['an empty stream batch', (s) => s.v2.billing.meterEventStream.create({ events: [] }, { apiKey: 'mes_tok_1' }), 'events', 'events must hold at least 1 item, got 0'],
  ])('refuses %s', async (_, call, param, message) => {
    expectRefusal(await refused(call), param, message);
  });

  it('refuses params that are a string, and checks summary ranges given as Dates', async () => {
    expectRefusal(await refused((s) => s.billing.meters.list('abc' as never)), 'params', /params must be an object/);
    const hour = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000);
    const misaligned = new Date(hour.getTime() - 90_000);
    expectRefusal(await refused((s) => s.billing.meters.listEventSummaries('mtr_1', { customer: 'c', start_time: misaligned as never, end_time: hour as never })), 'start_time', /must be aligned to a minute boundary/);
    expectRefusal(await refused((s) => s.billing.meters.listEventSummaries('mtr_1', { customer: 'c', start_time: hour as never, end_time: new Date(hour.getTime() - 3_600_000) as never })), 'end_time', /must be after start_time/);
  });

  it('refuses a meter event identifier of null, and a clock that is not in milliseconds', async () => {
    expectRefusal(await refused((s) => s.billing.meterEvents.create({ ...EVENT, identifier: null as never })), 'identifier', 'identifier must be a string, got null');
    expectRefusal(await refused((s) => s.billing.meterEvents.create(EVENT), { now: () => Date.now() / 1000 }), 'now', /must return milliseconds since the epoch/);
    expectRefusal(await refused((s) => s.v2.billing.meterEvents.create(EVENT), { now: () => Number.NaN }), 'now', /must return milliseconds since the epoch/);
  });

  it('the stream request without any options is refused, not sent with the secret key', async () => {
    expectRefusal(await refused((s) => (s.v2.billing.meterEventStream.create as (p: unknown) => Promise<unknown>)({ events: [EVENT] })), 'apiKey', /needs a session token/);
  });

  it('bad input rejects the promise instead of throwing synchronously', async () => {
    const { stripe } = clientWith();
    let result: Promise<unknown> | undefined;
    expect(() => {
      result = stripe.billing.meters.retrieve('');
    }).not.toThrow();
    await expect(result).rejects.toBeInstanceOf(StripeInvalidParameterError);
  });

  it('every error class has its own name as `type`', async () => {
    const error = (await refused((s) => s.billing.meters.retrieve(''))) as StripeError;
    expect(error.type).toBe('StripeInvalidParameterError');
    expect(error.name).toBe('StripeInvalidParameterError');
    expect(error.rawType).toBe('invalid_request_error');
  });
});
