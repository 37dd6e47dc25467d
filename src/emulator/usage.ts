// Usage per customer of one meter, for the dashboard: each customer's buckets by hour or day and
// their total over a range, computed by aggregate() (the code behind event summaries), so the
// chart and the table always agree with GET /v1/billing/meters/{id}/event_summaries.
import { widenSummaryRange } from '../rules/summaries.js';
import type { Settings } from './context.js';
import { aggregate, WINDOW_SECONDS } from './summaries.js';
import type { MeterObject, State } from './state.js';

export interface UsageQuery {
  meter: string;
  /** A connected account, or null for the platform. @default null */
  account?: string | null;
  /** @default "hour" */
  window?: 'hour' | 'day';
  /** @unit unix seconds @default 24 hours (hour) or 30 days (day) before `end` */
  start?: number;
  /** @unit unix seconds @default the end of the current hour or day */
  end?: number;
}

export interface Usage {
  meter: MeterObject;
  window: 'hour' | 'day';
  start: number;
  end: number;
  customers: Array<{ customer: string; total: number; buckets: Array<{ start: number; value: number }> }>;
}

/** At most this many buckets in one usage query (a month of hours). */
const MAX_BUCKETS = 1000;

export function usage(state: State, settings: Settings, now: number, query: UsageQuery): Usage | string {
  const account = state.accounts.get(query.account ?? '');
  const record = account?.meters.get(query.meter);
  if (record === undefined) return `No meter ${JSON.stringify(query.meter)} in this account.`;
  const window = query.window ?? 'hour';
  const width = WINDOW_SECONDS[window];
  const end = query.end ?? Math.floor(now / width) * width + width;
  const start = query.start ?? end - (window === 'hour' ? 24 : 30) * width;
  const range = widenSummaryRange(start, end, window);
  if (!(range.end > range.start) || (range.end - range.start) / width > MAX_BUCKETS) return `The range must hold 1 to ${MAX_BUCKETS} ${window} buckets.`;
  const customers: Usage['customers'] = [];
  for (const [customer, series] of record.series) {
    const buckets = aggregate(series, record.meter, { start: range.start, end: range.end, window }, settings.aggregation, now)
      .map((b) => ({ start: b.start, value: b.value }))
      .reverse();
    // The total is the summary of the whole range (for `last`, not the sum of the buckets).
    const whole = aggregate(series, record.meter, { start: range.start, end: range.end, window: undefined }, settings.aggregation, now);
    customers.push({ customer, total: whole[0]?.value ?? 0, buckets });
  }
  customers.sort((a, b) => b.total - a.total || a.customer.localeCompare(b.customer));
  return { meter: structuredClone(record.meter), window, start: range.start, end: range.end, customers };
}
