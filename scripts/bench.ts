// npm run bench: stripe-meters against the official `stripe` package (and bare openapi-fetch and
// the runtime's fetch where it makes sense), in one run, printed as markdown tables.
// Network figures use a sink server in its own process on loopback; every client scenario runs in
// a fresh `node` process, compiled once with esbuild (no TypeScript loader in the measured process).
// BENCH_SCALE=0.1 divides every count by ten for a quick look.
import { execFile, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const work = join(root, 'node_modules', '.cache', 'stripe-meters-bench');
const clientScript = join(work, 'bench-client.mjs');
const scale = Number(process.env['BENCH_SCALE'] ?? 1);
const n = (count: number) => Math.max(100, Math.round(count * scale));
const run = promisify(execFile);

interface Result {
  scenario: string;
  count: number;
  ms: number;
  perSec: number;
  cpuUsPerOp: number;
  peakRssMb: number;
}

function startSink(): Promise<{ url: string; stop: () => void }> {
  const child = spawn(process.execPath, [join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(root, 'scripts', 'sink.ts')], { cwd: root, stdio: ['pipe', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`sink exited with ${String(code)}`)));
    createInterface({ input: child.stdout }).once('line', (line) => {
      resolve({ url: (JSON.parse(line) as { url: string }).url, stop: () => child.stdin.end() });
    });
  });
}

async function scenario(name: string, url: string, count: number): Promise<Result> {
  const before = await accepted(url);
  const { stdout } = await run(process.execPath, [clientScript, name, url, String(count)], { cwd: root, maxBuffer: 1 << 20 });
  const result = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as Result;
  const landed = (await accepted(url)) - before;
  if (landed !== count) throw new Error(`${name}: the sink accepted ${landed} of ${count} events`);
  console.error(`  ${name}: ${fmt(result.perSec)}/s, ${result.cpuUsPerOp} µs CPU/op, peak RSS ${result.peakRssMb} MB (${fmt(count)} in ${fmt(result.ms)} ms)`);
  return result;
}

async function accepted(url: string): Promise<number> {
  return ((await (await fetch(`${url}/stats`)).json()) as { accepted: number }).accepted;
}

/** min and min+gzip of a bundle of `entry` (a module that lists meters), for browsers. */
async function bundleSize(entry: string): Promise<{ min: number; gzip: number }> {
  const result = await build({
    stdin: { contents: entry, resolveDir: root, loader: 'js' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    write: false,
    logLevel: 'silent',
  });
  const bytes = result.outputFiles[0]?.contents ?? new Uint8Array();
  return { min: bytes.length, gzip: gzipSync(bytes).length };
}

/** Median time for a fresh node process to import `specifier`. */
async function importMs(specifier: string, runs = 7): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const code = `const t = performance.now(); await import(${JSON.stringify(specifier)}); console.log(performance.now() - t);`;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', code], { cwd: root });
    times.push(Number(stdout.trim()));
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] ?? Number.NaN;
}

const fmt = (x: number) => x.toLocaleString('en-US');
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}x`;

async function main(): Promise<void> {
  mkdirSync(work, { recursive: true });
  await build({ entryPoints: [join(root, 'scripts', 'bench-client.ts')], bundle: true, platform: 'node', format: 'esm', packages: 'external', outfile: clientScript, logLevel: 'warning' });

  console.error('bundle sizes and import times');
  const distPath = join(root, 'dist', 'src', 'index.js');
  const dist = pathToFileURL(distPath).href;
  const sizes = {
    ours: await bundleSize(`import { StripeMeters } from ${JSON.stringify(distPath)}; export default () => new StripeMeters('sk_test_x').billing.meters.list();`),
    official: await bundleSize(`import Stripe from 'stripe'; export default () => new Stripe('sk_test_x').billing.meters.list();`),
    bare: await bundleSize(`import createClient from 'openapi-fetch'; export default () => createClient({ baseUrl: 'https://api.stripe.com' }).GET('/v1/billing/meters');`),
  };
  const imports = { ours: await importMs(dist), official: await importMs('stripe'), bare: await importMs('openapi-fetch') };

  const sink = await startSink();
  const r: Record<string, Result> = {};
  try {
    console.error('usage reporting through the v2 stream');
    for (const [name, count] of [
      ['stream-ours-undici', n(1_000_000)],
      ['stream-official', n(1_000_000)],
      ['stream-ours', n(300_000)],
    ] as const) {
      r[name] = await scenario(name, sink.url, count);
    }
    console.error('meterEvents.create (v1), one event per request');
    for (const [name, count] of [
      ['v1-c16-ours-undici', n(100_000)],
      ['v1-c16-official', n(100_000)],
      ['v1-c16-ours', n(10_000)],
      ['v1-c16-openapi-fetch', n(10_000)],
      ['v1-c16-fetch', n(10_000)],
      ['v1-c1-ours-undici', n(2_000)],
      ['v1-c1-official', n(2_000)],
      ['v1-c1-ours', n(2_000)],
      ['v1-c1-openapi-fetch', n(2_000)],
      ['v1-c1-fetch', n(2_000)],
    ] as const) {
      r[name] = await scenario(name, sink.url, count);
    }
  } finally {
    sink.stop();
  }
  const get = (k: string) => r[k] as Result;
  const cpu = cpus();
  console.log(`\nstripe-meters benchmark, ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${cpu.length} cores (${cpu[0]?.model.trim() ?? 'cpu'}); sink on loopback in its own process\n`);

  console.log('Usage reporting');
  console.log('| scenario | events | events/s | CPU per event | peak RSS | vs official |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
  const off = get('stream-official');
  const row = (label: string, x: Result, base: Result) =>
    console.log(`| ${label} | ${fmt(x.count)} | ${fmt(x.perSec)} | ${x.cpuUsPerOp} µs | ${x.peakRssMb} MB | ${ratio(x.perSec, base.perSec)} |`);
  row('stripe-meters `meterEventStream()` with `undiciFetch()` (Node)', get('stream-ours-undici'), off);
  row('stripe-meters `meterEventStream()` with the built-in fetch', get('stream-ours'), off);
  row('official `v2.billing.meterEventStream.create`, hand-built batches of 100, 16 in flight', off, off);
  const v1off = get('v1-c16-official');
  row('stripe-meters `billing.meterEvents.create` with `undiciFetch()`, concurrency 16', get('v1-c16-ours-undici'), v1off);
  row('stripe-meters `billing.meterEvents.create` with the built-in fetch, concurrency 16', get('v1-c16-ours'), v1off);
  row('official `billing.meterEvents.create`, concurrency 16', v1off, v1off);

  console.log('\nPackage and per-request cost (meterEvents.create on loopback; CPU is the client process)');
  console.log('| | stripe-meters | stripe-meters + undiciFetch | official `stripe` | bare openapi-fetch | runtime fetch | vs official | vs openapi-fetch |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  console.log(`| bundle, min (list meters) | ${kb(sizes.ours.min)} | (Node only) | ${kb(sizes.official.min)} | ${kb(sizes.bare.min)} | | ${ratio(sizes.ours.min, sizes.official.min)} | ${ratio(sizes.ours.min, sizes.bare.min)} |`);
  console.log(`| bundle, min+gzip | ${kb(sizes.ours.gzip)} | | ${kb(sizes.official.gzip)} | ${kb(sizes.bare.gzip)} | | ${ratio(sizes.ours.gzip, sizes.official.gzip)} | ${ratio(sizes.ours.gzip, sizes.bare.gzip)} |`);
  console.log(`| cold import (median of 7) | ${imports.ours.toFixed(1)} ms | | ${imports.official.toFixed(1)} ms | ${imports.bare.toFixed(1)} ms | | ${ratio(imports.ours, imports.official)} | ${ratio(imports.ours, imports.bare)} |`);
  for (const c of ['c1', 'c16'] as const) {
    const x = (k: string) => get(`v1-${c}-${k}`);
    const label = c === 'c1' ? 'sequential' : 'concurrency 16';
    console.log(`| requests/s, ${label} | ${fmt(x('ours').perSec)} | ${fmt(x('ours-undici').perSec)} | ${fmt(x('official').perSec)} | ${fmt(x('openapi-fetch').perSec)} | ${fmt(x('fetch').perSec)} | ${ratio(x('ours').perSec, x('official').perSec)} (undici ${ratio(x('ours-undici').perSec, x('official').perSec)}) | ${ratio(x('ours').perSec, x('openapi-fetch').perSec)} |`);
    console.log(`| CPU per request, ${label} | ${x('ours').cpuUsPerOp} µs | ${x('ours-undici').cpuUsPerOp} µs | ${x('official').cpuUsPerOp} µs | ${x('openapi-fetch').cpuUsPerOp} µs | ${x('fetch').cpuUsPerOp} µs | ${ratio(x('ours').cpuUsPerOp, x('official').cpuUsPerOp)} (undici ${ratio(x('ours-undici').cpuUsPerOp, x('official').cpuUsPerOp)}) | ${ratio(x('ours').cpuUsPerOp, x('openapi-fetch').cpuUsPerOp)} |`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
