// Benchmark scenario: the official `stripe` package (see scripts/bench-harness.ts).
import Stripe from 'stripe';
import { event, pool, runScenario } from './bench-harness.js';

await runScenario((job) => {
  const { hostname, port } = new URL(job.url);
  const client = (key: string) => new Stripe(key, { host: hostname, port: Number(port), protocol: 'http', maxNetworkRetries: 2 });
  const stripe = client('sk_test_bench');
  return {
    // The identifier our SDK fills in, so both send the same request.
    create: (i) => stripe.billing.meterEvents.create({ ...event(i), identifier: crypto.randomUUID() }),
    // The package has no stream sender: batches of 100 by hand, 16 in flight, one session.
    stream: async (events) => {
      const session = await stripe.v2.billing.meterEventSession.create();
      const streaming = client(session.authentication_token);
      await pool(Math.ceil(events / 100), 16, (b) =>
        streaming.v2.billing.meterEventStream.create({
          events: Array.from({ length: Math.min(100, events - b * 100) }, (_, k) => ({ ...event(b * 100 + k), identifier: crypto.randomUUID(), timestamp: new Date().toISOString() })),
        }),
      );
    },
  };
});
