// Aggregation: one pass over a series' columns. Raw meters count every event; pre-aggregated
// meters (event_time_window hour/day) count, per customer and per bucket of the event timestamp,
// only the latest event received. Cancelled events, and events still inside the summary lag, are
// left out. Sums are compensated (Neumaier), then shown with at most 15 significant digits, the
// precision Stripe accepts values with, so 0.1 + 0.2 reads 0.3.
import type { Series } from './series.js';
import type { MeterObject } from './state.js';

export interface SummaryQuery {
  /** @unit unix seconds, inclusive */
  start: number;
  /** @unit unix seconds, exclusive */
  end: number;
  window: 'hour' | 'day' | undefined;
}

export interface AggregationSettings {
  last: 'timestamp' | 'received';
  emptyBuckets: boolean;
  lagSeconds: number;
}

export interface Bucket {
  start: number;
  end: number;
  value: number;
}

export const WINDOW_SECONDS = { hour: 3600, day: 86400 } as const;

const tidy = (x: number) => (x === 0 ? 0 : Number.isInteger(x) ? x : Number(x.toPrecision(15)));

/** The query's buckets, newest first: only those with events unless emptyBuckets. */
export function aggregate(series: Series | undefined, meter: MeterObject, query: SummaryQuery, settings: AggregationSettings, now: number): Bucket[] {
  const { start, end } = query;
  const width = query.window === undefined ? end - start : WINDOW_SECONDS[query.window];
  const count = Math.round((end - start) / width);
  // Accumulators cover only the buckets the series' timestamps can reach.
  const lo = series === undefined ? 0 : Math.max(0, Math.floor((series.minTs - start) / width));
  const hi = series === undefined ? -1 : Math.min(count - 1, Math.floor((series.maxTs - start) / width));
  const size = Math.max(0, hi - lo + 1);
  const sum = new Float64Array(size);
  const comp = new Float64Array(size);
  const n = new Float64Array(size);
  const lastTs = new Float64Array(size).fill(-Infinity);
  const formula = meter.default_aggregation.formula;
  const byReceipt = settings.last === 'received';

  if (series !== undefined && size > 0) {
    const { ts, value } = series;
    const cutoff = now - settings.lagSeconds;
    const positions = meter.event_time_window == null ? undefined : latestPerBucket(series, WINDOW_SECONDS[meter.event_time_window], cutoff);
    const total = positions === undefined ? series.length : positions.length;
    for (let k = 0; k < total; k++) {
      const i = positions === undefined ? k : (positions[k] as number);
      if (positions === undefined && (series.cancelled[i] === 1 || (series.received[i] as number) > cutoff)) continue;
      const t = ts[i] as number;
      if (t < start || t >= end) continue;
      const b = Math.floor((t - start) / width) - lo;
      const v = value[i] as number;
      n[b] = (n[b] as number) + 1;
      if (formula === 'sum') {
        const s = sum[b] as number;
        const next = s + v;
        comp[b] = (comp[b] as number) + (Math.abs(s) >= Math.abs(v) ? s - next + v : v - next + s);
        sum[b] = next;
      } else if (formula === 'last' && (byReceipt || t >= (lastTs[b] as number))) {
        // In order of receipt, so `>=` gives a tie to the event received last.
        lastTs[b] = t;
        sum[b] = v;
      }
    }
  }

  const buckets: Bucket[] = [];
  const from = query.window === undefined || settings.emptyBuckets ? count - 1 : hi;
  const to = query.window === undefined || settings.emptyBuckets ? 0 : lo;
  for (let b = from; b >= to; b--) {
    const j = b - lo;
    const events = j >= 0 && j < size ? (n[j] as number) : 0;
    if (events === 0 && query.window !== undefined && !settings.emptyBuckets) continue;
    const value = events === 0 ? 0 : formula === 'count' ? events : formula === 'sum' ? tidy((sum[j] as number) + (comp[j] as number)) : (sum[j] as number);
    buckets.push({ start: start + b * width, end: start + (b + 1) * width, value });
  }
  return buckets;
}

/**
 * For a pre-aggregated meter: per bucket of `window` seconds, the position of the latest event
 * received (not cancelled, past the lag), in order of receipt. A cancelled latest event lets the
 * one before it count again, as if it had never been sent.
 */
function latestPerBucket(series: Series, window: number, cutoff: number): number[] {
  const first = Math.floor(series.minTs / window);
  const span = Math.floor(series.maxTs / window) - first + 1;
  const dense = span <= 4_000_000 ? new Uint8Array(span) : undefined;
  const sparse = dense === undefined ? new Set<number>() : undefined;
  const picked: number[] = [];
  for (let i = series.length - 1; i >= 0; i--) {
    if (series.cancelled[i] === 1 || (series.received[i] as number) > cutoff) continue;
    const bucket = Math.floor((series.ts[i] as number) / window) - first;
    if (dense !== undefined) {
      if (dense[bucket] === 1) continue;
      dense[bucket] = 1;
    } else {
      if (sparse?.has(bucket) === true) continue;
      sparse?.add(bucket);
    }
    picked.push(i);
  }
  return picked.reverse();
}
