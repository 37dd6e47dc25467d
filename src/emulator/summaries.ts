// Aggregation. Raw meters count every event; pre-aggregated meters (event_time_window hour/day)
// count, per customer and per bucket of the event timestamp, only the latest event received.
// Cancelled events, and events still inside the summary lag, are left out. Hour-aligned sums and
// counts of raw meters add up the series' running hourly totals; everything else is one pass over
// the series' columns. Sums are compensated (Neumaier), then shown with at most 15 significant
// digits, the precision Stripe accepts values with, so 0.1 + 0.2 reads 0.3.
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

/** Per-bucket accumulators for buckets lo..lo+size-1 of the query. */
class Totals {
  readonly sum: Float64Array;
  readonly comp: Float64Array;
  readonly n: Float64Array;
  readonly lastTs: Float64Array;

  constructor(readonly size: number) {
    this.sum = new Float64Array(size);
    this.comp = new Float64Array(size);
    this.n = new Float64Array(size);
    this.lastTs = new Float64Array(size).fill(-Infinity);
  }

  add(b: number, v: number, count: number, exact: boolean): void {
    this.n[b] = (this.n[b] as number) + count;
    const s = this.sum[b] as number;
    const next = s + v;
    if (!exact) this.comp[b] = (this.comp[b] as number) + (Math.abs(s) >= Math.abs(v) ? s - next + v : v - next + s);
    this.sum[b] = next;
  }
}

interface Frame {
  start: number;
  end: number;
  width: number;
  lo: number;
}

function fromHours(series: Series, totals: Totals, f: Frame): void {
  const { hours, sum, comp, count } = series.hours;
  for (let c = 0; c < hours.length; c++) {
    const t = (hours[c] as number) * 3600;
    if (t < f.start || t >= f.end || count[c] === 0) continue;
    totals.add(Math.floor((t - f.start) / f.width) - f.lo, (sum[c] as number) + (comp[c] as number), count[c] as number, false);
  }
}

function fromEvents(series: Series, meter: MeterObject, totals: Totals, f: Frame, settings: AggregationSettings, now: number): void {
  const { ts, value, cancelled, received } = series;
  const lagged = settings.lagSeconds > 0;
  const cutoff = lagged ? now - settings.lagSeconds : Infinity;
  const picks = meter.event_time_window == null ? undefined : latestPerBucket(series, WINDOW_SECONDS[meter.event_time_window], cutoff);
  const formula = meter.default_aggregation.formula;
  const byReceipt = settings.last === 'received';
  // Whole numbers add up exactly in doubles (below 2^53): no compensation needed.
  const exact = series.integral;
  const total = picks === undefined ? series.length : picks.length;
  for (let k = 0; k < total; k++) {
    let i = k;
    if (picks !== undefined) i = picks[k] as number;
    else if (cancelled[i] === 1 || (lagged && (received[i] as number) > cutoff)) continue;
    const t = ts[i] as number;
    if (t < f.start || t >= f.end) continue;
    const b = Math.floor((t - f.start) / f.width) - f.lo;
    if (formula !== 'last') totals.add(b, value[i] as number, 1, exact);
    else {
      totals.n[b] = (totals.n[b] as number) + 1;
      // In order of receipt, so `>=` gives a tie to the event received last.
      if (byReceipt || t >= (totals.lastTs[b] as number)) {
        totals.lastTs[b] = t;
        totals.sum[b] = value[i] as number;
      }
    }
  }
}

/** The query's buckets, newest first: only those with events unless emptyBuckets. */
export function aggregate(series: Series | undefined, meter: MeterObject, query: SummaryQuery, settings: AggregationSettings, now: number): Bucket[] {
  const { start, end } = query;
  const width = query.window === undefined ? end - start : WINDOW_SECONDS[query.window];
  const count = Math.round((end - start) / width);
  // Accumulators cover only the buckets the series' timestamps can reach.
  const lo = series === undefined ? 0 : Math.max(0, Math.floor((series.minTs - start) / width));
  const hi = series === undefined ? -1 : Math.min(count - 1, Math.floor((series.maxTs - start) / width));
  const totals = new Totals(Math.max(0, hi - lo + 1));
  const formula = meter.default_aggregation.formula;
  if (series !== undefined && totals.size > 0) {
    const frame = { start, end, width, lo };
    const hourly = meter.event_time_window == null && formula !== 'last' && settings.lagSeconds === 0 && start % 3600 === 0 && end % 3600 === 0;
    if (hourly) fromHours(series, totals, frame);
    else fromEvents(series, meter, totals, frame, settings, now);
  }

  const buckets: Bucket[] = [];
  const all = query.window === undefined || settings.emptyBuckets;
  for (let b = all ? count - 1 : hi; b >= (all ? 0 : lo); b--) {
    const j = b - lo;
    const events = j >= 0 && j < totals.size ? (totals.n[j] as number) : 0;
    if (events === 0 && !all) continue;
    const sum = totals.sum[j] as number;
    const value = events === 0 ? 0 : formula === 'count' ? events : formula === 'sum' ? tidy(sum + (totals.comp[j] as number)) : sum;
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
