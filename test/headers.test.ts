// What goes on the wire, as the emulator over HTTP receives it (its request log keeps the headers
// and the exact body bytes), over both transports.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestRecord } from '../src/emulator/request-log.js';
import { serveEmulator, type RunningEmulator } from '../src/emulator/server.node.js';
import { API_VERSION, StripeError } from '../src/index.js';
import { KEY, logged, servedEmulator, TRANSPORTS } from './helpers.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const createParams = {
  display_name: 'Search API Calls',
  event_name: 'ai_search_api',
  default_aggregation: { formula: 'sum' as const },
};

let server: RunningEmulator;
beforeAll(async () => {
  server = await servedEmulator({ requestLog: { size: 1000, bodies: true } });
});
afterAll(() => server.close());

let meters = 0;
/** A meter of its own (the emulator holds one active meter per event name). */
const freshMeter = () => ({ ...createParams, event_name: `headers_${++meters}` });

interface Sent {
  method: string;
  path: string;
  /** The request target as sent, query included. */
  rawPath: string;
  query: Array<[string, string]>;
  headers: Record<string, string>;
  body: string;
}

function sentOf(r: RequestRecord): Sent {
  const url = new URL(r.url, 'http://x');
  return { method: r.method, path: r.path, rawPath: r.url, query: [...url.searchParams], headers: r.headers ?? {}, body: new TextDecoder().decode(r.body) };
}

/** Runs the calls in turn, each whatever its outcome (the emulator answers for real), and returns what the emulator received. */
async function sent(...calls: Array<() => Promise<unknown>>): Promise<Sent[]> {
  const start = logged(server.emulator).length;
  for (const call of calls) await call().catch(() => undefined);
  return logged(server.emulator).slice(start).map(sentOf);
}

describe.each(TRANSPORTS)('headers and bodies over $transport', ({ client }) => {
  const stripe = (options = {}) => client(KEY, { baseUrl: server.url, meterEventsBaseUrl: server.url, maxNetworkRetries: 0, ...options });

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
    const reqs = await sent(
      () => s.billing.meters.create(createParams),
      () => s.billing.meters.create(createParams),
      () => s.billing.meters.deactivate('mtr_123'),
    );
    const keys = reqs.map((r) => r.headers['idempotency-key']);
    for (const key of keys) expect(key).toMatch(UUID);
    expect(new Set(keys).size).toBe(3);
    expect(reqs[0]?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(reqs[0]?.body).toBe('display_name=Search%20API%20Calls&event_name=ai_search_api&default_aggregation[formula]=sum');
    expect(reqs[2]?.body).toBe('');
  });

  it("uses the caller's idempotency key, account, key and version per request", async () => {
    const s = stripe({ stripeAccount: 'acct_default', apiVersion: '2025-01-01.test' });
    const [first, second] = await sent(
      () => s.billing.meters.create(createParams),
      () => s.billing.meters.create(createParams, { idempotencyKey: 'order-42', stripeAccount: 'acct_other', apiKey: 'rk_test_restricted', apiVersion: '2026-01-01.other' }),
    );
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
    const [list, summaries] = await sent(
      () => s.billing.meters.list({ limit: 3, status: 'active', starting_after: 'mtr_0', expand: ['data.x'] }),
      () => s.billing.meters.listEventSummaries('mtr/1 x', { customer: 'cus_1', start_time: hour - 7200, end_time: hour, value_grouping_window: 'hour' }),
    );
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
    const other = await serveEmulator({ emulator: server.emulator, port: 0, host: '127.0.0.1' });
    try {
      const s = stripe({ meterEventsBaseUrl: other.url });
      let token = '';
      const [session] = await sent(async () => {
        token = (await s.v2.billing.meterEventSession.create()).authentication_token;
      });
      expect(session?.body).toBe('');
      expect(session?.headers['content-type']).toBeUndefined();
      expect(session?.headers['idempotency-key']).toMatch(UUID);
      expect(session?.path).toBe('/v2/billing/meter_event_session');
      let result: unknown;
      const [streamed] = await sent(async () => {
        result = await s.v2.billing.meterEventStream.create({ events: [{ event_name: 'api_call', payload: { stripe_customer_id: 'cus_1', value: '1' }, identifier: 'a' }] }, { apiKey: token });
      });
      expect(result).toEqual({});
      expect(streamed?.path).toBe('/v2/billing/meter_event_stream');
      expect(streamed?.headers['host']).toBe(new URL(other.url).host);
      expect(streamed?.headers['authorization']).toBe(`Bearer ${token}`);
      expect((JSON.parse(streamed?.body ?? '') as { events: unknown[] }).events).toHaveLength(1);
    } finally {
      await other.close();
    }
  });

  it('attaches a non-enumerable lastResponse', async () => {
    const s = stripe();
    const created = await s.billing.meters.create(freshMeter());
    const meter = await s.billing.meters.update(created.id, { display_name: 'x' }, { idempotencyKey: `k1-${created.id}` });
    expect(meter.id).toBe(created.id);
    expect(Object.keys(meter)).not.toContain('lastResponse');
    expect(JSON.stringify(meter)).not.toContain('lastResponse');
    expect(meter.lastResponse).toMatchObject({ statusCode: 200, idempotencyKey: `k1-${created.id}`, attempts: 1 });
    expect(meter.lastResponse.requestId).toMatch(/^req_\w+$/);
    expect(meter.lastResponse.headers['content-type']).toMatch(/^application\/json/);
  });

  it('stripe.raw applies the same encoding, auth, keys and errors, and throws instead of returning an error', async () => {
    const s = stripe();
    let id = '';
    const body = freshMeter();
    const [req] = await sent(async () => {
      id = (await s.raw.POST('/v1/billing/meters', { body })).data.id;
    });
    expect(req?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(req?.body).toBe(`display_name=Search%20API%20Calls&event_name=${body.event_name}&default_aggregation[formula]=sum`);
    expect(req?.headers['authorization']).toBe(`Bearer ${KEY}`);
    expect(req?.headers['idempotency-key']).toMatch(UUID);
    const { data } = await s.raw.GET('/v1/billing/meters/{id}', { params: { path: { id } }, options: { timeout: 5000 } });
    expect(data.lastResponse.statusCode).toBe(200);
    const error = await s.raw.GET('/v1/billing/meters/{id}', { params: { path: { id: 'missing' } } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StripeError);
    expect((error as StripeError).code).toBe('resource_missing');
  });
});

describe('raw headers', () => {
  it("a raw call's own Idempotency-Key is the one sent and the one reported", async () => {
    const s = TRANSPORTS[0].client(KEY, { baseUrl: server.url, maxNetworkRetries: 0 });
    const { id } = await s.billing.meters.create(freshMeter());
    const [req] = await sent(async () => {
      const { data } = await s.raw.POST('/v1/billing/meters/{id}', { params: { path: { id } }, body: { display_name: 'x' }, headers: { 'idempotency-key': `mine-${id}` } });
      expect(data.lastResponse.idempotencyKey).toBe(`mine-${id}`);
    });
    expect(req?.headers['idempotency-key']).toBe(`mine-${id}`);
  });

  it("a raw call's own header replaces the client's, whatever its case", async () => {
    const reqs = await sent(async () => {
      for (const { client } of TRANSPORTS) {
        const s = client(KEY, { baseUrl: server.url, meterEventsBaseUrl: server.url, maxNetworkRetries: 0 });
        // The emulator refuses the made-up token (401): what counts here is what was sent.
        await s.raw.POST('/v2/billing/meter_event_stream', { body: { events: [{ event_name: 'e', payload: { v: '1' } }] }, headers: { authorization: 'Bearer mes_tok_raw', 'X-Trace': 'abc' } }).catch(() => undefined);
      }
    });
    expect(reqs.map((r) => [r.headers['authorization'], r.headers['x-trace']])).toEqual([
      ['Bearer mes_tok_raw', 'abc'],
      ['Bearer mes_tok_raw', 'abc'],
    ]);
  });
});
