import { describe, expect, it } from 'vitest';
import { API_VERSION, StripeError } from '../src/index.js';
import { clientWith, json, KEY } from './helpers.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const createParams = {
  display_name: 'Search API Calls',
  event_name: 'ai_search_api',
  default_aggregation: { formula: 'sum' as const },
};

describe('headers', () => {
  it('a GET carries auth and version, and no idempotency key, account or content type', async () => {
    const { stripe, requests } = clientWith();
    await stripe.billing.meters.retrieve('mtr_123');
    const [req] = requests;
    expect(req?.method).toBe('GET');
    expect(req?.url.href).toBe('https://api.stripe.com/v1/billing/meters/mtr_123');
    expect(req?.headers.get('authorization')).toBe(`Bearer ${KEY}`);
    expect(req?.headers.get('stripe-version')).toBe(API_VERSION);
    expect(API_VERSION).toBe('2026-09-30.endive');
    expect(req?.headers.has('idempotency-key')).toBe(false);
    expect(req?.headers.has('stripe-account')).toBe(false);
    expect(req?.headers.has('content-type')).toBe(false);
  });

  it('every POST gets a fresh idempotency key and a form body', async () => {
    const { stripe, requests } = clientWith();
    await stripe.billing.meters.create(createParams);
    await stripe.billing.meters.create(createParams);
    await stripe.billing.meters.deactivate('mtr_123');
    const keys = requests.map((r) => r.headers.get('idempotency-key'));
    for (const key of keys) expect(key).toMatch(UUID);
    expect(new Set(keys).size).toBe(3);
    expect(requests[0]?.headers.get('content-type')).toBe('application/x-www-form-urlencoded');
    expect(requests[0]?.body).toBe('display_name=Search%20API%20Calls&event_name=ai_search_api&default_aggregation[formula]=sum');
    expect(requests[2]?.headers.get('content-type')).toBe('application/x-www-form-urlencoded');
    expect(requests[2]?.body).toBe('');
  });

  it("uses the caller's idempotency key, account, key and version per request", async () => {
    const { stripe, requests } = clientWith(undefined, { stripeAccount: 'acct_default', apiVersion: '2025-01-01.test' });
    await stripe.billing.meters.create(createParams);
    await stripe.billing.meters.create(createParams, {
      idempotencyKey: 'order-42',
      stripeAccount: 'acct_other',
      apiKey: 'rk_test_restricted',
      apiVersion: '2026-01-01.other',
    });
    expect(requests[0]?.headers.get('stripe-account')).toBe('acct_default');
    expect(requests[0]?.headers.get('stripe-version')).toBe('2025-01-01.test');
    expect(requests[1]?.headers.get('idempotency-key')).toBe('order-42');
    expect(requests[1]?.headers.get('stripe-account')).toBe('acct_other');
    expect(requests[1]?.headers.get('authorization')).toBe('Bearer rk_test_restricted');
    expect(requests[1]?.headers.get('stripe-version')).toBe('2026-01-01.other');
  });

  it('encodes queries and path ids as Stripe does', async () => {
    const { stripe, requests } = clientWith(() => json(200, { object: 'list', data: [], has_more: false, url: '/v1/billing/meters' }));
    await stripe.billing.meters.list({ limit: 3, status: 'active', starting_after: 'mtr_0', expand: ['data.x'] });
    await stripe.billing.meters.listEventSummaries('mtr/1 x', {
      customer: 'cus_1',
      start_time: 1711584000,
      end_time: 1711666800,
      value_grouping_window: 'hour',
    });
    expect(`${requests[0]?.url.pathname}${requests[0]?.url.search}`).toBe('/v1/billing/meters?limit=3&status=active&starting_after=mtr_0&expand[0]=data.x');
    expect(requests[1]?.url.pathname).toBe('/v1/billing/meters/mtr%2F1%20x/event_summaries');
    expect(requests[1]?.url.search).toBe('?customer=cus_1&start_time=1711584000&end_time=1711666800&value_grouping_window=hour');
  });

  it('sends v2 bodies as JSON, with numbers in payloads as strings', async () => {
    const { stripe, requests } = clientWith(() => json(200, {}));
    await stripe.v2.billing.meterEvents.create({ event_name: 'api_call', payload: { stripe_customer_id: 'cus_1', value: 25 }, identifier: 'ev_1' });
    expect(requests[0]?.url.href).toBe('https://api.stripe.com/v2/billing/meter_events');
    expect(requests[0]?.headers.get('content-type')).toBe('application/json');
    expect(requests[0]?.headers.get('idempotency-key')).toMatch(UUID);
    expect(requests[0]?.body).toBe('{"event_name":"api_call","payload":{"stripe_customer_id":"cus_1","value":"25"},"identifier":"ev_1"}');
  });

  it('sends the stream to meterEventsBaseUrl with the session token', async () => {
    const { stripe, requests } = clientWith(() => json(200, {}), { meterEventsBaseUrl: 'https://events.example.test' });
    const result = await stripe.v2.billing.meterEventStream.create(
      { events: [{ event_name: 'api_call', payload: { value: '1' }, identifier: 'a', timestamp: '2026-11-22T10:00:00.000Z' }] },
      { apiKey: 'mes_tok_123' },
    );
    expect(result).toEqual({});
    expect(requests[0]?.url.href).toBe('https://events.example.test/v2/billing/meter_event_stream');
    expect(requests[0]?.headers.get('authorization')).toBe('Bearer mes_tok_123');
    expect(JSON.parse(requests[0]?.body ?? '')).toEqual({
      events: [{ event_name: 'api_call', payload: { value: '1' }, identifier: 'a', timestamp: '2026-11-22T10:00:00.000Z' }],
    });
  });

  it('creates a session with a bodiless POST', async () => {
    const { stripe, requests } = clientWith(() => json(200, { id: 's', authentication_token: 't' }));
    const session = await stripe.v2.billing.meterEventSession.create();
    expect(session.authentication_token).toBe('t');
    expect(requests[0]?.url.pathname).toBe('/v2/billing/meter_event_session');
    expect(requests[0]?.body).toBe('');
    expect(requests[0]?.headers.has('content-type')).toBe(false);
    expect(requests[0]?.headers.get('idempotency-key')).toMatch(UUID);
  });

  it('attaches a non-enumerable lastResponse', async () => {
    const { stripe, requests } = clientWith();
    const meter = await stripe.billing.meters.create(createParams, { idempotencyKey: 'k1' });
    expect(meter.id).toBe('mtr_123');
    expect(Object.keys(meter)).not.toContain('lastResponse');
    expect(JSON.stringify(meter)).not.toContain('lastResponse');
    expect(meter.lastResponse).toMatchObject({ requestId: 'req_test', statusCode: 200, idempotencyKey: 'k1' });
    expect(meter.lastResponse.headers['content-type']).toBe('application/json');
    const got = await stripe.billing.meters.retrieve('mtr_123');
    expect(got.lastResponse.idempotencyKey).toBeUndefined();
    expect(requests).toHaveLength(2);
  });

  it('stripe.raw applies the same encoding, auth, keys and errors', async () => {
    const { stripe, requests } = clientWith((req) =>
      req.url.includes('missing') ? json(404, { error: { type: 'invalid_request_error', code: 'resource_missing' } }) : json(200, {}),
    );
    const { data } = await stripe.raw.POST('/v1/billing/meters', { body: createParams });
    expect(data).toEqual({});
    expect(requests[0]?.headers.get('content-type')).toBe('application/x-www-form-urlencoded');
    expect(requests[0]?.body).toBe('display_name=Search%20API%20Calls&event_name=ai_search_api&default_aggregation[formula]=sum');
    expect(requests[0]?.headers.get('authorization')).toBe(`Bearer ${KEY}`);
    expect(requests[0]?.headers.get('idempotency-key')).toMatch(UUID);
    await stripe.raw.POST('/v2/billing/meter_event_stream', { body: { events: [{ event_name: 'e', payload: { v: '1' } }] }, headers: { Authorization: 'Bearer tok' } });
    expect(requests[1]?.url.origin).toBe('https://meter-events.stripe.com');
    expect(requests[1]?.headers.get('content-type')).toBe('application/json');
    expect(requests[1]?.headers.get('authorization')).toBe('Bearer tok');
    const error = await stripe.raw.GET('/v1/billing/meters/{id}', { params: { path: { id: 'missing' } } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StripeError);
    expect((error as StripeError).code).toBe('resource_missing');
  });
});
