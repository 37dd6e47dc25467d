// Shared by the outbox tests: an emulator (the only fake Stripe) with a meter whose sum counts
// accepted copies, a client wired to it, and counts taken at the emulator.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { createEmulator, type Emulator, type EmulatorOptions } from '../src/emulator/index.js';
import { StripeMeters, type StripeMetersOptions } from '../src/index.js';

export const KEY = 'sk_test_outbox';
export const EVENT = 'outbox_usage';
export const CUSTOMERS = 8;

export function tempDir(prefix = 'outbox-'): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Call at a test file's top level: hands out fresh SQLite file paths, each removed after its test. */
export function tempDatabases(): () => string {
  const temps: Array<() => void> = [];
  afterEach(() => temps.splice(0).forEach((remove) => remove()));
  return () => {
    const t = tempDir();
    temps.push(t.remove);
    return join(t.dir, 'usage.db');
  };
}

export const range = (n: number) => Array.from({ length: n }, (_, i) => i);

export async function createMeter(stripe: StripeMeters, eventName = EVENT): Promise<string> {
  const meter = await stripe.billing.meters.create({ display_name: 'Outbox usage', event_name: eventName, default_aggregation: { formula: 'sum' } });
  return meter.id;
}

/** An event worth 1 for one of CUSTOMERS customers: the sums at the emulator count accepted copies. */
export const usage = (i: number) => ({ event_name: EVENT, payload: { stripe_customer_id: `cus_${i % CUSTOMERS}`, value: 1 } });

/** An in-process emulator and a client on it (retries fast, so fault tests stay short). */
export async function inProcess(options: EmulatorOptions = {}, client: StripeMetersOptions = {}) {
  const emulator = createEmulator({ onWarning: () => undefined, ...options });
  // On a frozen emulator clock, the client stamps and checks events on that clock.
  const now = options.clock?.frozen === true ? { now: () => emulator.clock.now() * 1000 } : {};
  const stripe = new StripeMeters(KEY, { fetch: emulator.fetch, retryDelay: { initialMs: 5, maxMs: 20, maxRetryAfterMs: 20 }, ...now, ...client });
  const meterId = await createMeter(stripe);
  return { emulator, stripe, meterId };
}

/** Copies the emulator counted, per customer, over the two days around now. */
export async function countedAt(stripe: StripeMeters, meterId: string, nowMs = Date.now()): Promise<number[]> {
  const hour = 3600;
  const start = Math.floor(nowMs / 1000 / hour) * hour - 40 * 24 * hour;
  const counts: number[] = [];
  for (let c = 0; c < CUSTOMERS; c++) {
    const list = await stripe.billing.meters.listEventSummaries(meterId, { customer: `cus_${c}`, start_time: start, end_time: start + 42 * 24 * hour }).autoPagingToArray({ limit: 1000 });
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

/** Polls `check` until it is true (the relay runs on real timers); fails after `ms`. */
export async function until(check: () => boolean | Promise<boolean>, ms = 10_000, what = 'the condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export const total = (counts: number[]) => counts.reduce((a, b) => a + b, 0);

/**
 * Copies the emulator stored of each identifier (it stores every accepted copy): those expected
 * but never stored, those stored more than once, and stored events that were not expected.
 */
export function copiesAt(emulator: Emulator, identifiers: Iterable<string>): { missing: string[]; twice: string[]; unexpected: number } {
  const stored = new Map<string, number>();
  for (const event of emulator.events({})) if (event.identifier !== null) stored.set(event.identifier, (stored.get(event.identifier) ?? 0) + 1);
  const missing: string[] = [];
  const twice: string[] = [];
  for (const id of identifiers) {
    const n = stored.get(id) ?? 0;
    if (n === 0) missing.push(id);
    else if (n > 1) twice.push(id);
    stored.delete(id);
  }
  return { missing, twice, unexpected: [...stored.values()].reduce((a, b) => a + b, 0) };
}
