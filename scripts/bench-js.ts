// npm run bench:js: the JavaScript one v1 create and one stream event cost in the built package,
// with nothing on the wire (scripts/bench-js-scenario.ts), so that the SDK's own share can be
// followed without the noise of sockets and a sink. BENCH_BASELINE=<another build's dist> measures
// it beside, each in its own processes, rounds interleaved; medians and the ratio.
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { bundleScripts } from './bench-package.js';
import { median } from './bench-report.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const work = join(root, 'node_modules', '.cache', 'stripe-meters-bench');
const run = promisify(execFile);
const builds: Record<string, string> = { current: join(root, 'dist') };
if (process.env['BENCH_BASELINE'] !== undefined) builds['baseline'] = process.env['BENCH_BASELINE'];

await bundleScripts(root, work, ['bench-js-scenario']);

const ROUNDS = 5;
const lines: string[] = ['| | ' + Object.keys(builds).join(' | ') + ' |', '| --- |' + Object.keys(builds).map(() => ' ---: |').join('')];
for (const kind of ['create', 'stream'] as const) {
  const samples: Record<string, number[]> = Object.fromEntries(Object.keys(builds).map((b) => [b, []]));
  for (let r = 0; r < ROUNDS; r++) {
    for (const [name, dist] of Object.entries(builds)) {
      const entry = pathToFileURL(join(dist, 'src', 'index.node.js')).href;
      const { stdout } = await run(process.execPath, [join(work, 'bench-js-scenario.mjs'), kind, entry, '6'], { cwd: root });
      samples[name]?.push(median((JSON.parse(stdout) as { perOp: number[] }).perOp));
    }
  }
  const current = median(samples['current'] ?? []);
  const cells = Object.keys(builds).map((b) => {
    const m = median(samples[b] ?? []);
    return b === 'current' ? `${m.toFixed(2)} µs` : `${m.toFixed(2)} µs (current ${(current / m).toFixed(2)}x)`;
  });
  lines.push(`| ${kind === 'create' ? 'v1 create, 16 at a time' : 'meterEventSender() event, send() awaited'} | ${cells.join(' | ')} |`);
}
console.log(`JavaScript per operation, nothing on the wire; medians of ${ROUNDS} rounds, each in its own process:\n`);
console.log(lines.join('\n'));
