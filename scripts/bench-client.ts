// One benchmark scenario in a fresh process, so that peak RSS and JIT state are its own.
//   tsx scripts/bench-client.ts <scenario> <sink url> <events>
// Prints one JSON line: { scenario, events, ms, eventsPerSec, peakRssMb }.
import Stripe from 'stripe';
import { StripeMeters } from '../src/index.js';

const [scenario = '', url = '', countText = '0'] = process.argv.slice(2);
const events = Number(countText);
const { hostname, port } = new URL(url);
const CONCURRENCY = 16;
const event = (i: number) => ({ event_name: 'api_call', payload: { stripe_customer_id: `cus_${i % 1000}`, value: String(1 + (i % 5)) } });

async function pool(n: number, work: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < n) await work(next++);
    }),
  );
}

const official = (key: string) => new Stripe(key, { host: hostname, port: Number(port), protocol: 'http', maxNetworkRetries: 2 });
const ours = () => new StripeMeters('sk_test_bench', { baseUrl: url, meterEventsBaseUrl: url });

const scenarios: Record<string, () => Promise<void>> = {
  async 'stream-ours'() {
    const stream = ours().meterEventStream(JSON.parse(process.env['STREAM_OPTIONS'] ?? '{"maxConcurrency":8}') as object);
    for (let i = 0; i < events; i++) await stream.send(event(i));
    await stream.close();
    if (stream.stats.accepted !== events) throw new Error(`accepted ${stream.stats.accepted} of ${events}`);
  },
  async 'stream-official'() {
    const session = await official('sk_test_bench').v2.billing.meterEventSession.create();
    const client = official(session.authentication_token);
    const batches = Math.ceil(events / 100);
    await pool(batches, (b) =>
      client.v2.billing.meterEventStream.create({
        events: Array.from({ length: Math.min(100, events - b * 100) }, (_, k) => ({
          ...event(b * 100 + k),
          identifier: crypto.randomUUID(),
          timestamp: new Date().toISOString(),
        })),
      }),
    );
  },
  async 'v1-ours'() {
    const stripe = ours();
    await pool(events, (i) => stripe.billing.meterEvents.create(event(i)));
  },
  async 'v1-official'() {
    const stripe = official('sk_test_bench');
    await pool(events, (i) => stripe.billing.meterEvents.create({ ...event(i), identifier: crypto.randomUUID() }));
  },
};

const run = scenarios[scenario];
if (run === undefined) throw new Error(`unknown scenario ${scenario}`);
const started = performance.now();
await run();
const ms = performance.now() - started;
const peakRssMb = process.resourceUsage().maxRSS / 1024;
process.stdout.write(`${JSON.stringify({ scenario, events, ms: Math.round(ms), eventsPerSec: Math.round((events / ms) * 1000), peakRssMb: Math.round(peakRssMb) })}\n`);
