// The live feed: what became of each meter event (counted, duplicate, cancelled, invalid), the
// same whether someone listens as requests arrive (items built at once) or reads the feed later
// (items built when read), at any feed size.
import { describe, expect, it } from 'vitest';
import { createEmulator, type Emulator, type FeedItem } from '../src/emulator/index.js';
import { KEY, T0 } from './emulator-kit.js';

const post = (emulator: Emulator, path: string, body: string, headers: Record<string, string> = {}) =>
  emulator.answer({ method: 'POST', url: path, body, header: (name) => ({ authorization: `Bearer ${KEY}`, ...headers })[name] });

const stamp = new Date((T0 - 60) * 1000).toISOString();
const streamEvent = (identifier: string | undefined, value: string, customer = 'cus_s') => ({ event_name: 'api', payload: { stripe_customer_id: customer, value }, timestamp: stamp, ...(identifier === undefined ? {} : { identifier }) });

/** A mix of requests: counted, refused duplicates, invalid, in-batch repeats, dropped resends, cancels, many stream events. */
function traffic(emulator: Emulator): void {
  post(emulator, '/v1/billing/meters', 'display_name=API&event_name=api&default_aggregation[formula]=sum');
  post(emulator, '/v1/billing/meter_events', `event_name=api&payload[stripe_customer_id]=cus_a&payload[value]=3&identifier=v1-a&timestamp=${T0 - 30}`);
  post(emulator, '/v1/billing/meter_events', `event_name=api&payload[stripe_customer_id]=cus_a&payload[value]=3&identifier=v1-a&timestamp=${T0 - 30}`);
  post(emulator, '/v1/billing/meter_events', 'event_name=nope&payload[stripe_customer_id]=cus_a&payload[value]=1&identifier=v1-b'); // refused at once: no item
  post(emulator, '/v1/billing/meter_events', 'event_name=api&payload[stripe_customer_id]=cus_a&payload[value]=x1&identifier=v1-c');
  const token = (JSON.parse(post(emulator, '/v2/billing/meter_event_session', '').body) as { authentication_token: string }).authentication_token;
  const stream = (events: unknown[]) => post(emulator, '/v2/billing/meter_event_stream', JSON.stringify({ events }), { authorization: `Bearer ${token}` });
  stream([streamEvent('s-1', '1'), streamEvent('s-2', '+2'), streamEvent('s-1', '5'), streamEvent(undefined, '4', 'cus_t'), streamEvent('s-3', '7')]);
  stream([streamEvent('s-1', '1'), streamEvent('s-3', '7'), streamEvent('s-4', '8')]);
  stream(Array.from({ length: 100 }, (_, i) => streamEvent(`bulk-${i}`, String(i), `cus_${i % 3}`)));
  post(emulator, '/v1/billing/meter_event_adjustments', 'event_name=api&type=cancel&cancel[identifier]=s-4');
  post(emulator, '/v2/billing/meter_events', JSON.stringify(streamEvent('v2-a', '9')), { 'content-type': 'application/json' });
}

// Request ids start with a random prefix per emulator.
const plain = (items: FeedItem[]) => items.map(({ requestId, ...item }) => ({ ...item, requestId: requestId.slice(-8) }));

describe('emulator live feed', () => {
  it('shows what became of each event, newest last', () => {
    const emulator = createEmulator({ clock: { start: T0, frozen: true }, feedSize: 1000, onWarning: () => {} });
    traffic(emulator);
    const items = emulator.feed();
    expect(items.map((item) => item.seq)).toEqual(items.map((_, i) => i + 1));
    const brief = items.map((i) => [i.via, i.status, i.identifier ?? i.count ?? null, i.code ?? i.value ?? null]);
    expect(brief.slice(0, 10)).toEqual([
      ['v1', 'counted', 'v1-a', 3],
      ['v1', 'duplicate', 'v1-a', 'duplicate'],
      ['v1', 'invalid', 'v1-c', 'meter_event_invalid_value'],
      ['stream', 'counted', 's-1', 1],
      ['stream', 'counted', null, 4],
      ['stream', 'counted', 's-3', 7],
      ['stream', 'invalid', 's-2', 'meter_event_invalid_value'],
      ['stream', 'invalid', 's-1', 'duplicate_meter_event'],
      ['stream', 'counted', 's-4', 8],
      ['stream', 'duplicate', 2, null],
    ]);
    expect(brief.slice(10, 12)).toEqual([['stream', 'counted', 'bulk-0', 0], ['stream', 'counted', 'bulk-1', 1]]);
    expect(items[10]).toMatchObject({ event_name: 'api', customer: 'cus_0', at: T0 * 1000, account: null });
    expect(brief.slice(-2)).toEqual([['v1', 'cancelled', 's-4', 8], ['v2', 'counted', 'v2-a', 9]]);
    expect(items).toHaveLength(112);
  });

  for (const feedSize of [1, 3, 50, 120, 1000]) {
    it(`keeps the same latest ${feedSize} items whether read later or listened to`, () => {
      const later = createEmulator({ clock: { start: T0, frozen: true }, feedSize, onWarning: () => {} });
      const live = createEmulator({ clock: { start: T0, frozen: true }, feedSize, onWarning: () => {} });
      const heard: FeedItem[] = [];
      live.onFeed((items) => heard.push(...items));
      traffic(later);
      traffic(live);
      expect(plain(later.feed())).toEqual(plain(live.feed()));
      expect(plain(later.feed())).toEqual(plain(heard.slice(-feedSize)));
      expect(later.feed()).toHaveLength(Math.min(feedSize, 112));
    });
  }

  it('is empty after reset, and costs nothing with feedSize 0 and nobody listening', () => {
    const emulator = createEmulator({ clock: { start: T0, frozen: true }, feedSize: 0, onWarning: () => {} });
    traffic(emulator);
    expect(emulator.feed()).toEqual([]);
    const other = createEmulator({ clock: { start: T0, frozen: true }, onWarning: () => {} });
    traffic(other);
    expect(other.feed()).toHaveLength(50);
    other.reset();
    expect(other.feed()).toEqual([]);
  });
});
