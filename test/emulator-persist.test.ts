// Saved state: export and import in process and over the control endpoints (a bad document changes
// nothing), and `stripe-meters emulator --data DIR` killed with SIGKILL: after a save, the restarted
// emulator answers the same summaries and replays idempotent requests; a save cut short by SIGKILL
// leaves the previous state, which loads.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { StripeMeters } from '../src/index.js';
import { createEmulator } from '../src/emulator/index.js';
import { createMeter, HOUR, raw, setup, summaries, T0 } from './emulator-kit.js';

const bin = join(import.meta.dirname, '..', 'dist', 'src', 'cli', 'main.js');
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function scenario(stripe: StripeMeters) {
  const meter = await createMeter(stripe, 'api');
  await stripe.billing.meters.create({ display_name: 'x', event_name: 'api', default_aggregation: { formula: 'last' } }, { stripeAccount: 'acct_1' });
  for (let i = 0; i < 20; i++) {
    await stripe.billing.meterEvents.create({ event_name: 'api', payload: { stripe_customer_id: `cus_${i % 3}`, value: i + 1 }, identifier: `e-${i}`, timestamp: T0 - (i % 5) * HOUR }, { idempotencyKey: `k-${i}` });
  }
  await stripe.billing.meterEvents.create({ event_name: 'api', payload: { stripe_customer_id: 'cus_9', value: 7 } }, { stripeAccount: 'acct_1' });
  await stripe.billing.meterEventAdjustments.create({ event_name: 'api', type: 'cancel', cancel: { identifier: 'e-4' } });
  await stripe.billing.meterEvents.create({ event_name: 'api', payload: { value: 1 }, identifier: 'no-customer' }); // an error report
  return meter;
}

const read = (stripe: StripeMeters, meter: string) => Promise.all(['cus_0', 'cus_1', 'cus_2'].map((c) => summaries(stripe, meter, c, T0 - 6 * HOUR, T0 + HOUR, 'hour')));

describe('saved state', () => {
  it('exports and imports everything in process: summaries, identifiers, idempotent replays, sessions, reports, the clock', async () => {
    const a = setup();
    const meter = await scenario(a.stripe);
    const session = await a.stripe.v2.billing.meterEventSession.create();
    a.emulator.clock.advance({ minutes: 2 });
    const thin = a.emulator.thinEvents();
    expect(thin).toHaveLength(1);
    const doc = JSON.parse(JSON.stringify(a.emulator.exportState())) as unknown;
    const b = setup({ clock: { start: 0, frozen: true } });
    b.emulator.importState(doc);
    expect(b.emulator.clock.now()).toBe(a.emulator.clock.now());
    expect(await read(b.stripe, meter.id)).toEqual(await read(a.stripe, meter.id));
    expect(b.emulator.events()).toEqual(a.emulator.events());
    expect(b.emulator.errorReports()).toEqual(a.emulator.errorReports());
    expect(b.emulator.thinEvents()).toEqual(thin);
    // The same key and body replay the saved answer; the identifier is still taken.
    const replay = await raw(b.emulator, 'POST', '/v1/billing/meter_events', { body: `event_name=api&payload[stripe_customer_id]=cus_0&payload[value]=1&identifier=e-0&timestamp=${T0}`, headers: { 'idempotency-key': 'k-0' } });
    expect([replay.status, replay.headers.get('idempotent-replayed')]).toEqual([200, 'true']);
    await expect(b.stripe.billing.meterEvents.create({ event_name: 'api', payload: { stripe_customer_id: 'cus_0', value: 1 }, identifier: 'e-1' })).rejects.toMatchObject({ statusCode: 400 });
    const streamed = await raw(b.emulator, 'POST', '/v2/billing/meter_event_stream', { json: { events: [{ event_name: 'api', payload: { stripe_customer_id: 'cus_0', value: '1' } }] }, headers: { authorization: `Bearer ${session.authentication_token}` } });
    expect(streamed.status).toBe(200);
  });

  it('refuses a bad document with a 400 naming the problem, and changes nothing', async () => {
    const { emulator, stripe } = setup();
    const meter = await scenario(stripe);
    const before = emulator.exportState();
    const bad = JSON.parse(JSON.stringify(before)) as { accounts: Array<{ series: Array<{ value: unknown[] }> }> };
    (bad.accounts[0]?.series[0]?.value as unknown[]).pop();
    const refused = await raw(emulator, 'POST', '/_emulator/state', { json: bad });
    expect(refused.status).toBe(400);
    expect(refused.body.error?.['message']).toMatch(/^The state was not imported \(nothing changed\): state\.accounts\[0\]\.series\[0\]\.value must hold \d+ items/);
    expect((await raw(emulator, 'POST', '/_emulator/state', { json: { format: 'x' } })).status).toBe(400);
    expect(emulator.exportState()).toEqual(before);
    expect(await summaries(stripe, meter.id, 'cus_0', T0 - 6 * HOUR, T0 + HOUR)).not.toEqual([]);
    const exported = await raw(emulator, 'GET', '/_emulator/state');
    expect((await raw(createEmulator(), 'POST', '/_emulator/state', { json: exported.body })).body).toMatchObject({ imported: true });
  });

  interface Child {
    process: ChildProcess;
    url: string;
    lines: string[];
    exited: Promise<number | null>;
  }

  async function start(dir: string): Promise<Child> {
    const child = spawn(process.execPath, [bin, 'emulator', '--port', '0', '--data', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const lines: string[] = [];
    await new Promise<void>((resolve, reject) => {
      createInterface({ input: child.stdout }).on('line', (line) => {
        lines.push(line);
        if (lines.length === 3) resolve();
      });
      child.once('exit', () => reject(new Error(`the emulator exited: ${lines.join('\n')}`)));
    });
    const url = (lines[0] ?? '').replace('stripe-meters emulator listening on ', '');
    return { process: child, url, lines, exited };
  }
  const kill = async (child: Child) => {
    child.process.kill('SIGKILL');
    await child.exited;
  };
  const client = (url: string) => new StripeMeters('sk_test_persist', { baseUrl: url, meterEventsBaseUrl: url, now: () => T0 * 1000, maxNetworkRetries: 0 });
  const post = (url: string, path: string, body?: unknown) => fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body ?? {}) });

  it('--data DIR: saved, killed with SIGKILL, started again: the same summaries and idempotent replays', async () => {
    expect(existsSync(bin), 'run `npm run build` first (npm test does)').toBe(true);
    const dir = mkdtempSync(join(tmpdir(), 'emulator-data-'));
    dirs.push(dir);
    const first = await start(dir);
    expect(first.lines[1]).toBe(`dashboard: ${first.url}/`);
    expect(first.lines[2]).toBe(`state: kept in ${dir}`);
    await post(first.url, '/_emulator/clock', { now: T0 });
    const stripe = client(first.url);
    const meter = await scenario(stripe);
    const before = await read(stripe, meter.id);
    const answer = await stripe.billing.meterEvents.create({ event_name: 'api', payload: { stripe_customer_id: 'cus_0', value: 5 }, identifier: 'late', timestamp: T0 - 60 }, { idempotencyKey: 'replay-me' });
    expect((await post(first.url, '/_emulator/save')).status).toBe(200);
    const after = await read(stripe, meter.id);
    expect(after).not.toEqual(before);
    await kill(first);

    const second = await start(dir);
    const again = client(second.url);
    expect(await read(again, meter.id)).toEqual(after);
    const replayed = await again.billing.meterEvents.create({ event_name: 'api', payload: { stripe_customer_id: 'cus_0', value: 5 }, identifier: 'late', timestamp: T0 - 60 }, { idempotencyKey: 'replay-me' });
    expect(replayed).toEqual(answer);
    expect(replayed.lastResponse.headers['idempotent-replayed']).toBe('true');
    await expect(again.billing.meterEvents.create({ event_name: 'api', payload: { stripe_customer_id: 'cus_0', value: 5 }, identifier: 'late' })).rejects.toMatchObject({ statusCode: 400 });
    await kill(second);
  }, 60_000);

  it('a save cut short by SIGKILL leaves the previous state, which loads', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'emulator-data-'));
    dirs.push(dir);
    // A large state, so that writing it takes long enough to be cut short.
    const big = createEmulator({ clock: { start: T0, frozen: true } });
    const bigClient = new StripeMeters('sk_test_big', { fetch: big.fetch, now: () => T0 * 1000 });
    await createMeter(bigClient, 'api');
    const { authentication_token: token } = await bigClient.v2.billing.meterEventSession.create();
    for (let b = 0; b < 3000; b++) {
      const events = Array.from({ length: 100 }, (_, i) => ({ event_name: 'api', payload: { stripe_customer_id: `cus_${i % 7}`, value: '1' }, identifier: `big-${b}-${i}`, timestamp: new Date((T0 - (i % 40) * 60) * 1000).toISOString() }));
      big.answer({ method: 'POST', url: '/v2/billing/meter_event_stream', header: (name) => (name === 'authorization' ? `Bearer ${token}` : undefined), body: JSON.stringify({ events }) });
    }
    const child = await start(dir);
    expect((await post(child.url, '/_emulator/state', big.exportState())).status).toBe(200);
    expect((await post(child.url, '/_emulator/save')).status).toBe(200);
    const saved = readFileSync(join(dir, 'state.json'), 'utf8');
    // A change, then a save that SIGKILL interrupts while the temporary file is being written.
    await client(child.url).billing.meters.create({ display_name: 'after', event_name: 'after', default_aggregation: { formula: 'sum' } });
    void post(child.url, '/_emulator/save').catch(() => undefined);
    const temp = join(dir, 'state.json.tmp');
    const deadline = Date.now() + 20_000;
    while (!existsSync(temp) && Date.now() < deadline) await new Promise((resolve) => setImmediate(resolve));
    child.process.kill('SIGKILL');
    await child.exited;
    expect(existsSync(temp)).toBe(true); // killed mid-save
    expect(readFileSync(join(dir, 'state.json'), 'utf8')).toBe(saved);
    const restarted = await start(dir);
    const stripe = client(restarted.url);
    expect((await stripe.billing.meters.list()).data.map((m) => m.event_name)).toEqual(['api']);
    const stats = (await (await fetch(`${restarted.url}/_emulator/stats`)).json()) as { events: { stored: number } };
    expect(stats.events.stored).toBe(300_000);
    expect(existsSync(temp)).toBe(false); // the leftover was removed at start
    await kill(restarted);
  }, 120_000);
});
