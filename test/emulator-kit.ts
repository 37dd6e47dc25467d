// Shared by the emulator tests: an emulator on a frozen clock with a client wired to it, and raw
// requests for what the client would never send.
import { StripeMeters, type StripeMetersOptions } from '../src/index.js';
import { createEmulator, type Emulator, type EmulatorOptions } from '../src/emulator/index.js';

export const HOUR = 3600;
export const DAY = 86_400;
/** 2026-01-15T12:00:00Z: the frozen clock's start, a whole hour. */
export const T0 = Date.UTC(2026, 0, 15, 12) / 1000;
export const KEY = 'sk_test_emulator';

export function setup(options: EmulatorOptions = {}, client: StripeMetersOptions = {}) {
  const warnings: string[] = [];
  const emulator = createEmulator({ clock: { start: T0, frozen: true }, onWarning: (m) => warnings.push(m), ...options });
  const stripe = new StripeMeters(KEY, { fetch: emulator.fetch, maxNetworkRetries: 0, ...client });
  return { emulator, stripe, warnings };
}

export type Formula = 'sum' | 'count' | 'last';

export function createMeter(stripe: StripeMeters, eventName: string, formula: Formula = 'sum', extra: { event_time_window?: 'hour' | 'day'; value_key?: string; customer_key?: string } = {}) {
  return stripe.billing.meters.create({
    display_name: `Meter for ${eventName}`,
    event_name: eventName,
    default_aggregation: { formula },
    ...(extra.event_time_window === undefined ? {} : { event_time_window: extra.event_time_window }),
    ...(extra.value_key === undefined ? {} : { value_settings: { event_payload_key: extra.value_key } }),
    ...(extra.customer_key === undefined ? {} : { customer_mapping: { type: 'by_id', event_payload_key: extra.customer_key } }),
  });
}

export interface RawAnswer {
  status: number;
  headers: Headers;
  body: { error?: Record<string, unknown> } & Record<string, unknown>;
}

/** A request as is, through the emulator's fetch (any host). */
export async function raw(emulator: Emulator, method: 'GET' | 'POST', path: string, options: { body?: string; headers?: Record<string, string>; json?: unknown } = {}): Promise<RawAnswer> {
  const headers: Record<string, string> = { authorization: `Bearer ${KEY}`, ...options.headers };
  let body = options.body;
  if (options.json !== undefined) {
    body = JSON.stringify(options.json);
    headers['content-type'] = 'application/json';
  } else if (body !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded';
  const response = await emulator.fetch(`https://api.stripe.com${path}`, { method, headers, ...(body === undefined ? {} : { body }) });
  return { status: response.status, headers: response.headers, body: (await response.json()) as RawAnswer['body'] };
}

/** Reads hourly (or daily, or whole-range) sums for a customer, oldest first, as [start, value]. */
export async function summaries(stripe: StripeMeters, meterId: string, customer: string, start: number, end: number, window?: 'hour' | 'day') {
  const list = await stripe.billing.meters
    .listEventSummaries(meterId, { customer, start_time: start, end_time: end, limit: 100, ...(window === undefined ? {} : { value_grouping_window: window }) })
    .autoPagingToArray({ limit: 10_000 });
  return list.map((s) => [s.start_time - start, s.aggregated_value] as const).reverse();
}
