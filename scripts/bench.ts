// npm run bench: usage reporting throughput, stripe-meters against the official `stripe` package.
// A sink server runs in its own process on loopback; each scenario runs in a fresh client process.
// Prints one markdown table. Set BENCH_SCALE=0.1 for a quick run.
import { spawn } from 'node:child_process';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tsx = join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs');
const scale = Number(process.env['BENCH_SCALE'] ?? 1);

interface Result {
  scenario: string;
  events: number;
  ms: number;
  eventsPerSec: number;
  peakRssMb: number;
}

function startSink(): Promise<{ url: string; stop: () => void }> {
  const child = spawn(process.execPath, [tsx, join(root, 'scripts', 'sink.ts')], { cwd: root, stdio: ['pipe', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`sink exited with ${String(code)}`)));
    createInterface({ input: child.stdout }).once('line', (line) => {
      const { url } = JSON.parse(line) as { url: string };
      resolve({ url, stop: () => child.stdin.end() });
    });
  });
}

function runScenario(scenario: string, url: string, events: number): Promise<Result> {
  const child = spawn(process.execPath, [tsx, join(root, 'scripts', 'bench-client.ts'), scenario, url, String(events)], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as Result) : reject(new Error(`${scenario} failed (${String(code)})`))));
  });
}

async function sinkStats(url: string): Promise<{ accepted: number; duplicatesDropped: number }> {
  return (await (await fetch(`${url}/stats`)).json()) as { accepted: number; duplicatesDropped: number };
}

const fmt = (n: number) => n.toLocaleString('en-US');
const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}x`;

async function main(): Promise<void> {
  const streamEvents = Math.round(1_000_000 * scale);
  const v1Events = Math.round(100_000 * scale);
  const sink = await startSink();
  const results: Record<string, Result> = {};
  try {
    for (const [scenario, events] of [
      ['stream-ours', streamEvents],
      ['stream-official', streamEvents],
      ['v1-ours', v1Events],
      ['v1-official', v1Events],
    ] as const) {
      const before = await sinkStats(sink.url);
      const result = await runScenario(scenario, sink.url, events);
      const after = await sinkStats(sink.url);
      const landed = after.accepted - before.accepted;
      if (landed !== events) throw new Error(`${scenario}: the sink accepted ${landed} of ${events} events`);
      results[scenario] = result;
      console.error(`${scenario}: ${fmt(result.eventsPerSec)} events/s, peak RSS ${result.peakRssMb} MB (${fmt(result.ms)} ms; sink counted ${fmt(landed)})`);
    }
  } finally {
    sink.stop();
  }
  const r = (k: string) => results[k] as Result;
  console.log(`\nUsage reporting, ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? 'cpu'}), loopback sink in its own process\n`);
  console.log('| scenario | events | events/s | peak RSS | vs official |');
  console.log('| --- | ---: | ---: | ---: | ---: |');
  console.log(`| stripe-meters \`meterEventStream\` (batches of 100, 8 in flight) | ${fmt(r('stream-ours').events)} | ${fmt(r('stream-ours').eventsPerSec)} | ${r('stream-ours').peakRssMb} MB | ${ratio(r('stream-ours').eventsPerSec, r('stream-official').eventsPerSec)} |`);
  console.log(`| official \`v2.billing.meterEventStream.create\`, hand-built batches of 100, concurrency 16 | ${fmt(r('stream-official').events)} | ${fmt(r('stream-official').eventsPerSec)} | ${r('stream-official').peakRssMb} MB | 1.00x |`);
  console.log(`| stripe-meters \`billing.meterEvents.create\` (v1), concurrency 16 | ${fmt(r('v1-ours').events)} | ${fmt(r('v1-ours').eventsPerSec)} | ${r('v1-ours').peakRssMb} MB | ${ratio(r('v1-ours').eventsPerSec, r('v1-official').eventsPerSec)} |`);
  console.log(`| official \`billing.meterEvents.create\` (v1), concurrency 16 | ${fmt(r('v1-official').events)} | ${fmt(r('v1-official').eventsPerSec)} | ${r('v1-official').peakRssMb} MB | 1.00x |`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
