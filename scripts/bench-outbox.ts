// npm run bench:outbox: the outbox's speed, on the built package (dist/, as users get it).
//   record    record() on SQLite from one process, many in flight (group commit): process-death
//             durability (synchronous=NORMAL) and power-loss durability (synchronous=FULL)
//   relay     one relay delivering 100,000 recorded events to the emulator over HTTP, from SQLite
//             and from PostgreSQL; and three relay processes sharing one PostgreSQL outbox
// Every scenario runs in its own process, interleaved, ROUNDS times; medians are printed. The
// emulator (in this process) and PostgreSQL (a throwaway cluster) run on the same machine.
//   BENCH_ONLY=record        only the record() scenarios
//   BENCH_BASELINE=<dir>     also time every scenario on <dir>/dist (another checkout's build, its
//                            node_modules beside it), interleaved with this one: before/after
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
let dist = (path: string) => pathToFileURL(join(root, 'dist', 'src', path)).href;
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);
const RECORDS = Number(process.env['BENCH_RECORDS'] ?? 200_000);
const EVENTS = Number(process.env['BENCH_EVENTS'] ?? 100_000);
const EVENT = 'bench_usage';
const KEY = 'sk_test_bench';
const ONLY = process.env['BENCH_ONLY'];
const BASELINE = process.env['BENCH_BASELINE'];

/** `root`: the checkout whose dist/ the scenario runs (this one when absent). */
type Job = ({ scenario: 'record'; path: string; durability: 'process' | 'power' } | { scenario: 'relay'; kind: 'sqlite' | 'postgres'; where: string; url: string; events: number; role: 'fill' | 'run' }) & { root?: string };

const usage = (i: number) => ({ event_name: EVENT, payload: { stripe_customer_id: `cus_${i % 100}`, value: 1 } });

async function child(job: Job): Promise<void> {
  const from = job.root;
  if (from !== undefined) dist = (path: string) => pathToFileURL(join(from, 'dist', 'src', path)).href;
  const { createOutbox } = (await import(dist('outbox/index.js'))) as typeof import('../src/outbox/index.js');
  const { StripeMeters } = (await import(dist('index.node.js'))) as typeof import('../src/index.node.js');
  if (job.scenario === 'record') {
    const { sqliteStore } = (await import(dist('outbox/sqlite.node.js'))) as typeof import('../src/outbox/sqlite.node.js');
    const outbox = createOutbox(new StripeMeters(KEY), { store: sqliteStore(job.path, { durability: job.durability }) });
    // Like a busy server: 1,000 record() calls in flight at a time.
    const started = performance.now();
    for (let i = 0; i < RECORDS; i += 1000) await Promise.all(Array.from({ length: 1000 }, (_, k) => outbox.record(usage(i + k))));
    const ms = performance.now() - started;
    await outbox.close();
    process.stdout.write(`${JSON.stringify({ perSec: Math.round((RECORDS / ms) * 1000) })}\n`);
    return;
  }
  const stripe = new StripeMeters(KEY, { baseUrl: job.url, meterEventsBaseUrl: job.url });
  let store;
  let pool: { end(): Promise<void> } | undefined;
  if (job.kind === 'sqlite') store = ((await import(dist('outbox/sqlite.node.js'))) as typeof import('../src/outbox/sqlite.node.js')).sqliteStore(job.where);
  else {
    const pg = (await import('pg')).default;
    const p = new pg.Pool({ connectionString: job.where, max: 6 });
    pool = p;
    store = ((await import(dist('outbox/postgres.node.js'))) as typeof import('../src/outbox/postgres.node.js')).postgresStore(p);
  }
  const outbox = createOutbox(stripe, { store, pollIntervalMs: 20 });
  if (job.role === 'fill') {
    for (let i = 0; i < job.events; i += 1000) await Promise.all(Array.from({ length: 1000 }, (_, k) => outbox.record(usage(i + k))));
    await outbox.close();
    await pool?.end();
    return;
  }
  outbox.start();
  process.stdout.write('started\n');
  // Runs until the parent, seeing everything delivered, stops it.
  await new Promise(() => undefined);
}

function run(job: Job): string {
  const out = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), JSON.stringify(job)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (out.status !== 0) throw new Error(`scenario failed: ${JSON.stringify(job)}`);
  return out.stdout;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

async function main(): Promise<void> {
  const { spawn } = await import('node:child_process');
  const { serveEmulator } = (await import(dist('emulator/server.node.js'))) as typeof import('../src/emulator/server.node.js');
  const { StripeMeters } = (await import(dist('index.js'))) as typeof import('../src/index.js');
  const { startCluster } = await import('../test/outbox-postgres-cluster.js');
  const server = await serveEmulator({ onWarning: () => undefined });
  const stripe = new StripeMeters(KEY, { fetch: server.emulator.fetch });
  const cluster = await startCluster();
  const admin = cluster.pool(1);
  const dir = mkdtempSync(join(tmpdir(), 'bench-outbox-'));
  const results: Record<string, number[]> = {};
  const add = (name: string, value: number) => (results[name] ??= []).push(value);
  let n = 0;

  /** Fills an outbox with EVENTS events, then times `relays` relay processes delivering them all. */
  async function relays(kind: 'sqlite' | 'postgres', count: number, from?: string): Promise<number> {
    server.emulator.reset();
    await stripe.billing.meters.create({ display_name: 'Bench', event_name: EVENT, default_aggregation: { formula: 'sum' } });
    let where: string;
    if (kind === 'sqlite') where = join(dir, `relay-${++n}.db`);
    else {
      const name = `bench_${++n}`;
      await admin.query(`CREATE DATABASE ${name}`);
      where = cluster.url.replace(/\/postgres$/, `/${name}`);
    }
    const job = { scenario: 'relay', kind, where, url: server.url, events: EVENTS, ...(from === undefined ? {} : { root: from }) } as const;
    run({ ...job, role: 'fill' });
    const children = Array.from({ length: count }, () => spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), JSON.stringify({ ...job, role: 'run' })], { stdio: ['ignore', 'pipe', 'inherit'] }));
    await Promise.all(children.map((c) => new Promise<void>((resolve) => c.stdout.once('data', () => resolve()))));
    const started = performance.now();
    const meter = (await stripe.billing.meters.list()).data[0];
    const start = Math.floor(Date.now() / 3_600_000) * 3600 - 3600;
    let counted = 0;
    while (counted < EVENTS) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      const all = await Promise.all(Array.from({ length: 100 }, (_, c) => stripe.billing.meters.listEventSummaries(meter!.id, { customer: `cus_${c}`, start_time: start, end_time: start + 3 * 3600 })));
      counted = all.reduce((sum, page) => sum + page.data.reduce((s, x) => s + x.aggregated_value, 0), 0);
      if (counted > EVENTS) throw new Error(`counted ${counted} of ${EVENTS}: an event counted twice`);
    }
    const ms = performance.now() - started;
    for (const c of children) c.kill('SIGKILL');
    return Math.round((EVENTS / ms) * 1000);
  }

  /** Times a scenario on this build and, with BENCH_BASELINE, on the baseline's: baseline first on even rounds, so neither always runs on a cooler machine. */
  async function both(round: number, name: string, time: (from?: string) => number | Promise<number>): Promise<void> {
    if (BASELINE !== undefined && round % 2 === 0) add(`${name}, baseline`, await time(BASELINE));
    add(name, await time());
    if (BASELINE !== undefined && round % 2 === 1) add(`${name}, baseline`, await time(BASELINE));
  }

  for (let round = 0; round < ROUNDS; round++) {
    for (const durability of ['process', 'power'] as const) {
      const name = `record() SQLite, ${durability === 'process' ? 'process-death durable (default)' : 'power-loss durable (synchronous=FULL)'}`;
      await both(round, name, (from) => (JSON.parse(run({ scenario: 'record', path: join(dir, `record-${++n}.db`), durability, ...(from === undefined ? {} : { root: from }) })) as { perSec: number }).perSec);
    }
    if (ONLY !== 'record') {
      await both(round, 'relay: one, from SQLite', (from) => relays('sqlite', 1, from));
      await both(round, 'relay: one, from PostgreSQL', (from) => relays('postgres', 1, from));
      await both(round, 'relay: three processes, one PostgreSQL outbox', (from) => relays('postgres', 3, from));
    }
    process.stderr.write(`round ${round + 1} of ${ROUNDS} done\n`);
  }
  await admin.end();
  await cluster.stop();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
  process.stdout.write(`\nstripe-meters outbox, events per second (median of ${ROUNDS}; all runs in brackets; the machine may be shared)\n`);
  for (const [name, values] of Object.entries(results)) process.stdout.write(`  ${name.padEnd(62)} ${String(median(values)).padStart(8)}   [${values.join(', ')}]\n`);
  process.stdout.write(`\nrecord(): ${RECORDS} events, 1,000 in flight. relays: ${EVENTS} events to the emulator over HTTP (loopback), counted there.\n`);
}

const arg = process.argv[2];
if (arg === undefined) await main();
else await child(JSON.parse(arg) as Job);
