// npm run demo: a walk through every Billing Meters operation.
// Without STRIPE_SECRET_KEY it starts a Prism mock of generated/openapi.yaml on a free loopback port
// (the answers are the spec's examples); with STRIPE_SECRET_KEY=sk_test_... it uses Stripe's test mode.
import { StripeError, StripeInvalidParameterError, StripeMeters, type StripeMetersOptions } from '../src/index.js';
import { startPrism, type RunningServer } from './prism.js';

const HOUR = 3600;
let step = 0;
const title = (text: string) => console.log(`\n${++step}. ${text}`);
const line = (text: string) => console.log(`   ${text}`);

async function walk(stripe: StripeMeters, live: boolean): Promise<void> {
  const eventName = live ? `demo_api_calls_${Date.now()}` : 'ai_search_api';
  const customer = process.env['STRIPE_CUSTOMER_ID'] ?? 'cus_demo';

  title('Create a meter that sums the "tokens" of each event, per customer');
  const meter = await stripe.billing.meters.create({
    display_name: 'Search API tokens',
    event_name: eventName,
    default_aggregation: { formula: 'sum' },
    customer_mapping: { type: 'by_id', event_payload_key: 'stripe_customer_id' },
    value_settings: { event_payload_key: 'tokens' },
  });
  line(`${meter.id}  "${meter.display_name}"  event_name=${meter.event_name}  formula=${meter.default_aggregation.formula}  status=${meter.status}`);
  line(`request ${meter.lastResponse.requestId ?? '-'}  idempotency key ${meter.lastResponse.idempotencyKey ?? '-'}`);

  title('Report usage: three v1 meter events (one request each)');
  const identifiers: string[] = [];
  for (const tokens of [120, 75, 300]) {
    const identifier = `demo-${crypto.randomUUID()}`;
    const event = await stripe.billing.meterEvents.create({
      event_name: eventName,
      payload: { stripe_customer_id: customer, tokens },
      identifier,
    });
    identifiers.push(identifier);
    line(`tokens=${String(tokens).padStart(3)}  -> ${event.object} identifier=${event.identifier} timestamp=${event.timestamp}`);
  }

  title('Report usage at volume: a v2 session and one stream batch by hand, then the batching sender');
  const session = await stripe.v2.billing.meterEventSession.create();
  line(`session ${session.id}, token valid until ${session.expires_at}`);
  const batch = Array.from({ length: 50 }, (_, i) => ({
    event_name: eventName,
    payload: { stripe_customer_id: customer, tokens: 10 + i },
    identifier: `demo-stream-${crypto.randomUUID()}`,
  }));
  await stripe.v2.billing.meterEventStream.create({ events: batch }, { apiKey: session.authentication_token });
  line(`${batch.length} events accepted in one request (validated asynchronously by Stripe)`);
  const stream = stripe.meterEventStream({ onError: ({ event, error }) => line(`failed for good: ${event.identifier} ${error.message}`) });
  for (let i = 0; i < 1000; i++) await stream.send({ event_name: eventName, payload: { stripe_customer_id: customer, tokens: 1 + (i % 9) } });
  await stream.close();
  const { sent, accepted, failed, batches, sessionsCreated } = stream.stats;
  line(`meterEventStream(): ${sent} events sent, ${accepted} accepted, ${failed} failed, in ${batches} batches under ${sessionsCreated} session`);
  const v2event = await stripe.v2.billing.meterEvents.create({ event_name: eventName, payload: { stripe_customer_id: customer, tokens: '42' } });
  line(`v2 meter event (validated synchronously): ${v2event.identifier}`);

  title('Cancel a mistaken event (within 24 hours of sending it)');
  const adjustment = await stripe.billing.meterEventAdjustments.create({ event_name: eventName, type: 'cancel', cancel: { identifier: identifiers[1] ?? '' } });
  line(`v1 adjustment: ${adjustment.type} ${adjustment.cancel?.identifier ?? ''} -> ${adjustment.status}`);
  const v2adjustment = await stripe.v2.billing.meterEventAdjustments.create({ event_name: eventName, type: 'cancel', cancel: { identifier: batch[0]?.identifier ?? '' } });
  line(`v2 adjustment: ${v2adjustment.id} -> ${v2adjustment.status}`);

  title('List active meters: the first page, then every meter across pages');
  const page = await stripe.billing.meters.list({ status: 'active', limit: 5 });
  line(`first page: ${page.data.length} meter(s), has_more=${page.has_more}`);
  let count = 0;
  for await (const m of stripe.billing.meters.list({ status: 'active', limit: 100 })) {
    if (++count <= 5) line(`${m.id}  ${m.display_name}  (${m.event_name})`);
  }
  line(`${count} active meter(s) in all`);

  title('Read hourly usage for the last three whole hours');
  const end = Math.floor(Date.now() / 1000 / HOUR) * HOUR;
  if (live && process.env['STRIPE_CUSTOMER_ID'] === undefined) {
    line('skipped: set STRIPE_CUSTOMER_ID to a test-mode customer to read summaries from Stripe');
  } else {
    const summaries = await stripe.billing.meters.listEventSummaries(meter.id, {
      customer,
      start_time: end - 3 * HOUR,
      end_time: end,
      value_grouping_window: 'hour',
    });
    for (const s of summaries.data) {
      line(`${new Date(s.start_time * 1000).toISOString()} .. ${new Date(s.end_time * 1000).toISOString()}  ${s.aggregated_value} tokens`);
    }
    if (summaries.data.length === 0) line('no usage aggregated yet (summaries are eventually consistent)');
  }
  try {
    await stripe.billing.meters.listEventSummaries(meter.id, { customer, start_time: end - 90, end_time: end, value_grouping_window: 'hour' });
  } catch (e) {
    if (!(e instanceof StripeInvalidParameterError)) throw e;
    line(`a misaligned range never leaves the machine: ${e.param}: ${e.message}`);
  }

  title('Deactivate the meter, then reactivate it');
  const off = await stripe.billing.meters.deactivate(meter.id);
  line(`${off.id} status=${off.status} deactivated_at=${String(off.status_transitions.deactivated_at)}`);
  const on = await stripe.billing.meters.reactivate(meter.id);
  line(`${on.id} status=${on.status}`);

  title('Errors are typed');
  try {
    await stripe.billing.meters.update(meter.id, { display_name: 'x'.repeat(300) });
  } catch (e) {
    if (!(e instanceof StripeError)) throw e;
    line(`${e.type} (HTTP ${String(e.statusCode)}, ${e.rawType ?? '-'}): ${e.message}`);
  }
}

async function main(): Promise<void> {
  const key = process.env['STRIPE_SECRET_KEY'];
  if (key !== undefined && key.startsWith('sk_live_')) {
    console.error('Refusing to run the demo with a live key: it creates meters and reports usage. Use a test-mode key (sk_test_...).');
    process.exit(1);
  }
  let prism: RunningServer | undefined;
  let options: StripeMetersOptions = {};
  if (key === undefined) {
    prism = await startPrism();
    options = { baseUrl: prism.url, meterEventsBaseUrl: prism.url };
    console.log(`stripe-meters demo against a Prism mock of the Billing Meters spec at ${prism.url}`);
    console.log('(no Stripe account needed; Prism validates every request and answers with the spec examples)');
  } else {
    console.log("stripe-meters demo against Stripe's test mode");
  }
  try {
    let retried = 0;
    options.onResponse = (e) => {
      if (e.retryInMs !== undefined) retried++;
    };
    await walk(new StripeMeters(key ?? 'sk_test_demo', options), key !== undefined);
    if (retried > 0) console.log(`(${retried} attempt(s) were retried along the way)`);
    console.log('\nDone: every Billing Meters operation ran.');
  } finally {
    await prism?.stop();
  }
}

main().catch((error: unknown) => {
  console.error('\nThe demo failed:', error);
  process.exit(1);
});
