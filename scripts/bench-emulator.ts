// npm run bench:emulator: the emulator's ingestion speed and query time, at 1,000,000 stream
// events. Each scenario runs in its own process (so its peak RSS is its own):
//   core  stream batches of 100 handed to emulator.answer() (the core: JSON parse, validation,
//         storage); only the time inside answer() counts, building the bodies does not
//   sdk   stripe-meters' meterEventSender() over emulator.fetch (client and emulator together)
// then, in each, event summaries for the one customer holding all 1,000,000 events. Then the
// emulator as a benchmark sink over HTTP (scripts/bench-emulator-http.ts): its server's CPU per v1
// create and per stream event, beside a bare node:http server's, rounds interleaved.
// It runs the built package (dist/, as users get it; `npm run bench:emulator` builds it first).
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Emulator } from '../src/emulator/index.js';
import { benchHttp, type HttpResult } from './bench-emulator-http.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = (path: string) => pathToFileURL(join(root, 'dist', 'src', path)).href;
const { createEmulator } = (await import(dist('emulator/index.js'))) as typeof import('../src/emulator/index.js');
const { StripeMeters } = (await import(dist('index.js'))) as typeof import('../src/index.js');

const EVENTS = Number(process.env['BENCH_EVENTS'] ?? 1_000_000);
const BATCH = 100;
const HOUR = 3600;
const KEY = 'sk_test_bench';

interface Result {
  scenario: string;
  events: number;
  seconds: number;
  eventsPerSecond: number;
  queryHourlyMs: number[];
  queryWholeMs: number[];
  queryScanMs: number[];
  hourlyTotal: number;
  peakRssMb: number;
}

function call(emulator: Emulator, method: string, url: string, body = '', token = KEY) {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  const answer = emulator.answer({ method, url, header: (name) => headers[name], body });
  if (answer.status !== 200) throw new Error(`${method} ${url}: ${answer.status} ${answer.body}`);
  return JSON.parse(answer.body) as Record<string, unknown>;
}

/**
 * Times the summaries of the last 25 hours, five times each: hourly and as one range (both add up
 * the hourly running totals), and as one range starting a minute past the hour (which reads
 * every event).
 */
function query(emulator: Emulator, meterId: string, now: number) {
  const end = Math.floor(now / HOUR) * HOUR + HOUR;
  const start = end - 25 * HOUR;
  const time = (window: string, from = start) => {
    const runs: number[] = [];
    let total = 0;
    for (let i = 0; i < 5; i++) {
      const t = performance.now();
      const page = call(emulator, 'GET', `/v1/billing/meters/${meterId}/event_summaries?customer=cus_bench&start_time=${from}&end_time=${end}&limit=100${window}`);
      runs.push(performance.now() - t);
      total = (page['data'] as Array<{ aggregated_value: number }>).reduce((sum, s) => sum + s.aggregated_value, 0);
    }
    return { runs, total };
  };
  const hourly = time('&value_grouping_window=hour');
  const whole = time('');
  const scan = time('', start + 60);
  if (hourly.total !== whole.total || scan.total !== whole.total) throw new Error(`totals differ: hourly ${hourly.total}, range ${whole.total}, scanned ${scan.total}`);
  return { queryHourlyMs: hourly.runs, queryWholeMs: whole.runs, queryScanMs: scan.runs, hourlyTotal: hourly.total };
}

// Values 1..10 in turn, timestamps spread over the last 24 hours.
const valueOf = (i: number) => 1 + (i % 10);
const expectedTotal = () => {
  let total = 0;
  for (let i = 0; i < EVENTS; i++) total += valueOf(i);
  return total;
};

async function run(scenario: 'core' | 'sdk'): Promise<Result> {
  const emulator = createEmulator();
  const meter = call(emulator, 'POST', '/v1/billing/meters', 'display_name=Bench&event_name=bench&default_aggregation[formula]=sum');
  const now = emulator.clock.now();
  const stamp = (i: number) => new Date((now - 86_000 + (i % 86_000)) * 1000);
  let seconds: number;
  if (scenario === 'core') {
    const token = String(call(emulator, 'POST', '/v2/billing/meter_event_session')['authentication_token']);
    let inside = 0;
    for (let first = 0; first < EVENTS; first += BATCH) {
      const events = [];
      for (let i = first; i < first + BATCH; i++) {
        events.push({ event_name: 'bench', payload: { stripe_customer_id: 'cus_bench', value: String(valueOf(i)) }, identifier: `evt-${i}`, timestamp: stamp(i).toISOString() });
      }
      const body = JSON.stringify({ events });
      const t = performance.now();
      call(emulator, 'POST', '/v2/billing/meter_event_stream', body, token);
      inside += performance.now() - t;
    }
    seconds = inside / 1000;
  } else {
    const stripe = new StripeMeters(KEY, { fetch: emulator.fetch });
    const stream = stripe.meterEventSender();
    const t = performance.now();
    for (let i = 0; i < EVENTS; i++) await stream.send({ event_name: 'bench', payload: { stripe_customer_id: 'cus_bench', value: valueOf(i) }, timestamp: stamp(i) });
    await stream.close();
    seconds = (performance.now() - t) / 1000;
    if (stream.stats.accepted !== EVENTS) throw new Error(`accepted ${stream.stats.accepted} of ${EVENTS}`);
  }
  const q = query(emulator, String(meter['id']), now);
  if (q.hourlyTotal !== expectedTotal()) throw new Error(`summaries total ${q.hourlyTotal}, expected ${expectedTotal()}`);
  return { scenario, events: EVENTS, seconds, eventsPerSecond: EVENTS / seconds, ...q, peakRssMb: process.resourceUsage().maxRSS / 1024 };
}

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

async function main(): Promise<void> {
  const child = process.argv[2];
  if (child === 'core' || child === 'sdk') {
    process.stdout.write(JSON.stringify(await run(child)));
    return;
  }
  if (child === 'http') {
    await httpSection();
    return;
  }
  const labels = {
    core: 'core: emulator.answer(), batches of 100 (time inside the emulator)',
    sdk: 'stripe-meters meterEventSender() over emulator.fetch (client + emulator)',
  };
  console.log(`stripe-meters emulator benchmark: ${fmt(EVENTS)} stream events per scenario, Node ${process.version}\n`);
  console.log('| scenario | events/s | seconds | summaries: 25 hourly buckets | one 25-hour range | one range from a minute past (reads every event) | peak RSS |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const scenario of ['core', 'sdk'] as const) {
    const out = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), scenario], { encoding: 'utf8', maxBuffer: 1 << 20 });
    if (out.status !== 0) throw new Error(`${scenario} failed:\n${out.stderr}`);
    const r = JSON.parse(out.stdout) as Result;
    const ms = (runs: number[]) => `${fmt(runs[0] ?? NaN, 1)} / ${fmt(median(runs), 1)} ms`;
    console.log(`| ${labels[scenario]} | ${fmt(r.eventsPerSecond)} | ${fmt(r.seconds, 2)} | ${ms(r.queryHourlyMs)} | ${ms(r.queryWholeMs)} | ${ms(r.queryScanMs)} | ${fmt(r.peakRssMb)} MB |`);
  }
  console.log(`\nQuery times: the first run / the median of 5. Every run checks that the summaries add up to the ${fmt(expectedTotal())} units sent.`);
  await httpSection();
}

/** The emulator over HTTP against a bare node:http server, ROUNDS rounds interleaved; medians. */
async function httpSection(): Promise<void> {
  const rounds = Number(process.env['BENCH_HTTP_ROUNDS'] ?? 3);
  const v1 = Number(process.env['BENCH_HTTP_V1'] ?? 40_000);
  const batches = Number(process.env['BENCH_HTTP_BATCHES'] ?? 2_000);
  const runs: Record<'emulator' | 'floor', HttpResult[]> = { emulator: [], floor: [] };
  for (let r = 0; r < rounds; r++) {
    for (const which of r % 2 === 0 ? (['floor', 'emulator'] as const) : (['emulator', 'floor'] as const)) runs[which].push(await benchHttp(v1, batches, which === 'floor'));
  }
  const med = (which: 'emulator' | 'floor', pick: (r: HttpResult) => number) => median(runs[which].map(pick));
  console.log(`\nOver HTTP (loopback; the server in its own process, CPU from its process.cpuUsage(); the client: raw node:http keep-alive, ${fmt(v1)} v1 creates 16 in flight, ${fmt(batches)} hand-built stream batches of 100, 16 in flight), median of ${rounds} interleaved rounds:\n`);
  console.log('| | emulator | bare node:http server | emulator / bare |');
  console.log('| --- | ---: | ---: | ---: |');
  const row = (label: string, pick: (r: HttpResult) => number, digits: number) =>
    console.log(`| ${label} | ${fmt(med('emulator', pick), digits)} | ${fmt(med('floor', pick), digits)} | ${fmt(med('emulator', pick) / med('floor', pick), 2)}x |`);
  row('server CPU per v1 create (µs)', (r) => r.v1CpuUs, 1);
  row('v1 creates/s', (r) => r.v1PerSecond, 0);
  row('server CPU per stream event (µs)', (r) => r.streamCpuUs, 2);
  row('stream events/s', (r) => r.streamEventsPerSecond, 0);
  console.log(`\nServer RSS at the end of the emulator runs: ${fmt(Math.max(...runs.emulator.map((r) => r.serverRssMb)))} MB (highest).`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
