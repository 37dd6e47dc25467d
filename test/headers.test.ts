// What goes on the wire, as a loopback server receives it, over both transports.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_VERSION, StripeError } from '../src/index.js';
import { KEY, TRANSPORTS } from './helpers.js';
import { startRecordingServer } from './recording-server.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const createParams = {
  display_name: 'Search API Calls',
  event_name: 'ai_search_api',
  default_aggregation: { formula: 'sum' as const },
};

type Server = Awaited<ReturnType<typeof startRecordingServer>>;
let server: Server;
beforeAll(async () => {
  server = await startRecordingServer();
});
afterAll(() => server.close());

describe.each(TRANSPORTS)('headers and bodies over $transport', ({ client }) => {
  const stripe = (options = {}) => client(KEY, { baseUrl: server.url, meterEventsBaseUrl: server.url, maxNetworkRetries: 0, ...options });
  /** Runs `call` and returns what the server received from it. */
  async function sent(call: () => Promise<unknown>) {
    const start = server.requests.length;
    await call();
    return server.requests.slice(start);
  }

  it('a GET carries auth and version, and no idempotency key, account or content type', async () => {
    const [req] = await sent(() => stripe().billing.meters.retrieve('mtr_123'));
    expect(req?.method).toBe('GET');
    expect(req?.path).toBe('/v1/billing/meters/mtr_123');
    expect(req?.headers['authorization']).toBe(`Bearer ${KEY}`);
    expect(req?.headers['stripe-version']).toBe(API_VERSION);
    expect(req?.headers['idempotency-key']).toBeUndefined();
    expect(req?.headers['stripe-account']).toBeUndefined();
    expect(req?.headers['content-type']).toBeUndefined();
  });

  it('every POST gets a fresh idempotency key and a form body', async () => {
    const s = stripe();
    const reqs = await sent(async () => {
      await s.billing.meters.create(createParams);
      await s.billing.meters.create(createParams);
      await s.billing.meters.deactivate('mtr_123');
    });
    const keys = reqs.map((r) => r.headers['idempotency-key']);
    for (const key of keys) expect(key).toMatch(UUID);
    expect(new Set(keys).size).toBe(3);
    expect(reqs[0]?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(reqs[0]?.body).toBe('display_name=Search%20API%20Calls&event_name=ai_search_api&default_aggregation[formula]=sum');
    expect(reqs[2]?.body).toBe('');
  });

  it("uses the caller's idempotency key, account, key and version per request", async () => {
    const s = stripe({ stripeAccount: 'acct_default', apiVersion: '2025-01-01.test' });
    const [first, second] = await sent(async () => {
      await s.billing.meters.create(createParams);
      await s.billing.meters.create(createParams, { idempotencyKey: 'order-42', stripeAccount: 'acct_other', apiKey: 'rk_test_restricted', apiVersion: '2026-01-01.other' });
    });
    expect(first?.headers['stripe-account']).toBe('acct_default');
    expect(first?.headers['stripe-version']).toBe('2025-01-01.test');
    expect(second?.headers['idempotency-key']).toBe('order-42');
    expect(second?.headers['stripe-account']).toBe('acct_other');
    expect(second?.headers['authorization']).toBe('Bearer rk_test_restricted');
    expect(second?.headers['stripe-version']).toBe('2026-01-01.other');
  });

  it('encodes queries and path ids as Stripe does', async () => {
    const s = stripe();
    const hour = Math.floor(Date.now() / 3_600_000) * 3600;
    const [list, summaries] = await sent(async () => {
      await s.billing.meters.list({ limit: 3, status: 'active', starting_after: 'mtr_0', expand: ['data.x'] });
      await s.billing.meters.listEventSummaries('mtr/1 x', { customer: 'cus_1', start_time: hour - 7200, end_time: hour, value_grouping_window: 'hour' });
    });
    expect(list?.query).toEqual([['limit', '3'], ['status', 'active'], ['starting_after', 'mtr_0'], ['expand[0]', 'data.x']]);
    expect(summaries?.rawPath).toBe(`/v1/billing/meters/mtr%2F1%20x/event_summaries?customer=cus_1&start_time=${hour - 7200}&end_time=${hour}&value_grouping_window=hour`);
  });

  it('sends v2 bodies as JSON, with numbers in payloads as strings', async () => {
    const s = stripe({ now: () => Date.parse('2026-12-01T09:00:00Z') });
    const [req] = await sent(() => s.v2.billing.meterEvents.create({ event_name: 'api_call', payload: { stripe_customer_id: 'cus_1', value: 25 }, identifier: 'ev_1', timestamp: '2026-12-01T08:00:00Z' }));
    expect(req?.path).toBe('/v2/billing/meter_events');
    expect(req?.headers['content-type']).toBe('application/json');
    expect(req?.headers['idempotency-key']).toMatch(UUID);
    expect(req?.body).toBe('{"event_name":"api_call","payload":{"stripe_customer_id":"cus_1","value":"25"},"identifier":"ev_1","timestamp":"2026-12-01T08:00:00Z"}');
  });

  it('sends the stream to meterEventsBaseUrl with the session token; creates a session with a bodiless POST', async () => {
    const other = await startRecordingServer();
    try {
      const s = stripe({ meterEventsBaseUrl: other.url });
      const [session] = await sent(() => s.v2.billing.meterEventSession.create());
      expect(session?.body).toBe('');
      expect(session?.headers['content-type']).toBeUndefined();
      expect(session?.headers['idempotency-key']).toMatch(UUID);
      const result = await s.v2.billing.meterEventStream.create({ events: [{ event_name: 'api_call', payload: { value: '1' }, identifier: 'a' }] }, { apiKey: 'mes_tok_123' });
      expect(result).toEqual({});
      const [streamed] = other.requests;
      expect(streamed?.path).toBe('/v2/billing/meter_event_stream');
      expect(streamed?.headers['authorization']).toBe('Bearer mes_tok_123');
      expect((JSON.parse(streamed?.body ?? '') as { events: unknown[] }).events).toHaveLength(1);
    } finally {
      await other.close();
    }
  });

  it('attaches a non-enumerable lastResponse', async () => {
    const meter = await stripe().billing.meters.update('mtr_123', { display_name: 'x' }, { idempotencyKey: 'k1' });
    expect(meter.id).toBe('mtr_123');
    expect(Object.keys(meter)).not.toContain('lastResponse');
    expect(JSON.stringify(meter)).not.toContain('lastResponse');
    expect(meter.lastResponse).toMatchObject({ statusCode: 200, idempotencyKey: 'k1', attempts: 1 });
    expect(meter.lastResponse.requestId).toMatch(/^req_\d+$/);
    expect(meter.lastResponse.headers['content-type']).toBe('application/json');
  });

  it('stripe.raw applies the same encoding, auth, keys and errors, and throws instead of returning an error', async () => {
    const s = stripe();
    const [req] = await sent(() => s.raw.POST('/v1/billing/meters', { body: createParams }));
    expect(req?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(req?.body).toBe('display_name=Search%20API%20Calls&event_name=ai_search_api&default_aggregation[formula]=sum');
    expect(req?.headers['authorization']).toBe(`Bearer ${KEY}`);
    expect(req?.headers['idempotency-key']).toMatch(UUID);
    const { data } = await s.raw.GET('/v1/billing/meters/{id}', { params: { path: { id: 'mtr_123' } }, options: { timeout: 5000 } });
    expect(data.lastResponse.statusCode).toBe(200);
    const error = await s.raw.GET('/v1/billing/meters/{id}', { params: { path: { id: 'missing' } } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StripeError);
    expect((error as StripeError).code).toBe('resource_missing');
  });
});

describe('raw headers', () => {
  it("a raw call's own Idempotency-Key is the one sent and the one reported", async () => {
    const server = await startRecordingServer();
    try {
      const s = TRANSPORTS[0].client(KEY, { baseUrl: server.url, maxNetworkRetries: 0 });
      const { data } = await s.raw.POST('/v1/billing/meters/{id}', { params: { path: { id: 'mtr_1' } }, body: { display_name: 'x' }, headers: { 'idempotency-key': 'mine-1' } });
      expect(server.requests[0]?.headers['idempotency-key']).toBe('mine-1');
      expect(data.lastResponse.idempotencyKey).toBe('mine-1');
    } finally {
      await server.close();
    }
  });


  it("a raw call's own header replaces the client's, whatever its case", async () => {
    const server = await startRecordingServer();
    try {
      for (const { client } of TRANSPORTS) {
        const s = client(KEY, { baseUrl: server.url, meterEventsBaseUrl: server.url, maxNetworkRetries: 0 });
        await s.raw.POST('/v2/billing/meter_event_stream', { body: { events: [{ event_name: 'e', payload: { v: '1' } }] }, headers: { authorization: 'Bearer mes_tok_raw' } });
      }
      expect(server.requests.map((r) => r.headers['authorization'])).toEqual(['Bearer mes_tok_raw', 'Bearer mes_tok_raw']);
    } finally {
      await server.close();
    }
  });
});
