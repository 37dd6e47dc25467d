// Aggregation against hand-computed tables: each formula, raw and pre-aggregated meters, each
// grouping, with a cancelled event, a duplicate and an invalid stream event that must not count.
import { describe, expect, it } from 'vitest';
import type { StripeMeters } from '../src/index.js';
import { createMeter, DAY, HOUR, setup, summaries, T0, type Formula } from './emulator-kit.js';

const B = T0 - 6 * HOUR; // 06:00Z; the clock stands at 12:00Z
const DAY0 = T0 - 12 * HOUR; // 00:00Z
const at = (hh: number, mm: number, ss = 0) => DAY0 + hh * HOUR + mm * 60 + ss;

type Via = 'v1' | 'v2' | 'stream';
interface Sent {
  via: Via;
  ts: number;
  value: string;
  customer?: string;
  identifier?: string;
  cancel?: boolean;
}

async function report(stripe: StripeMeters, eventName: string, events: Sent[]): Promise<void> {
  const session = await stripe.v2.billing.meterEventSession.create();
  let n = 0;
  for (const e of events) {
    const identifier = e.identifier ?? `${eventName}-${++n}`;
    const payload = { stripe_customer_id: e.customer ?? 'cus_a', value: e.value };
    if (e.via === 'v1') await stripe.billing.meterEvents.create({ event_name: eventName, payload, identifier, timestamp: e.ts });
    else if (e.via === 'v2') await stripe.v2.billing.meterEvents.create({ event_name: eventName, payload, identifier, timestamp: new Date(e.ts * 1000).toISOString() });
    else {
      const event = { event_name: eventName, payload, identifier, timestamp: new Date(e.ts * 1000).toISOString() };
      await stripe.v2.billing.meterEventStream.create({ events: [event] }, { apiKey: session.authentication_token });
    }
    if (e.cancel === true) await stripe.billing.meterEventAdjustments.create({ event_name: eventName, type: 'cancel', cancel: { identifier } });
  }
}

// Sent in this order. #7 repeats #3's identifier (dropped), #8 has an invalid value (reported,
// not counted), #9 is another customer's, #10 and #11 fall outside [06:00, 12:00).
const RAW: Sent[] = [
  { via: 'v1', ts: at(6, 10), value: '10' }, // 1
  { via: 'v2', ts: at(6, 50), value: '5' }, // 2
  { via: 'stream', ts: at(7, 5), value: '7', identifier: 'raw-3' }, // 3
  { via: 'stream', ts: at(7, 5), value: '3' }, // 4: same timestamp as 3, received later
  { via: 'v1', ts: at(8, 30), value: '2.5' }, // 5
  { via: 'v1', ts: at(8, 45), value: '4', cancel: true }, // 6
  { via: 'stream', ts: at(9, 59, 59), value: '1', identifier: 'raw-3' }, // 7: duplicate of 3
  { via: 'stream', ts: at(9, 15), value: 'abc' }, // 8: invalid
  { via: 'v1', ts: at(9, 20), value: '6', customer: 'cus_b' }, // 9
  { via: 'v1', ts: at(5, 59, 59), value: '100' }, // 10: before the range
  { via: 'v1', ts: at(12, 0), value: '1000' }, // 11: at end_time (exclusive)
  { via: 'v2', ts: at(6, 20), value: '9' }, // 12: received last
];

// [offset from 06:00, value], oldest first. A count meter does not read values, so #8 counts there.
const RAW_HOURLY: Record<Formula, Array<readonly [number, number]>> = {
  sum: [[0, 10 + 5 + 9], [HOUR, 7 + 3], [2 * HOUR, 2.5]],
  count: [[0, 3], [HOUR, 2], [2 * HOUR, 1], [3 * HOUR, 1]],
  last: [[0, 5], [HOUR, 3], [2 * HOUR, 2.5]],
};
const RAW_WHOLE: Record<Formula, number> = { sum: 24 + 10 + 2.5, count: 7, last: 2.5 };
const RAW_DAY: Record<Formula, number> = { sum: 36.5 + 100 + 1000, count: 9, last: 1000 };

describe('emulator aggregation: raw meters', () => {
  for (const formula of ['sum', 'count', 'last'] as const) {
    it(`${formula}: hourly, whole range and daily match the hand totals`, async () => {
      const { emulator, stripe } = setup();
      const meter = await createMeter(stripe, `raw_${formula}`, formula);
      await report(stripe, `raw_${formula}`, RAW);
      expect(await summaries(stripe, meter.id, 'cus_a', B, T0, 'hour')).toEqual(RAW_HOURLY[formula]);
      expect(await summaries(stripe, meter.id, 'cus_a', B, T0)).toEqual([[0, RAW_WHOLE[formula]]]);
      expect(await summaries(stripe, meter.id, 'cus_a', DAY0, DAY0 + DAY, 'day')).toEqual([[0, RAW_DAY[formula]]]);
      expect(await summaries(stripe, meter.id, 'cus_b', B, T0, 'hour')).toEqual([[3 * HOUR, formula === 'count' ? 1 : 6]]);
      const reports = emulator.errorReports();
      expect(reports.map((r) => r.data.reason.error_types.map((t) => [t.code, t.error_count]))).toEqual(formula === 'count' ? [] : [[['meter_event_invalid_value', 1]]]);
      if (formula !== 'count') expect(reports[0]?.related_object?.id).toBe(meter.id);
    });
  }

  it('the hourly running totals and a pass over every event agree', async () => {
    for (const formula of ['sum', 'count'] as const) {
      const { stripe } = setup();
      const meter = await createMeter(stripe, `agree_${formula}`, formula);
      await report(stripe, `agree_${formula}`, [...RAW, ...['0.1', '0.2', '-0.05'].map((value) => ({ via: 'v1' as const, ts: at(10, 30), value }))]);
      // Hour-aligned: running totals; a minute off the hour: every event read. No event lies in 06:00-06:01 or 11:59-12:00.
      const hourAligned = await summaries(stripe, meter.id, 'cus_a', B, T0);
      const minuteAligned = await summaries(stripe, meter.id, 'cus_a', B + 60, T0 - 60);
      expect(minuteAligned).toEqual(hourAligned);
      expect(hourAligned).toEqual([[0, formula === 'sum' ? 36.75 : 10]]);
    }
  });

  it('last by receipt (last: "received") takes the event received last', async () => {
    const { stripe } = setup({ last: 'received' });
    const meter = await createMeter(stripe, 'raw_last_received', 'last');
    await report(stripe, 'raw_last_received', RAW);
    expect(await summaries(stripe, meter.id, 'cus_a', B, T0, 'hour')).toEqual([[0, 9], [HOUR, 3], [2 * HOUR, 2.5]]);
    expect(await summaries(stripe, meter.id, 'cus_a', B, T0)).toEqual([[0, 9]]);
  });

  it('empty buckets are omitted, or listed as 0 with emptyBuckets', async () => {
    const { stripe } = setup({ emptyBuckets: true });
    const meter = await createMeter(stripe, 'raw_empty', 'sum');
    await report(stripe, 'raw_empty', RAW);
    expect(await summaries(stripe, meter.id, 'cus_a', B, T0, 'hour')).toEqual([[0, 24], [HOUR, 10], [2 * HOUR, 2.5], [3 * HOUR, 0], [4 * HOUR, 0], [5 * HOUR, 0]]);
    expect(await summaries(stripe, meter.id, 'cus_nobody', B, T0)).toEqual([[0, 0]]);
  });

  it('without grouping a range with no events still has one summary, of 0', async () => {
    const { stripe } = setup();
    const meter = await createMeter(stripe, 'raw_nothing', 'last');
    expect(await summaries(stripe, meter.id, 'cus_a', B, T0)).toEqual([[0, 0]]);
    expect(await summaries(stripe, meter.id, 'cus_a', B, T0, 'hour')).toEqual([]);
  });

  it('decimal sums read as the decimals sent (0.1 + 0.2 is 0.3), negative values included', async () => {
    const { emulator, stripe } = setup();
    const meter = await createMeter(stripe, 'raw_decimals', 'sum');
    const sent: Array<[number, string]> = [[6, '0.1'], [6, '0.2'], [7, '1.1'], [7, '2.2'], [8, '0.7'], [8, '0.1'], [8, '-0.05'], [9, '1e3']];
    await report(stripe, 'raw_decimals', sent.map(([hh, value]) => ({ via: 'v1' as const, ts: at(hh, 30), value })));
    const hourly = [[0, 0.3], [HOUR, 3.3], [2 * HOUR, 0.75]];
    // Hour-aligned (running totals) and a minute off the hour (every event read).
    expect(await summaries(stripe, meter.id, 'cus_a', B, T0, 'hour')).toEqual(hourly);
    expect(await summaries(stripe, meter.id, 'cus_a', B + 60, T0 - 60)).toEqual([[0, 4.35]]);
    // '1e3' is not a decimal as Stripe writes them: reported, not counted.
    expect(emulator.errorReports()[0]?.data.reason.error_types[0]?.sample_errors[0]?.event_identifier).toBe('raw_decimals-8');
  });
});

// A pre-aggregated meter counts, per customer and bucket of its window, the latest event received.
const PRE: Sent[] = [
  { via: 'v1', ts: at(6, 10), value: '10' }, // replaced by 2, then by 6
  { via: 'v2', ts: at(6, 50), value: '5' },
  { via: 'stream', ts: at(7, 5), value: '7' },
  { via: 'v1', ts: at(7, 30), value: '3', cancel: true }, // cancelled: 7 counts again
  { via: 'stream', ts: at(8, 30), value: '2' },
  { via: 'v1', ts: at(6, 20), value: '8' }, // received last in the 06:00 bucket
];

describe('emulator aggregation: pre-aggregated meters', () => {
  const hourly: Record<Formula, Array<readonly [number, number]>> = {
    sum: [[0, 8], [HOUR, 7], [2 * HOUR, 2]],
    count: [[0, 1], [HOUR, 1], [2 * HOUR, 1]],
    last: [[0, 8], [HOUR, 7], [2 * HOUR, 2]],
  };
  const whole: Record<Formula, number> = { sum: 17, count: 3, last: 2 };
  for (const formula of ['sum', 'count', 'last'] as const) {
    it(`event_time_window hour, ${formula}: hourly, whole range and daily`, async () => {
      const { stripe } = setup();
      const meter = await createMeter(stripe, `pre_hour_${formula}`, formula, { event_time_window: 'hour' });
      await report(stripe, `pre_hour_${formula}`, PRE);
      expect(await summaries(stripe, meter.id, 'cus_a', B, T0, 'hour')).toEqual(hourly[formula]);
      expect(await summaries(stripe, meter.id, 'cus_a', B, T0)).toEqual([[0, whole[formula]]]);
      expect(await summaries(stripe, meter.id, 'cus_a', DAY0, DAY0 + DAY, 'day')).toEqual([[0, whole[formula]]]);
    });
  }

  it('event_time_window day: one event per day counts, the latest received', async () => {
    const { stripe } = setup();
    const meter = await createMeter(stripe, 'pre_day', 'sum', { event_time_window: 'day' });
    await report(stripe, 'pre_day', PRE);
    expect(await summaries(stripe, meter.id, 'cus_a', B, T0, 'hour')).toEqual([[0, 8]]);
    expect(await summaries(stripe, meter.id, 'cus_a', DAY0, DAY0 + DAY, 'day')).toEqual([[0, 8]]);
  });
});
