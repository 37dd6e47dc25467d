// What tests read to prove "counted once": stored events (a second copy shows), countAccepted per
// account, the request log (headers and exact body bytes for byte-parity tests), the onRequest
// hook, counters, and their control endpoints.
import { describe, expect, it } from 'vitest';
import { createEmulator, type RequestRecord } from '../src/emulator/index.js';
import { createMeter, HOUR, KEY, raw, setup, summaries, T0 } from './emulator-kit.js';

describe('emulator introspection', () => {
  it('keeps every accepted event: a second copy after the identifier window is counted and seen', async () => {
    const { emulator, stripe } = setup();
    const meter = await createMeter(stripe, 'api');
    const send = (value: number, stripeAccount?: string) =>
      stripe.billing.meterEvents.create({ event_name: 'api', payload: { stripe_customer_id: 'cus_a', value }, identifier: 'same', timestamp: T0 - 60 }, stripeAccount === undefined ? {} : { stripeAccount });
    await send(5);
    await expect(send(5)).rejects.toMatchObject({ statusCode: 400 }); // a duplicate within 24 hours
    expect(emulator.countAccepted('same')).toBe(1);
    emulator.clock.advance({ hours: 25 });
    await send(5); // past the window Stripe takes it again: both count
    expect(emulator.countAccepted('same')).toBe(2);
    expect(emulator.countAccepted('same', null)).toBe(2);
    expect(emulator.countAccepted('same', 'acct_1')).toBe(0);
    expect(await summaries(stripe, meter.id, 'cus_a', T0 - HOUR, T0 + HOUR)).toEqual([[0, 10]]);
    expect(emulator.events({ identifier: 'same' })).toEqual([
      { account: null, identifier: 'same', event_name: 'api', meter: meter.id, customer: 'cus_a', value: 5, timestamp: T0 - 60, received: T0, via: 'v1', cancelled: false },
      { account: null, identifier: 'same', event_name: 'api', meter: meter.id, customer: 'cus_a', value: 5, timestamp: T0 - 60, received: T0 + 25 * HOUR, via: 'v1', cancelled: false },
    ]);
  });

  it('lists events per account and endpoint, cancelled ones marked; GET /_emulator/events filters', async () => {
    const { emulator, stripe } = setup();
    await createMeter(stripe, 'api');
    await stripe.billing.meters.create({ display_name: 'x', event_name: 'api', default_aggregation: { formula: 'sum' } }, { stripeAccount: 'acct_1' });
    await stripe.billing.meterEvents.create({ event_name: 'api', payload: { stripe_customer_id: 'cus_a', value: 1 }, identifier: 'one' });
    await stripe.billing.meterEvents.create({ event_name: 'api', payload: { stripe_customer_id: 'cus_b', value: 2 }, identifier: 'one' }, { stripeAccount: 'acct_1' });
    await stripe.v2.billing.meterEvents.create({ event_name: 'api', payload: { stripe_customer_id: 'cus_a', value: '3' }, identifier: 'two' });
    const { authentication_token } = await stripe.v2.billing.meterEventSession.create();
    await stripe.v2.billing.meterEventStream.create({ events: [{ event_name: 'api', payload: { stripe_customer_id: 'cus_a', value: '4' } }] }, { apiKey: authentication_token });
    await stripe.billing.meterEventAdjustments.create({ event_name: 'api', type: 'cancel', cancel: { identifier: 'two' } });
    expect(emulator.countAccepted('one')).toBe(2); // once in each account
    expect(emulator.countAccepted('one', 'acct_1')).toBe(1);
    expect(emulator.events({ account: null }).map((e) => [e.identifier, e.via, e.value, e.cancelled])).toEqual([
      ['one', 'v1', 1, false],
      ['two', 'v2', 3, true],
      [expect.any(String), 'stream', 4, false], // the client generated its identifier
    ]);
    expect(emulator.events({ cancelled: false, customer: 'cus_a' })).toHaveLength(2);
    expect((await raw(emulator, 'GET', '/_emulator/events?account=acct_1')).body['data']).toEqual([expect.objectContaining({ account: 'acct_1', identifier: 'one', customer: 'cus_b' })]);
    expect((await raw(emulator, 'GET', '/_emulator/events?identifier=two&cancelled=true')).body['data']).toHaveLength(1);
    expect((await raw(emulator, 'GET', '/_emulator/events?colour=red')).status).toBe(400);
    expect(emulator.stats()).toMatchObject({ events: { stored: 4, cancelled: 1 }, sessions: 1 });
  });

  it('logs requests (bounded); with bodies: true each record keeps the headers and the exact body bytes', async () => {
    const emulator = createEmulator({ requestLog: { size: 3, bodies: true } });
    const body = new Uint8Array([...new TextEncoder().encode('display_name=caf%C3%A9&event_name=e&default_aggregation[formula]=sum')]);
    await emulator.fetch('https://api.stripe.com/v1/billing/meters', { method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/x-www-form-urlencoded', 'idempotency-key': 'k-1' }, body });
    await emulator.fetch('https://api.stripe.com/v1/billing/meters?limit=2', { headers: { authorization: `Bearer ${KEY}` } });
    const [created, listed] = emulator.requests();
    expect(created).toMatchObject({ seq: 1, method: 'POST', url: 'https://api.stripe.com/v1/billing/meters', path: '/v1/billing/meters', operationId: 'PostBillingMeters', status: 200, account: null, idempotencyKey: 'k-1', fault: undefined, replayed: false });
    expect(created?.requestId).toMatch(/^req_/);
    expect(created?.body).toEqual(body);
    expect(created?.headers).toMatchObject({ authorization: `Bearer ${KEY}`, 'idempotency-key': 'k-1' });
    expect(listed).toMatchObject({ seq: 2, method: 'GET', url: 'https://api.stripe.com/v1/billing/meters?limit=2', body: new Uint8Array() });
    for (let i = 0; i < 3; i++) await emulator.fetch('https://api.stripe.com/v1/nothing');
    expect(emulator.requests().map((r) => [r.seq, r.status, r.operationId])).toEqual([[3, 404, undefined], [4, 404, undefined], [5, 404, undefined]]);
  });

  it('without bodies the log keeps no headers or bytes; onRequest and subscribers get them; GET /_emulator/requests', async () => {
    const hooked: RequestRecord[] = [];
    const emulator = createEmulator({ onRequest: (r) => hooked.push(r) });
    const live: number[] = [];
    const stop = emulator.onRequest((r) => live.push(r.seq));
    emulator.setFaults([{ fault: 'server_error', times: 1 }]);
    await emulator.fetch('https://api.stripe.com/v1/billing/meters', { headers: { authorization: `Bearer ${KEY}` } });
    stop();
    await emulator.fetch('https://api.stripe.com/v1/billing/meters', { headers: { authorization: `Bearer ${KEY}` } });
    expect(hooked.map((r) => [r.status, r.fault, r.headers?.['authorization'], r.body?.length])).toEqual([[500, 'server_error', `Bearer ${KEY}`, 0], [200, undefined, `Bearer ${KEY}`, 0]]);
    expect(live).toEqual([1]);
    expect(emulator.requests()[0]).not.toHaveProperty('headers');
    const listed = await raw(emulator, 'GET', '/_emulator/requests');
    expect(listed.body['data']).toMatchObject([{ seq: 1, status: 500, fault: 'server_error' }, { seq: 2, status: 200 }]);
    expect(emulator.stats()).toMatchObject({ faults: { server_error: 1 }, requests: { GetBillingMeters: { total: 2, byStatus: { 200: 1, 500: 1 } }, control: { total: 1 } } });
    emulator.reset();
    expect([emulator.requests(), emulator.stats().requests, emulator.stats().faults]).toEqual([[], {}, {}]);
    expect(() => createEmulator({ requestLog: { size: -1 } })).toThrow('requestLog.size');
  });

  it('stores a v1 event sent without a timestamp at the whole second it answers with', async () => {
    const { emulator, stripe } = setup({ clock: { start: T0 + 0.7, frozen: true } });
    const meter = await createMeter(stripe, 'api', 'last');
    // Sent raw: the SDK always fills in a timestamp.
    const first = await raw(emulator, 'POST', '/v1/billing/meter_events', { body: 'event_name=api&payload[stripe_customer_id]=cus_a&payload[value]=1' });
    expect(first.body['timestamp']).toBe(T0);
    expect(emulator.events()[0]?.timestamp).toBe(T0);
    // Sent later for the same second: with formula last, the later one wins.
    await stripe.billing.meterEvents.create({ event_name: 'api', payload: { stripe_customer_id: 'cus_a', value: 2 }, timestamp: T0 });
    expect(await summaries(stripe, meter.id, 'cus_a', T0 - HOUR, T0 + HOUR)).toEqual([[0, 2]]);
  });
});
