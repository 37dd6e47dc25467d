// The benchmark's sink: scripts/meter-events-server.ts in its own process. Prints its URL as one
// JSON line on stdout, serves GET /stats, and exits when stdin closes.
import { startMeterEventsServer } from './meter-events-server.js';

const server = await startMeterEventsServer();
process.stdout.write(`${JSON.stringify({ url: server.url })}\n`);
process.stdin.resume();
process.stdin.on('end', () => {
  void server.close().then(() => process.exit(0));
});
