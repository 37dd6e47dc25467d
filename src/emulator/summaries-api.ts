// GET /v1/billing/meters/{id}/event_summaries: Stripe's alignment rules, then the aggregation,
// then a page of it. Summary ids name their bucket, so cursors survive new events between pages.
import type { Handler } from './context.js';
import { summaryId, summaryStart } from './ids.js';
import { page } from './pagination.js';
import { summaryRangeProblem } from '../rules/summaries.js';
import { aggregate, WINDOW_SECONDS } from './summaries.js';
import { notFound, v1Error, type Reply } from './wire.js';

/** Beyond this many buckets the emulator refuses to list empty ones (emptyBuckets). */
const MAX_EMPTY_BUCKETS = 100_000;

interface Params {
  customer: string;
  start_time: number;
  end_time: number;
  value_grouping_window?: 'hour' | 'day';
  limit?: number;
  starting_after?: string;
  ending_before?: string;
}

/** Stripe's alignment rule (src/rules/summaries.ts), answered as v1 answers a bad param. */
function misaligned(p: Params): Reply | undefined {
  const found = summaryRangeProblem(p.start_time, p.end_time, p.value_grouping_window);
  return found === undefined ? undefined : v1Error(400, { param: found.param, message: found.message });
}

export const listEventSummaries: Handler = (context) => {
  const id = context.path['id'] ?? '';
  const record = context.account.meters.get(id);
  if (record === undefined) return notFound('billing meter', id);
  const p = context.params as unknown as Params;
  const refused = misaligned(p);
  if (refused !== undefined) return refused;
  if (p.starting_after !== undefined && p.ending_before !== undefined) {
    return v1Error(400, { code: 'parameters_exclusive', param: 'ending_before', message: 'You may only specify one of these parameters: ending_before, starting_after.' });
  }
  const { aggregation } = context.settings;
  const window = p.value_grouping_window;
  if (window !== undefined && aggregation.emptyBuckets && (p.end_time - p.start_time) / WINDOW_SECONDS[window] > MAX_EMPTY_BUCKETS) {
    return v1Error(400, { param: 'end_time', message: `The range holds more than ${MAX_EMPTY_BUCKETS} ${window} buckets; the emulator lists empty buckets (emptyBuckets) only for smaller ranges.` });
  }
  const cursors: { after?: number; before?: number } = {};
  for (const [param, side] of [['starting_after', 'after'], ['ending_before', 'before']] as const) {
    const cursor = p[param];
    if (cursor === undefined) continue;
    const start = summaryStart(cursor, id, p.customer);
    if (start === undefined) return notFound('billing meter event summary', cursor, param);
    cursors[side] = start;
  }
  const buckets = aggregate(record.series.get(p.customer), record.meter, { start: p.start_time, end: p.end_time, window }, aggregation, context.now);
  const { data, has_more } = page(buckets, (b) => b.start, { limit: p.limit ?? 10, ...cursors });
  return {
    status: 200,
    body: {
      object: 'list',
      data: data.map((b) => ({
        id: summaryId(id, p.customer, b.start, b.end),
        object: 'billing.meter_event_summary',
        aggregated_value: b.value,
        end_time: b.end,
        livemode: false,
        meter: id,
        start_time: b.start,
      })),
      has_more,
      url: `/v1/billing/meters/${id}/event_summaries`,
    },
  };
};
