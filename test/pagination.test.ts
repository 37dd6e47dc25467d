import { describe, expect, inject, it } from 'vitest';
import { StripeAPIError, StripeInvalidParameterError, StripeMeters, type Meter } from '../src/index.js';
import { clientWith, editingHeaders, json, METER } from './helpers.js';

const ALL = Array.from({ length: 25 }, (_, i) => ({ ...METER, id: `mtr_${String(i).padStart(2, '0')}` }));

/** A list endpoint over ALL (newest first, as Stripe orders), honouring limit and both cursors. */
function listServer(items = ALL) {
  return (req: Request) => {
    const q = new URL(req.url).searchParams;
    const limit = Number(q.get('limit') ?? 10);
    const after = q.get('starting_after');
    const before = q.get('ending_before');
    let page: typeof items;
    let hasMore: boolean;
    if (before !== null) {
      const end = items.findIndex((m) => m.id === before);
      page = items.slice(Math.max(0, end - limit), end);
      hasMore = end - limit > 0;
    } else {
      const start = after === null ? 0 : items.findIndex((m) => m.id === after) + 1;
      page = items.slice(start, start + limit);
      hasMore = start + limit < items.length;
    }
    return json(200, { object: 'list', data: page, has_more: hasMore, url: '/v1/billing/meters' });
  };
}

const cursors = (requests: Array<{ url: URL }>) => requests.map((r) => r.url.search);

describe('auto-pagination', () => {
  it('awaiting gives the first page', async () => {
    const { stripe } = clientWith(listServer());
    const page = await stripe.billing.meters.list({ limit: 10 });
    expect(page.data.map((m) => m.id)).toEqual(ALL.slice(0, 10).map((m) => m.id));
    expect(page.has_more).toBe(true);
    expect(page.lastResponse.statusCode).toBe(200);
  });

  it('for await walks every item forwards, one page at a time', async () => {
    const { stripe, requests } = clientWith(listServer());
    const ids: string[] = [];
    for await (const meter of stripe.billing.meters.list({ limit: 10, status: 'active' })) ids.push(meter.id);
    expect(ids).toEqual(ALL.map((m) => m.id));
    expect(cursors(requests)).toEqual(['?limit=10&status=active', '?limit=10&status=active&starting_after=mtr_09', '?limit=10&status=active&starting_after=mtr_19']);
  });

  it('walks backwards with ending_before when the first call used it', async () => {
    const { stripe, requests } = clientWith(listServer());
    const ids: string[] = [];
    for await (const meter of stripe.billing.meters.list({ limit: 10, ending_before: 'mtr_24' })) ids.push(meter.id);
    expect(ids).toEqual(ALL.slice(0, 24).map((m) => m.id).reverse());
    expect(cursors(requests)).toEqual(['?limit=10&ending_before=mtr_24', '?limit=10&ending_before=mtr_14', '?limit=10&ending_before=mtr_04']);
  });

  it('breaking out of a loop fetches nothing more', async () => {
    const { stripe, requests } = clientWith(listServer());
    const ids: string[] = [];
    for await (const meter of stripe.billing.meters.list({ limit: 10 })) {
      ids.push(meter.id);
      if (ids.length === 12) break;
    }
    expect(ids).toHaveLength(12);
    expect(requests).toHaveLength(2);
  });

  it('autoPagingEach awaits an async callback and stops on false', async () => {
    const { stripe, requests } = clientWith(listServer());
    const ids: string[] = [];
    await stripe.billing.meters.list({ limit: 5 }).autoPagingEach(async (meter: Meter) => {
      await new Promise((r) => setTimeout(r, 1));
      ids.push(meter.id);
      return ids.length < 7;
    });
    expect(ids).toEqual(ALL.slice(0, 7).map((m) => m.id));
    expect(requests).toHaveLength(2);
  });

  it('autoPagingToArray collects up to its limit', async () => {
    const { stripe, requests } = clientWith(listServer());
    const some = await stripe.billing.meters.list({ limit: 10 }).autoPagingToArray({ limit: 15 });
    expect(some.map((m) => m.id)).toEqual(ALL.slice(0, 15).map((m) => m.id));
    expect(requests).toHaveLength(2);
    const all = await stripe.billing.meters.list({ limit: 100 }).autoPagingToArray({ limit: 10_000 });
    expect(all).toHaveLength(25);
  });

  it('autoPagingToArray stops at 10,000 items on a long list', async () => {
    const many = Array.from({ length: 10_250 }, (_, i) => ({ ...METER, id: `mtr_${i}` }));
    const { stripe, requests } = clientWith(listServer(many));
    const items = await stripe.billing.meters.list({ limit: 100 }).autoPagingToArray({ limit: 10_000 });
    expect(items).toHaveLength(10_000);
    expect(items.at(-1)?.id).toBe('mtr_9999');
    expect(requests).toHaveLength(100);
  });

  it.each([[undefined], [{}], [{ limit: 0 }], [{ limit: 10_001 }], [{ limit: 2.5 }]])('autoPagingToArray refuses %j', async (options) => {
    const { stripe } = clientWith(listServer());
    const error = await stripe.billing.meters.list().autoPagingToArray(options as never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StripeInvalidParameterError);
    expect((error as StripeInvalidParameterError).param).toBe('limit');
  });

  it('pages event summaries too', async () => {
    const summaries = Array.from({ length: 3 }, (_, i) => ({ id: `sum_${i}`, object: 'billing.meter_event_summary' }));
    const { stripe, requests } = clientWith((req) => {
      const after = new URL(req.url).searchParams.get('starting_after');
      const start = after === null ? 0 : summaries.findIndex((s) => s.id === after) + 1;
      return json(200, { object: 'list', data: summaries.slice(start, start + 2), has_more: start + 2 < 3, url: '/' });
    });
    const list = stripe.billing.meters.listEventSummaries('mtr_1', { customer: 'cus_1', start_time: 1711584000, end_time: 1711587600, limit: 2 });
    expect((await list.autoPagingToArray({ limit: 10 })).map((s) => s.id)).toEqual(['sum_0', 'sum_1', 'sum_2']);
    expect(requests[1]?.url.searchParams.get('starting_after')).toBe('sum_1');
    expect(requests[1]?.url.searchParams.get('customer')).toBe('cus_1');
  });

  it('a server that says has_more with an empty page ends with an error', async () => {
    const { stripe } = clientWith(() => json(200, { object: 'list', data: [], has_more: true, url: '/' }));
    const error = await stripe.billing.meters.list().autoPagingToArray({ limit: 100 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StripeAPIError);
    expect((error as Error).message).toMatch(/has_more: true with an empty page/);
  });

  it('a server that repeats a page ends with an error instead of looping', async () => {
    const { stripe, requests } = clientWith(() => json(200, { object: 'list', data: [METER], has_more: true, url: '/' }));
    const seen: string[] = [];
    const error = await stripe.billing.meters
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

  it('a first page that fails rejects both the promise and the loop', async () => {
    const { stripe } = clientWith(() => json(500, { error: { type: 'api_error', message: 'down' } }));
    const list = stripe.billing.meters.list();
    await expect(list).rejects.toThrow('down');
    await expect(list.autoPagingToArray({ limit: 5 })).rejects.toThrow('down');
  });

  it('a list whose first page nobody awaits never produces an unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const record = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', record);
    try {
      const { stripe } = clientWith(() => json(500, { error: { type: 'api_error', message: 'down' } }));
      // The argument error is the caller's to see; the eagerly fetched first page fails unseen.
      await expect(stripe.billing.meters.list().autoPagingToArray({} as never)).rejects.toMatchObject({ param: 'limit' });
      void stripe.billing.meters.list();
      await new Promise((r) => setTimeout(r, 50));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', record);
    }
  });

  it('against Prism: one page when has_more is false, and the endless-page guard when it is true', async () => {
    const url = inject('prismUrl');
    const stripe = new StripeMeters('sk_test_pages', { baseUrl: url, maxNetworkRetries: 0 });
    expect((await stripe.billing.meters.list().autoPagingToArray({ limit: 50 })).map((m) => m.id)).toEqual(['mtr_123']);
    const asking = new StripeMeters('sk_test_pages', {
      baseUrl: url,
      maxNetworkRetries: 0,
      fetch: editingHeaders((h) => h.set('Prefer', 'example=more')),
    });
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
