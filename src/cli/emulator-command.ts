// `stripe-meters emulator`: serves the emulator over HTTP until SIGINT or SIGTERM.
import { parseArgs } from 'node:util';
import { serveEmulator } from '../emulator/server.node.js';

const USAGE = `Usage: stripe-meters emulator [--port 12111] [--host 127.0.0.1]

Serves a local, stateful emulator of Stripe's Billing Meters API (v1 and v2, the
meter-events host included) on one port, until SIGINT or SIGTERM.

Options:
  --port <n>    port to listen on; 0 picks a free one (default 12111)
  --host <addr> address to listen on (default 127.0.0.1)
  --help        show this help

Control endpoints: POST /_emulator/reset, POST /_emulator/clock ({"now": unix} or
{"advance_seconds": n}), GET /_emulator/error_reports, POST /_emulator/faults.

Examples:
  $ stripe-meters emulator                      # http://127.0.0.1:12111
  $ stripe-meters emulator --port 0             # a free port, printed when ready
  $ export STRIPE_SECRET_KEY=sk_test_123 STRIPE_METERS_BASE_URL=http://127.0.0.1:12111
  $ stripe-meters meters create --display-name "API calls" --event-name api_call --formula sum
  $ curl -s -X POST http://127.0.0.1:12111/_emulator/clock -d '{"advance_seconds": 3600}'`;

/** Runs the command; resolves with the exit code once the server has stopped. */
export async function runEmulatorCommand(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { port: { type: 'string', default: '12111' }, host: { type: 'string', default: '127.0.0.1' }, help: { type: 'boolean', default: false } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const port = Number(values.port);
  if (!/^\d+$/.test(values.port) || port > 65535) {
    console.error(`--port must be a whole number from 0 to 65535, got ${values.port}`);
    return 2;
  }
  let running;
  try {
    running = await serveEmulator({ port, host: values.host });
  } catch (error) {
    console.error(`stripe-meters emulator could not listen on ${values.host}:${values.port}: ${(error as Error).message}`);
    return 1;
  }
  console.log(`stripe-meters emulator listening on ${running.url}`);
  const server = running;
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      void server.close().then(resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  return 0;
}
