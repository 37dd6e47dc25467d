// npm run demo: usage-based billing end to end, checked. A meter, a known usage pattern for three
// customers over the last three whole hours (sent through v1, v2 and the batching stream), one
// cancelled mistake, then Stripe's hourly summaries next to totals computed here from what was
// sent, and a bar chart per customer.
//
// By default it runs against the local emulator (stripe-meters/emulator), in process; with
// `npm run demo -- --http` against the same emulator over HTTP on a free loopback port. With
// STRIPE_SECRET_KEY=sk_test_... it runs against Stripe's test mode (STRIPE_CUSTOMER_ID: one or
// more comma-separated test customers, needed to read summaries back); it refuses live keys.
import { StripeError, StripeMeters, type StripeMetersOptions } from '../src/index.js';
import { createEmulator } from '../src/emulator/index.js';
import { serveEmulator, type RunningEmulator } from '../src/emulator/server.node.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createOutbox } from '../src/outbox/index.js';
import { sqliteStore } from '../src/outbox/sqlite.node.js';

const HOUR = 3600;
const HOURS = 3;
let step = 0;
const title = (text: string) => console.log(`\n${++step}. ${text}`);
const line = (text = '') => console.log(`   ${text}`);
const n = (x: number) => x.toLocaleString('en-US', { maximumFractionDigits: 2 });
const hhmm = (unix: number) => new Date(unix * 1000).toISOString().slice(11, 16);

interface Usage {
  customer: string;
  /** @unit unix seconds */
  timestamp: number;
  tokens: number;
  via: 'v1' | 'v2' | 'stream';
  identifier: string;
}

/**
 * The usage pattern: per customer a base load per hour, rising hour by hour; most of it goes
 * through the stream, a few events through v1 and v2 (one request each).
 */
function pattern(customers: string[], firstHour: number, run: string): Usage[] {
  const usage: Usage[] = [];
  customers.forEach((customer, c) => {
    for (let h = 0; h < HOURS; h++) {
      const requests = 150 * (c + 1) + 100 * h;
      for (let i = 0; i < requests; i++) {
        const via = i === 0 ? 'v1' : i === 1 ? 'v2' : 'stream';
        const timestamp = firstHour + h * HOUR + Math.floor((i * HOUR) / requests);
        usage.push({ customer, timestamp, tokens: 20 + ((i * 7 + c * 3) % 30), via, identifier: `demo-${run}-${c}-${h}-${i}` });
      }
    }
  });
  return usage;
}

async function send(stripe: StripeMeters, eventName: string, usage: Usage[]): Promise<void> {
  const payload = (u: Usage) => ({ stripe_customer_id: u.customer, tokens: u.tokens });
  const iso = (u: Usage) => new Date(u.timestamp * 1000).toISOString();
  for (const u of usage.filter((x) => x.via === 'v1')) {
    await stripe.billing.meterEvents.create({ event_name: eventName, payload: payload(u), identifier: u.identifier, timestamp: u.timestamp });
  }
  for (const u of usage.filter((x) => x.via === 'v2')) {
    await stripe.v2.billing.meterEvents.create({ event_name: eventName, payload: { stripe_customer_id: u.customer, tokens: String(u.tokens) }, identifier: u.identifier, timestamp: iso(u) });
  }
  const stream = stripe.meterEventSender({ onError: ({ event, error }) => line(`failed for good: ${event.identifier} ${error.message}`) });
  for (const u of usage.filter((x) => x.via === 'stream')) await stream.send({ event_name: eventName, payload: payload(u), identifier: u.identifier, timestamp: iso(u) });
  await stream.close();
  const count = (via: Usage['via']) => usage.filter((u) => u.via === via).length;
  line(`billing.meterEvents.create (v1):     ${n(count('v1')).padStart(6)} events, one request each`);
  line(`v2.billing.meterEvents.create:       ${n(count('v2')).padStart(6)} events, one request each`);
  const { accepted, batches, sessionsCreated } = stream.stats;
  line(`meterEventSender() (batching):       ${n(accepted).padStart(6)} events in ${batches} requests under ${sessionsCreated} session`);
}

type Totals = Map<string, number>;
const key = (customer: string, hour: number) => `${customer} ${hour}`;

function handTotals(usage: Usage[], cancelled: string): Totals {
  const totals: Totals = new Map();
  for (const u of usage) {
    if (u.identifier === cancelled) continue;
    const k = key(u.customer, Math.floor(u.timestamp / HOUR) * HOUR);
    totals.set(k, (totals.get(k) ?? 0) + u.tokens);
  }
  return totals;
}

async function summaries(stripe: StripeMeters, meterId: string, customers: string[], firstHour: number): Promise<Totals> {
  const totals: Totals = new Map();
  for (const customer of customers) {
    const list = stripe.billing.meters.listEventSummaries(meterId, { customer, start_time: firstHour, end_time: firstHour + HOURS * HOUR, value_grouping_window: 'hour' });
    for await (const s of list) totals.set(key(customer, s.start_time), s.aggregated_value);
  }
  return totals;
}

function chart(customers: string[], firstHour: number, totals: Totals): void {
  const max = Math.max(1, ...totals.values());
  const width = Math.max(...customers.map((c) => c.length));
  for (const customer of customers) {
    for (let h = 0; h < HOURS; h++) {
      const value = totals.get(key(customer, firstHour + h * HOUR)) ?? 0;
      const bar = '█'.repeat(Math.round((value / max) * 40));
      line(`${(h === 0 ? customer : '').padEnd(width)}  ${hhmm(firstHour + h * HOUR)}  ${bar} ${n(value)}`);
    }
    if (customer !== customers.at(-1)) console.log();
  }
}

async function walk(stripe: StripeMeters, live: boolean, customers: string[] | undefined): Promise<void> {
  const run = Date.now().toString(36);
  const eventName = live ? `demo_llm_tokens_${run}` : 'demo_llm_tokens';
  const shown = customers ?? ['cus_demo_ada', 'cus_demo_grace', 'cus_demo_linus'];
  const firstHour = Math.floor(Date.now() / 1000 / HOUR) * HOUR - HOURS * HOUR;

  title('Create a meter that sums the "tokens" of each event, per customer');
  const meter = await stripe.billing.meters.create({
    display_name: 'LLM tokens (demo)',
    event_name: eventName,
    default_aggregation: { formula: 'sum' },
    customer_mapping: { type: 'by_id', event_payload_key: 'stripe_customer_id' },
    value_settings: { event_payload_key: 'tokens' },
  });
  line(`${meter.id}  "${meter.display_name}"  event_name=${meter.event_name}  formula=${meter.default_aggregation.formula}`);

  const usage = pattern(shown, firstHour, run);
  title(`Report usage for ${shown.length === 1 ? 'one customer' : `${shown.length} customers`} over the last ${HOURS} whole hours (${hhmm(firstHour)} to ${hhmm(firstHour + HOURS * HOUR)} UTC today)`);
  await send(stripe, eventName, usage);

  const mistake = usage.find((u) => u.via === 'v1' && u.customer === shown[0]);
  if (mistake === undefined) throw new Error('the usage pattern has no v1 event to cancel');
  title('Cancel a mistaken event (allowed within 24 hours of sending it)');
  const adjustment = await stripe.billing.meterEventAdjustments.create({ event_name: eventName, type: 'cancel', cancel: { identifier: mistake.identifier } });
  line(`${mistake.identifier}: ${mistake.tokens} tokens for ${mistake.customer} at ${hhmm(mistake.timestamp)} -> adjustment ${adjustment.status}`);
  try {
    await stripe.billing.meterEvents.create({ event_name: eventName, payload: { stripe_customer_id: mistake.customer, tokens: mistake.tokens }, identifier: mistake.identifier, timestamp: mistake.timestamp });
  } catch (e) {
    if (!(e instanceof StripeError)) throw e;
    line(`sending it again with the same identifier is refused: ${e.message}`);
  }

  title('Hourly summaries (listEventSummaries, value_grouping_window=hour) next to totals computed here from the events sent');
  if (live && customers === undefined) {
    line('skipped: set STRIPE_CUSTOMER_ID to test-mode customer ids (comma-separated) to read summaries back');
    return;
  }
  const expected = handTotals(usage, mistake.identifier);
  let got = await summaries(stripe, meter.id, shown, firstHour);
  // Stripe's summaries are eventually consistent; the emulator's are immediate.
  for (let wait = 0; live && wait < 12 && [...expected].some(([k, v]) => got.get(k) !== v); wait++) {
    line('summaries not complete yet (Stripe aggregates asynchronously); asking again in 5 s');
    await new Promise((resolve) => setTimeout(resolve, 5000));
    got = await summaries(stripe, meter.id, shown, firstHour);
  }
  const width = Math.max(...shown.map((c) => c.length));
  line(`${'customer'.padEnd(width)}  hour (UTC)     summary   by hand`);
  let matches = 0;
  for (const customer of shown) {
    for (let h = 0; h < HOURS; h++) {
      const hour = firstHour + h * HOUR;
      const summary = got.get(key(customer, hour)) ?? 0;
      const hand = expected.get(key(customer, hour)) ?? 0;
      if (summary === hand) matches++;
      line(`${customer.padEnd(width)}  ${hhmm(hour)}-${hhmm(hour + HOUR)}  ${n(summary).padStart(8)}  ${n(hand).padStart(8)}  ${summary === hand ? 'match' : 'DIFFERENT'}`);
    }
  }
  const all = shown.length * HOURS;
  const sum = (totals: Totals) => [...totals.values()].reduce((a, b) => a + b, 0);
  line(`${'all'.padEnd(width)}  ${hhmm(firstHour)}-${hhmm(firstHour + HOURS * HOUR)}  ${n(sum(got)).padStart(8)}  ${n(sum(expected)).padStart(8)}`);
  line(matches === all ? `All ${all} hourly summaries match the totals computed from the events sent (the cancelled one left out).` : `${all - matches} of ${all} hourly summaries differ from the totals computed here.`);
  if (matches !== all) process.exitCode = 1;

  title('Tokens per customer and hour');
  chart(shown, firstHour, got);
  await outboxDemo(stripe, eventName, meter.id, shown[0] ?? 'cus_demo_ada', live);
  if (live) await stripe.billing.meters.deactivate(meter.id);
}

/** The durable outbox on its embedded store: recorded usage survives the process, then a relay delivers it once. */
async function outboxDemo(stripe: StripeMeters, eventName: string, meterId: string, customer: string, live: boolean): Promise<void> {
  title('Record usage durably with the outbox (stripe-meters/outbox, SQLite), then let a relay deliver it');
  const dir = mkdtempSync(join(tmpdir(), 'stripe-meters-demo-'));
  const path = join(dir, 'usage.db');
  try {
    const events = 1000;
    const first = createOutbox(stripe, { store: sqliteStore(path) });
    const started = performance.now();
    await Promise.all(Array.from({ length: events }, (_, i) => first.record({ event_name: eventName, payload: { stripe_customer_id: customer, tokens: 1 + (i % 3) } })));
    line(`record(): ${events} events stored in ${path} in ${Math.round(performance.now() - started)} ms (each resolved once in the WAL)`);
    await first.close();
    line('that outbox closes before any was sent, as a process stopped by a deploy or a crash would');
    const second = createOutbox(stripe, { store: sqliteStore(path), pollIntervalMs: 20 });
    line(`a new outbox opens the file, as the restarted process would: ${JSON.stringify(await second.stats())}`);
    second.start();
    for (let wait = 0; wait < 500 && (await second.stats()).delivered < events; wait++) await new Promise((resolve) => setTimeout(resolve, 20));
    const stats = await second.stats();
    await second.close();
    line(`its relay delivered them: ${stats.delivered} delivered, ${stats.pending + stats.inFlight} pending, ${stats.dead} dead letters, ${stats.held} held`);
    if (live) return;
    const hour = Math.floor(Date.now() / 1000 / HOUR) * HOUR;
    let counted = 0;
    for await (const s of stripe.billing.meters.listEventSummaries(meterId, { customer, start_time: hour, end_time: hour + HOUR })) counted += s.aggregated_value;
    const expected = Array.from({ length: events }, (_, i) => 1 + (i % 3)).reduce((a, b) => a + b, 0);
    line(`${customer} this hour: ${n(counted)} tokens at the emulator, ${n(expected)} recorded: ${counted === expected ? 'each event counted once' : 'DIFFERENT'}`);
    if (counted !== expected) process.exitCode = 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const key = process.env['STRIPE_SECRET_KEY'];
  if (key !== undefined && key.startsWith('sk_live_')) {
    console.error('Refusing to run the demo with a live key: it creates meters and reports usage. Use a test-mode key (sk_test_...).');
    process.exit(1);
  }
  const customers = process.env['STRIPE_CUSTOMER_ID']?.split(',').map((c) => c.trim()).filter((c) => c !== '');
  let server: RunningEmulator | undefined;
  const options: StripeMetersOptions = {};
  if (key !== undefined) {
    console.log("stripe-meters demo against Stripe's test mode");
  } else if (process.argv.includes('--http')) {
    server = await serveEmulator();
    Object.assign(options, { baseUrl: server.url, meterEventsBaseUrl: server.url });
    console.log(`stripe-meters demo against the local emulator over HTTP at ${server.url} (no Stripe account needed)`);
  } else {
    options.fetch = createEmulator().fetch;
    console.log('stripe-meters demo against the local emulator, in process (stripe-meters/emulator; no Stripe account needed)');
  }
  try {
    await walk(new StripeMeters(key ?? 'sk_test_demo', options), key !== undefined, key === undefined ? undefined : customers);
  } finally {
    await server?.close();
  }
}

main().catch((error: unknown) => {
  console.error('\nThe demo failed:', error);
  process.exit(1);
});
