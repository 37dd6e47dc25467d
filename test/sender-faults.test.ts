// The batching sender against the emulator over HTTP, on both transports: failing requests,
// answers that never come, slow answers, tokens refused as expired. The emulator stores every event
// it accepts, so an event sent twice under two identifiers would show as two.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { RunningEmulator } from '../src/emulator/server.node.js';
import type { FaultRule } from '../src/emulator/index.js';
import { MeterEventSenderAbortedError, MeterEventSenderClosedError, type MeterEventSenderStats, type StripeMetersOptions } from '../src/index.js';
import { apiRequests, drive, faultMix, KEY, servedEmulator, settled, TRANSPORTS } from './helpers.js';

const servers: RunningEmulator[] = [];
afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const STREAM = 'PostV2BillingMeterEventStream';
const SESSION = 'PostV2BillingMeterEventSession';
const event = (i: number, identifier?: string) => ({ event_name: 'api_call', payload: { stripe_customer_id: `cus_${i % 7}`, value: 1 }, ...(identifier === undefined ? {} : { identifier }) });
const FAKE = { toFake: ['setTimeout' as const, 'clearTimeout' as const, 'Date' as const] };

function addsUp(stats: MeterEventSenderStats): void {
  expect(stats.sent).toBe(stats.accepted + stats.failed + stats.returned + stats.buffered);
}

describe.each(TRANSPORTS)('MeterEventSender over $transport', ({ client }) => {
  async function setup(faults: FaultRule[], options: StripeMetersOptions = {}, sessionLifetimeSeconds?: number) {
    const server = await servedEmulator({ faults, faultSeed: 42, ...(sessionLifetimeSeconds === undefined ? {} : { sessionLifetimeSeconds }) });
    servers.push(server);
    const stripe = client(KEY, { baseUrl: server.url, meterEventsBaseUrl: server.url, retryDelay: { initialMs: 1, maxMs: 5 }, ...options });
    return { emulator: server.emulator, stripe };
  }

  it('50,000 events through a fifth of failing requests, session creations too, tokens expiring every half second: each stored once, none failed', async () => {
    const mix = (path: string, rate: number) => faultMix(path, rate, { delayMs: 400, skip: ['stall_body', 'not_json'] });
    // The stream also meets tokens refused as expired mid-batch (as after a lost refresh).
    const faults = [...mix(STREAM, 0.022), { path: STREAM, fault: 'session_expired' as const, rate: 0.02 }, ...mix(SESSION, 0.05)];
    const { emulator, stripe } = await setup(faults, { timeout: 200 }, 0.5);
    const sender = stripe.meterEventSender({ refreshMarginMs: 100 });
    const total = 50_000;
    for (let i = 0; i < total; i++) await sender.send(event(i));
    await sender.close();

    const stored = emulator.events({ event_name: 'api_call' });
    expect(stored).toHaveLength(total);
    expect(new Set(stored.map((e) => e.identifier)).size).toBe(total);
    const { stats } = sender;
    expect(stats).toMatchObject({ sent: total, accepted: total, failed: 0, returned: 0, buffered: 0 });
    addsUp(stats);
    expect(stats.retried).toBeGreaterThan(0);
    expect(stats.attempts).toBeGreaterThan(stats.batches);
    expect(stats.sessionsCreated).toBeGreaterThan(5);
    expect(stats.sessionFailures).toBeGreaterThan(0);
    const fired = Object.keys(emulator.stats().faults).sort();
    expect(fired).toEqual(['conflict', 'cut_body', 'rate_limit', 'reset', 'reset_after', 'server_error', 'session_expired', 'slow']);
  }, 120_000);

  it('close({ signal }) against a server that never answers settles in time and hands back every event; resending them stores each once', async () => {
    vi.useFakeTimers(FAKE);
    // The first requests land and are never answered; later ones are never even read.
    const { emulator, stripe } = await setup([
      { path: STREAM, fault: 'hang_after', times: 2 },
      { path: STREAM, fault: 'hang' },
    ]);
    const sender = stripe.meterEventSender({ maxConcurrency: 2, maxBufferedEvents: 1000 });
    for (let i = 0; i < 450; i++) await sender.send(event(i, `ev_${i}`));
    const controller = new AbortController();
    const closing = sender.close({ signal: controller.signal }).catch((e: unknown) => e);
    await drive(() => apiRequests(emulator, STREAM) >= 2, 10, (ms) => vi.advanceTimersByTimeAsync(ms));
    setTimeout(() => controller.abort(new Error('deadline')), 1000);
    await drive(() => settled(closing), 100, (ms) => vi.advanceTimersByTimeAsync(ms), 11);
    const error = (await closing) as MeterEventSenderAbortedError;
    expect(error).toBeInstanceOf(MeterEventSenderAbortedError);
    expect(error.undelivered.map((e) => e.identifier)).toEqual(Array.from({ length: 450 }, (_, i) => `ev_${i}`));
    for (const e of error.undelivered) expect(e.timestamp).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(sender.stats).toMatchObject({ sent: 450, accepted: 0, failed: 0, returned: 450, buffered: 0 });
    await expect(sender.send(event(1))).rejects.toBeInstanceOf(MeterEventSenderClosedError);
    vi.useRealTimers();
    expect(emulator.stats().events.stored).toBe(200); // the two hung requests had landed

    emulator.setFaults([]);
    const again = stripe.meterEventSender();
    await again.sendMany(error.undelivered);
    await again.close();
    for (let i = 0; i < 450; i++) expect(emulator.countAccepted(`ev_${i}`), `ev_${i}`).toBe(1);
  });

  it('flush({ signal }) lists what is not delivered yet, and the sender goes on', async () => {
    vi.useFakeTimers(FAKE);
    const { emulator, stripe } = await setup([{ path: STREAM, fault: 'slow', delayMs: 300 }]);
    const sender = stripe.meterEventSender({ maxConcurrency: 1, maxBufferedEvents: 1000 });
    for (let i = 0; i < 250; i++) await sender.send(event(i, `f_${i}`));
    const controller = new AbortController();
    const flushing = sender.flush({ signal: controller.signal }).catch((e: unknown) => e);
    await drive(() => apiRequests(emulator, STREAM) >= 1, 1, (ms) => vi.advanceTimersByTimeAsync(ms));
    controller.abort(new Error('enough'));
    const error = (await flushing) as MeterEventSenderAbortedError;
    expect(error).toBeInstanceOf(MeterEventSenderAbortedError);
    expect(error.message).toMatch(/flush\(\) was aborted with 250 event/);
    expect(error.undelivered).toHaveLength(250);
    const closing = sender.close();
    await drive(() => settled(closing), 100, (ms) => vi.advanceTimersByTimeAsync(ms), 200);
    await closing;
    expect(emulator.stats().events.stored).toBe(250);
    expect(sender.stats).toMatchObject({ accepted: 250, returned: 0 });
  });

  it('a flush() waiting when another close({ signal }) aborts rejects with the same handed-back events', async () => {
    const { stripe } = await setup([{ path: STREAM, fault: 'hang' }]);
    const sender = stripe.meterEventSender();
    for (let i = 0; i < 5; i++) await sender.send(event(i, `w_${i}`));
    const waiting = sender.flush().catch((e: unknown) => e);
    const controller = new AbortController();
    const closing = sender.close({ signal: controller.signal }).catch((e: unknown) => e);
    controller.abort(new Error('deadline'));
    const [flushed, closed] = await Promise.all([waiting, closing]);
    expect(closed).toBeInstanceOf(MeterEventSenderAbortedError);
    expect(flushed).toBe(closed);
    expect((flushed as MeterEventSenderAbortedError).undelivered.map((e) => e.identifier)).toEqual(['w_0', 'w_1', 'w_2', 'w_3', 'w_4']);
  });

  it('backpressure keeps the buffer within its bound against a slow server', async () => {
    const { emulator, stripe } = await setup([{ path: STREAM, fault: 'slow', delayMs: 20 }]);
    const sender = stripe.meterEventSender({ maxBufferedEvents: 500, maxConcurrency: 2 });
    let observed = 0;
    for (let i = 0; i < 5000; i++) {
      await sender.send(event(i));
      observed = Math.max(observed, sender.stats.buffered);
    }
    await sender.close();
    expect(observed).toBeLessThanOrEqual(500);
    expect(sender.stats.peakBuffered).toBeGreaterThanOrEqual(400);
    expect(emulator.stats().events.stored).toBe(5000);
  });

  it('a batch refused for an expired token is resent with a fresh one', async () => {
    const { emulator, stripe } = await setup([{ path: STREAM, fault: 'session_expired', times: 1 }]);
    const sender = stripe.meterEventSender();
    for (let i = 0; i < 100; i++) await sender.send(event(i));
    await sender.flush();
    expect(emulator.stats().sessions).toBe(2);
    expect(sender.stats).toMatchObject({ accepted: 100, retried: 100, sessionsCreated: 2, attempts: 2 });
    expect(emulator.stats().events.stored).toBe(100);
    await sender.close();
  });
});
