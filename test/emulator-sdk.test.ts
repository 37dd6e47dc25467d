// The client's pagination and stream against the emulator (in process): auto-paging both ways,
// stopping early, summaries across pages, and the batching stream through injected faults,
// counting every event exactly once.
import { describe, expect, it } from 'vitest';
import { StripeMeters } from '../src/index.js';
import { createMeter, HOUR, KEY, setup, summaries, T0 } from './emulator-kit.js';

/** The emulator's fetch, counting the requests that reach it. */
function counted(fetch: (url: string, init: RequestInit) => Promise<Response>) {
  const seen: string[] = [];
  return {
    seen,
    fetch: (url: string, init: RequestInit) => {
      seen.push(`${init.method ?? 'GET'} ${new URL(url).pathname}${new URL(url).search}`);
      return fetch(url, init);
    },
  };
}

describe('the client against the emulator: pagination', () => {
  it('auto-pages every meter newest first, and stops fetching when the loop stops', async () => {
    const { emulator, stripe } = setup();
    const ids: string[] = [];
    for (let i = 0; i < 25; i++) {
      ids.push((await createMeter(stripe, `m${i}`)).id);
      emulator.clock.advance({ seconds: 1 });
    }
    const spy = counted(emulator.fetch);
    const client = new StripeMeters(KEY, { fetch: spy.fetch });
    const all: string[] = [];
    for await (const meter of client.billing.meters.list({ limit: 10 })) all.push(meter.id);
    expect(all).toEqual([...ids].reverse());
    expect(spy.seen).toHaveLength(3);
    spy.seen.length = 0;
    let n = 0;
    for await (const meter of client.billing.meters.list({ limit: 4 })) {
      expect(meter.object).toBe('billing.meter');
      if (++n === 5) break;
    }
    expect(spy.seen).toHaveLength(2);
    // A first call with ending_before pages backwards, towards newer meters.
    const newer = await client.billing.meters.list({ limit: 4, ending_before: ids[10] ?? '' }).autoPagingToArray({ limit: 100 });
    expect(newer.map((m) => m.id).sort()).toEqual(ids.slice(11).sort());
  });

  it('auto-pages hourly summaries across pages, cursors surviving new usage between pages', async () => {
    const { stripe } = setup();
    const meter = await createMeter(stripe, 'tokens');
    const start = T0 - 30 * HOUR;
    for (let h = 0; h < 30; h++) {
      await stripe.billing.meterEvents.create({ event_name: 'tokens', payload: { stripe_customer_id: 'cus_a', value: String(h + 1) }, timestamp: start + h * HOUR + 60 });
    }
    const pager = stripe.billing.meters.listEventSummaries(meter.id, { customer: 'cus_a', start_time: start, end_time: T0, value_grouping_window: 'hour', limit: 7 });
    const values: number[] = [];
    for await (const summary of pager) {
      values.push(summary.aggregated_value);
      // New usage in an hour already listed, and in one still to come.
      if (values.length === 3) await stripe.billing.meterEvents.create({ event_name: 'tokens', payload: { stripe_customer_id: 'cus_a', value: '100' }, timestamp: start + 60 });
    }
    expect(values).toEqual(Array.from({ length: 30 }, (_, i) => (30 - i === 1 ? 101 : 30 - i)));
    const first = await stripe.billing.meters.listEventSummaries(meter.id, { customer: 'cus_a', start_time: start, end_time: T0, value_grouping_window: 'hour', limit: 7 });
    const second = await stripe.billing.meters.listEventSummaries(meter.id, { customer: 'cus_a', start_time: start, end_time: T0, value_grouping_window: 'hour', limit: 7, starting_after: first.data.at(-1)?.id ?? '' });
    expect(second.data.map((s) => s.start_time)).toEqual(Array.from({ length: 7 }, (_, i) => T0 - (8 + i) * HOUR));
    await expect(
      stripe.billing.meters.listEventSummaries(meter.id, { customer: 'cus_other', start_time: start, end_time: T0, starting_after: first.data[0]?.id ?? '' }),
    ).rejects.toMatchObject({ statusCode: 404, param: 'starting_after' });
  });

  it('summary queries follow Stripe\'s alignment rules', async () => {
    const { stripe } = setup();
    const meter = await createMeter(stripe, 'tokens');
    const query = (start_time: number, end_time: number, value_grouping_window?: 'hour' | 'day') =>
      stripe.billing.meters.listEventSummaries(meter.id, { customer: 'c', start_time, end_time, ...(value_grouping_window === undefined ? {} : { value_grouping_window }) });
    // The client refuses misaligned ranges itself; through the raw client they reach the emulator.
    const rawQuery = (start_time: number, end_time: number, value_grouping_window?: 'hour' | 'day') =>
      stripe.raw.GET('/v1/billing/meters/{id}/event_summaries', {
        params: { path: { id: meter.id }, query: { customer: 'c', start_time, end_time, ...(value_grouping_window === undefined ? {} : { value_grouping_window }) } },
      });
    await expect(query(T0 - HOUR, T0, 'hour')).resolves.toMatchObject({ data: [] });
    await expect(rawQuery(T0 - 90, T0)).rejects.toMatchObject({ statusCode: 400, param: 'start_time' });
    await expect(rawQuery(T0 - HOUR, T0 - 60, 'hour')).rejects.toMatchObject({ statusCode: 400, param: 'end_time' });
    await expect(rawQuery(T0 - 24 * HOUR, T0, 'day')).rejects.toMatchObject({ statusCode: 400, param: 'start_time', message: expect.stringContaining('00:00 UTC') });
    await expect(rawQuery(T0, T0)).rejects.toMatchObject({ statusCode: 400, param: 'end_time' });
  });
});

describe('the client against the emulator: the batching stream', () => {
  it('delivers 20,000 events through resets (before and after landing), 500s, 429s and 409s exactly once', async () => {
    const { emulator, stripe } = setup(
      {
        faults: [
          { path: '/v2/billing/meter_event_stream', fault: 'reset_after', rate: 0.1 },
          { path: '/v2/billing/meter_event_stream', fault: 'reset', rate: 0.1 },
          { path: 'PostV2BillingMeterEventStream', fault: 'server_error', rate: 0.1 },
          { path: '/v2/billing/meter_event_stream', fault: 'rate_limit', rate: 0.05, retryAfterSeconds: 0 },
          { path: '/v2/billing/meter_event_stream', fault: 'conflict', rate: 0.05 },
          { path: '/v2/billing/meter_event_session', fault: 'reset_after', times: 1 },
        ],
      },
      { maxNetworkRetries: 8, retryDelay: { initialMs: 1, maxMs: 2 } },
    );
    const meter = await createMeter(stripe, 'calls');
    const stream = stripe.meterEventSender();
    const at = new Date(T0 * 1000);
    for (let i = 0; i < 20_000; i++) await stream.send({ event_name: 'calls', payload: { stripe_customer_id: `cus_${i % 4}`, value: 1 + (i % 3) }, timestamp: at });
    await stream.close();
    expect(stream.stats).toMatchObject({ sent: 20_000, accepted: 20_000, failed: 0 });
    expect(stream.stats.retried).toBeGreaterThan(0);
    // Per customer: 5,000 events, values 1, 2, 3 in turn starting at i % 3.
    const expected = [0, 1, 2, 3].map((c) => Array.from({ length: 5000 }, (_, k) => 1 + ((c + 4 * k) % 3)).reduce((a, b) => a + b, 0));
    for (const c of [0, 1, 2, 3]) expect(await summaries(stripe, meter.id, `cus_${c}`, T0 - HOUR, T0 + HOUR)).toEqual([[0, expected[c]]]);
    expect(emulator.errorReports()).toEqual([]);
  });

  it('v1 and v2 creates retried after a lost answer count once', async () => {
    const { stripe } = setup(
      { faults: [{ path: '/v1/billing/meter_events', fault: 'reset_after', times: 3 }, { path: '/v2/billing/meter_events', fault: 'reset_after', times: 3 }] },
      { maxNetworkRetries: 3, retryDelay: { initialMs: 1, maxMs: 2 } },
    );
    const meter = await createMeter(stripe, 'calls');
    const v1 = await stripe.billing.meterEvents.create({ event_name: 'calls', payload: { stripe_customer_id: 'cus_a', value: '5' } });
    expect(v1.lastResponse.attempts).toBe(4);
    const v2 = await stripe.v2.billing.meterEvents.create({ event_name: 'calls', payload: { stripe_customer_id: 'cus_a', value: '7' } });
    expect(v2.lastResponse.attempts).toBe(4);
    expect(await summaries(stripe, meter.id, 'cus_a', T0 - HOUR, T0 + HOUR)).toEqual([[0, 12]]);
  });

  it('events the stream accepts but the emulator finds invalid show in the error reports', async () => {
    const { emulator, stripe } = setup();
    await createMeter(stripe, 'calls');
    const stream = stripe.meterEventSender();
    const at = new Date(T0 * 1000);
    await stream.send({ event_name: 'calls', payload: { stripe_customer_id: 'cus_a', value: 1 }, timestamp: at });
    await stream.send({ event_name: 'calls', payload: { value: 1 }, identifier: 'no-customer', timestamp: at });
    await stream.send({ event_name: 'typo', payload: { stripe_customer_id: 'cus_a', value: 1 }, identifier: 'no-meter', timestamp: at });
    await stream.close();
    expect(stream.stats).toMatchObject({ accepted: 3, failed: 0 });
    const samples = emulator.errorReports().map((r) => [r.type, r.data.reason.error_types[0]?.sample_errors[0]?.event_identifier]);
    expect(samples).toEqual([
      ['v1.billing.meter.error_report_triggered', 'no-customer'],
      ['v1.billing.meter.no_meter_found', 'no-meter'],
    ]);
  });
});
