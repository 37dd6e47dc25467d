// The batching sender rides out an outage of the session endpoint (503s, then connections refused)
// at the start and again mid-run, over both transports, on fake timers: the session endpoint is
// the emulator on one port, the stream endpoint the same emulator on another.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { serveEmulator, type RunningEmulator } from '../src/emulator/server.node.js';
import type { MeterEventSenderFailure } from '../src/index.js';
import { drive, KEY, servedEmulator, settled, TRANSPORTS } from './helpers.js';

const servers: RunningEmulator[] = [];
afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const event = (i: number) => ({ event_name: 'api_call', payload: { stripe_customer_id: `cus_${i % 7}`, value: 1 }, identifier: `o_${i}` });

describe('MeterEventSender: the session endpoint down for 10 s, twice', () => {
  it.each(TRANSPORTS)('over $transport: nothing failed, nothing lost', async ({ client }) => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const sessions = await servedEmulator({ sessionLifetimeSeconds: 3 });
    const stream = await serveEmulator({ emulator: sessions.emulator, port: 0, host: '127.0.0.1' });
    servers.push(stream, sessions);
    const { emulator } = sessions;
    const stripe = client(KEY, { baseUrl: sessions.url, meterEventsBaseUrl: stream.url, retryDelay: { initialMs: 100, maxMs: 1000 }, timeout: 1000 });
    const failures: MeterEventSenderFailure[] = [];
    const sender = stripe.meterEventSender({ refreshMarginMs: 1000, onError: (f) => failures.push(f) });

    const started = Date.now();
    const at = (ms: number) => Date.now() - started >= ms;
    let sent = 0;
    // 10 events every 20 ms for 36 s, awaiting each send as the README shows.
    const producing = (async () => {
      while (!at(36_000)) {
        for (let k = 0; k < 10; k++) await sender.send(event(sent++));
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const outage = async (from: number) => {
      await drive(() => at(from), 20, (ms) => vi.advanceTimersByTimeAsync(ms), 5000);
      emulator.setFaults([{ path: 'PostV2BillingMeterEventSession', fault: 'server_error', status: 503 }]);
      await drive(() => at(from + 5000), 20, (ms) => vi.advanceTimersByTimeAsync(ms), 5000);
      await sessions.pause();
      await drive(() => at(from + 10_000), 20, (ms) => vi.advanceTimersByTimeAsync(ms), 5000);
      await sessions.resume();
      emulator.setFaults([]);
    };
    await outage(0);
    await outage(15_500);
    await drive(() => settled(producing), 20, (ms) => vi.advanceTimersByTimeAsync(ms), 5000);
    const closing = sender.close();
    await drive(() => settled(closing), 20, (ms) => vi.advanceTimersByTimeAsync(ms), 5000);
    await closing;

    expect(failures).toEqual([]);
    expect(sender.stats).toMatchObject({ sent, accepted: sent, failed: 0 });
    expect(sender.stats.sessionFailures).toBeGreaterThan(0);
    expect(emulator.stats().events.stored).toBe(sent);
    expect(emulator.stats().faults['server_error'] ?? 0).toBeGreaterThan(0);
  }, 60_000);
});
