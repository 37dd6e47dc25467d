// Auto-pagination against the emulator in process (its lists page by cursor as Stripe's do), and the
// guards against a server that pages forever, with an injected fetch (no real server does that).
import { beforeAll, describe, expect, inject, it } from 'vitest';
import type { Emulator } from '../src/emulator/index.js';
import { StripeAPIError, StripeInvalidParameterError, StripeMeters, type Meter } from '../src/index.js';
import { createMeter, HOUR, setup, T0 } from './emulator-kit.js';
import { clientWith, editingHeaders, json, METER } from './helpers.js';

let emulator: Emulator;
let stripe: StripeMeters;
/** The 25 meters, as Stripe lists them (newest first). */
let ALL: string[];

beforeAll(async () => {
  ({ emulator, stripe } = setup({ requestLog: { size: 10_000 } }));
  for (let i = 0; i < 25; i++) await createMeter(stripe, `calls_${i}`);
  ALL = (await stripe.billing.meters.list({ limit: 100 })).data.map((m) => m.id);
});

/** The list requests made by `run`, as their query strings. */
async function cursors(run: () => Promise<unknown>): Promise<string[]> {
  const start = emulator.requests().length;
  await run();
  return emulator
    .requests()
    .slice(start)
    .filter((r) => r.operationId === 'GetBillingMeters')
    .map((r) => new URL(r.url, 'http://x').search);
}

describe('auto-pagination', () => {
  it('awaiting gives the first page', async () => {
    expect(ALL).toHaveLength(25);
    const page = await stripe.billing.meters.list({ limit: 10 });
    expect(page.data.map((m) => m.id)).toEqual(ALL.slice(0, 10));
    expect(page.has_more).toBe(true);
    expect(page.lastResponse.statusCode).toBe(200);
  });

  it('for await walks every item forwards, one page at a time', async () => {
    const ids: string[] = [];
    const sent = await cursors(async () => {
      for await (const meter of stripe.billing.meters.list({ limit: 10, status: 'active' })) ids.push(meter.id);
    });
    expect(ids).toEqual(ALL);
    expect(sent).toEqual(['?limit=10&status=active', `?limit=10&status=active&starting_after=${ALL[9]}`, `?limit=10&status=active&starting_after=${ALL[19]}`]);
  });

  it('walks backwards with ending_before when the first call used it', async () => {
    const ids: string[] = [];
    const sent = await cursors(async () => {
      for await (const meter of stripe.billing.meters.list({ limit: 10, ending_before: ALL[24] as string })) ids.push(meter.id);
    });
    expect(ids).toEqual(ALL.slice(0, 24).reverse());
    expect(sent).toEqual([`?limit=10&ending_before=${ALL[24]}`, `?limit=10&ending_before=${ALL[14]}`, `?limit=10&ending_before=${ALL[4]}`]);
  });

  it('breaking out of a loop fetches nothing more', async () => {
    const ids: string[] = [];
    const sent = await cursors(async () => {
      for await (const meter of stripe.billing.meters.list({ limit: 10 })) {
        ids.push(meter.id);
        if (ids.length === 12) break;
      }
    });
    expect(ids).toHaveLength(12);
    expect(sent).toHaveLength(2);
  });

  it('autoPagingEach awaits an async callback and stops on false', async () => {
    const ids: string[] = [];
    const sent = await cursors(() =>
      stripe.billing.meters.list({ limit: 5 }).autoPagingEach(async (meter: Meter) => {
        await Promise.resolve();
        ids.push(meter.id);
        return ids.length < 7;
      }),
    );
    expect(ids).toEqual(ALL.slice(0, 7));
    expect(sent).toHaveLength(2);
  });

  it('autoPagingToArray collects up to its limit', async () => {
    let some: Meter[] = [];
    const sent = await cursors(async () => {
      some = await stripe.billing.meters.list({ limit: 10 }).autoPagingToArray({ limit: 15 });
    });
    expect(some.map((m) => m.id)).toEqual(ALL.slice(0, 15));
    expect(sent).toHaveLength(2);
    expect(await stripe.billing.meters.list({ limit: 100 }).autoPagingToArray({ limit: 10_000 })).toHaveLength(25);
  });

  it('autoPagingToArray stops at 10,000 items on a long list', async () => {
    const { stripe: many } = setup();
    for (let i = 0; i < 10_050; i++) await createMeter(many, `m_${i}`);
    const items = await many.billing.meters.list({ limit: 100 }).autoPagingToArray({ limit: 10_000 });
    expect(items).toHaveLength(10_000);
    expect(new Set(items.map((m) => m.id)).size).toBe(10_000);
  }, 60_000);

  it.each([[undefined], [{}], [{ limit: 0 }], [{ limit: 10_001 }], [{ limit: 2.5 }]])('autoPagingToArray refuses %j', async (options) => {
    const error = await stripe.billing.meters.list().autoPagingToArray(options as never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StripeInvalidParameterError);
    expect((error as StripeInvalidParameterError).param).toBe('limit');
  });

  it('pages event summaries too', async () => {
    const meter = await createMeter(stripe, 'summed');
    for (let h = 0; h < 3; h++) await stripe.billing.meterEvents.create({ event_name: 'summed', payload: { stripe_customer_id: 'cus_1', value: 1 }, timestamp: T0 - (h + 1) * HOUR });
    const start = emulator.requests().length;
    const list = stripe.billing.meters.listEventSummaries(meter.id, { customer: 'cus_1', start_time: T0 - 3 * HOUR, end_time: T0, value_grouping_window: 'hour', limit: 2 });
    expect((await list.autoPagingToArray({ limit: 10 })).map((s) => s.aggregated_value)).toEqual([1, 1, 1]);
    const pages = emulator.requests().slice(start).map((r) => new URL(r.url, 'http://x').searchParams);
    expect(pages).toHaveLength(2);
    expect(pages[1]?.get('starting_after')).toMatch(/\w/);
    expect(pages[1]?.get('customer')).toBe('cus_1');
  });

  it('a first page that fails rejects both the promise and the loop', async () => {
    const { stripe: failing } = setup({ faults: [{ path: '/v1/billing/meters', fault: 'server_error' }] });
    const list = failing.billing.meters.list();
    await expect(list).rejects.toBeInstanceOf(StripeAPIError);
    await expect(list.autoPagingToArray({ limit: 5 })).rejects.toBeInstanceOf(StripeAPIError);
  });

  it('a list whose first page nobody awaits never produces an unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const record = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', record);
    try {
      const { stripe: failing } = setup({ faults: [{ path: '/v1/billing/meters', fault: 'server_error' }] });
      // The argument error is the caller's to see; the eagerly fetched first page fails unseen.
      await expect(failing.billing.meters.list().autoPagingToArray({} as never)).rejects.toMatchObject({ param: 'limit' });
      void failing.billing.meters.list();
      for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', record);
    }
  });
});

describe('guards against a server that pages forever (an injected fetch: no real server does this)', () => {
  it('has_more with an empty page ends with an error', async () => {
    const { stripe: s } = clientWith(() => json(200, { object: 'list', data: [], has_more: true, url: '/' }));
    const error = await s.billing.meters.list().autoPagingToArray({ limit: 100 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StripeAPIError);
    expect((error as Error).message).toMatch(/has_more: true with an empty page/);
  });

  it('a repeated page ends with an error instead of looping', async () => {
    // The same page, with has_more, ten times: were the guard gone, the walk would end there, not hang.
    let answered = 0;
    const { stripe: s, requests } = clientWith(() => json(200, { object: 'list', data: [METER], has_more: ++answered < 10, url: '/' }));
    const seen: string[] = [];
    const error = await s.billing.meters
      .list()
      .autoPagingEach((m: Meter) => {
        seen.push(m.id);
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StripeAPIError);
    expect((error as Error).message).toMatch(/same page again \(cursor mtr_123\)/);
    expect(seen).toEqual(['mtr_123', 'mtr_123']);
    expect(requests).toHaveLength(2);
  });

  it('against Prism: one page when has_more is false, and the endless-page guard when it is true', async () => {
    const url = inject('prismUrl');
    const prism = new StripeMeters('sk_test_pages', { baseUrl: url, maxNetworkRetries: 0 });
    expect((await prism.billing.meters.list().autoPagingToArray({ limit: 50 })).map((m) => m.id)).toEqual(['mtr_123']);
    // Prism's has_more example for five pages, then its last page: without the guard the walk ends, it does not hang.
    const more = editingHeaders((h) => h.set('Prefer', 'example=more'));
    let pages = 0;
    const asking = new StripeMeters('sk_test_pages', { baseUrl: url, maxNetworkRetries: 0, fetch: (input, init) => (++pages <= 5 ? more(input, init) : fetch(input, init)) });
    const ids: string[] = [];
    const error = await asking.billing.meters
      .list({ limit: 1 })
      .autoPagingEach((m: Meter) => {
        ids.push(m.id);
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StripeAPIError);
    expect(ids).toEqual(['mtr_456', 'mtr_456']);
  });
});
