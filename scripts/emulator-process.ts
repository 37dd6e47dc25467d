// The emulator over HTTP in a process of its own, for benchmarks: serves the built package's
// emulator (dist/, so `npm run build` first) on a free loopback port, prints `{"url": ...}` as one
// JSON line, answers each "cpu" line on stdin with its process.cpuUsage() as a JSON line, and
// exits when stdin closes. Any emulator option can be given as JSON in argv[2]; EMULATOR_DIST
// serves another build (to compare two). With `--floor` it serves a bare node:http server instead
// (it reads each body and answers a fixed JSON): the least any server in Node can cost.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

async function serveFloor(): Promise<{ url: string; close: () => Promise<void> }> {
  const session = JSON.stringify({ id: 'mtr_sess_1', object: 'v2.billing.meter_event_session', authentication_token: 'mes_tok_floor', created: '2026-01-01T00:00:00.000Z', expires_at: '2099-01-01T00:00:00.000Z', livemode: false });
  const event = JSON.stringify({ object: 'billing.meter_event', created: 1, event_name: 'bench', identifier: 'x', livemode: false, payload: { stripe_customer_id: 'cus_1', value: '1' }, timestamp: 1 });
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      Buffer.concat(chunks).toString('utf8');
      const body = req.url === '/v2/billing/meter_event_session' ? session : req.url === '/v2/billing/meter_event_stream' ? '{}' : event;
      res.writeHead(200, { 'content-type': 'application/json', 'request-id': 'req_floor' }).end(body);
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function serveBuilt(options: Record<string, unknown>): Promise<{ url: string; close: () => Promise<void> }> {
  const dist = process.env['EMULATOR_DIST'] ?? join(root, 'dist');
  const { serveEmulator } = (await import(pathToFileURL(join(dist, 'src', 'emulator', 'server.node.js')).href)) as typeof import('../src/emulator/server.node.js');
  return serveEmulator({ ...options, onWarning: () => {} });
}

const floor = process.argv[2] === '--floor';
const running = floor ? await serveFloor() : await serveBuilt(process.argv[2] === undefined ? {} : (JSON.parse(process.argv[2]) as Record<string, unknown>));
process.stdout.write(`${JSON.stringify({ url: running.url })}\n`);
const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  if (line.trim() === 'cpu') process.stdout.write(`${JSON.stringify({ cpu: process.cpuUsage(), rssMb: process.memoryUsage().rss / 2 ** 20 })}\n`);
});
lines.on('close', () => {
  void running.close().then(() => process.exit(0));
});
