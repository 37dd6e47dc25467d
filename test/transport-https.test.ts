// The default Node transport over TLS, as every real request to Stripe goes: a client in a fresh
// process (the built package, as installed) talks to the emulator's own HTTP server through a TLS
// terminator whose certificate the process trusts through NODE_EXTRA_CA_CERTS. node:https is
// loaded by the first https request, not by the import.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect, type AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:tls';
import { serveEmulator, type RunningEmulator } from '../src/emulator/server.node.js';
import { KEY } from './helpers.js';

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const cert = join(here, 'tls', 'localhost-cert.pem');

let running: RunningEmulator;
let server: Server;
let url: string;

beforeAll(async () => {
  running = await serveEmulator({ onWarning: () => undefined, dashboard: false });
  // Each TLS connection, decrypted, piped to the emulator's HTTP port.
  server = createServer({ key: readFileSync(join(here, 'tls', 'localhost-key.pem')), cert: readFileSync(cert) }, (secure) => {
    const plain = connect(running.port, '127.0.0.1');
    secure.pipe(plain).pipe(secure);
    const end = () => {
      secure.destroy();
      plain.destroy();
    };
    secure.on('error', end).on('close', end);
    plain.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await running.close();
});

// Runs in a fresh node: which built-in modules are loaded after the import, and after the calls.
const CHILD = `
const loaded = () => process.moduleLoadList.filter((m) => /^NativeModule (https|tls)$/.test(m)).map((m) => m.slice(13));
const { StripeMeters } = await import('stripe-meters');
const afterImport = loaded();
const [key, url] = process.argv.slice(1);
const stripe = new StripeMeters(key, { baseUrl: url, meterEventsBaseUrl: url, maxNetworkRetries: 0 });
const meter = await stripe.billing.meters.create({ display_name: 'TLS', event_name: 'tls_call', default_aggregation: { formula: 'sum' } });
const event = await stripe.billing.meterEvents.create({ event_name: 'tls_call', payload: { stripe_customer_id: 'cus_tls', value: 2 } });
const second = await stripe.billing.meters.retrieve(meter.id);
process.stdout.write(JSON.stringify({ afterImport, afterCalls: loaded(), meter: meter.id, identifier: event.identifier, same: second.id === meter.id }));
`;

describe('the default Node transport over https', () => {
  it('reaches the server through TLS, loading node:https only for the first https request', async () => {
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', CHILD, KEY, url], { cwd: join(here, '..'), env: { ...process.env, NODE_EXTRA_CA_CERTS: cert } });
    const result = JSON.parse(stdout) as { afterImport: string[]; afterCalls: string[]; meter: string; identifier: string; same: boolean };
    expect(result.afterImport).toEqual([]);
    expect(result.afterCalls).toEqual(expect.arrayContaining(['https', 'tls']));
    expect(result.same).toBe(true);
    expect(running.emulator.countAccepted(result.identifier)).toBe(1);
    expect(running.emulator.events({ customer: 'cus_tls' }).map((e) => e.value)).toEqual([2]);
  });
});
