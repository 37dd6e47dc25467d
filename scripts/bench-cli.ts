// npm run bench:cli: `stripe-meters upload` of a CSV in Stripe's template to the emulator over
// HTTP, both as child processes (`node dist/src/cli/main.js ...`), so each has a core to itself.
// Prints rows/s end to end (the whole command: start-up, the file's hash, listing meters, reading,
// checking, sending, the last checkpoint) and the command's peak RSS, read from
// /proc/<pid>/status (VmHWM) while it runs; then checks that the emulator's totals equal the
// file's. Two runs: --rows (default 1,000,000) for speed, --memory-rows (default 5,000,000) for
// memory. A script that prints numbers, not a test.
import { spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { StripeMeters } from '../src/index.js';

const root = join(import.meta.dirname, '..');
const CLI = join(root, 'dist', 'src', 'cli', 'main.js');
const KEY = 'sk_test_bench';
const CUSTOMERS = 50;

const { values } = parseArgs({ options: { rows: { type: 'string', default: '1000000' }, 'memory-rows': { type: 'string', default: '5000000' } } });

function startEmulator(): Promise<{ url: string; stop: () => void }> {
  const child = spawn(process.execPath, [CLI, 'emulator', '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the emulator exited with ${String(code)}`)));
    createInterface({ input: child.stdout }).once('line', (line) => {
      const url = /listening on (\S+)/.exec(line)?.[1];
      if (url === undefined) reject(new Error(`unexpected first line: ${line}`));
      else resolve({ url, stop: () => child.kill('SIGTERM') });
    });
  });
}

/** Writes `rows` rows over the last 30 hours; returns the sum of their values per customer. */
async function writeCsv(path: string, rows: number): Promise<Map<string, number>> {
  const totals = new Map<string, number>();
  const out = createWriteStream(path);
  const now = Math.floor(Date.now() / 1000);
  const from = now - 30 * 3600;
  let chunk = 'timestamp,event_name,payload_stripe_customer_id,payload_value\n';
  for (let i = 0; i < rows; i++) {
    const customer = `cus_${i % CUSTOMERS}`;
    const value = 1 + (i % 9);
    totals.set(customer, (totals.get(customer) ?? 0) + value);
    chunk += `${from + Math.floor((i / rows) * (30 * 3600 - 300))},api_call,${customer},${value}\n`;
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
      chunk = '';
    }
  }
  out.end(chunk);
  await new Promise<void>((r) => out.once('finish', () => r()));
  return totals;
}

function peakRssKb(pid: number): number {
  try {
    return Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0; // exited between two reads
  }
}

async function upload(url: string, file: string): Promise<{ seconds: number; peakMb: number; code: number | null; summary: { run: { accepted: number; refused: number } } }> {
  const started = performance.now();
  const child = spawn(process.execPath, [CLI, 'upload', file, '--base-url', url, '--json'], { env: { ...process.env, STRIPE_SECRET_KEY: KEY }, stdio: ['ignore', 'pipe', 'ignore'] });
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  let peak = 0;
  const timer = setInterval(() => (peak = Math.max(peak, peakRssKb(child.pid ?? 0))), 20);
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  clearInterval(timer);
  return { seconds: (performance.now() - started) / 1000, peakMb: peak / 1024, code, summary: JSON.parse(stdout) as { run: { accepted: number; refused: number } } };
}

async function scenario(rows: number): Promise<void> {
  const emulator = await startEmulator();
  const dir = mkdtempSync(join(tmpdir(), 'stripe-meters-bench-cli-'));
  try {
    const stripe = new StripeMeters(KEY, { baseUrl: emulator.url, meterEventsBaseUrl: emulator.url });
    const meter = await stripe.billing.meters.create({ display_name: 'Bench', event_name: 'api_call', default_aggregation: { formula: 'sum' } });
    const file = join(dir, 'usage.csv');
    const totals = await writeCsv(file, rows);
    const result = await upload(emulator.url, file);
    if (result.code !== 0 || result.summary.run.accepted !== rows) throw new Error(`upload ended with ${String(result.code)}: ${JSON.stringify(result.summary)}`);
    // The emulator's totals must equal the file's (one summary per customer over the whole range).
    const now = Math.floor(Date.now() / 1000);
    for (const [customer, total] of totals) {
      const [summary] = (await stripe.billing.meters.listEventSummaries(meter.id, { customer, start_time: Math.floor((now - 31 * 3600) / 60) * 60, end_time: Math.ceil((now + 60) / 60) * 60 })).data;
      if (summary?.aggregated_value !== total) throw new Error(`${customer}: the emulator holds ${String(summary?.aggregated_value)}, the file ${total}`);
    }
    const mb = statSync(file).size / 1e6;
    console.log(`| ${rows.toLocaleString('en-US')} | ${mb.toFixed(0)} MB | ${result.seconds.toFixed(1)} s | ${Math.round(rows / result.seconds).toLocaleString('en-US')} | ${result.peakMb.toFixed(0)} MB |`);
  } finally {
    emulator.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

console.log(`stripe-meters upload, CSV to the emulator over HTTP (Node ${process.version}, ${cpus().length} cores, ${cpus()[0]?.model ?? ''})`);
console.log('| rows | file | wall time | rows/s (end to end) | peak RSS of the command |');
console.log('| ---: | ---: | ---: | ---: | ---: |');
await scenario(Number(values.rows));
await scenario(Number(values['memory-rows']));
