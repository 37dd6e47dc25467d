// The emulator over HTTP in a process of its own, for benchmarks: serves the built package's
// emulator (dist/, so `npm run build` first) on a free loopback port, prints `{"url": ...}` as one
// JSON line, answers each "cpu" line on stdin with its process.cpuUsage() as a JSON line, and
// exits when stdin closes. Any emulator option can be given as JSON in argv[2].
import { createInterface } from 'node:readline';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { serveEmulator } = (await import(pathToFileURL(join(root, 'dist', 'src', 'emulator', 'server.node.js')).href)) as typeof import('../src/emulator/server.node.js');

const options = process.argv[2] === undefined ? {} : (JSON.parse(process.argv[2]) as Record<string, unknown>);
const running = await serveEmulator({ ...options, onWarning: () => {} });
process.stdout.write(`${JSON.stringify({ url: running.url })}\n`);
const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  if (line.trim() === 'cpu') process.stdout.write(`${JSON.stringify({ cpu: process.cpuUsage(), rssMb: process.memoryUsage().rss / 2 ** 20 })}\n`);
});
lines.on('close', () => {
  void running.close().then(() => process.exit(0));
});
