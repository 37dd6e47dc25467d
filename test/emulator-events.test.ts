// Meter events as Stripe validates them: v1 (refused at once for the meter, identifier, timestamp
// and digits; a wrong customer or value accepted and reported later), v2 (refused with Stripe's
// codes), the stream (200 {} and everything reported later), and adjustments.
import { describe, expect, it } from 'vitest';
import { StripeMeters } from '../src/index.js';
import { createMeter, raw, setup, summaries, T0 } from './emulator-kit.js';

const ISO_T0 = new Date(T0 * 1000).toISOString();
const total = async (stripe: Parameters<typeof summaries>[0], meterId: string, customer = 'cus_a') => (await summaries(stripe, meterId, customer, T0 - 3600, T0 + 3600))[0]?.[1];
const codes = (reports: ReturnType<ReturnType<typeof setup>['emulator']['errorReports']>) =>
  reports.flatMap((r) => r.data.reason.error_types.map((t) => `${r.type === 'v1.billing.meter.no_meter_found' ? 'no_meter_found' : r.related_object?.id ?? ''}:${t.code}x${t.error_count}`));

describe('emulator v1 meter events', () => {
  it('answers a billing.meter_event with the identifier it generated when none was given', async () => {
    const { emulator, stripe } = setup();
    await createMeter(stripe, 'api');
    const answer = await raw(emulator, 'POST', '/v1/billing/meter_events', { body: 'event_name=api&payload[stripe_customer_id]=cus_a&payload[value]=3' });
    expect(answer.body).toEqual({
      object: 'billing.meter_event',
      created: T0,
      event_name: 'api',
      identifier: expect.stringMatching(/^[0-9a-f-]{36}$/),
      livemode: false,
      payload: { stripe_customer_id: 'cus_a', value: '3' },
      timestamp: T0,
    });
  });

  it('refuses at once: no active meter, duplicate identifier (no code, Stripe-Should-Retry false), digits', async () => {
    const { emulator, stripe } = setup();
    const meter = await createMeter(stripe, 'api');
    const send = (body: string, headers: Record<string, string> = {}) => raw(emulator, 'POST', '/v1/billing/meter_events', { body, headers });
    expect((await send('event_name=nothing&payload[stripe_customer_id]=c&payload[value]=1')).body.error).toEqual({
      type: 'invalid_request_error',
      param: 'event_name',
      message: 'No active meter found for event name "nothing".',
    });
    expect((await send('event_name=api&payload[stripe_customer_id]=c&payload[value]=1&identifier=dup')).status).toBe(200);
    const dup = await send('event_name=api&payload[stripe_customer_id]=c&payload[value]=1&identifier=dup');
    expect(dup.status).toBe(400);
    expect(dup.body.error).toEqual({ type: 'invalid_request_error', message: 'An event already exists with identifier dup.' });
    expect(dup.headers.get('stripe-should-retry')).toBe('false');
    const digits = await send('event_name=api&payload[stripe_customer_id]=c&payload[value]=1234567890.123456');
    expect(digits.body.error).toMatchObject({ param: 'payload[value]', message: 'The value in the event payload can have at most 15 digits. Received 1234567890.123456.' });
    // Before API version 2026-04-22.dahlia Stripe did not count digits.
    expect((await send('event_name=api&payload[stripe_customer_id]=c&payload[value]=1234567890.123456', { 'stripe-version': '2025-03-31.basil' })).status).toBe(200);
    const long = await send(`event_name=api&payload[stripe_customer_id]=c&payload[value]=1&payload[note]=${'n'.repeat(101)}`);
    expect(long.body.error).toMatchObject({ param: 'payload[note]' });
    expect((await send('event_name=api&payload[stripe_customer_id][nested]=c&payload[value]=1')).body.error).toMatchObject({ param: 'payload[stripe_customer_id]' });
    expect((await send('event_name=api&payload[stripe_customer_id]=c&payload[value]=1&timestamp=soon')).body.error).toMatchObject({ param: 'timestamp' });
    await stripe.billing.meters.deactivate(meter.id);
    expect((await send('event_name=api&payload[stripe_customer_id]=c&payload[value]=1')).body.error).toMatchObject({ message: 'No active meter found for event name "api".' });
  });

  it('accepts a missing customer, a missing or bad value, and reports them instead of counting', async () => {
    const { emulator, stripe } = setup({ customerExists: (id) => id !== 'cus_gone' });
    const meter = await createMeter(stripe, 'api', 'sum', { value_key: 'tokens', customer_key: 'user' });
    const send = (payload: Record<string, string>) => stripe.billing.meterEvents.create({ event_name: 'api', payload });
    await send({ user: 'cus_a', tokens: '5' });
    await send({ tokens: '5' });
    await send({ user: 'cus_a', value: '5' });
    await send({ user: 'cus_a', tokens: 'five' });
    await send({ user: 'cus_a', tokens: '' });
    await send({ user: 'cus_gone', tokens: '5' });
    expect(await total(stripe, meter.id)).toBe(5);
    expect(codes(emulator.errorReports())).toEqual([
      `${meter.id}:meter_event_no_customer_definedx1`,
      `${meter.id}:meter_event_value_not_foundx1`,
      `${meter.id}:meter_event_invalid_valuex2`,
      `${meter.id}:meter_event_customer_not_foundx1`,
    ]);
  });

  it('values: decimals and negatives by default; whole numbers only with values: "integer"', async () => {
    for (const [values, counted] of [['decimal', 1.5 - 2 + 4], ['integer', -2 + 4]] as const) {
      const { stripe } = setup({ values });
      const meter = await createMeter(stripe, 'api');
      for (const value of ['1.5', '-2', '4']) await stripe.billing.meterEvents.create({ event_name: 'api', payload: { stripe_customer_id: 'cus_a', value } });
      expect(await total(stripe, meter.id)).toBe(counted);
    }
  });
});

describe('emulator v2 meter events', () => {
  it('answers a v2.billing.meter_event', async () => {
    const { stripe } = setup();
    await createMeter(stripe, 'api');
    const event = await stripe.v2.billing.meterEvents.create({ event_name: 'api', payload: { stripe_customer_id: 'cus_a', value: '2' }, identifier: 'v2-1' });
    expect({ ...event }).toEqual({ object: 'v2.billing.meter_event', created: ISO_T0, event_name: 'api', identifier: 'v2-1', livemode: false, payload: { stripe_customer_id: 'cus_a', value: '2' }, timestamp: ISO_T0 });
  });

  it("refuses with Stripe's codes", async () => {
    const { emulator, stripe } = setup({ values: 'integer' });
    const meter = await createMeter(stripe, 'api');
    await createMeter(stripe, 'archived').then((m) => stripe.billing.meters.deactivate(m.id));
    await stripe.v2.billing.meterEvents.create({ event_name: 'api', payload: { stripe_customer_id: 'cus_a', value: '1' }, identifier: 'taken' });
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ event_name: 'nothing', payload: { stripe_customer_id: 'c', value: '1' } }, 'no_meter'],
      [{ event_name: 'archived', payload: { stripe_customer_id: 'c', value: '1' } }, 'archived_meter'],
      [{ event_name: 'api', payload: { stripe_customer_id: 'c', value: '1' }, identifier: 'taken' }, 'duplicate_meter_event'],
      [{ event_name: 'api', payload: { value: '1' } }, 'payload_no_customer_defined'],
      [{ event_name: 'api', payload: { stripe_customer_id: 'c' } }, 'payload_no_value_defined'],
      [{ event_name: 'api', payload: { stripe_customer_id: 'c', value: '1.5' } }, 'payload_invalid_value'],
      [{ event_name: 'api', payload: { stripe_customer_id: 'c', value: '1' }, timestamp: 'yesterday' }, 'invalid_fields'],
      [{ event_name: 'api', payload: { stripe_customer_id: 'c', value: 1 } }, 'invalid_fields'],
      [{ event_name: 'api', payload: { stripe_customer_id: 'c', value: '1' }, extra: true }, 'invalid_fields'],
      [{ event_name: 'api', payload: { stripe_customer_id: 'c', value: '1' }, timestamp: new Date((T0 - 36 * 86_400) * 1000).toISOString() }, 'timestamp_too_far_in_past'],
    ];
    for (const [json, code] of cases) {
      const answer = await raw(emulator, 'POST', '/v2/billing/meter_events', { json });
      expect(answer.status, JSON.stringify(json)).toBe(400);
      expect(answer.body.error, JSON.stringify(json)).toMatchObject({ code, message: expect.any(String) });
    }
    expect((await raw(emulator, 'POST', '/v2/billing/meter_events', { body: '{not json' })).body.error).toMatchObject({ code: 'invalid_json' });
    expect(await total(stripe, meter.id)).toBe(1);
  });
});

describe('emulator stream', () => {
  it('answers 200 {} and validates afterwards: invalid events and an identifier repeated in the batch reported, a resent event counted once', async () => {
    const { emulator, stripe } = setup();
    const meter = await createMeter(stripe, 'api');
    const archived = await createMeter(stripe, 'archived');
    await stripe.billing.meters.deactivate(archived.id);
    const session = await stripe.v2.billing.meterEventSession.create();
    const e = (event_name: string, payload: Record<string, string>, identifier?: string, timestamp = ISO_T0) => ({ event_name, payload, timestamp, ...(identifier === undefined ? {} : { identifier }) });
    const events = [
      e('api', { stripe_customer_id: 'cus_a', value: '2' }, 'one'),
      e('api', { stripe_customer_id: 'cus_a', value: '2' }, 'one'),
      e('api', { stripe_customer_id: 'cus_a', value: '3' }),
      e('nothing', { stripe_customer_id: 'cus_a', value: '1' }),
      e('nothing', { stripe_customer_id: 'cus_a', value: '1' }),
      e('archived', { stripe_customer_id: 'cus_a', value: '1' }),
      e('api', { value: '1' }),
      e('api', { stripe_customer_id: 'cus_a' }),
      e('api', { stripe_customer_id: 'cus_a', value: '1.1234567890123456' }),
      e('api', { stripe_customer_id: 'cus_a', value: '1' }, undefined, new Date((T0 + 600) * 1000).toISOString()),
      e('api', { stripe_customer_id: 'cus_a', value: '1' }, undefined, new Date((T0 - 40 * 86_400) * 1000).toISOString()),
    ];
    // Sent as is: the client itself refuses the last two (outside Stripe's window) before sending.
    const post = (json: unknown) => raw(emulator, 'POST', '/v2/billing/meter_event_stream', { json, headers: { authorization: `Bearer ${session.authentication_token}` } });
    const result = await post({ events });
    expect([result.status, result.body]).toEqual([200, {}]);
    await post({ events: [events[0]] });
    expect(await total(stripe, meter.id)).toBe(5);
    expect(codes(emulator.errorReports())).toEqual([
      `${meter.id}:duplicate_meter_eventx1`,
      `${meter.id}:meter_event_no_customer_definedx1`,
      `${meter.id}:meter_event_value_not_foundx1`,
      `${meter.id}:meter_event_value_too_many_digitsx1`,
      `${meter.id}:timestamp_in_futurex1`,
      `${meter.id}:timestamp_too_far_in_pastx1`,
      'no_meter_found:no_meterx2',
      `${archived.id}:archived_meterx1`,
    ]);
  });

  it('refuses malformed batches at once: 0 or 101 events, a bad timestamp, a missing or bad token', async () => {
    const { emulator, stripe } = setup();
    await createMeter(stripe, 'api');
    const session = await stripe.v2.billing.meterEventSession.create();
    const auth = { authorization: `Bearer ${session.authentication_token}` };
    const event = { event_name: 'api', payload: { stripe_customer_id: 'c', value: '1' } };
    const post = (json: unknown, headers: Record<string, string> = auth) => raw(emulator, 'POST', '/v2/billing/meter_event_stream', { json, headers });
    expect((await post({ events: [] })).body.error).toMatchObject({ code: 'invalid_fields' });
    expect((await post({ events: Array.from({ length: 101 }, () => event) })).body.error).toMatchObject({ code: 'invalid_fields' });
    expect((await post({ events: [event, { ...event, timestamp: '2026-13-01T00:00:00Z' }] })).body.error).toMatchObject({ code: 'invalid_fields', message: expect.stringContaining('events[1][timestamp]') });
    const missing = await post({ events: [event] }, { authorization: '' });
    expect([missing.status, missing.body.error?.['code']]).toEqual([401, 'unauthorized']);
    const unknown = await post({ events: [event] }, { authorization: 'Bearer mes_tok_unknown' });
    expect(unknown.status).toBe(401);
    expect(unknown.body).toEqual({
      error: { type: 'temporary_session_expired', code: 'billing_meter_event_session_expired', message: expect.any(String), doc_url: 'https://docs.stripe.com/api/v2/billing-meter-stream' },
    });
    expect((await post({ events: Array.from({ length: 100 }, () => event) })).status).toBe(200);
  });

  it("a session's events go to the account that created it", async () => {
    const { emulator, stripe } = setup();
    const connected = new StripeMeters('sk_test_x', { fetch: emulator.fetch, stripeAccount: 'acct_9' });
    const mine = await createMeter(stripe, 'api');
    const theirs = await createMeter(connected, 'api');
    const session = await connected.v2.billing.meterEventSession.create();
    await stripe.v2.billing.meterEventStream.create({ events: [{ event_name: 'api', payload: { stripe_customer_id: 'cus_a', value: '7' }, timestamp: ISO_T0 }] }, { apiKey: session.authentication_token });
    expect(await total(connected, theirs.id)).toBe(7);
    expect(await total(stripe, mine.id)).toBe(0);
  });
});

describe('emulator adjustments', () => {
  it('v1 and v2 cancels remove the event from the summaries and answer pending', async () => {
    const { stripe, warnings } = setup();
    const meter = await createMeter(stripe, 'api');
    for (const [identifier, value] of [['a', '1'], ['b', '10'], ['c', '100']] as const) {
      await stripe.billing.meterEvents.create({ event_name: 'api', payload: { stripe_customer_id: 'cus_a', value }, identifier });
    }
    const v1 = await stripe.billing.meterEventAdjustments.create({ event_name: 'api', type: 'cancel', cancel: { identifier: 'b' } });
    expect({ ...v1 }).toEqual({ object: 'billing.meter_event_adjustment', event_name: 'api', livemode: false, status: 'pending', type: 'cancel', cancel: { identifier: 'b' } });
    const v2 = await stripe.v2.billing.meterEventAdjustments.create({ event_name: 'api', type: 'cancel', cancel: { identifier: 'c' } });
    expect({ ...v2 }).toEqual({ id: expect.stringMatching(/^mtr_event_adj_/), object: 'v2.billing.meter_event_adjustment', cancel: { identifier: 'c' }, created: ISO_T0, event_name: 'api', livemode: false, status: 'pending', type: 'cancel' });
    await stripe.billing.meterEventAdjustments.create({ event_name: 'api', type: 'cancel', cancel: { identifier: 'c' } });
    expect(await total(stripe, meter.id)).toBe(1);
    expect(warnings).toEqual([]);
  });

  it('a cancel that matches nothing is accepted and ignored with a warning, or refused with strictAdjustments', async () => {
    for (const strict of [false, true]) {
      const { emulator, stripe, warnings } = setup({ strictAdjustments: strict });
      const meter = await createMeter(stripe, 'api');
      await createMeter(stripe, 'other');
      await stripe.billing.meterEvents.create({ event_name: 'api', payload: { stripe_customer_id: 'cus_a', value: '4' }, identifier: 'kept' });
      const cancels = [
        raw(emulator, 'POST', '/v1/billing/meter_event_adjustments', { body: 'event_name=api&type=cancel&cancel[identifier]=never_sent' }),
        raw(emulator, 'POST', '/v1/billing/meter_event_adjustments', { body: 'event_name=other&type=cancel&cancel[identifier]=kept' }),
        raw(emulator, 'POST', '/v2/billing/meter_event_adjustments', { json: { event_name: 'api', type: 'cancel', cancel: { identifier: 'never_sent' } } }),
      ];
      const answers = await Promise.all(cancels);
      expect(answers.map((a) => a.status)).toEqual(strict ? [400, 400, 400] : [200, 200, 200]);
      if (strict) {
        expect(answers[0]?.body.error).toMatchObject({ code: 'resource_missing', param: 'cancel[identifier]', message: expect.stringContaining('no event with that identifier was received') });
        expect(answers[1]?.body.error?.['message']).toContain('has another event name');
        expect(answers[2]?.body.error).toMatchObject({ code: 'invalid_cancel_configuration' });
      }
      expect(warnings).toHaveLength(strict ? 0 : 3);
      expect(await total(stripe, meter.id)).toBe(4);
    }
  });

  it('v1 needs cancel[identifier]; v2 refuses an incomplete cancel', async () => {
    const { emulator } = setup();
    expect((await raw(emulator, 'POST', '/v1/billing/meter_event_adjustments', { body: 'event_name=api&type=cancel' })).body.error).toMatchObject({ code: 'parameter_missing', param: 'cancel[identifier]' });
    expect((await raw(emulator, 'POST', '/v1/billing/meter_event_adjustments', { body: 'event_name=api&type=void&cancel[identifier]=x' })).body.error).toMatchObject({ param: 'type' });
    expect((await raw(emulator, 'POST', '/v2/billing/meter_event_adjustments', { json: { event_name: 'api', type: 'cancel', cancel: {} } })).body.error).toMatchObject({ code: 'invalid_fields' });
  });
});
