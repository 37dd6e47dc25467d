// The emulator as a benchmark sink: its server's CPU per v1 meter event create and per stream
// event, over HTTP on loopback. The server runs in a process of its own (scripts/emulator-process.ts)
// and reports process.cpuUsage(); this process is the client: raw node:http with a keep-alive
// agent, 16 v1 creates in flight, or hand-built stream batches of 100 with 16 in flight.
import { spawn } from 'node:child_process';
import { Agent, request } from 'node:http';
import { createInterface } from 'node:readline';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const KEY = 'sk_test_bench';

export interface HttpResult {
  /** Server CPU (user + system) per v1 create. @unit microseconds */
  v1CpuUs: number;
  v1PerSecond: number;
  /** Server CPU per stream event. @unit microseconds */
  streamCpuUs: number;
  streamEventsPerSecond: number;
  serverRssMb: number;
}

interface Server {
  url: string;
  cpu(): Promise<{ us: number; rssMb: number }>;
  stop(): void;
}

async function startServer(floor: boolean): Promise<Server> {
  const args = [...(process.env['BENCH_SERVER_ARGS'] ?? '').split(' ').filter(Boolean), '--import', 'tsx', process.env['BENCH_SERVER_SCRIPT'] ?? join(here, 'emulator-process.ts'), ...(floor ? ['--floor'] : [])];
  const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const waiting: Array<(line: string) => void> = [];
  lines.on('line', (line) => waiting.shift()?.(line));
  const next = () => new Promise<string>((resolve) => waiting.push(resolve));
  const { url } = JSON.parse(await next()) as { url: string };
  return {
    url,
    cpu: async () => {
      const reply = next();
      child.stdin.write('cpu\n');
      const { cpu, rssMb } = JSON.parse(await reply) as { cpu: { user: number; system: number }; rssMb: number };
      return { us: cpu.user + cpu.system, rssMb };
    },
    stop: () => child.stdin.end(),
  };
}

function call(agent: Agent, url: string, method: string, path: string, body: string, headers: Record<string, string>): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { method, agent, headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Runs `total` jobs, `concurrency` at a time. */
async function pool(total: number, concurrency: number, job: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) await job(next++);
    }),
  );
}

/** Measures the emulator, or with `floor` a bare node:http server (scripts/emulator-process.ts --floor). */
export async function benchHttp(v1Requests = 60_000, streamBatches = 3_000, floor = false): Promise<HttpResult> {
  const server = await startServer(floor);
  const agent = new Agent({ keepAlive: true, maxSockets: 16 });
  try {
    const auth = { authorization: `Bearer ${KEY}` };
    const form = { ...auth, 'content-type': 'application/x-www-form-urlencoded' };
    const made = await call(agent, server.url, 'POST', '/v1/billing/meters', 'display_name=Bench&event_name=bench&default_aggregation[formula]=sum', form);
    if (made.status !== 200) throw new Error(`meter: ${made.status} ${made.text}`);

    const v1 = async (from: number, count: number) => {
      await pool(count, 16, async (i) => {
        const body = `event_name=bench&payload[stripe_customer_id]=cus_${(from + i) % 97}&payload[value]=${1 + ((from + i) % 10)}&identifier=v1-${from + i}`;
        const answer = await call(agent, server.url, 'POST', '/v1/billing/meter_events', body, { ...form, 'idempotency-key': `k-${from + i}` });
        if (answer.status !== 200) throw new Error(`v1: ${answer.status} ${answer.text}`);
      });
    };
    await v1(0, 5_000); // warm-up: the JIT and the socket pool
    let cpu = await server.cpu();
    let t = performance.now();
    await v1(5_000, v1Requests);
    let seconds = (performance.now() - t) / 1000;
    let after = await server.cpu();
    const v1CpuUs = (after.us - cpu.us) / v1Requests;
    const v1PerSecond = v1Requests / seconds;

    const session = await call(agent, server.url, 'POST', '/v2/billing/meter_event_session', '', auth);
    const token = (JSON.parse(session.text) as { authentication_token: string }).authentication_token;
    const stamp = new Date(Date.now() - 60_000).toISOString();
    const batch = (n: number) => {
      const events = [];
      for (let i = 0; i < 100; i++) {
        const k = n * 100 + i;
        events.push({ event_name: 'bench', payload: { stripe_customer_id: `cus_${k % 97}`, value: String(1 + (k % 10)) }, identifier: `s-${k}`, timestamp: stamp });
      }
      return JSON.stringify({ events });
    };
    const stream = async (from: number, count: number) => {
      const bodies = Array.from({ length: count }, (_, i) => batch(from + i));
      cpu = await server.cpu();
      t = performance.now();
      await pool(count, 16, async (i) => {
        const answer = await call(agent, server.url, 'POST', '/v2/billing/meter_event_stream', bodies[i] as string, { authorization: `Bearer ${token}`, 'content-type': 'application/json' });
        if (answer.status !== 200) throw new Error(`stream: ${answer.status} ${answer.text}`);
      });
      seconds = (performance.now() - t) / 1000;
      after = await server.cpu();
    };
    await stream(0, 300); // warm-up
    await stream(300, streamBatches);
    const streamCpuUs = (after.us - cpu.us) / (streamBatches * 100);
    return { v1CpuUs, v1PerSecond, streamCpuUs, streamEventsPerSecond: (streamBatches * 100) / seconds, serverRssMb: after.rssMb };
  } finally {
    agent.destroy();
    server.stop();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const r = await benchHttp(Number(process.env['BENCH_V1'] ?? 60_000), Number(process.env['BENCH_BATCHES'] ?? 3_000), process.argv[2] === '--floor');
  process.stdout.write(`${JSON.stringify(r)}\n`);
}
