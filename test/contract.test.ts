// Every operation against Prism serving generated/openapi.yaml (started by test/global-setup.ts).
// Prism validates each request against the spec and reports problems in `sl-violations`.
import { describe, expect, inject, it } from 'vitest';
import {
  StripeAuthenticationError,
  StripeError,
  StripeInvalidRequestError,
  StripeMeters,
  TemporarySessionExpiredError,
  type LastResponse,
  type StripeMetersOptions,
} from '../src/index.js';
import { editingHeaders } from './helpers.js';

const url = inject('prismUrl');
const HOUR = 1711584000;

function client(options: StripeMetersOptions = {}): StripeMeters {
  return new StripeMeters('sk_test_contract', { baseUrl: url, meterEventsBaseUrl: url, maxNetworkRetries: 0, ...options });
}

// Prism builds every deepObject-encoded form field, present or not, so an absent optional object
// with required children reads as a violation: create meters with customer_mapping and value_settings.
const METER_PARAMS = {
  display_name: 'Search API Calls',
  event_name: 'ai_search_api',
  default_aggregation: { formula: 'sum' as const },
  customer_mapping: { type: 'by_id' as const, event_payload_key: 'stripe_customer_id' },
  value_settings: { event_payload_key: 'tokens' },
  event_time_window: 'hour' as const,
  expand: ['customer_mapping'],
};

function clean(last: LastResponse): void {
  expect(last.statusCode).toBe(200);
  expect(last.headers['sl-violations']).toBeUndefined();
  expect(last.requestId).toBe('req_8Q2ZkAAAAAAAAA');
}

describe('contract: every operation, valid calls', () => {
  const stripe = client();

  it('v1 meters: create, retrieve, update, deactivate, reactivate, list, listEventSummaries', async () => {
    const created = await stripe.billing.meters.create(METER_PARAMS);
    clean(created.lastResponse);
    expect(created.object).toBe('billing.meter');
    clean((await stripe.billing.meters.retrieve(created.id, { expand: ['value_settings'] })).lastResponse);
    clean((await stripe.billing.meters.update(created.id, { display_name: 'Renamed ☕ & co' })).lastResponse);
    const deactivated = await stripe.billing.meters.deactivate(created.id);
    clean(deactivated.lastResponse);
    expect(deactivated.status).toBe('inactive');
    clean((await stripe.billing.meters.reactivate(created.id, { expand: ['status_transitions'] })).lastResponse);
    const page = await stripe.billing.meters.list({ limit: 100, status: 'active', starting_after: 'mtr_0', expand: ['data.x'] });
    clean(page.lastResponse);
    expect(page.data[0]?.object).toBe('billing.meter');
    const summaries = await stripe.billing.meters.listEventSummaries(created.id, {
      customer: 'cus_1',
      start_time: HOUR,
      end_time: HOUR + 3 * 3600,
      value_grouping_window: 'hour',
      limit: 1,
    });
    clean(summaries.lastResponse);
    expect(summaries.data.map((s) => s.aggregated_value)).toEqual([15, 10]);
  });

  it('v1 meter events and adjustments', async () => {
    const event = await stripe.billing.meterEvents.create({
      event_name: 'ai_search_api',
      payload: { stripe_customer_id: 'cus_1', tokens: 25 },
      identifier: 'ev_1',
      timestamp: HOUR,
    });
    clean(event.lastResponse);
    expect(event.object).toBe('billing.meter_event');
    const adjustment = await stripe.billing.meterEventAdjustments.create({ event_name: 'ai_search_api', type: 'cancel', cancel: { identifier: 'ev_1' } });
    clean(adjustment.lastResponse);
    expect(adjustment.object).toBe('billing.meter_event_adjustment');
  });

  it('v2 session, stream, meter events and adjustments', async () => {
    const session = await stripe.v2.billing.meterEventSession.create();
    clean(session.lastResponse);
    const streamed = await stripe.v2.billing.meterEventStream.create(
      { events: [{ event_name: 'ai_search_api', payload: { stripe_customer_id: 'cus_1', value: 3 }, identifier: 'a', timestamp: '2026-11-22T10:00:00.000Z' }] },
      { apiKey: session.authentication_token },
    );
    clean(streamed.lastResponse);
    expect(streamed).toEqual({});
    const event = await stripe.v2.billing.meterEvents.create({ event_name: 'ai_search_api', payload: { stripe_customer_id: 'cus_1', value: '1' } });
    clean(event.lastResponse);
    expect(event.object).toBe('v2.billing.meter_event');
    const adjustment = await stripe.v2.billing.meterEventAdjustments.create({ event_name: 'ai_search_api', type: 'cancel', cancel: { identifier: 'a' } });
    clean(adjustment.lastResponse);
    expect(adjustment.status).toBe('pending');
  });
});

async function invalid(call: (s: StripeMeters) => Promise<unknown>, violation: RegExp): Promise<StripeError> {
  const error = await call(client()).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(StripeInvalidRequestError);
  const e = error as StripeError;
  expect(e.statusCode).toBe(400);
  expect(e.rawType).toBe('invalid_request_error');
  expect(e.headers['sl-violations']).toMatch(violation);
  return e;
}

describe('contract: invalid input is rejected by Prism and surfaces as a typed error', () => {
  it('a bad enum', async () => {
    await invalid((s) => s.billing.meters.create({ ...METER_PARAMS, default_aggregation: { formula: 'average' as 'sum' } }), /formula must be equal to one of the allowed values/);
    await invalid((s) => s.billing.meters.list({ status: 'archived' as 'active' }), /status must be equal to one of the allowed values/);
    await invalid((s) => s.v2.billing.meterEventAdjustments.create({ event_name: 'e', type: 'undo' as 'cancel', cancel: { identifier: 'a' } }), /type must be equal to one of/);
  });

  it('a missing required field', async () => {
    await invalid((s) => s.billing.meters.create({ display_name: 'x', default_aggregation: { formula: 'sum' } } as never), /must have required property 'event_name'/);
    await invalid((s) => s.billing.meterEventAdjustments.create({ event_name: 'e', cancel: { identifier: 'a' } } as never), /must have required property 'type'/);
    await invalid((s) => s.v2.billing.meterEventAdjustments.create({ event_name: 'e', type: 'cancel' } as never), /must have required property 'cancel'/);
  });

  it('a string that is too long', async () => {
    await invalid((s) => s.billing.meters.update('mtr_1', { display_name: 'x'.repeat(251) }), /display_name must NOT have more than 250 characters/);
    await invalid((s) => s.billing.meterEvents.create({ event_name: 'e'.repeat(101), payload: { value: '1' } }), /event_name must NOT have more than 100 characters/);
  });

  // Prism only reads the form fields a schema declares, so unknown fields are checked on JSON bodies.
  it('an unknown field and an out-of-range limit', async () => {
    await invalid((s) => s.v2.billing.meterEvents.create({ event_name: 'e', payload: { value: '1' }, colour: 'red' } as never), /must NOT have additional properties/);
    await invalid((s) => s.billing.meters.list({ limit: 101 }), /limit must be <= 100/);
  });
});

describe('contract: credentials', () => {
  it('a call without credentials surfaces as StripeAuthenticationError', async () => {
    const stripe = client({ fetch: editingHeaders((h) => h.delete('authorization')) });
    for (const call of [() => stripe.billing.meters.list(), () => stripe.v2.billing.meterEventSession.create()]) {
      const error = await call().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(StripeAuthenticationError);
      expect((error as StripeError).statusCode).toBe(401);
    }
  });

  it("an expired stream session surfaces as TemporarySessionExpiredError (Prism's 401 example)", async () => {
    const stripe = client({ fetch: editingHeaders((h) => h.set('Prefer', 'code=401, example=expired')) });
    const error = await stripe.v2.billing.meterEventStream
      .create({ events: [{ event_name: 'e', payload: { value: '1' } }] }, { apiKey: 'mes_tok_old' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TemporarySessionExpiredError);
    expect((error as StripeError).code).toBe('billing_meter_event_session_expired');
  });
});
