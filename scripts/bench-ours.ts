// Benchmark scenario: stripe-meters through its public API, as a Node user imports it. The module
// comes as argv[3], the file `import 'stripe-meters'` resolves to (scripts/bench.ts resolves it
// through the package's exports), so this process loads the built package and nothing of src/.
//   variant "default": no options but the sink's URLs; "fetch": the fetch transport, given as `fetch`.
import type * as StripeMetersModule from '../src/index.js';
import { event, runScenario } from './bench-harness.js';

await runScenario(async (job) => {
  const { StripeMeters } = (await import(process.argv[3] ?? 'stripe-meters')) as typeof StripeMetersModule;
  const urls = { baseUrl: job.url, meterEventsBaseUrl: job.url };
  const stripe =
    job.variant === 'fetch'
      ? new StripeMeters('sk_test_bench', { ...urls, fetch: (url, init) => globalThis.fetch(url, init) })
      : new StripeMeters('sk_test_bench', urls);
  return {
    create: (i) => stripe.billing.meterEvents.create(event(i)),
    stream: async (events) => {
      const stream = stripe.meterEventSender();
      for (let i = 0; i < events; i++) await stream.send(event(i));
      await stream.close();
      if (stream.stats.accepted !== events) throw new Error(`the stream reports ${stream.stats.accepted} of ${events} events accepted`);
    },
  };
});
