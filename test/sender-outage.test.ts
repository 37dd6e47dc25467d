// The batching stream rides out an outage of the session endpoint (503s, then connections
// refused) at the start and again mid-run, over both transports at once (about 25 s each).
import { describe, expect, it } from 'vitest';
import type { MeterEventStreamFailure } from '../src/index.js';
import { startMeterEventsServer } from '../scripts/meter-events-server.js';
import { TRANSPORTS } from './helpers.js';

const event = (i: number) => ({ event_name: 'api_call', payload: { stripe_customer_id: `cus_${i % 7}`, value: 1 } });

describe('meter event stream: the session endpoint down for 10 s, twice', () => {
  it.concurrent.each(TRANSPORTS)('over $transport: nothing failed, nothing lost', async ({ client }) => {
    const tokens = new Map<string, number>();
    let down = false;
    // The session endpoint on a server of its own, so that refusing its connections leaves the stream up.
    const sessions = await startMeterEventsServer({ tokens, sessionLifetimeMs: 3000, sessionFault: () => (down ? { status: 503 } : 'none') });
    const events = await startMeterEventsServer({ tokens });
    try {
      const outage = async () => {
        down = true;
        await new Promise((r) => setTimeout(r, 5000));
        await sessions.refuse(5000);
        down = false;
      };
      const stripe = client('sk_test_outage', { baseUrl: sessions.url, meterEventsBaseUrl: events.url, retryDelay: { initialMs: 100, maxMs: 1000 }, timeout: 1000 });
      const failures: MeterEventStreamFailure[] = [];
      const stream = stripe.meterEventStream({ refreshMarginMs: 1000, onError: (f) => failures.push(f) });
      const produce = async (from: number, ms: number) => {
        const until = Date.now() + ms;
        let i = from;
        while (Date.now() < until) {
          for (let k = 0; k < 100; k++) await stream.send({ ...event(i), identifier: `o_${i++}` });
          await new Promise((r) => setTimeout(r, 20));
        }
        return i;
      };
      const first = outage();
      let sent = await produce(0, 11_000);
      await first;
      sent = await produce(sent, 2500);
      const second = outage();
      sent = await produce(sent, 10_500);
      await second;
      await stream.close();
      expect(failures).toEqual([]);
      expect(stream.stats).toMatchObject({ sent, accepted: sent, failed: 0 });
      expect(events.state.events.size).toBe(sent);
      expect(sessions.state.faults['503'] ?? 0).toBeGreaterThan(0);
    } finally {
      // Closed here, not in an afterEach: the two transports run at once.
      await Promise.all([sessions.close(), events.close()]);
    }
  }, 60_000);
});
