// The same calls through stripe-meters and through the official `stripe` package, logged by one
// emulator over HTTP (its request log keeps each body's exact bytes): the decoded form bodies and
// queries must be the same pairs in the same order, over both of our transports. Meter events give
// their identifier and timestamp, which stripe-meters fills in when absent and the official package
// leaves out. What the emulator answers does not matter here.
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestRecord } from '../src/emulator/request-log.js';
import type { RunningEmulator } from '../src/emulator/server.node.js';
import type { StripeMeters } from '../src/index.js';
import { logged, servedEmulator, TRANSPORTS } from './helpers.js';

let server: RunningEmulator;
beforeAll(async () => {
  server = await servedEmulator({ requestLog: { size: 1000, bodies: true } });
});
afterAll(() => server.close());

const HOUR = Math.floor(Date.now() / 3_600_000) * 3600 - 3 * 3600; // an hour boundary, inside the event window
const METER = {
  display_name: 'Search API Calls — ☕ & co',
  event_name: 'ai_search_api',
  default_aggregation: { formula: 'sum' as const },
  customer_mapping: { type: 'by_id' as const, event_payload_key: 'stripe_customer_id' },
  value_settings: { event_payload_key: 'tokens' },
  event_time_window: 'hour' as const,
  expand: ['customer_mapping', 'value_settings'],
};
const LIST = { limit: 3, status: 'active' as const, starting_after: 'mtr_0', expand: ['data.customer_mapping'] };
const SUMMARIES = { customer: 'cus_1', start_time: HOUR, end_time: HOUR + 7200, value_grouping_window: 'hour' as const, limit: 2 };
const EVENT = {
  event_name: 'ai_search_api',
  payload: { stripe_customer_id: 'cus_1', value: '25', 'région id': 'eu/west', 'a&b=c': 'x y' },
  identifier: 'ev_1',
  timestamp: HOUR,
};
const CANCEL = { event_name: 'ai_search_api', type: 'cancel' as const, cancel: { identifier: 'ev_1' } };
const ISO = new Date(HOUR * 1000).toISOString();
const V2_EVENT = { event_name: 'ai_search_api', payload: { stripe_customer_id: 'cus_1', value: '25' }, identifier: 'ev_2', timestamp: ISO };
const STREAM = { events: [{ event_name: 'e', payload: { value: '1' }, identifier: 'a', timestamp: ISO }] };
const RESERVED = { display_name: "50% off (a+b)=c!*'~ [x]" };

// Each call is written twice only because the two clients are different types; the params are shared.
const CALLS: Array<{ name: string; ours: (s: StripeMeters) => Promise<unknown>; official: (s: Stripe) => Promise<unknown> }> = [
  { name: 'meters.create with nested objects, an enum and expand[]', ours: (s) => s.billing.meters.create(METER), official: (s) => s.billing.meters.create(METER) },
  {
    name: 'meters.retrieve with expand[]',
    ours: (s) => s.billing.meters.retrieve('mtr_123', { expand: ['value_settings'] }),
    official: (s) => s.billing.meters.retrieve('mtr_123', { expand: ['value_settings'] }),
  },
  { name: 'meters.update with reserved characters', ours: (s) => s.billing.meters.update('mtr_123', RESERVED), official: (s) => s.billing.meters.update('mtr_123', RESERVED) },
  { name: 'meters.deactivate without params', ours: (s) => s.billing.meters.deactivate('mtr_123'), official: (s) => s.billing.meters.deactivate('mtr_123') },
  {
    name: 'meters.reactivate with expand[]',
    ours: (s) => s.billing.meters.reactivate('mtr_123', { expand: ['status_transitions'] }),
    official: (s) => s.billing.meters.reactivate('mtr_123', { expand: ['status_transitions'] }),
  },
  { name: 'meters.list with a cursor', ours: (s) => s.billing.meters.list(LIST), official: (s) => s.billing.meters.list(LIST) },
  {
    name: 'meters.listEventSummaries',
    ours: (s) => s.billing.meters.listEventSummaries('mtr_123', SUMMARIES),
    official: (s) => s.billing.meters.listEventSummaries('mtr_123', SUMMARIES),
  },
  { name: 'meterEvents.create with unicode and reserved payload keys', ours: (s) => s.billing.meterEvents.create(EVENT), official: (s) => s.billing.meterEvents.create(EVENT) },
  { name: 'meterEventAdjustments.create', ours: (s) => s.billing.meterEventAdjustments.create(CANCEL), official: (s) => s.billing.meterEventAdjustments.create(CANCEL) },
  { name: 'v2 meterEvents.create (JSON)', ours: (s) => s.v2.billing.meterEvents.create(V2_EVENT), official: (s) => s.v2.billing.meterEvents.create(V2_EVENT) },
  {
    name: 'v2 meterEventStream.create (JSON)',
    ours: (s) => s.v2.billing.meterEventStream.create(STREAM, { apiKey: 'mes_tok_parity' }),
    official: (s) => s.v2.billing.meterEventStream.create(STREAM, { apiKey: 'mes_tok_parity' }),
  },
];

function decoded(req: RequestRecord) {
  const headers = req.headers ?? {};
  const body = new TextDecoder().decode(req.body);
  const json = headers['content-type']?.startsWith('application/json') ?? false;
  return {
    method: req.method,
    path: req.path,
    query: [...new URL(req.url, 'http://x').searchParams],
    body: json ? (JSON.parse(body) as unknown) : [...new URLSearchParams(body)],
    contentType: body === '' ? 'none' : headers['content-type'],
    keyed: typeof headers['idempotency-key'] === 'string',
  };
}

describe.each(TRANSPORTS)('wire parity with the official stripe package, over $transport', ({ client }) => {
  it.each(CALLS)('$name', async ({ ours, official }) => {
    const mine = client('sk_test_parity', { baseUrl: server.url, meterEventsBaseUrl: server.url, maxNetworkRetries: 0 });
    const theirs = new Stripe('sk_test_parity', { host: '127.0.0.1', port: server.port, protocol: 'http', maxNetworkRetries: 0 });
    const start = logged(server.emulator).length;
    await ours(mine).catch(() => undefined);
    await official(theirs).catch(() => undefined);
    const [a, b] = logged(server.emulator).slice(start).map(decoded);
    expect(a).toBeDefined();
    expect(a).toEqual(b);
  });
});
