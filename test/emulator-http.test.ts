// The emulator over HTTP: the official `stripe` package running a full scenario against it,
// injected resets dropping the socket, the control endpoints for non-JS clients, the
// `stripe-meters emulator` command (the built bin), and the portable core's bundle.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { build } from 'esbuild';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveEmulator, type RunningEmulator } from '../src/emulator/server.node.js';
import { HOUR, T0 } from './emulator-kit.js';

const root = join(import.meta.dirname, '..');
const official = (key: string, url: string) => {
  const { hostname, port } = new URL(url);
  // `host` overrides every Stripe host in stripe-node 23, the meter-events one included.
  return new Stripe(key, { host: hostname, port: Number(port), protocol: 'http', maxNetworkRetries: 0 });
};

describe('the emulator over HTTP', () => {
  let server: RunningEmulator;
  beforeAll(async () => {
    server = await serveEmulator({ clock: { start: T0, frozen: true }, onWarning: () => undefined });
  });
  afterAll(() => server.close());

  it('serves the official stripe package: meters, v1 and v2 events, the stream, adjustments, summaries', async () => {
    server.emulator.reset();
    const stripe = official('sk_test_official', server.url);
    const meter = await stripe.billing.meters.create({
      display_name: 'LLM tokens',
      event_name: 'llm_tokens',
      default_aggregation: { formula: 'sum' },
      customer_mapping: { type: 'by_id', event_payload_key: 'stripe_customer_id' },
      value_settings: { event_payload_key: 'tokens' },
    });
    expect(meter).toMatchObject({ object: 'billing.meter', display_name: 'LLM tokens', status: 'active', created: T0 });
    expect((await stripe.billing.meters.retrieve(meter.id)).id).toBe(meter.id);
    expect((await stripe.billing.meters.update(meter.id, { display_name: 'Tokens' })).display_name).toBe('Tokens');
    expect((await stripe.billing.meters.list({ limit: 3 })).data.map((m) => m.id)).toEqual([meter.id]);

    const payload = (tokens: number) => ({ stripe_customer_id: 'cus_a', tokens: String(tokens) });
    await stripe.billing.meterEvents.create({ event_name: 'llm_tokens', payload: payload(100), identifier: 'v1-a', timestamp: T0 - 2 * HOUR + 60 });
    await stripe.billing.meterEvents.create({ event_name: 'llm_tokens', payload: payload(40), identifier: 'v1-b', timestamp: T0 - HOUR + 60 });
    await stripe.v2.billing.meterEvents.create({ event_name: 'llm_tokens', payload: payload(5), identifier: 'v2-a', timestamp: new Date((T0 - HOUR + 120) * 1000).toISOString() });
    const session = await stripe.v2.billing.meterEventSession.create();
    const events = Array.from({ length: 100 }, (_, i) => ({ event_name: 'llm_tokens', payload: payload(1), identifier: `s-${i}`, timestamp: new Date((T0 - HOUR + 300) * 1000).toISOString() }));
    await official(session.authentication_token, server.url).v2.billing.meterEventStream.create({ events });
    await stripe.billing.meterEventAdjustments.create({ event_name: 'llm_tokens', type: 'cancel', cancel: { identifier: 'v1-b' } });
    const v2adj = await stripe.v2.billing.meterEventAdjustments.create({ event_name: 'llm_tokens', type: 'cancel', cancel: { identifier: 's-0' } });
    expect(v2adj.status).toBe('pending');

    const hourly = await stripe.billing.meters.listEventSummaries(meter.id, { customer: 'cus_a', start_time: T0 - 3 * HOUR, end_time: T0, value_grouping_window: 'hour' });
    expect(hourly.data.map((s) => [s.start_time, s.aggregated_value])).toEqual([[T0 - HOUR, 5 + 99], [T0 - 2 * HOUR, 100]]);
    const paged: number[] = [];
    for await (const s of stripe.billing.meters.listEventSummaries(meter.id, { customer: 'cus_a', start_time: T0 - 3 * HOUR, end_time: T0, value_grouping_window: 'hour', limit: 1 })) paged.push(s.aggregated_value);
    expect(paged).toEqual([104, 100]);

    await expect(stripe.billing.meterEvents.create({ event_name: 'llm_tokens', payload: payload(1), identifier: 'v1-a' })).rejects.toMatchObject({
      type: 'StripeInvalidRequestError',
      message: 'An event already exists with identifier v1-a.',
    });
    await expect(stripe.v2.billing.meterEvents.create({ event_name: 'nothing', payload: payload(1) })).rejects.toMatchObject({ code: 'no_meter' });
    await expect(stripe.billing.meters.retrieve('mtr_missing')).rejects.toMatchObject({ type: 'StripeInvalidRequestError', statusCode: 404, code: 'resource_missing' });
    await expect(official('sk_live_nope', server.url).billing.meters.list()).rejects.toMatchObject({ type: 'StripeAuthenticationError' });
    server.emulator.clock.advance({ minutes: 15 });
    await expect(official(session.authentication_token, server.url).v2.billing.meterEventStream.create({ events: events.slice(0, 1) })).rejects.toMatchObject({ type: 'TemporarySessionExpiredError' });

    expect((await stripe.billing.meters.deactivate(meter.id)).status).toBe('inactive');
    expect((await stripe.billing.meters.reactivate(meter.id)).status).toBe('active');
  });

  it('an injected reset destroys the socket; reset_after applied the request first', async () => {
    server.emulator.reset();
    const headers = { authorization: 'Bearer sk_test_1', 'content-type': 'application/x-www-form-urlencoded' };
    const create = (name: string) => fetch(`${server.url}/v1/billing/meters`, { method: 'POST', headers, body: `display_name=d&event_name=${name}&default_aggregation[formula]=sum` });
    server.emulator.setFaults([{ fault: 'reset', times: 1 }]);
    await expect(create('first')).rejects.toThrow(TypeError);
    server.emulator.setFaults([{ fault: 'reset_after', times: 1 }]);
    await expect(create('second')).rejects.toThrow(TypeError);
    const list = (await (await fetch(`${server.url}/v1/billing/meters`, { headers })).json()) as { data: Array<{ event_name: string }> };
    expect(list.data.map((m) => m.event_name)).toEqual(['second']);
  });

  it('the control endpoints drive the clock, the faults and reset for any client', async () => {
    const post = async (path: string, body?: unknown) => {
      const response = await fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
      return { status: response.status, body: (await response.json()) as Record<string, unknown>, requestId: response.headers.get('request-id') };
    };
    expect((await post('/_emulator/reset')).body).toEqual({ reset: true, now: T0 });
    expect((await post('/_emulator/clock', { advance_seconds: 90 })).body).toEqual({ now: T0 + 90 });
    expect((await post('/_emulator/clock', { now: T0 })).body).toEqual({ now: T0 });
    expect((await post('/_emulator/faults', { faults: [{ path: '/v1/billing/meters', fault: 'rate_limit', times: 1, retryAfterSeconds: 2 }] })).status).toBe(200);
    const limited = await fetch(`${server.url}/v1/billing/meters`, { headers: { authorization: 'Bearer sk_test_1' } });
    expect([limited.status, limited.headers.get('retry-after')]).toEqual([429, '2']);
    const broken = await post('/_emulator/clock', 'not an object');
    expect([broken.status, broken.requestId]).toEqual([400, expect.stringMatching(/^req_/)]);
  });
});

describe('the stripe-meters emulator command', () => {
  const bin = join(root, 'dist', 'src', 'cli', 'main.js');

  it('`stripe-meters emulator --port 0` serves the official package until SIGTERM, then exits 0', async () => {
    expect(existsSync(bin), 'run `npm run build` first (npm test does)').toBe(true);
    const child = spawn(process.execPath, [bin, 'emulator', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const first = await new Promise<string>((resolve, reject) => {
        createInterface({ input: child.stdout }).once('line', resolve);
        child.once('exit', () => reject(new Error('the emulator exited before printing its address')));
      });
      expect(first).toMatch(/^stripe-meters emulator listening on http:\/\/127\.0\.0\.1:\d+$/);
      const url = first.slice('stripe-meters emulator listening on '.length);
      expect(new URL(url).port).not.toBe('12111');
      const stripe = official('sk_test_cli', url);
      const meter = await stripe.billing.meters.create({ display_name: 'CLI', event_name: 'cli', default_aggregation: { formula: 'count' }, customer_mapping: { type: 'by_id', event_payload_key: 'stripe_customer_id' }, value_settings: { event_payload_key: 'value' } });
      await stripe.billing.meterEvents.create({ event_name: 'cli', payload: { stripe_customer_id: 'cus_a', value: '1' } });
      const now = Math.floor(Date.now() / 1000);
      const start = Math.floor(now / 60) * 60 - 3600;
      const summary = await stripe.billing.meters.listEventSummaries(meter.id, { customer: 'cus_a', start_time: start, end_time: start + 7200 });
      expect(summary.data[0]?.aggregated_value).toBe(1);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });

  it('prints its usage with --help and refuses a bad port', async () => {
    const run = (args: string[]) =>
      new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
        const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        let err = '';
        child.stdout.on('data', (c: Buffer) => (out += c.toString()));
        child.stderr.on('data', (c: Buffer) => (err += c.toString()));
        child.once('exit', (code) => resolve({ code, out, err }));
      });
    const help = await run(['emulator', '--help']);
    expect([help.code, help.out]).toEqual([0, expect.stringContaining('Usage: stripe-meters emulator [--port 12111] [--host 127.0.0.1]')]);
    const bad = await run(['emulator', '--port', '70000']);
    expect([bad.code, bad.err]).toEqual([2, expect.stringContaining('--port must be a whole number from 0 to 65535')]);
    // The full command line (src/cli/program.ts) exits 1 on bad usage: 2 means "some rows refused" for upload.
    expect((await run(['nonsense'])).code).toBe(1);
  });
});

describe('the emulator core bundle', () => {
  const entry = join(root, 'dist', 'src', 'emulator', 'index.js');
  for (const platform of ['neutral', 'browser'] as const) {
    it(`bundles for platform ${platform} with no node: import and no Node global, and runs`, async () => {
      const result = await build({ entryPoints: [entry], bundle: true, platform, format: 'esm', minify: true, write: false, metafile: true, logLevel: 'silent' });
      const code = result.outputFiles[0]?.text ?? '';
      expect(Object.keys(result.metafile.inputs).filter((i) => i.startsWith('node:') || i.includes('node_modules'))).toEqual([]);
      // Uses of Node globals, not the words (a message mentions "another Stripe process").
      expect(code).not.toMatch(/\bnode:|\brequire\(|\bprocess\.|\bBuffer\b|\b__dirname\b|\bglobal\./);
      const { createEmulator } = (await import(`data:text/javascript;base64,${btoa(code)}`)) as typeof import('../src/emulator/index.js');
      const emulator = createEmulator();
      const answer = await emulator.fetch('https://api.stripe.com/v1/billing/meters', { headers: { authorization: 'Bearer sk_test_1' } });
      expect([answer.status, await answer.json()]).toEqual([200, { object: 'list', data: [], has_more: false, url: '/v1/billing/meters' }]);
    });
  }
});
