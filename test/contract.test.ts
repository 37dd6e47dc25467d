// Every operation against Prism serving generated/openapi.yaml (started by test/global-setup.ts).
// Prism validates each request against the spec and reports problems in `sl-violations`.
import { describe, expect, inject, it } from 'vitest';
import {
  StripeAuthenticationError,
  StripeError,
  StripeInvalidParameterError,
  StripeInvalidRequestError,
  StripeMeters,
  TemporarySessionExpiredError,
  type LastResponse,
  type StripeMetersOptions,
} from '../src/index.js';
import { editingHeaders } from './helpers.js';

const url = inject('prismUrl');
const HOUR = Math.floor(Date.now() / 3_600_000) * 3600 - 3 * 3600; // an hour boundary, inside the event window

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
      { events: [{ event_name: 'ai_search_api', payload: { stripe_customer_id: 'cus_1', value: 3 }, identifier: 'a', timestamp: new Date(HOUR * 1000) }] },
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

/** A fetch that rewrites each request after the client's own checks, to show Prism what it would refuse. */
function rewriting(edit: (url: string, body: string | undefined) => [string, string | undefined]) {
  return (url: string, init: RequestInit) => {
    const [to, body] = edit(url, init.body as string | undefined);
    return fetch(to, body === undefined ? init : { ...init, body });
  };
}

/** Prism's report in its `sl-violations` header: `[{ location: ['request', 'query', 'limit'], message }]`, as text and the first parameter. */
function violationsOf(header: string | undefined): { text: string; param: string | undefined } {
  const list = JSON.parse(header ?? '[]') as Array<{ location?: unknown[]; message?: string }>;
  const where = (v: { location?: unknown[] }) => (Array.isArray(v.location) ? v.location.slice(2).map(String) : []);
  const [first, ...rest] = where(list[0] ?? {});
  return { text: list.map((v) => `${where(v).join('.')} ${v.message ?? ''}`).join('; '), param: first === undefined ? undefined : first + rest.map((k) => `[${k}]`).join('') };
}

async function violation(call: (s: StripeMeters) => Promise<unknown>, edit: Parameters<typeof rewriting>[0]): Promise<StripeError> {
  const error = await call(client({ fetch: rewriting(edit) })).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(StripeInvalidRequestError);
  const e = error as StripeError;
  expect(e.statusCode).toBe(400);
  expect(e.headers['sl-violations']).toBeDefined();
  return e;
}

describe("contract: what the client refuses never reaches Prism; what Prism refuses is typed", () => {
  it('the client refuses what the spec forbids, before sending (Prism sees nothing)', async () => {
    const seen: string[] = [];
    const stripe = client({ fetch: (url, init) => (seen.push(url), fetch(url, init)) });
    for (const call of [
      () => stripe.billing.meters.create({ ...METER_PARAMS, default_aggregation: { formula: 'average' as 'sum' } }),
      () => stripe.billing.meters.list({ limit: 1000 }),
      () => stripe.billing.meters.update('mtr_1', { display_name: 'x'.repeat(300) }),
      () => stripe.billing.meterEventAdjustments.create({ event_name: 'e', cancel: { identifier: 'a' } } as never),
    ]) {
      await expect(call()).rejects.toBeInstanceOf(StripeInvalidParameterError);
    }
    expect(seen).toEqual([]);
  });

  it.each<[string, (s: StripeMeters) => Promise<unknown>, Parameters<typeof rewriting>[0], string, RegExp]>([
    ['an out-of-range limit', (s) => s.billing.meters.list({ limit: 10 }), (url, body) => [url.replace('limit=10', 'limit=1000'), body], 'limit', /limit.*must be <= 100/],
    ['a display name that is too long', (s) => s.billing.meters.update('mtr_1', { display_name: 'x' }), (url) => [url, `display_name=${'x'.repeat(300)}`], 'display_name', /display_name.*must NOT have more than 250 characters/],
    ['a bad enum', (s) => s.billing.meters.list({ status: 'active' }), (url, body) => [url.replace('status=active', 'status=archived'), body], 'status', /status.*must be equal to one of the allowed values/],
    ['a missing required field', (s) => s.v2.billing.meterEventAdjustments.create({ event_name: 'e', type: 'cancel', cancel: { identifier: 'a' } }), (url) => [url, '{"event_name":"e","type":"cancel"}'], 'cancel', /must have required property 'cancel'/],
    ['an unknown field (which the client leaves to Stripe)', (s) => s.v2.billing.meterEvents.create({ event_name: 'e', payload: { value: '1' }, colour: 'red' } as never), (url, body) => [url, body], 'colour', /must NOT have additional properties/],
  ])("Prism refuses %s: a StripeInvalidRequestError whose headers hold Prism's verdict", async (_, call, edit, param, message) => {
    const e = await violation(call, edit);
    const verdict = violationsOf(e.headers['sl-violations']);
    expect(verdict.text).toMatch(message);
    if (param !== 'colour' && param !== 'cancel') expect(verdict.param).toBe(param);
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
