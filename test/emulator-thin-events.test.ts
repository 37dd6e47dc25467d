// Stripe's thin events for meter error reports, checked with the official `stripe` package: it
// verifies the emulator's signature (and refuses a wrong secret), parses the notification,
// fetches the full event from /v2/core/events/{id} and the meter it relates to. Also the events
// in process, per account, and retried deliveries.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { afterEach, describe, expect, it } from 'vitest';
import { serveEmulator, type RunningEmulator } from '../src/emulator/server.node.js';
import { createMeter, raw, setup, T0 } from './emulator-kit.js';

const SECRET = 'whsec_emulator_test_secret';

interface Received {
  body: string;
  headers: IncomingHttpHeaders;
}

/** A webhook endpoint that records what it gets and answers `status` (200 unless told). */
async function receiver(status: () => number = () => 200) {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ body: Buffer.concat(chunks).toString('utf8'), headers: req.headers });
      res.writeHead(status()).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`, received, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

describe('thin events', () => {
  it('the official package verifies, parses and follows them up; a wrong secret is refused', async () => {
    const hooks = await receiver();
    closers.push(hooks.close);
    const running: RunningEmulator = await serveEmulator({ clock: { start: T0, frozen: true }, webhooks: [{ url: hooks.url, secret: SECRET }], onWarning: () => undefined });
    closers.push(running.close);
    const { hostname, port } = new URL(running.url);
    const stripe = new Stripe('sk_test_thin', { host: hostname, port: Number(port), protocol: 'http', maxNetworkRetries: 0 });
    const meter = await stripe.billing.meters.create({ display_name: 'API', event_name: 'api_call', default_aggregation: { formula: 'sum' } });
    const session = await stripe.v2.billing.meterEventSession.create();
    const streamer = new Stripe(session.authentication_token, { host: hostname, port: Number(port), protocol: 'http', maxNetworkRetries: 0 });
    await streamer.v2.billing.meterEventStream.create({
      events: [
        { event_name: 'api_call', payload: { value: '3' }, identifier: 'no-customer' },
        { event_name: 'api_cal', payload: { stripe_customer_id: 'cus_1', value: '1' }, identifier: 'typo' },
        { event_name: 'api_call', payload: { stripe_customer_id: 'cus_1', value: '2' }, identifier: 'fine' },
      ],
    });
    expect(running.emulator.thinEvents()).toEqual([]); // the reports' minute has not closed
    running.emulator.clock.advance({ seconds: 61 });
    const deliveries = await running.emulator.deliverThinEvents();
    expect(deliveries.map((d) => [d.status, d.attempts, d.lastStatus])).toEqual([['delivered', 1, 200], ['delivered', 1, 200]]);
    expect(hooks.received).toHaveLength(2);

    const byType = new Map<string, Stripe.V2.Core.EventNotification>();
    for (const { body, headers } of hooks.received) {
      expect(headers['stripe-signature']).toMatch(/^t=\d+,v1=[0-9a-f]{64},v0=[0-9a-f]{64}$/);
      expect(headers['user-agent']).toBe('Stripe/1.0 (+https://stripe.com/docs/webhooks)');
      expect(JSON.parse(body)).not.toHaveProperty('data'); // thin: no data
      const notification = stripe.parseEventNotification(body, headers['stripe-signature'] as string, SECRET);
      byType.set(notification.type, notification);
      expect(() => stripe.parseEventNotification(body, headers['stripe-signature'] as string, 'whsec_not_the_secret')).toThrow(Stripe.errors.StripeSignatureVerificationError);
      expect(() => stripe.parseEventNotification(body.replace('"livemode":false', '"livemode":true'), headers['stripe-signature'] as string, SECRET)).toThrow(Stripe.errors.StripeSignatureVerificationError);
    }

    const reportNotification = byType.get('v1.billing.meter.error_report_triggered');
    if (reportNotification?.type !== 'v1.billing.meter.error_report_triggered') throw new Error('no error_report_triggered notification');
    const report = reportNotification;
    expect(report).toMatchObject({ object: 'v2.core.event', livemode: false, context: null, related_object: { id: meter.id, type: 'billing.meter', url: `/v1/billing/meters/${meter.id}` } });
    const full = (await report.fetchEvent()) as unknown as { data: Record<string, unknown>; id: string };
    expect(full).toMatchObject({
      id: report.id,
      data: {
        reason: { error_count: 1, error_types: [{ code: 'meter_event_no_customer_defined', error_count: 1, sample_errors: [{ error_message: 'Customer mapping key stripe_customer_id not found in payload.' }] }] },
        validation_start: new Date(T0 * 1000).toISOString(),
        validation_end: new Date((T0 + 60) * 1000).toISOString(),
      },
    });
    expect(await report.fetchRelatedObject()).toMatchObject({ id: meter.id, object: 'billing.meter' });
    const retrieved = await stripe.v2.core.events.retrieve(report.id as string);
    expect(retrieved).toMatchObject({ id: report.id, type: 'v1.billing.meter.error_report_triggered' });

    const noMeterNotification = byType.get('v1.billing.meter.no_meter_found');
    if (noMeterNotification?.type !== 'v1.billing.meter.no_meter_found') throw new Error('no no_meter_found notification');
    const noMeter = noMeterNotification;
    expect(noMeter).not.toHaveProperty('related_object');
    expect('fetchRelatedObject' in noMeter ? await (noMeter as unknown as { fetchRelatedObject(): Promise<unknown> }).fetchRelatedObject() : null).toBeNull();
    expect(await noMeter.fetchEvent()).toMatchObject({ data: { reason: { error_types: [{ code: 'no_meter', sample_errors: [{ error_message: 'No meter was found matching event_name api_cal.' }] }] } } });
    await expect(stripe.v2.core.events.retrieve('evt_test_nope')).rejects.toMatchObject({ statusCode: 404 });
    expect(running.emulator.countAccepted('fine')).toBe(1);
  });

  it('are served per account, listed, and retried until the endpoint answers 2xx', async () => {
    let status = 500;
    const hooks = await receiver(() => status);
    closers.push(hooks.close);
    const { emulator, stripe } = setup({ webhooks: [{ url: hooks.url, secret: SECRET }] });
    await createMeter(stripe, 'api');
    await stripe.v2.billing.meterEvents.create({ event_name: 'api', payload: { stripe_customer_id: 'cus_1', value: '1' } }, { stripeAccount: 'acct_1' }).catch(() => undefined);
    await stripe.billing.meterEvents.create({ event_name: 'api', payload: { value: '1' } }, { stripeAccount: 'acct_1' }).catch(() => undefined);
    await stripe.billing.meterEvents.create({ event_name: 'api', payload: { value: '1' } });
    emulator.clock.advance({ minutes: 2 });
    const events = emulator.thinEvents();
    expect(events.map((e) => e.context)).toEqual([null]); // acct_1 has no meter named api: its v1 events were refused at once
    const platform = await raw(emulator, 'GET', `/v2/core/events/${events[0]?.id ?? ''}`);
    expect(platform.status).toBe(200);
    expect((await raw(emulator, 'GET', `/v2/core/events/${events[0]?.id ?? ''}`, { headers: { 'stripe-context': 'acct_1' } })).status).toBe(404);
    expect((await raw(emulator, 'GET', '/v2/core/events?limit=5')).body).toMatchObject({ data: [{ id: events[0]?.id }], next_page_url: null });
    expect((await raw(emulator, 'GET', '/v2/core/events?limit=500')).status).toBe(400);
    // Emitting the event started its first delivery; this one posts the retry at once.
    let deliveries = await emulator.deliverThinEvents();
    expect(deliveries).toMatchObject([{ status: 'pending', lastStatus: 500 }]);
    const failedAttempts = deliveries[0]?.attempts ?? 0;
    expect(failedAttempts).toBeGreaterThanOrEqual(1);
    status = 204;
    deliveries = await emulator.deliverThinEvents();
    expect(deliveries).toMatchObject([{ status: 'delivered', attempts: failedAttempts + 1, lastStatus: 204 }]);
    expect(hooks.received).toHaveLength(failedAttempts + 1);
    // Each attempt posts the same notification.
    expect(new Set(hooks.received.map((r) => r.body)).size).toBe(1);
    expect(() => setup({ webhooks: [{ url: hooks.url, secret: 'not-a-secret' }] })).toThrow('webhooks[0].secret must be a signing secret starting with whsec_');
    expect(() => setup({ webhooks: [{ url: 'ftp://x', secret: SECRET }] })).toThrow('webhooks[0].url must be an http or https URL');
  });
});
