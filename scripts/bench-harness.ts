// What every benchmark scenario process shares: its argument, the workload loops, the measurement
// and the one JSON line it prints. Node built-ins only, so that a scenario process loads its own
// client and nothing else (scripts/bench.ts bundles each scenario file with this one).
//   node bench-<client>.mjs '<Job as JSON>'
import { createRequire } from 'node:module';
import { sep } from 'node:path';

/** What scripts/bench.ts asks a scenario process to do. */
export type Job =
  | { kind: 'v1'; variant: string; url: string; concurrency: number; warmupMs: number; durationMs: number }
  | { kind: 'stream'; variant: string; url: string; events: number };

/** What a scenario process prints (one JSON line on stdout). */
export interface Measurement {
  /** Requests (v1) or events (stream) in the measured span. */
  ops: number;
  /** Everything the process sent the sink, warm-up included: the sink must have accepted as many. */
  sent: number;
  ms: number;
  perSec: number;
  /** Client CPU (user + system) over the measured span, per op. @unit microseconds */
  cpuUsPerOp: number;
  /** The kernel's share of it (system time): socket writes and reads, and the wake-ups they cause. @unit microseconds */
  sysUsPerOp: number;
  /** Peak resident set size of the whole process. @unit MB */
  peakRssMb: number;
}

/** One client under test: a v1 meter event create, or a whole stream of meter events. */
export interface Scenario {
  /** Sends meter event number `i` through `billing.meterEvents.create` (or the same request by hand). */
  create?: (i: number) => Promise<unknown>;
  /** Sends `events` meter events over the v2 stream and resolves when the sink accepted them all. */
  stream?: (events: number) => Promise<void>;
}

/** The event name of the meter the benchmark's emulator holds. */
export const BENCH_EVENT = 'api_call';

export const event = (i: number) => ({ event_name: BENCH_EVENT, payload: { stripe_customer_id: `cus_${i % 1000}`, value: String(1 + (i % 5)) } });

/** The v1 form body `stripe` sends for event(i) (brackets unescaped, as its qs settings do). */
export const v1Form = (i: number, identifier: string): string => {
  const e = event(i);
  return `event_name=${e.event_name}&payload[stripe_customer_id]=${e.payload.stripe_customer_id}&payload[value]=${e.payload.value}&identifier=${identifier}`;
};

/** The v2 stream body for events [first, first + n), with identifiers and timestamps filled in. */
export const streamBody = (first: number, n: number): string =>
  JSON.stringify({ events: Array.from({ length: n }, (_, k) => ({ ...event(first + k), identifier: crypto.randomUUID(), timestamp: new Date().toISOString() })) });

/** Runs `work(0..n-1)`, `concurrency` at a time. */
export async function pool(n: number, concurrency: number, work: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) await work(next++);
    }),
  );
}

/** Keeps `concurrency` calls of `work` going until `ms` have passed; returns how many completed. */
async function timed(ms: number, concurrency: number, first: number, work: (i: number) => Promise<unknown>): Promise<number> {
  const deadline = performance.now() + ms;
  let next = first;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) await work(next++);
    }),
  );
  return next - first;
}

// Importing the undici package installs its own global dispatcher, which Node's fetch then uses
// (the old benchmark's "built-in fetch" rows measured undici so). undici is CommonJS, so once
// loaded it sits in require.cache, even when imported from ESM.
function undiciLoaded(): boolean {
  return Object.keys(createRequire(import.meta.url).cache).some((file) => file.includes(`${sep}node_modules${sep}undici${sep}`));
}

/** Parses the job, runs it on `make`'s client and prints the measurement. */
export async function runScenario(make: (job: Job) => Scenario | Promise<Scenario>, options: { undici?: boolean } = {}): Promise<void> {
  const job = JSON.parse(process.argv[2] ?? '{}') as Job;
  const scenario = await make(job);
  let ops: number;
  let sent: number;
  let cpu: NodeJS.CpuUsage;
  let started: number;
  if (job.kind === 'v1') {
    const create = scenario.create;
    if (create === undefined) throw new Error(`${job.variant} has no v1 create`);
    const warm = await timed(job.warmupMs, job.concurrency, 0, create);
    cpu = process.cpuUsage();
    started = performance.now();
    ops = await timed(job.durationMs, job.concurrency, warm, create);
    sent = warm + ops;
  } else {
    const stream = scenario.stream;
    if (stream === undefined) throw new Error(`${job.variant} has no stream`);
    cpu = process.cpuUsage();
    started = performance.now();
    await stream(job.events);
    ops = sent = job.events;
  }
  const ms = performance.now() - started;
  const used = process.cpuUsage(cpu);
  if (options.undici !== true && undiciLoaded()) throw new Error(`${job.variant}: the undici package was loaded into a process that does not measure it`);
  const result: Measurement = {
    ops,
    sent,
    ms: Math.round(ms),
    perSec: Math.round((ops / ms) * 1000),
    cpuUsPerOp: Math.round(((used.user + used.system) / ops) * 10) / 10,
    sysUsPerOp: Math.round((used.system / ops) * 10) / 10,
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

/** A floor: one POST with this body and these headers, resolving to the parsed JSON answer. */
export type Post = (path: string, body: string, headers: Record<string, string>) => Promise<unknown>;

/** The requests the SDKs send, built by hand and sent with `post` (batches of 100, 16 in flight). */
export function floor(post: Post): Scenario {
  const form = { Authorization: 'Bearer sk_test_bench', 'Content-Type': 'application/x-www-form-urlencoded' };
  return {
    create: (i) => post('/v1/billing/meter_events', v1Form(i, crypto.randomUUID()), { ...form, 'Idempotency-Key': crypto.randomUUID() }),
    stream: async (events) => {
      const session = (await post('/v2/billing/meter_event_session', '{}', { Authorization: 'Bearer sk_test_bench', 'Content-Type': 'application/json' })) as { authentication_token: string };
      const headers = { Authorization: `Bearer ${session.authentication_token}`, 'Content-Type': 'application/json' };
      await pool(Math.ceil(events / 100), 16, (b) => post('/v2/billing/meter_event_stream', streamBody(b * 100, Math.min(100, events - b * 100)), headers));
    },
  };
}
