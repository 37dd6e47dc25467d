// `stripe-meters emulator`: serves the emulator over HTTP until SIGINT or SIGTERM.
import { parseArgs } from 'node:util';
import { serveEmulator } from '../emulator/server.node.js';

const USAGE = `Usage: stripe-meters emulator [--port 12111] [--host 127.0.0.1] [--data DIR]
                              [--webhook URL [--webhook-secret whsec_...]]

Serves a local, stateful emulator of Stripe's Billing Meters API (v1 and v2, the
meter-events host included) on one port, with a live dashboard at its root, until
SIGINT or SIGTERM.

Options:
  --port <n>              port to listen on; 0 picks a free one (default 12111)
  --host <addr>           address to listen on (default 127.0.0.1)
  --data <dir>            keep the state in <dir>/state.json: loaded at start, saved
                          atomically within a second of each change and at exit
  --webhook <url>         post Stripe's thin events for meter error reports to <url>
                          (repeatable), signed with --webhook-secret
  --webhook-secret <s>    the endpoints' signing secret, whsec_... (default: one is
                          made up and printed)
  --no-dashboard          serve no dashboard
  --help                  show this help

Control endpoints: POST /_emulator/reset, POST /_emulator/clock ({"now": unix} or
{"advance_seconds": n}), GET /_emulator/error_reports, POST /_emulator/faults,
GET|POST /_emulator/state, POST /_emulator/save; thin events at GET /v2/core/events/{id}.

Examples:
  $ stripe-meters emulator                      # http://127.0.0.1:12111
  $ stripe-meters emulator --port 0             # a free port, printed when ready
  $ stripe-meters emulator --data .emulator --webhook http://localhost:3000/webhooks
  $ export STRIPE_SECRET_KEY=sk_test_123 STRIPE_METERS_BASE_URL=http://127.0.0.1:12111
  $ stripe-meters meters create --display-name "API calls" --event-name api_call --formula sum
  $ curl -s -X POST http://127.0.0.1:12111/_emulator/clock -d '{"advance_seconds": 3600}'`;

/** Runs the command; resolves with the exit code once the server has stopped. */
export async function runEmulatorCommand(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        port: { type: 'string', default: '12111' },
        host: { type: 'string', default: '127.0.0.1' },
        data: { type: 'string' },
        webhook: { type: 'string', multiple: true },
        'webhook-secret': { type: 'string' },
        'no-dashboard': { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
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
  const secret = values['webhook-secret'] ?? `whsec_${Array.from(crypto.getRandomValues(new Uint8Array(24)), (b) => b.toString(16).padStart(2, '0')).join('')}`;
  if (!/^whsec_\S+$/.test(secret)) {
    console.error(`--webhook-secret must be a signing secret starting with whsec_, got ${secret}`);
    return 2;
  }
  const webhooks = (values.webhook ?? []).map((url) => ({ url, secret }));
  let running;
  try {
    running = await serveEmulator({ port, host: values.host, webhooks, dashboard: !values['no-dashboard'], ...(values.data === undefined ? {} : { dataDir: values.data }) });
  } catch (error) {
    const message = (error as Error).message;
    console.error(error instanceof TypeError ? message : `stripe-meters emulator could not start on ${values.host}:${values.port}: ${message}`);
    return error instanceof TypeError ? 2 : 1;
  }
  console.log(`stripe-meters emulator listening on ${running.url}`);
  if (running.dashboardUrl !== undefined) console.log(`dashboard: ${running.dashboardUrl}`);
  if (webhooks.length > 0) console.log(`thin events: posted to ${webhooks.map((w) => w.url).join(', ')}, signed with ${secret}`);
  if (values.data !== undefined) console.log(`state: kept in ${values.data}`);
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
