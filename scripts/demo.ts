// npm run demo: usage-based billing end to end, every figure checkable from the output itself. A
// meter; three customers' usage over the last three whole hours (a fixed number of events per
// customer and hour, each worth a fixed number of tokens), sent through v1, v2 and the batching
// sender; one mistaken event cancelled; Stripe's hourly summaries next to what was sent minus what
// was cancelled; a bar chart; then the durable outbox surviving a restart.
//
// By default it runs against the local emulator (stripe-meters/emulator) in process; with
// `npm run demo -- --http` against the same emulator over HTTP on a free loopback port. With
// STRIPE_SECRET_KEY=sk_test_... it runs against Stripe's test mode (STRIPE_CUSTOMER_ID: one or more
// comma-separated test customers, needed to read summaries back); it refuses live keys. Output fits
// 80 columns; colour on a terminal, none when piped or with NO_COLOR set.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEmulator } from '../src/emulator/index.js';
import { serveEmulator, type RunningEmulator } from '../src/emulator/server.node.js';
import { StripeError, StripeMeters, type StripeMetersOptions } from '../src/index.js';
import { createOutbox } from '../src/outbox/index.js';
import { sqliteStore } from '../src/outbox/sqlite.node.js';

const HOUR = 3600;
const HOURS = 3;
const WIDTH = 80;

const colour = process.stdout.isTTY === true && (process.env['NO_COLOR'] ?? '') === '' && process.env['TERM'] !== 'dumb';
const paint = (code: string) => (text: string) => (colour ? `\x1b[${code}m${text}\x1b[0m` : text);
const bold = paint('1');
const dim = paint('2');
const green = paint('32');
const red = paint('31');
const cyan = paint('36');

let step = 0;
const title = (text: string) => console.log(`\n${bold(`${++step}. ${text}`)}`);
const line = (text = '') => console.log(`   ${text}`);
/** Prose, wrapped at word boundaries to fit the terminal width (indented like every line). */
function para(text: string, style: (s: string) => string = (s) => s): void {
  let current = '';
  for (const word of text.split(' ')) {
    if (current !== '' && current.length + 1 + word.length > WIDTH - 3) {
      line(style(current));
      current = word;
    } else current = current === '' ? word : `${current} ${word}`;
  }
  if (current !== '') line(style(current));
}
const n = (x: number) => x.toLocaleString('en-US', { maximumFractionDigits: 2 });
const iso = (unix: number) => new Date(unix * 1000).toISOString();
/** `12-05 03:00`: the date stays in view when the three hours cross midnight. */
const hourLabel = (unix: number) => iso(unix).slice(5, 16).replace('T', ' ');

interface Usage {
  customer: string;
  /** @unit unix seconds */
  timestamp: number;
  tokens: number;
  via: 'v1' | 'v2' | 'stream';
  identifier: string;
}

/** Customer c, hour h: `eventsIn(c, h)` events of `tokensOf(c)` tokens each, spread over the hour. */
const eventsIn = (c: number, h: number) => 100 + 50 * c + 100 * h;
const tokensOf = (c: number) => 10 * (c + 1);

/** The first event of each customer and hour goes through v1, the second through v2, the rest through the sender. */
function pattern(customers: string[], firstHour: number, run: string): Usage[] {
  const usage: Usage[] = [];
  customers.forEach((customer, c) => {
    for (let h = 0; h < HOURS; h++) {
      const events = eventsIn(c, h);
      for (let i = 0; i < events; i++) {
        const via = i === 0 ? 'v1' : i === 1 ? 'v2' : 'stream';
        const timestamp = firstHour + h * HOUR + Math.floor((i * HOUR) / events);
        usage.push({ customer, timestamp, tokens: tokensOf(c), via, identifier: `demo-${run}-${c}-${h}-${i}` });
      }
    }
  });
  return usage;
}

async function send(stripe: StripeMeters, eventName: string, usage: Usage[]): Promise<void> {
  const payload = (u: Usage) => ({ stripe_customer_id: u.customer, tokens: u.tokens });
  for (const u of usage.filter((x) => x.via === 'v1')) {
    await stripe.billing.meterEvents.create({ event_name: eventName, payload: payload(u), identifier: u.identifier, timestamp: u.timestamp });
  }
  for (const u of usage.filter((x) => x.via === 'v2')) {
    await stripe.v2.billing.meterEvents.create({ event_name: eventName, payload: payload(u), identifier: u.identifier, timestamp: iso(u.timestamp) });
  }
  const sender = stripe.meterEventSender({ onError: ({ event, error }) => line(red(`not counted: ${event.identifier}: ${error.message}`)) });
  for (const u of usage.filter((x) => x.via === 'stream')) await sender.send({ event_name: eventName, payload: payload(u), identifier: u.identifier, timestamp: iso(u.timestamp) });
  await sender.close();
  const count = (via: Usage['via']) => n(usage.filter((u) => u.via === via).length);
  const { accepted, batches, sessionsCreated } = sender.stats;
  line(dim(`sent through billing.meterEvents.create (v1): ${count('v1')} events, one request each;`));
  line(dim(`v2.billing.meterEvents.create: ${count('v2')} events, one request each;`));
  line(dim(`meterEventSender(): ${n(accepted)} events in ${batches} requests, ${sessionsCreated} session`));
}

type Totals = Map<string, number>;
const key = (customer: string, hour: number) => `${customer} ${hour}`;

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
      const bar = '█'.repeat(Math.round((value / max) * 36));
      line(`${(h === 0 ? customer : '').padEnd(width)}  ${hourLabel(firstHour + h * HOUR)}  ${cyan(bar)} ${n(value)}`);
    }
  }
}

async function walk(stripe: StripeMeters, live: boolean, customers: string[] | undefined): Promise<void> {
  const run = Date.now().toString(36);
  const eventName = live ? `demo_llm_tokens_${run}` : 'demo_llm_tokens';
  const shown = customers ?? ['cus_demo_ada', 'cus_demo_grace', 'cus_demo_linus'];
  const firstHour = Math.floor(Date.now() / 1000 / HOUR) * HOUR - HOURS * HOUR;
  const width = Math.max(...shown.map((c) => c.length));

  title('A meter that sums the "tokens" of each event, per customer');
  const meter = await stripe.billing.meters.create({
    display_name: 'LLM tokens (demo)',
    event_name: eventName,
    default_aggregation: { formula: 'sum' },
    customer_mapping: { type: 'by_id', event_payload_key: 'stripe_customer_id' },
    value_settings: { event_payload_key: 'tokens' },
  });
  line(`${meter.id}`);
  line(dim(`"${meter.display_name}", event_name ${meter.event_name}, formula ${meter.default_aggregation.formula}`));

  const usage = pattern(shown, firstHour, run);
  const from = iso(firstHour).slice(0, 16).replace('T', ' ');
  const to = iso(firstHour + HOURS * HOUR).slice(0, 16).replace('T', ' ');
  title(`Usage of the last ${HOURS} whole hours: ${from} to ${to} UTC`);
  line(dim(`${'customer'.padEnd(width)}  hour (UTC)    events  tokens each    tokens`));
  shown.forEach((customer, c) => {
    for (let h = 0; h < HOURS; h++) {
      const events = eventsIn(c, h);
      line(`${(h === 0 ? customer : '').padEnd(width)}  ${hourLabel(firstHour + h * HOUR)}  ${n(events).padStart(8)}  ${n(tokensOf(c)).padStart(11)}  ${n(events * tokensOf(c)).padStart(8)}`);
    }
  });
  await send(stripe, eventName, usage);

  const mistake = usage.find((u) => u.via === 'v1' && u.customer === shown[0]);
  if (mistake === undefined) throw new Error('the usage pattern has no v1 event to cancel');
  title('One mistaken event cancelled');
  const adjustment = await stripe.billing.meterEventAdjustments.create({ event_name: eventName, type: 'cancel', cancel: { identifier: mistake.identifier } });
  line(`${mistake.identifier}: ${mistake.tokens} tokens, ${mistake.customer}, ${hourLabel(mistake.timestamp)}`);
  para(
    `Stripe answers the cancel with status "${adjustment.status}" and applies it shortly after (cancels are allowed within 24 hours of sending an event); ${live ? 'the summaries below are read once it has.' : 'the emulator applies it at once.'} Either way the summaries below leave these ${mistake.tokens} tokens out.`,
    dim,
  );
  try {
    await stripe.billing.meterEvents.create({ event_name: eventName, payload: { stripe_customer_id: mistake.customer, tokens: mistake.tokens }, identifier: mistake.identifier, timestamp: mistake.timestamp });
    line(red('sending it again with the same identifier was accepted: it would count twice'));
    process.exitCode = 1;
  } catch (e) {
    if (!(e instanceof StripeError)) throw e;
    para(`Sending it again with the same identifier is refused: "${e.message}"`, dim);
  }

  title('Hourly summaries against what was sent, minus what was cancelled');
  if (live && customers === undefined) {
    para('Skipped: set STRIPE_CUSTOMER_ID to test-mode customer ids (comma-separated) to read summaries back.');
    return;
  }
  let got = await summaries(stripe, meter.id, shown, firstHour);
  const expectedOf = (customer: string, c: number, h: number) => eventsIn(c, h) * tokensOf(c) - (mistake.customer === customer && h === 0 ? mistake.tokens : 0);
  const complete = () => shown.every((customer, c) => Array.from({ length: HOURS }, (_, h) => got.get(key(customer, firstHour + h * HOUR)) === expectedOf(customer, c, h)).every(Boolean));
  // Stripe's summaries are eventually consistent; the emulator's are immediate.
  for (let wait = 0; live && wait < 12 && !complete(); wait++) {
    line(dim('summaries not complete yet (Stripe aggregates asynchronously); asking again in 5 s'));
    await new Promise((resolve) => setTimeout(resolve, 5000));
    got = await summaries(stripe, meter.id, shown, firstHour);
  }
  line(dim(`${'customer'.padEnd(width)}  hour (UTC)      sent  cancelled   summary`));
  let matches = 0;
  shown.forEach((customer, c) => {
    for (let h = 0; h < HOURS; h++) {
      const hour = firstHour + h * HOUR;
      const summary = got.get(key(customer, hour)) ?? 0;
      const cancelled = eventsIn(c, h) * tokensOf(c) - expectedOf(customer, c, h);
      const ok = summary === expectedOf(customer, c, h);
      if (ok) matches++;
      const verdict = ok ? green('ok') : red(`expected ${n(expectedOf(customer, c, h))}`);
      line(`${(h === 0 ? customer : '').padEnd(width)}  ${hourLabel(hour)}  ${n(eventsIn(c, h) * tokensOf(c)).padStart(8)}  ${(cancelled === 0 ? '' : `-${n(cancelled)}`).padStart(9)}  ${n(summary).padStart(8)}  ${verdict}`);
    }
  });
  const all = shown.length * HOURS;
  para(matches === all ? `All ${all} hourly summaries equal the tokens sent minus the cancelled event.` : `${all - matches} of ${all} hourly summaries differ from what was sent.`, matches === all ? green : red);
  if (matches !== all) process.exitCode = 1;

  title('Tokens per customer and hour, from the summaries');
  chart(shown, firstHour, got);
  await outboxDemo(stripe, eventName, meter.id, shown[0] ?? 'cus_demo_ada', live);
  if (live) await stripe.billing.meters.deactivate(meter.id);
}

/** The durable outbox on its embedded store: recorded usage survives the process, then a relay delivers it once. */
async function outboxDemo(stripe: StripeMeters, eventName: string, meterId: string, customer: string, live: boolean): Promise<void> {
  title('Usage that survives a crash: the outbox (stripe-meters/outbox, SQLite)');
  const dir = mkdtempSync(join(tmpdir(), 'stripe-meters-demo-'));
  const path = join(dir, 'usage.db');
  try {
    const events = 1000;
    const tokens = (i: number) => 1 + (i % 3);
    const first = createOutbox(stripe, { store: sqliteStore(path) });
    const started = performance.now();
    await Promise.all(Array.from({ length: events }, (_, i) => first.record({ event_name: eventName, payload: { stripe_customer_id: customer, tokens: tokens(i) } })));
    const ofEach = [1, 2, 3].map((t) => Array.from({ length: events }, (_, i) => tokens(i)).filter((x) => x === t).length);
    line(`record(): ${n(events)} events stored in ${Math.round(performance.now() - started)} ms, ${ofEach.map((count, t) => `${count} x ${t + 1}`).join(' + ')} tokens`);
    line(dim(path));
    await first.close();
    para('That process stops before its relay sent any of them, as a deploy or a crash would stop it. The restarted process opens the same file:', dim);
    const second = createOutbox(stripe, { store: sqliteStore(path), pollIntervalMs: 20 });
    const before = await second.stats();
    line(`pending ${n(before.pending)}, delivered ${n(before.delivered)}`);
    second.start();
    for (let wait = 0; wait < 500 && (await second.stats()).delivered < events; wait++) await new Promise((resolve) => setTimeout(resolve, 20));
    const after = await second.stats();
    await second.close();
    line(`its relay delivered them: pending ${n(after.pending + after.inFlight)}, delivered ${n(after.delivered)}, dead ${n(after.dead)}, held ${n(after.held)}`);
    if (live) return;
    const hour = Math.floor(Date.now() / 1000 / HOUR) * HOUR;
    let counted = 0;
    for await (const s of stripe.billing.meters.listEventSummaries(meterId, { customer, start_time: hour, end_time: hour + HOUR })) counted += s.aggregated_value;
    const expected = Array.from({ length: events }, (_, i) => tokens(i)).reduce((a, b) => a + b, 0);
    const ok = counted === expected;
    line(`${customer}, this hour: ${n(counted)} tokens counted, ${n(expected)} recorded:`);
    line(ok ? green('each event counted once') : red(`${n(counted - expected)} tokens off`));
    if (!ok) process.exitCode = 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const key = process.env['STRIPE_SECRET_KEY'];
  if (key !== undefined && key.startsWith('sk_live_')) {
    console.error('Refusing to run the demo with a live key: it creates meters and reports usage.\nUse a test-mode key (sk_test_...).');
    process.exit(1);
  }
  const customers = process.env['STRIPE_CUSTOMER_ID']?.split(',').map((c) => c.trim()).filter((c) => c !== '');
  let server: RunningEmulator | undefined;
  const options: StripeMetersOptions = {};
  if (key !== undefined) {
    console.log(bold("stripe-meters demo against Stripe's test mode"));
  } else if (process.argv.includes('--http')) {
    server = await serveEmulator({ dashboard: false });
    Object.assign(options, { baseUrl: server.url, meterEventsBaseUrl: server.url });
    console.log(bold(`stripe-meters demo against the local emulator at ${server.url}`));
    console.log(dim('(over HTTP; no Stripe account needed)'));
  } else {
    options.fetch = createEmulator().fetch;
    console.log(bold('stripe-meters demo against the local emulator, in process'));
    console.log(dim('(stripe-meters/emulator; no Stripe account needed)'));
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
