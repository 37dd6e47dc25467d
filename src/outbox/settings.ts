// The outbox's options: defaults, limits, and the horizons that keep a resend safe.
import { StripeInvalidParameterError } from '../errors.js';
import { IDENTIFIER_DEDUPE_WINDOW_SECONDS, MAX_EVENT_AGE_SECONDS } from '../rules/limits.js';
import type { OutboxStore } from './store.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Stripe dedupes an identifier for 24 hours after it received the event (src/rules/limits.ts). */
export const DEDUPE_WINDOW_MS = IDENTIFIER_DEDUPE_WINDOW_SECONDS * 1000;
/** Stripe takes event timestamps up to 35 days old (src/rules/limits.ts). */
export const TIMESTAMP_WINDOW_MS = MAX_EVENT_AGE_SECONDS * 1000;
/** How long before the window's end undelivered events are flagged, unless told otherwise. @unit milliseconds */
export const DEFAULT_WARN_BEFORE_WINDOW_MS = 3 * DAY;
/** What a hold must leave free of the 24 hours: clock differences between relays, and the time from claim to first send. */
const HOLD_SLACK_MS = 10 * MINUTE;

/** What the outbox tells you as it goes. */
export type OutboxNotice =
  | { type: 'dead'; identifier: string; error: { type: string; message: string; code?: string | undefined } }
  | { type: 'held'; identifier: string; reason: string }
  | { type: 'nearing_window'; identifier: string; timestamp: string }
  | { type: 'blocked'; error: { type: string; message: string } }
  | { type: 'store_error'; operation: string; error: Error }
  /** Something unexpected went wrong in the relay; it gives the claim back and goes on. */
  | { type: 'relay_error'; error: Error };

export interface OutboxOptions {
  /** Where events wait: `sqliteStore(path)` or `postgresStore(pool)`. */
  store: OutboxStore;
  /** How the relay sends: the v2 meter event stream, or one v1 create per event. @default "stream" */
  via?: 'stream' | 'v1';
  /** Events per claim. @default 500 */
  batchSize?: number;
  /** Claims a relay works on at once (each with its own sender). @default 4 */
  concurrency?: number;
  /** Requests in flight at once, shared by the claims (stream batches or v1 creates). @default 16 */
  maxRequests?: number;
  /**
   * How long an event may be retried within one claim before it goes back to the store for a
   * later claim. Must be shorter than leaseMs. @unit milliseconds @default 60000, or half of
   * leaseMs when that is shorter
   */
  retryBudgetMs?: number;
  /**
   * How long a claim is a relay's own; after that, another relay takes it over (the first one is
   * presumed dead). @unit milliseconds @default 120000
   */
  leaseMs?: number;
  /** How often an idle relay looks for new events (record() in the same process wakes it at once). @unit milliseconds @default 200 */
  pollIntervalMs?: number;
  /** Delivered rows are deleted after this long. @unit milliseconds @default 604800000 (7 days) */
  retentionMs?: number;
  /**
   * An event whose first send attempt is this old and that is still not known to be delivered is
   * held for a decision, not resent: Stripe forgets identifiers after 24 hours, and a resend could
   * count it twice. At most 24 hours less leaseMs less 10 minutes. @unit milliseconds @default 82800000 (23 hours)
   */
  holdAfterMs?: number;
  /** Flag undelivered events this long before their timestamp leaves Stripe's 35-day window. @unit milliseconds @default 259200000 (3 days) */
  warnBeforeWindowMs?: number;
  /**
   * Check each claimed event against the account's meters before sending it (listed through the
   * client, kept for a minute, listed again when an event names a meter the list lacks): an event
   * no active meter would count is dead-lettered, not sent, since Stripe would accept it and drop
   * it. Turn off only for a key that may not list meters. @default true
   */
  checkMeters?: boolean;
  /**
   * Called with what needs attention: dead letters, holds, events nearing the window, refused keys,
   * store errors. A hook that throws (or rejects) does not stop the relay: the error is reported
   * as a process warning.
   */
  onNotice?: (notice: OutboxNotice) => void;
  /** The clock. @unit milliseconds @default Date.now */
  now?: () => number;
}

export interface OutboxSettings {
  store: OutboxStore;
  via: 'stream' | 'v1';
  batchSize: number;
  concurrency: number;
  maxRequests: number;
  retryBudgetMs: number;
  leaseMs: number;
  pollIntervalMs: number;
  retentionMs: number;
  holdAfterMs: number;
  warnBeforeWindowMs: number;
  checkMeters: boolean;
  /** The caller's hook, guarded: never throws, never leaves a rejection unhandled. */
  onNotice: (notice: OutboxNotice) => void;
  now: () => number;
}

const KNOWN = ['store', 'via', 'batchSize', 'concurrency', 'maxRequests', 'retryBudgetMs', 'leaseMs', 'pollIntervalMs', 'retentionMs', 'holdAfterMs', 'warnBeforeWindowMs', 'checkMeters', 'onNotice', 'now'];

/** A hook's failure, told without throwing: a process warning where there is one. */
function warn(error: unknown): void {
  const text = `stripe-meters outbox: the onNotice hook failed (the relay goes on): ${error instanceof Error ? error.message : String(error)}`;
  const emitWarning = (globalThis as { process?: { emitWarning?: (message: string) => void } }).process?.emitWarning;
  if (emitWarning !== undefined) emitWarning(text);
}

/** The caller's hook, called so that its failure (a throw, a rejected promise) cannot stop the relay. */
export function guarded(hook: ((notice: OutboxNotice) => void) | undefined): (notice: OutboxNotice) => void {
  if (hook === undefined) return () => undefined;
  return (notice) => {
    try {
      const result: unknown = hook(notice);
      if (typeof (result as PromiseLike<unknown> | undefined)?.then === 'function') (result as PromiseLike<unknown>).then(undefined, warn);
    } catch (error) {
      warn(error);
    }
  };
}

function integer(value: unknown, name: string, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) throw new StripeInvalidParameterError(name, `${name} must be a whole number from ${min} to ${max}, got ${String(value)}`);
  return value;
}

function isStore(value: unknown): value is OutboxStore {
  return typeof value === 'object' && value !== null && typeof (value as OutboxStore).claim === 'function' && typeof (value as OutboxStore).insert === 'function';
}

export function outboxSettings(options: unknown): OutboxSettings {
  if (typeof options !== 'object' || options === null) throw new StripeInvalidParameterError('options', 'createOutbox needs options with a store: createOutbox(stripe, { store: sqliteStore(path) })');
  for (const key of Object.keys(options)) if (!KNOWN.includes(key)) throw new StripeInvalidParameterError(key, `${key} is not an outbox option (known: ${KNOWN.join(', ')})`);
  const o = options as OutboxOptions;
  if (!isStore(o.store)) throw new StripeInvalidParameterError('store', 'store must be an outbox store: sqliteStore(path) from stripe-meters/outbox/sqlite or postgresStore(pool) from stripe-meters/outbox/postgres');
  if (o.via !== undefined && o.via !== 'stream' && o.via !== 'v1') throw new StripeInvalidParameterError('via', `via must be "stream" or "v1", got ${String(o.via)}`);
  for (const name of ['onNotice', 'now'] as const) if (o[name] !== undefined && typeof o[name] !== 'function') throw new StripeInvalidParameterError(name, `${name} must be a function`);
  if (o.checkMeters !== undefined && typeof o.checkMeters !== 'boolean') throw new StripeInvalidParameterError('checkMeters', `checkMeters must be true or false, got ${String(o.checkMeters)}`);
  const via = o.via ?? 'stream';
  const leaseMs = integer(o.leaseMs, 'leaseMs', 1000, 6 * HOUR, 2 * MINUTE);
  const retryBudgetMs = integer(o.retryBudgetMs, 'retryBudgetMs', 0, leaseMs - 1, Math.min(MINUTE, leaseMs / 2));
  const holdAfterMs = integer(o.holdAfterMs, 'holdAfterMs', 0, DEDUPE_WINDOW_MS - leaseMs - HOLD_SLACK_MS, Math.min(23 * HOUR, DEDUPE_WINDOW_MS - leaseMs - HOLD_SLACK_MS));
  return {
    store: o.store,
    via,
    batchSize: integer(o.batchSize, 'batchSize', 1, 10_000, 500),
    concurrency: integer(o.concurrency, 'concurrency', 1, 64, 4),
    maxRequests: integer(o.maxRequests, 'maxRequests', 1, 256, 16),
    retryBudgetMs,
    leaseMs,
    pollIntervalMs: integer(o.pollIntervalMs, 'pollIntervalMs', 1, HOUR, 200),
    retentionMs: integer(o.retentionMs, 'retentionMs', 0, 365 * DAY, 7 * DAY),
    holdAfterMs,
    warnBeforeWindowMs: integer(o.warnBeforeWindowMs, 'warnBeforeWindowMs', 0, 30 * DAY, DEFAULT_WARN_BEFORE_WINDOW_MS),
    checkMeters: o.checkMeters ?? true,
    onNotice: guarded(o.onNotice),
    now: o.now ?? (() => Date.now()),
  };
}
