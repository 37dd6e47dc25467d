// npm run bench [-- --quick]: stripe-meters against the official `stripe` package and two floors,
// printed as markdown tables with the targets of issue 16 marked met or missed.
// Every scenario runs in its own fresh `node` process that loads only the client it measures
// (scripts/bench-<client>.ts, bundled by esbuild with scripts/bench-harness.ts), against a fresh
// emulator (scripts/emulator-process.ts, the built package's) in its own process on loopback: it
// stores every event it accepts, so each scenario ends by checking that it stored as many as were sent. Scenarios interleave in rounds, the
// order rotated each round; the tables quote medians over rounds and, for each ratio, the median
// of the ratios computed within each round (this machine is shared and noisy).
import { execFile, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { BENCH_EVENT, type Job, type Measurement } from './bench-harness.js';
import { BUNDLE_ENTRIES, bundleScripts, bundleSize, importMs } from './bench-package.js';
import { CLIENTS, emptyRuns, IMPORTED, report, WORKLOADS, type ClientId, type Plan, type Results } from './bench-report.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const work = join(root, 'node_modules', '.cache', 'stripe-meters-bench');
const run = promisify(execFile);

const quick = process.argv.includes('--quick');
const plan: Plan = quick
  ? { quick, rounds: 2, streamEvents: 100_000, warmupMs: 250, durationMs: 1_000, importsPerRound: 3 }
  : { quick, rounds: 5, streamEvents: 1_000_000, warmupMs: 500, durationMs: 3_000, importsPerRound: 4 };

// What a Node user gets from `import 'stripe-meters'` (the package's exports, node conditions).
const packages = { ours: import.meta.resolve('stripe-meters'), official: import.meta.resolve('stripe'), openapiFetch: import.meta.resolve('openapi-fetch') };


// The emulator as a sink: no request log (it would hold every request).
const SINK_OPTIONS = JSON.stringify({ requestLog: { size: 0 } });

/** A fresh emulator in its own process, with the meter the scenarios report to. */
async function startSink(): Promise<{ url: string; stop: () => void }> {
  // Bundled into the cache directory, the script finds the built package through EMULATOR_DIST.
  const env = { ...process.env, EMULATOR_DIST: join(root, 'dist') };
  const child = spawn(process.execPath, [join(work, 'emulator-process.mjs'), SINK_OPTIONS], { cwd: root, env, stdio: ['pipe', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the emulator exited with ${String(code)}`)));
    createInterface({ input: child.stdout }).once('line', (line) => resolve((JSON.parse(line) as { url: string }).url));
  });
  const meter = await fetch(`${url}/v1/billing/meters`, {
    method: 'POST',
    headers: { authorization: 'Bearer sk_test_bench', 'content-type': 'application/x-www-form-urlencoded' },
    body: `display_name=API+calls&event_name=${BENCH_EVENT}&default_aggregation[formula]=sum&customer_mapping[type]=by_id&customer_mapping[event_payload_key]=stripe_customer_id&value_settings[event_payload_key]=value`,
  });
  if (meter.status !== 200) throw new Error(`the emulator refused the benchmark's meter: ${await meter.text()}`);
  return { url, stop: () => child.stdin.end() };
}

/** Events the emulator stored. */
async function accepted(url: string): Promise<number> {
  return ((await (await fetch(`${url}/_emulator/stats`)).json()) as { events: { stored: number } }).events.stored;
}

/** One scenario: a fresh sink, a fresh client process, and a check that the sink got every event. */
async function scenario(client: ClientId, job: (variant: string, url: string) => Job): Promise<Measurement> {
  const spec = CLIENTS.find((c) => c.id === client);
  if (spec === undefined) throw new Error(`unknown client ${client}`);
  const sink = await startSink();
  try {
    const args = [join(work, `${spec.file}.mjs`), JSON.stringify(job(spec.variant, sink.url)), ...(spec.file === 'bench-ours' ? [packages.ours] : [])];
    const { stdout } = await run(process.execPath, args, { cwd: root, maxBuffer: 1 << 20 });
    const result = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as Measurement;
    const landed = await accepted(sink.url);
    if (landed !== result.sent) throw new Error(`${client}: the sink accepted ${landed} of ${result.sent} events`);
    return result;
  } finally {
    sink.stop();
  }
}

const rotate = <T>(xs: readonly T[], by: number): T[] => xs.map((_, i) => xs[(i + by) % xs.length] as T);
const fmt = (x: number) => x.toLocaleString('en-US');

async function main(): Promise<void> {
  await bundleScripts(root, work, [...new Set(CLIENTS.map((c) => c.file)), 'emulator-process']);
  const results: Results = {
    plan,
    runs: emptyRuns(),
    imports: { ours: [], official: [], openapiFetch: [] },
    bundles: {
      ours: await bundleSize(BUNDLE_ENTRIES.ours, root),
      oursFull: await bundleSize(BUNDLE_ENTRIES.oursFull, root),
      official: await bundleSize(BUNDLE_ENTRIES.official, root),
      openapiFetch: await bundleSize(BUNDLE_ENTRIES.openapiFetch, root),
    },
  };
  const started = performance.now();
  for (let round = 0; round < plan.rounds; round++) {
    for (const workload of WORKLOADS) {
      const order = rotate(CLIENTS, round).map((c) => c.id);
      console.error(`round ${round + 1}/${plan.rounds}, ${workload.label(plan)}: ${order.join(' ')}`);
      for (const client of order) {
        const m = await scenario(client, (variant, url) => workload.job(plan, variant, url));
        results.runs[workload.id][client].push(m);
        console.error(`  ${client}: ${fmt(m.perSec)}/s, ${m.cpuUsPerOp} µs CPU/op, peak RSS ${m.peakRssMb} MB (${fmt(m.ops)} in ${fmt(m.ms)} ms)`);
      }
    }
    const samples: Record<(typeof IMPORTED)[number], number[]> = { ours: [], official: [], openapiFetch: [] };
    for (let i = 0; i < plan.importsPerRound; i++) {
      for (const name of rotate(IMPORTED, round + i)) samples[name].push(await importMs(packages[name], root));
    }
    for (const name of IMPORTED) results.imports[name].push(samples[name]);
    console.error(`  cold import (ms): ${IMPORTED.map((n) => `${n} ${samples[n].map((x) => x.toFixed(1)).join(' ')}`).join('; ')}`);
  }
  console.error(`measured in ${Math.round((performance.now() - started) / 1000)} s`);
  const commit = await run('git', ['describe', '--always', '--dirty'], { cwd: root }).then(
    (r) => r.stdout.trim(),
    () => 'unknown',
  );
  console.log(report(results, commit));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
