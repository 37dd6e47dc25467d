// Benchmark floor: the same requests by hand on node:http with a keep-alive agent (see
// scripts/bench-harness.ts).
import { Agent, request } from 'node:http';
import { floor, runScenario } from './bench-harness.js';

await runScenario((job) => {
  const { hostname, port } = new URL(job.url);
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
        req.end(body);
      }),
  );
});
