import { describe, expect, it } from 'vitest';
import { StripeAuthenticationError, StripeError, StripeInvalidParameterError, StripeMeters } from '../src/index.js';
import { clientWith, KEY } from './helpers.js';

/** Runs `call` against a client whose fetch must never be reached; returns what it rejected with. */
async function rejected(call: (stripe: StripeMeters) => Promise<unknown>): Promise<StripeError> {
  const { stripe, requests } = clientWith();
  const error = await call(stripe).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(requests).toHaveLength(0);
  expect(error).toBeInstanceOf(StripeError);
  expect((error as Error).message).not.toContain(KEY);
  expect((error as StripeError).statusCode).toBeUndefined();
  return error as StripeError;
}

describe('API key checks (constructor)', () => {
  it.each([
    ['no key', undefined, /No API key provided/],
    ['an empty key', '', /The API key is empty/],
    ['a blank key', '   ', /The API key is empty/],
    ['a non-string key', 42, /must be a string, got number/],
    ['a publishable key', 'pk_test_51HvZa2PublishableKey', /publishable key \(pk_\.\.\.\)/],
    ['a key with a newline', 'sk_test_abc\n', /whitespace/],
  ])('refuses %s', (_, key, message) => {
    let error: unknown;
    try {
      new StripeMeters(key as string);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(StripeAuthenticationError);
    expect((error as StripeAuthenticationError).param).toBe('apiKey');
    expect((error as Error).message).toMatch(message);
    if (typeof key === 'string' && key.trim() !== '') expect((error as Error).message).not.toContain(key.trim());
  });

  it('refuses a publishable key passed per request, before sending', async () => {
    const e = await rejected((s) => s.billing.meters.retrieve('mtr_1', {}, { apiKey: 'pk_live_abc' }));
    expect(e).toBeInstanceOf(StripeAuthenticationError);
    expect(e.message).not.toContain('pk_live_abc');
  });

  it.each([
    ['maxNetworkRetries', { maxNetworkRetries: -1 }],
    ['maxNetworkRetries', { maxNetworkRetries: 1.5 }],
    ['timeout', { timeout: 0 }],
    ['timeout', { timeout: Number.NaN }],
    ['baseUrl', { baseUrl: 'api.stripe.com' }],
    ['stripeAccount', { stripeAccount: '' }],
    ['fetch', { fetch: 'nope' }],
  ])('refuses a bad client option: %s', (param, options) => {
    expect(() => new StripeMeters(KEY, options as never)).toThrow(expect.objectContaining({ param }));
  });
});

describe('parameter checks (nothing is sent)', () => {
  it.each([
    ['an empty id', '', /id must not be empty/],
    ['a blank id', '  ', /id must not be empty/],
    ['a non-string id', 123, /id must be a string, got number/],
    ['a null id', null, /id must be a string, got null/],
    ['a dot-segment id', '..', /id must not be "\.\."/],
  ])('refuses %s', async (_, id, message) => {
    for (const call of [
      (s: StripeMeters) => s.billing.meters.retrieve(id as string),
      (s: StripeMeters) => s.billing.meters.update(id as string, { display_name: 'x' }),
      (s: StripeMeters) => s.billing.meters.deactivate(id as string),
      (s: StripeMeters) => s.billing.meters.reactivate(id as string),
      (s: StripeMeters) => s.billing.meters.listEventSummaries(id as string, { customer: 'c', start_time: 0, end_time: 60 }),
    ]) {
      const e = await rejected(call);
      expect(e).toBeInstanceOf(StripeInvalidParameterError);
      expect(e.param).toBe('id');
      expect(e.message).toMatch(message);
    }
  });

  const HOUR = 1711584000; // 2024-03-28T00:00:00Z
  it.each([
    ['start_time off a minute', { start_time: HOUR + 30, end_time: HOUR + 3600 }, 'start_time', /must fall on a minute boundary/],
    ['end_time off a minute', { start_time: HOUR, end_time: HOUR + 61 }, 'end_time', /must fall on a minute boundary/],
    ['start_time off an hour (hour window)', { start_time: HOUR + 60, end_time: HOUR + 7200, value_grouping_window: 'hour' }, 'start_time', /hour boundary with value_grouping_window=hour/],
    ['end_time off an hour (hour window)', { start_time: HOUR, end_time: HOUR + 5400, value_grouping_window: 'hour' }, 'end_time', /hour boundary/],
    ['start_time off 00:00 UTC (day window)', { start_time: HOUR + 3600, end_time: HOUR + 86400 * 2, value_grouping_window: 'day' }, 'start_time', /00:00 UTC/],
    ['end_time equal to start_time', { start_time: HOUR, end_time: HOUR }, 'end_time', /must be after start_time/],
    ['end_time before start_time', { start_time: HOUR + 120, end_time: HOUR }, 'end_time', /must be after start_time/],
    ['milliseconds instead of seconds', { start_time: HOUR * 1000 + 1, end_time: HOUR * 1000 + 60_000 }, 'start_time', /minute boundary/],
    ['a fractional time', { start_time: HOUR + 0.5, end_time: HOUR + 60 }, 'start_time', /whole seconds/],
    ['a string time', { start_time: String(HOUR), end_time: HOUR + 60 }, 'start_time', /whole seconds/],
    ['an unknown window', { start_time: HOUR, end_time: HOUR + 60, value_grouping_window: 'week' }, 'value_grouping_window', /"hour" or "day"/],
  ])('event summaries: refuses %s', async (_, range, param, message) => {
    const e = await rejected((s) => s.billing.meters.listEventSummaries('mtr_1', { customer: 'cus_1', ...(range as { start_time: number; end_time: number }) }));
    expect(e).toBeInstanceOf(StripeInvalidParameterError);
    expect(e.param).toBe(param);
    expect(e.message).toMatch(message);
  });

  it('event summaries: accepts aligned ranges', async () => {
    const { stripe, requests } = clientWith(() => new Response('{"object":"list","data":[],"has_more":false,"url":"/"}'));
    await stripe.billing.meters.listEventSummaries('mtr_1', { customer: 'c', start_time: HOUR, end_time: HOUR + 60 });
    await stripe.billing.meters.listEventSummaries('mtr_1', { customer: 'c', start_time: HOUR, end_time: HOUR + 3600, value_grouping_window: 'hour' });
    await stripe.billing.meters.listEventSummaries('mtr_1', { customer: 'c', start_time: HOUR, end_time: HOUR + 86400, value_grouping_window: 'day' });
    expect(requests).toHaveLength(3);
  });

  it.each([
    ['an object', { value: { n: 1 } }, 'payload[value]', /got object/],
    ['NaN', { value: Number.NaN }, 'payload[value]', /got NaN/],
    ['Infinity', { value: Number.POSITIVE_INFINITY }, 'payload[value]', /got Infinity/],
    ['a number String() writes with an exponent', { value: 1e21 }, 'payload[value]', /got 1e\+21/],
    ['null', { stripe_customer_id: null }, 'payload[stripe_customer_id]', /got null/],
    ['a boolean', { value: true }, 'payload[value]', /got boolean/],
  ])('meter events: refuses a payload value that is %s', async (_, payload, param, message) => {
    const v1 = await rejected((s) => s.billing.meterEvents.create({ event_name: 'e', payload: payload as never }));
    expect(v1.param).toBe(param);
    expect(v1.message).toMatch(message);
    const v2 = await rejected((s) => s.v2.billing.meterEvents.create({ event_name: 'e', payload: payload as never }));
    expect(v2.param).toBe(param);
    const stream = await rejected((s) =>
      s.v2.billing.meterEventStream.create({ events: [{ event_name: 'e', payload: { value: '1' } }, { event_name: 'e', payload: payload as never }] }, { apiKey: 'tok' }),
    );
    expect(stream.param).toBe(`events[1].${param}`);
  });

  it('meter events: refuses a payload that is not an object', async () => {
    const e = await rejected((s) => s.billing.meterEvents.create({ event_name: 'e', payload: 'value=1' as never }));
    expect(e.param).toBe('payload');
  });

  it('the stream needs a session token and 1..100 events', async () => {
    const event = { event_name: 'e', payload: { value: '1' } };
    expect((await rejected((s) => s.v2.billing.meterEventStream.create({ events: [event] }, {}))).param).toBe('apiKey');
    expect((await rejected((s) => s.v2.billing.meterEventStream.create({ events: [] }, { apiKey: 't' }))).param).toBe('events');
    const many = Array.from({ length: 101 }, () => event);
    expect((await rejected((s) => s.v2.billing.meterEventStream.create({ events: many }, { apiKey: 't' }))).param).toBe('events');
  });

  it.each([
    ['idempotencyKey', { idempotencyKey: '' }],
    ['idempotencyKey', { idempotencyKey: 'x'.repeat(256) }],
    ['maxNetworkRetries', { maxNetworkRetries: -1 }],
    ['timeout', { timeout: -5 }],
    ['signal', { signal: 'abort' }],
    ['stripeAccount', { stripeAccount: 42 }],
  ])('refuses a bad request option: %s', async (param, options) => {
    const e = await rejected((s) => s.billing.meters.create({ display_name: 'x', event_name: 'y', default_aggregation: { formula: 'sum' } }, options as never));
    expect(e.param).toBe(param);
  });

  it('refuses params that are not an object', async () => {
    expect((await rejected((s) => s.billing.meters.create(null as never))).param).toBe('params');
    expect((await rejected((s) => s.billing.meters.list([] as never))).param).toBe('params');
  });

  it('bad input rejects the promise instead of throwing synchronously', () => {
    const { stripe } = clientWith();
    let result: Promise<unknown> | undefined;
    expect(() => {
      result = stripe.billing.meters.retrieve('');
    }).not.toThrow();
    return expect(result).rejects.toBeInstanceOf(StripeInvalidParameterError);
  });
});

describe('params that cannot be encoded', () => {
  it('a cycle in v1 params is refused, naming where, before sending', async () => {
    const params: Record<string, unknown> = { display_name: 'x' };
    params['self'] = params;
    const e = await rejected((s) => s.billing.meters.update('mtr_1', params as never));
    expect(e).toBeInstanceOf(StripeInvalidParameterError);
    expect(e.param).toMatch(/^self(\[self\])+/);
    expect(e.message).toMatch(/cycle/);
  });

  it('a BigInt or a cycle in v2 JSON params is refused before sending', async () => {
    const e = await rejected((s) => s.v2.billing.meterEventAdjustments.create({ event_name: 'e', type: 'cancel', cancel: { identifier: 1n as never } }));
    expect(e).toBeInstanceOf(StripeInvalidParameterError);
    expect(e.param).toBe('params');
    expect(e.message).toMatch(/cannot be sent as JSON/);
  });
});
