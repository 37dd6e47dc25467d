// Benchmark floor: the same requests by hand with `undici.request` (see scripts/bench-harness.ts).
import { request } from 'undici';
import { floor, runScenario } from './bench-harness.js';

await runScenario(
  (job) =>
    floor(async (path, body, headers) => {
      const res = await request(`${job.url}${path}`, { method: 'POST', body, headers });
      const answer = await res.body.json();
      if (res.statusCode !== 200) throw new Error(`${path}: ${res.statusCode} ${JSON.stringify(answer)}`);
      return answer;
    }),
  { undici: true },
);
