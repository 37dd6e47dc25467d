// The outbox's one adapter onto the SDK: how an event is checked (the same preparation every
// other path uses), how a claimed batch is delivered (the SDK's own delivery engine,
// src/internal/delivery.ts: the v2 stream in batches of 100 under a shared session, or v1 creates,
// retried within the budget), and how an outcome is read. Every use of SDK internals is here, so
// that a new delivery engine changes this file only.
import type { StripeMeters } from '../client.js';
import { StripeError } from '../errors.js';
import { classifyDeliveryError, deliver, type DeliveryOutcome } from '../internal/delivery.js';
import { prepareStreamEvent } from '../internal/meter-events.js';
import { SessionTokens } from '../internal/sessions.js';
import type { MeterEventSenderEvent } from '../sender/settings.js';
import type { FailureRecord, RecordedEvent } from './store.js';

/** An event as record() takes it: `identifier` and `timestamp` are filled in when absent. */
export type OutboxEvent = MeterEventSenderEvent;

/** Whether `value` is a client the relay can deliver through. */
export function isClient(value: unknown): value is StripeMeters {
  return typeof value === 'object' && value !== null && typeof (value as StripeMeters).meterEventSender === 'function';
}

/** Checks an event as every other path does and fixes its identifier and timestamp. */
export function prepareEvent(event: unknown, now: number): RecordedEvent {
  const prepared = prepareStreamEvent(event, now);
  return { identifier: prepared.identifier, event_name: prepared.event_name, payload: prepared.payload as Record<string, string>, timestamp: prepared.timestamp };
}

/**
 * What an error means for the event: `delivered` (Stripe already holds its identifier),
 * `transient` (send it again later), `blocked` (the key or account is refused: nothing is wrong
 * with the event; send it again later) or `refused` (Stripe refused the event itself: dead letter).
 */
export type Verdict = 'delivered' | 'transient' | 'blocked' | 'refused';

/** What an error that ended an event for good means: the delivery engine's one classification. */
function verdictOf(error: StripeError, identifier: string): Verdict {
  const kind = classifyDeliveryError(error, identifier);
  if (kind === 'duplicate') return 'delivered';
  if (kind === 'refused') return 'refused';
  // Not the event's fault (the key, the account, an answer that may pass later): send it again later.
  return 'blocked';
}

export function failureOf(error: unknown): FailureRecord {
  if (error instanceof StripeError) return { type: error.type, message: error.message, code: error.code, statusCode: error.statusCode };
  if (error instanceof Error) return { type: error.name, message: error.message };
  return { type: 'Error', message: String(error) };
}

/** How a batch ended: per identifier, the verdict and the error behind it (absent: accepted). */
export type Results = Map<string, { verdict: Verdict; error: unknown }>;

export interface Sender {
  /** Sends the events; resolves with each one's verdict (absent: accepted). Rejects only when aborted by close(). */
  send(events: readonly RecordedEvent[]): Promise<Results>;
  /** With an aborted signal, stops the sends in flight (their send() rejects); otherwise they finish on their own. */
  close(signal: AbortSignal | undefined): Promise<void>;
}

export interface SenderSettings {
  via: 'stream' | 'v1';
  /** How long the engine retries one event before handing it back. @unit milliseconds */
  budgetMs: number;
  /** Requests in flight at once. */
  concurrency: number;
  /** The clock each attempt re-checks the timestamp window on. @unit milliseconds since the epoch */
  now: () => number;
}

/** One event's outcome as the relay reads it (undefined: accepted). */
function verdictFor(outcome: DeliveryOutcome, identifier: string): { verdict: Verdict; error: unknown } | undefined {
  switch (outcome.status) {
    case 'delivered':
      return outcome.duplicate ? { verdict: 'delivered', error: undefined } : undefined;
    case 'failed':
      return { verdict: verdictOf(outcome.error, identifier), error: outcome.error };
    case 'undelivered':
      return { verdict: 'transient', error: outcome.error ?? new Error('not delivered') };
  }
}

/** Delivers through the SDK's delivery engine, one session per sender. */
export function createSender(stripe: StripeMeters, settings: SenderSettings): Sender {
  const sessions = new SessionTokens(stripe);
  const inFlight = new Set<AbortController>();
  let closed = false;
  return {
    async send(events) {
      if (closed) throw new Error('The outbox relay is closed');
      const abort = new AbortController();
      inFlight.add(abort);
      let outcomes: DeliveryOutcome[];
      try {
        // The four fields of the event as recorded (a claimed row carries the store's own too).
        const wire = events.map((e) => ({ event_name: e.event_name, payload: e.payload, identifier: e.identifier, timestamp: e.timestamp }));
        outcomes = await deliver(stripe, wire, { via: settings.via, deadline: Date.now() + settings.budgetMs, signal: abort.signal, sessions, concurrency: settings.concurrency, now: settings.now, windowEdge: 'avoid' });
      } finally {
        inFlight.delete(abort);
      }
      // Stopped by an aborted close(): the claims go back to the store as they are.
      if (abort.signal.aborted) throw abort.signal.reason;
      const results: Results = new Map();
      events.forEach((event, i) => {
        const verdict = verdictFor(outcomes[i] as DeliveryOutcome, event.identifier);
        if (verdict !== undefined) results.set(event.identifier, verdict);
      });
      return results;
    },
    async close(signal) {
      if (signal?.aborted !== true) return;
      closed = true;
      for (const abort of inFlight) abort.abort(signal.reason);
    },
  };
}
