// Benchmark floor: the same requests by hand on node:http with a keep-alive agent (see
// scripts/bench-harness.ts).
import { Agent, request } from 'node:http';
import { floor, runScenario } from './bench-harness.js';

// Variant "http+10us": busy for 10 µs before each request, as a client with that much more JavaScript would be.
const spinMs = (variant: string) => (variant === 'http+10us' ? 0.01 : 0);

await runScenario((job) => {
  const { hostname, port } = new URL(job.url);
  const spin = spinMs(job.variant);
  const agent = new Agent({ keepAlive: true });
  return floor(
    (path, body, headers) =>
      new Promise((resolve, reject) => {
        const req = request({ host: hostname, port, path, method: 'POST', agent, headers: { ...headers, 'Content-Length': Buffer.byteLength(body) } }, (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('error', reject);
          res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(text)) : reject(new Error(`${path}: ${res.statusCode} ${text}`))));
        });
        req.on('error', reject);
        if (spin > 0) for (const until = performance.now() + spin; performance.now() < until; );
        req.end(body);
      }),
  );
});
