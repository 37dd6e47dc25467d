// One benchmark scenario in a fresh process, so that peak RSS and JIT state are its own.
// scripts/bench.ts compiles this file (and the SDK with it) with esbuild and runs it with plain node.
//   node bench-client.mjs <scenario> <sink url> <count>
// Prints one JSON line: { scenario, count, ms, perSec, cpuUsPerOp, peakRssMb }.
import createClient from 'openapi-fetch';
import Stripe from 'stripe';
import type { paths } from '../generated/schema.js';
import { StripeMeters } from '../src/index.js';

const [scenario = '', url = '', countText = '0'] = process.argv.slice(2);
const count = Number(countText);
const { hostname, port } = new URL(url);
const event = (i: number) => ({ event_name: 'api_call', payload: { stripe_customer_id: `cus_${i % 1000}`, value: String(1 + (i % 5)) } });

async function pool(n: number, concurrency: number, work: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) await work(next++);
    }),
  );
}

const official = (key: string) => new Stripe(key, { host: hostname, port: Number(port), protocol: 'http', maxNetworkRetries: 2 });
const ours = (fast = false) => new StripeMeters('sk_test_bench', { baseUrl: url, meterEventsBaseUrl: url, ...(fast ? {} : {}) });
const form = (i: number) => {
  const e = event(i);
  return `event_name=${e.event_name}&payload[stripe_customer_id]=${e.payload.stripe_customer_id}&payload[value]=${e.payload.value}&identifier=${crypto.randomUUID()}`;
};

async function stream(fast: boolean): Promise<void> {
  const s = ours(fast).meterEventStream();
  for (let i = 0; i < count; i++) await s.send(event(i));
  await s.close();
  if (s.stats.accepted !== count) throw new Error(`accepted ${s.stats.accepted} of ${count}`);
}

async function officialStream(): Promise<void> {
  const session = await official('sk_test_bench').v2.billing.meterEventSession.create();
  const client = official(session.authentication_token);
  await pool(Math.ceil(count / 100), 16, (b) =>
    client.v2.billing.meterEventStream.create({
      events: Array.from({ length: Math.min(100, count - b * 100) }, (_, k) => ({ ...event(b * 100 + k), identifier: crypto.randomUUID(), timestamp: new Date().toISOString() })),
    }),
  );
}

/** meterEvents.create through each client, `concurrency` at a time. */
function v1(concurrency: number): Record<string, () => Promise<void>> {
  const mine = ours();
  const mineFast = ours(true);
  const theirs = official('sk_test_bench');
  const bare = createClient<paths>({ baseUrl: url });
  return {
    ours: () => pool(count, concurrency, (i) => mine.billing.meterEvents.create(event(i))),
    'ours-undici': () => pool(count, concurrency, (i) => mineFast.billing.meterEvents.create(event(i))),
    official: () => pool(count, concurrency, (i) => theirs.billing.meterEvents.create({ ...event(i), identifier: crypto.randomUUID() })),
    'openapi-fetch': () =>
      pool(count, concurrency, (i) =>
        bare.POST('/v1/billing/meter_events', {
          body: { ...event(i), identifier: crypto.randomUUID() },
          bodySerializer: () => form(i),
          headers: { Authorization: 'Bearer sk_test_bench', 'Content-Type': 'application/x-www-form-urlencoded', 'Idempotency-Key': crypto.randomUUID() },
        }),
      ),
    fetch: () =>
      pool(count, concurrency, async (i) => {
        const res = await fetch(`${url}/v1/billing/meter_events`, {
          method: 'POST',
          body: form(i),
          headers: { Authorization: 'Bearer sk_test_bench', 'Content-Type': 'application/x-www-form-urlencoded', 'Idempotency-Key': crypto.randomUUID() },
        });
        await res.json();
      }),
  };
}

const scenarios: Record<string, () => Promise<void>> = {
  'stream-ours': () => stream(false),
  'stream-ours-undici': () => stream(true),
  'stream-official': officialStream,
};
for (const [name, run] of Object.entries(v1(16))) scenarios[`v1-c16-${name}`] = run;
for (const [name, run] of Object.entries(v1(1))) scenarios[`v1-c1-${name}`] = run;

const run = scenarios[scenario];
if (run === undefined) throw new Error(`unknown scenario ${scenario}`);
const cpu = process.cpuUsage();
const started = performance.now();
await run();
const ms = performance.now() - started;
const used = process.cpuUsage(cpu);
process.stdout.write(
  `${JSON.stringify({
    scenario,
    count,
    ms: Math.round(ms),
    perSec: Math.round((count / ms) * 1000),
    cpuUsPerOp: Math.round(((used.user + used.system) / count) * 10) / 10,
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
  })}\n`,
);
