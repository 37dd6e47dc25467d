// The emulator's meters, auth, accounts, idempotency and request ids, through
// the public client (in process) and raw requests for what the client would refuse to send.
import { describe, expect, it } from 'vitest';
import { OPERATIONS } from '../generated/rules.js';
import { StripeAuthenticationError, StripeMeters } from '../src/index.js';
import { createMeter, HOUR, KEY, raw, setup, T0 } from './emulator-kit.js';

const DISPLAY_NAME_MAX = OPERATIONS.PostBillingMeters.params.properties.display_name.maxLength;

describe('emulator meters', () => {
  it('creates a meter with Stripe defaults and retrieves it as created', async () => {
    const { stripe } = setup();
    const meter = await stripe.billing.meters.create({ display_name: 'LLM tokens', event_name: 'llm_tokens', default_aggregation: { formula: 'sum' } });
    expect(meter).toEqual({
      id: expect.stringMatching(/^mtr_test_[0-9A-Za-z]{24}$/),
      object: 'billing.meter',
      created: T0,
      customer_mapping: { event_payload_key: 'stripe_customer_id', type: 'by_id' },
      default_aggregation: { formula: 'sum' },
      display_name: 'LLM tokens',
      event_name: 'llm_tokens',
      event_time_window: null,
      livemode: false,
      status: 'active',
      status_transitions: { deactivated_at: null },
      updated: T0,
      value_settings: { event_payload_key: 'value' },
    });
    expect(await stripe.billing.meters.retrieve(meter.id)).toEqual(meter);
  });

  it('answers 404 resource_missing for an unknown meter', async () => {
    const { stripe } = setup();
    await expect(stripe.billing.meters.retrieve('mtr_does_not_exist')).rejects.toMatchObject({
      type: 'StripeInvalidRequestError',
      statusCode: 404,
      code: 'resource_missing',
      param: 'id',
      message: "No such billing meter: 'mtr_does_not_exist'",
    });
    await expect(stripe.billing.meters.deactivate('mtr_nope')).rejects.toMatchObject({ statusCode: 404 });
  });

  it('updates only display_name, bumping updated', async () => {
    const { emulator, stripe } = setup();
    const meter = await createMeter(stripe, 'a');
    emulator.clock.advance({ minutes: 5 });
    const renamed = await stripe.billing.meters.update(meter.id, { display_name: 'Renamed' });
    expect(renamed).toEqual({ ...meter, display_name: 'Renamed', updated: T0 + 300 });
    const refused = await raw(emulator, 'POST', `/v1/billing/meters/${meter.id}`, { body: 'event_name=other' });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatchObject({ type: 'invalid_request_error', code: 'parameter_unknown', param: 'event_name' });
  });

  it('refuses what the spec refuses: missing, unknown, too long, not in the enum, empty', async () => {
    const { emulator } = setup();
    const cases: Array<[string, Record<string, unknown>]> = [
      ['event_name=e&default_aggregation[formula]=sum', { code: 'parameter_missing', param: 'display_name', message: 'Missing required param: display_name.' }],
      ['display_name=d&event_name=e&default_aggregation[formula]=max', { param: 'default_aggregation[formula]' }],
      [`display_name=${'x'.repeat(DISPLAY_NAME_MAX + 1)}&event_name=e&default_aggregation[formula]=sum`, { param: 'display_name' }],
      ['display_name=d&event_name=e&default_aggregation[formula]=sum&dimension_payload_keys[0]=region', { code: 'parameter_unknown', param: 'dimension_payload_keys' }],
      ['display_name=d&event_name=e&default_aggregation[formula]=sum&customer_mapping[type]=by_id', { code: 'parameter_missing', param: 'customer_mapping[event_payload_key]' }],
      ['display_name=&event_name=e&default_aggregation[formula]=sum', { code: 'parameter_invalid_empty', param: 'display_name' }],
      ['display_name=d&event_name=e&default_aggregation[formula]=sum&event_time_window=week', { param: 'event_time_window' }],
    ];
    for (const [body, error] of cases) {
      const answer = await raw(emulator, 'POST', '/v1/billing/meters', { body });
      expect(answer.status, body).toBe(400);
      expect(answer.body.error, body).toMatchObject({ type: 'invalid_request_error', ...error });
    }
    const ok = await raw(emulator, 'POST', '/v1/billing/meters', { body: `display_name=${'x'.repeat(DISPLAY_NAME_MAX)}&event_name=e&default_aggregation[formula]=sum` });
    expect(ok.status).toBe(200);
  });

  it('an event name belongs to one meter, even an inactive one', async () => {
    const { stripe } = setup();
    const meter = await createMeter(stripe, 'tokens');
    await stripe.billing.meters.deactivate(meter.id);
    await expect(createMeter(stripe, 'tokens')).rejects.toMatchObject({ statusCode: 400, code: 'resource_already_exists', param: 'event_name' });
  });

  it('deactivates and reactivates with status_transitions.deactivated_at', async () => {
    const { emulator, stripe } = setup();
    const meter = await createMeter(stripe, 'a');
    emulator.clock.advance({ hours: 1 });
    const off = await stripe.billing.meters.deactivate(meter.id);
    expect(off).toMatchObject({ status: 'inactive', status_transitions: { deactivated_at: T0 + HOUR }, updated: T0 + HOUR });
    emulator.clock.advance({ hours: 1 });
    expect(await stripe.billing.meters.deactivate(meter.id)).toEqual(off);
    const on = await stripe.billing.meters.reactivate(meter.id);
    expect(on).toMatchObject({ status: 'active', status_transitions: { deactivated_at: null }, updated: T0 + 2 * HOUR });
  });

  it('lists newest first, with cursors both ways, the status filter and limit 1..100', async () => {
    const { emulator, stripe } = setup();
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      ids.push((await createMeter(stripe, `m${i}`)).id);
      if (i % 2 === 0) emulator.clock.advance({ seconds: 1 }); // some share a second
    }
    const newest = [...ids].reverse();
    const first = await stripe.billing.meters.list({ limit: 3 });
    expect(first.data.map((m) => m.id)).toEqual(newest.slice(0, 3));
    expect(first.has_more).toBe(true);
    const second = await stripe.billing.meters.list({ limit: 3, starting_after: newest[2] ?? '' });
    expect(second.data.map((m) => m.id)).toEqual(newest.slice(3, 6));
    const back = await stripe.billing.meters.list({ limit: 2, ending_before: newest[5] ?? '' });
    expect(back.data.map((m) => m.id)).toEqual(newest.slice(3, 5));
    expect(back.has_more).toBe(true);
    expect((await stripe.billing.meters.list({ limit: 10, ending_before: newest[2] ?? '' })).has_more).toBe(false);
    await stripe.billing.meters.deactivate(ids[1] ?? '');
    const inactive = await stripe.billing.meters.list({ status: 'inactive' });
    expect(inactive.data.map((m) => m.id)).toEqual([ids[1]]);
    expect((await stripe.billing.meters.list({ status: 'active', limit: 100 })).data).toHaveLength(6);
    expect(await stripe.billing.meters.list({}).autoPagingToArray({ limit: 100 })).toHaveLength(7);
    for (const query of ['limit=0', 'limit=101', 'limit=two', `starting_after=${ids[0] ?? ''}&ending_before=${ids[1] ?? ''}`, 'starting_after=mtr_missing', 'status=gone']) {
      const answer = await raw(emulator, 'GET', `/v1/billing/meters?${query}`);
      expect(answer.status, query).toBe(query.includes('missing') ? 404 : 400);
    }
  });
});

describe('emulator auth, accounts and ids', () => {
  it('needs a test-mode secret or restricted key; refuses live, publishable and session keys', async () => {
    const { emulator } = setup();
    const status = async (authorization: string | undefined) =>
      (await raw(emulator, 'GET', '/v1/billing/meters', { headers: authorization === undefined ? { authorization: '' } : { authorization } })).status;
    expect(await status(`Bearer ${KEY}`)).toBe(200);
    expect(await status('Bearer rk_test_restricted')).toBe(200);
    expect(await status(`Basic ${btoa(`${KEY}:`)}`)).toBe(200);
    expect(await status(undefined)).toBe(401);
    expect(await status('Bearer sk_live_123')).toBe(401);
    expect(await status('Bearer pk_test_123')).toBe(401);
    const session = await raw(emulator, 'POST', '/v2/billing/meter_event_session');
    expect(await status(`Bearer ${String(session.body['authentication_token'])}`)).toBe(401);
    const live = new StripeMeters('sk_live_123', { fetch: emulator.fetch, maxNetworkRetries: 0 });
    await expect(live.billing.meters.list()).rejects.toBeInstanceOf(StripeAuthenticationError);
    const v2 = await raw(emulator, 'POST', '/v2/billing/meter_events', { headers: { authorization: 'Bearer sk_live_1' }, json: {} });
    expect(v2.body.error).toMatchObject({ code: 'unauthorized' });
  });

  it('keeps each Stripe-Account separate', async () => {
    const { emulator, stripe } = setup();
    const connected = new StripeMeters(KEY, { fetch: emulator.fetch, stripeAccount: 'acct_1', maxNetworkRetries: 0 });
    await createMeter(stripe, 'shared_name');
    await createMeter(connected, 'shared_name');
    expect((await stripe.billing.meters.list()).data).toHaveLength(1);
    expect((await connected.billing.meters.list()).data).toHaveLength(1);
    const theirs = (await connected.billing.meters.list()).data[0]?.id ?? '';
    await expect(stripe.billing.meters.retrieve(theirs)).rejects.toMatchObject({ statusCode: 404 });
  });

  it('puts a Request-Id on every answer, errors and control endpoints included', async () => {
    const { emulator } = setup();
    const answers = [
      await raw(emulator, 'GET', '/v1/billing/meters'),
      await raw(emulator, 'GET', '/v1/billing/meters/mtr_x'),
      await raw(emulator, 'GET', '/v1/customers'),
      await raw(emulator, 'POST', '/v2/billing/meter_event_stream', { json: { events: [] } }),
      await raw(emulator, 'POST', '/_emulator/reset'),
      await raw(emulator, 'GET', '/_emulator/nothing'),
    ];
    const ids = answers.map((a) => a.headers.get('request-id'));
    expect(ids.every((id) => /^req_[0-9A-Za-z]{14}$/.test(id ?? ''))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect(answers.map((a) => a.status)).toEqual([200, 404, 404, 401, 200, 404]);
    expect(answers[2]?.body.error?.['message']).toBe('Unrecognized request URL (GET: /v1/customers). The stripe-meters emulator serves the Billing Meters API only.');
  });

  it('serves any host: the client pointed at made-up base URLs works the same', async () => {
    const { emulator } = setup();
    const stripe = new StripeMeters(KEY, { fetch: emulator.fetch, baseUrl: 'http://billing.test:1234', meterEventsBaseUrl: 'https://events.example' });
    const meter = await createMeter(stripe, 'hosts');
    const session = await stripe.v2.billing.meterEventSession.create();
    await stripe.v2.billing.meterEventStream.create({ events: [{ event_name: 'hosts', payload: { stripe_customer_id: 'c', value: '2' }, timestamp: new Date(T0 * 1000).toISOString() }] }, { apiKey: session.authentication_token });
    const [summary] = (await stripe.billing.meters.listEventSummaries(meter.id, { customer: 'c', start_time: T0 - HOUR, end_time: T0 + HOUR })).data;
    expect(summary?.aggregated_value).toBe(2);
  });
});

describe('emulator idempotency', () => {
  it('replays the first answer for a repeated key and refuses the key with other params', async () => {
    const { emulator, stripe } = setup();
    const a = await stripe.billing.meters.create({ display_name: 'A', event_name: 'a', default_aggregation: { formula: 'sum' } }, { idempotencyKey: 'create-a' });
    const again = await stripe.billing.meters.create({ display_name: 'A', event_name: 'a', default_aggregation: { formula: 'sum' } }, { idempotencyKey: 'create-a' });
    expect(again).toEqual(a);
    expect((await stripe.billing.meters.list()).data).toHaveLength(1);
    await expect(stripe.billing.meters.create({ display_name: 'B', event_name: 'b', default_aggregation: { formula: 'sum' } }, { idempotencyKey: 'create-a' })).rejects.toMatchObject({
      type: 'StripeIdempotencyError',
      statusCode: 400,
    });
    const v2 = await raw(emulator, 'POST', '/v2/billing/meter_event_adjustments', { headers: { 'idempotency-key': 'create-a' }, json: { event_name: 'a', type: 'cancel', cancel: { identifier: 'x' } } });
    expect(v2.body.error).toMatchObject({ type: 'idempotency_error', code: 'idempotency_error' });
    // A refused request saves nothing: the key stays free.
    const refused = await raw(emulator, 'POST', '/v1/billing/meters', { headers: { 'idempotency-key': 'k2' }, body: 'display_name=C' });
    expect(refused.status).toBe(400);
    const later = await raw(emulator, 'POST', '/v1/billing/meters', { headers: { 'idempotency-key': 'k2' }, body: 'display_name=C&event_name=c&default_aggregation[formula]=count' });
    expect(later.status).toBe(200);
  });
});
