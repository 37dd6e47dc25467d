// One preparation of meter events for every path: v1 create, v2 create, a stream request and the
// batching stream. The client's clock is injected (`now`), so the window checks are exact.
import { describe, expect, it } from 'vitest';
import { StripeInvalidParameterError, type StripeMeters } from '../src/index.js';
import { clientWith, json } from './helpers.js';

const NOW = Date.UTC(2026, 10, 22, 12, 0, 0); // 2026-11-22T12:00:00Z
const SECONDS = NOW / 1000;
const DAY = 86_400;
const PAYLOAD = { stripe_customer_id: 'cus_1', value: 5 };

const SESSION = { id: 's', object: 'v2.billing.meter_event_session', authentication_token: 'mes_tok_123', created: '2026-11-22T12:00:00Z', expires_at: '2026-11-22T12:15:00Z', livemode: false };

function client() {
  return clientWith((req) => json(200, req.url.endsWith('/meter_event_session') ? SESSION : req.url.includes('/v2/') ? {} : { object: 'billing.meter_event' }), { now: () => NOW });
}

type Path = 'v1' | 'v2' | 'stream request' | 'batching stream';
const V2_PATHS: Path[] = ['v2', 'stream request', 'batching stream'];

/** Sends one event through `path`; resolves with the wire body of the event as sent. */
async function send(path: Path, event: Record<string, unknown>): Promise<Record<string, unknown>> {
  const { stripe, requests } = client();
  await sendWith(stripe, path, event);
  const body = requests.find((r) => !r.url.pathname.endsWith('/meter_event_session'))?.body ?? '';
  if (path === 'v1') return Object.fromEntries(new URLSearchParams(body));
  const parsed = JSON.parse(body) as { events?: Array<Record<string, unknown>> } & Record<string, unknown>;
  return parsed.events?.[0] ?? parsed;
}

async function sendWith(stripe: StripeMeters, path: Path, event: Record<string, unknown>): Promise<void> {
  const e = { event_name: 'api_call', payload: PAYLOAD, ...event } as never;
  if (path === 'v1') await stripe.billing.meterEvents.create(e);
  else if (path === 'v2') await stripe.v2.billing.meterEvents.create(e);
  else if (path === 'stream request') await stripe.v2.billing.meterEventStream.create({ events: [e] }, { apiKey: 'mes_tok_123' });
  else {
    const stream = stripe.meterEventSender({ flushIntervalMs: 0 });
    await stream.send(e);
    await stream.close();
  }
}

async function refusal(path: Path, event: Record<string, unknown>): Promise<StripeInvalidParameterError> {
  const { stripe, requests } = client();
  const error = await sendWith(stripe, path, event).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(requests).toHaveLength(0);
  expect(error).toBeInstanceOf(StripeInvalidParameterError);
  return error as StripeInvalidParameterError;
}

describe('meter events are prepared the same way on every path', () => {
  it.each<Path>(['v1', ...V2_PATHS])('%s: fills in identifier and timestamp, writes payload numbers as strings', async (path) => {
    const sent = await send(path, {});
    const identifier = path === 'v1' ? sent['identifier'] : sent['identifier'];
    expect(identifier).toMatch(/^[0-9a-f-]{36}$/);
    if (path === 'v1') {
      expect(sent['timestamp']).toBe(String(SECONDS));
      expect(sent['payload[value]']).toBe('5');
    } else {
      expect(sent['timestamp']).toBe('2026-11-22T12:00:00.000Z');
      expect(sent['payload']).toEqual({ stripe_customer_id: 'cus_1', value: '5' });
    }
  });

  it.each<Path>(['v1', ...V2_PATHS])('%s: keeps payload keys such as __proto__', async (path) => {
    const payload = JSON.parse('{"stripe_customer_id":"cus_1","__proto__":"7"}') as Record<string, string>;
    const sent = await send(path, { payload });
    if (path === 'v1') expect(sent['payload[__proto__]']).toBe('7');
    else expect(Object.keys(sent['payload'] as object)).toEqual(['stripe_customer_id', '__proto__']);
  });

  it.each(['v1', 'v2'] as const)("%s: leaves the caller's event as it was (what is filled in goes into the SDK's own copy)", async (path) => {
    const { stripe } = client();
    const event = { event_name: 'api_call', payload: { stripe_customer_id: 'cus_1', value: 5 } };
    const result = await (path === 'v1' ? stripe.billing.meterEvents.create(event) : stripe.v2.billing.meterEvents.create(event));
    expect(result).toBeDefined();
    expect(event).toEqual({ event_name: 'api_call', payload: { stripe_customer_id: 'cus_1', value: 5 } });
    // A frozen event is taken as well: nothing is written to it.
    const frozen = Object.freeze({ event_name: 'api_call', payload: Object.freeze({ stripe_customer_id: 'cus_1', value: 5 }) });
    await expect(path === 'v1' ? stripe.billing.meterEvents.create(frozen) : stripe.v2.billing.meterEvents.create(frozen)).resolves.toBeDefined();
  });

  it('v1 takes a Date or unix seconds, and sends seconds', async () => {
    expect((await send('v1', { timestamp: new Date(NOW - 3_600_000) }))['timestamp']).toBe(String(SECONDS - 3600));
    expect((await send('v1', { timestamp: SECONDS - 60 }))['timestamp']).toBe(String(SECONDS - 60));
  });

  it.each<Path>(V2_PATHS)('%s takes a Date or an RFC 3339 date-time with a time zone', async (path) => {
    expect((await send(path, { timestamp: new Date(NOW - 1000) }))['timestamp']).toBe('2026-11-22T11:59:59.000Z');
    expect((await send(path, { timestamp: '2026-11-22T17:29:00+05:30' }))['timestamp']).toBe('2026-11-22T17:29:00+05:30');
    expect((await send(path, { timestamp: '2026-11-22T11:00:00.123456Z' }))['timestamp']).toBe('2026-11-22T11:00:00.123456Z');
  });

  it.each<[Path, unknown, RegExp]>([
    ['v1', NOW, /which is milliseconds; unix timestamps are in seconds \(pass Math\.floor\(Date\.now\(\) \/ 1000\), or a Date\)/],
    ['v1', SECONDS + 0.5, /whole seconds/],
    ['v1', '2026-11-22T12:00:00Z', /unix seconds \(an integer\) or a Date/],
    ['v1', SECONDS - 35 * DAY - 120, /cannot be more than 35 days in past/],
    ['v1', SECONDS + 7 * 60, /cannot be more than 5 minutes in the future/],
    ['v1', new Date(Number.NaN), /invalid Date/],
    ...V2_PATHS.flatMap((path): Array<[Path, unknown, RegExp]> => [
      [path, '11/22/2026', /RFC 3339 date-time with a time zone/],
      [path, '2026-11-22', /RFC 3339/],
      [path, 'Sun Nov 22 2026', /RFC 3339/],
      [path, '2026-11-22T12:00:00', /RFC 3339/],
      [path, '2026-02-30T12:00:00Z', /RFC 3339/],
      [path, SECONDS, /an RFC 3339 date-time string or a Date/],
      [path, '2026-10-17T11:00:00Z', /cannot be more than 35 days in past/],
      [path, new Date(NOW + 10 * 60_000), /cannot be more than 5 minutes in the future/],
    ]),
  ])('%s refuses the timestamp %o', async (path, timestamp, message) => {
    const e = await refusal(path, { timestamp });
    expect(e.param).toBe(path === 'stream request' ? 'events[0][timestamp]' : 'timestamp');
    expect(e.message).toMatch(message);
  });

  it('allows a minute of clock skew at both ends of the window', async () => {
    expect((await send('v1', { timestamp: SECONDS - 35 * DAY - 30 }))['timestamp']).toBe(String(SECONDS - 35 * DAY - 30));
    expect((await send('v2', { timestamp: new Date(NOW + 5 * 60_000 + 30_000) }))['timestamp']).toBe('2026-11-22T12:05:30.000Z');
  });

  it.each<Path>(['v1', ...V2_PATHS])('%s refuses payload values it cannot send as decimal strings', async (path) => {
    const where = path === 'stream request' ? 'events[0][payload][value]' : 'payload[value]';
    const exponent = await refusal(path, { payload: { value: 1e-7 } });
    expect(exponent.param).toBe(where);
    expect(exponent.message).toBe(`${where} is 1e-7, which JavaScript writes with an exponent; pass the value as a decimal string instead`);
    expect((await refusal(path, { payload: { value: Number.NaN } })).message).toBe(`${where} must be a finite number, got NaN`);
    expect((await refusal(path, { payload: { value: true } })).message).toBe(`${where} must be a string or a number, got true`);
    expect((await refusal(path, { payload: { value: { n: 1 } } })).message).toBe(`${where} must be a string or a number, got an object`);
  });

  it.each<Path>(['v1', ...V2_PATHS])('%s refuses a BigInt payload value, which cannot be sent', async (path) => {
    const e = await refusal(path, { payload: { value: 12345678901234567890n } });
    expect(e.param).toBe(path === 'stream request' ? 'events[0][payload][value]' : 'payload[value]');
    expect(e.message).toMatch(/BigInt|must be a string or a number, got a bigint/);
  });

  it.each<Path>(['v1', 'v2'])('%s with your own idempotency key: the identifier comes from it and the timestamp is left to Stripe, so a repeat sends the same request', async (path) => {
    const { stripe, requests } = client();
    const create = (key: string) =>
      path === 'v1' ? stripe.billing.meterEvents.create({ event_name: 'api_call', payload: PAYLOAD }, { idempotencyKey: key }) : stripe.v2.billing.meterEvents.create({ event_name: 'api_call', payload: PAYLOAD }, { idempotencyKey: key });
    await create('order-7');
    await create('order-7');
    const long = `order-${'x'.repeat(150)}`;
    await create(long);
    await create(long);
    const [a, b, c, d] = requests.map((r) => r.body);
    expect(a).toBe(b);
    expect(c).toBe(d);
    expect(a).toContain('order-7');
    expect(a).not.toContain('timestamp');
    const derived = path === 'v1' ? new URLSearchParams(c).get('identifier') : (JSON.parse(c ?? '') as { identifier: string }).identifier;
    expect(derived).toHaveLength(100);
    expect(derived?.startsWith('order-xxx')).toBe(true);
  });
});
