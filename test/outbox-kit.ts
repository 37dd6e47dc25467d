// Shared by the outbox tests: an emulator (the only fake Stripe) with a meter whose sum counts
// accepted copies, a client wired to it, and counts taken at the emulator.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEmulator, type Emulator, type EmulatorOptions } from '../src/emulator/index.js';
import { StripeMeters, type StripeMetersOptions } from '../src/index.js';

export const KEY = 'sk_test_outbox';
export const EVENT = 'outbox_usage';
export const CUSTOMERS = 8;

export function tempDir(prefix = 'outbox-'): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export async function createMeter(stripe: StripeMeters, eventName = EVENT): Promise<string> {
  const meter = await stripe.billing.meters.create({ display_name: 'Outbox usage', event_name: eventName, default_aggregation: { formula: 'sum' } });
  return meter.id;
}

/** An event worth 1 for one of CUSTOMERS customers: the sums at the emulator count accepted copies. */
export const usage = (i: number) => ({ event_name: EVENT, payload: { stripe_customer_id: `cus_${i % CUSTOMERS}`, value: 1 } });

/** An in-process emulator and a client on it (retries fast, so fault tests stay short). */
export async function inProcess(options: EmulatorOptions = {}, client: StripeMetersOptions = {}) {
  const emulator = createEmulator({ onWarning: () => undefined, ...options });
  const stripe = new StripeMeters(KEY, { fetch: emulator.fetch, retryDelay: { initialMs: 5, maxMs: 20, maxRetryAfterMs: 20 }, ...client });
  const meterId = await createMeter(stripe);
  return { emulator, stripe, meterId };
}

/** Copies the emulator counted, per customer, over the two days around now. */
export async function countedAt(stripe: StripeMeters, meterId: string): Promise<number[]> {
  const hour = 3600;
  const start = Math.floor(Date.now() / 1000 / hour) * hour - 24 * hour;
  const counts: number[] = [];
  for (let c = 0; c < CUSTOMERS; c++) {
    const list = await stripe.billing.meters.listEventSummaries(meterId, { customer: `cus_${c}`, start_time: start, end_time: start + 48 * hour }).autoPagingToArray({ limit: 1000 });
    counts.push(list.reduce((sum, s) => sum + s.aggregated_value, 0));
  }
  return counts;
}

/** Expected counts per customer for events 0..n-1 made by usage(). */
export function expectedCounts(indices: Iterable<number>): number[] {
  const counts = new Array<number>(CUSTOMERS).fill(0);
  for (const i of indices) counts[i % CUSTOMERS] = (counts[i % CUSTOMERS] ?? 0) + 1;
  return counts;
}

export type { Emulator };
