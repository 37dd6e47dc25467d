// The outbox's one adapter onto the SDK: how an event is checked (the same preparation every
// other path uses), how a claimed batch is delivered (the SDK's own delivery engine: the batching
// stream's deliver(), or v1 creates with the client's retries), and how an error is read. Every
// use of SDK internals is here, so that a new delivery engine changes this file only.
import type { StripeMeters } from '../client.js';
import { StripeAuthenticationError, StripeError, StripeInvalidRequestError, StripePermissionError } from '../errors.js';
import { prepareStreamEvent } from '../internal/meter-events.js';
import { isDuplicateMeterEvent } from '../rules/duplicates.js';
import { isTransient } from '../internal/retry-policy.js';
import { MeterEventStreamAbortedError } from '../stream/errors.js';
import type { MeterEventStream } from '../stream/meter-event-stream.js';
import type { MeterEventStreamEvent } from '../stream/settings.js';
import type { FailureRecord, RecordedEvent } from './store.js';

/** An event as record() takes it: `identifier` and `timestamp` are filled in when absent. */
export type OutboxEvent = MeterEventStreamEvent;

/** Whether `value` is a client the relay can deliver through. */
export function isClient(value: unknown): value is StripeMeters {
  return typeof value === 'object' && value !== null && typeof (value as StripeMeters).meterEventStream === 'function';
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

export function verdictOf(error: unknown, identifier: string): Verdict {
  if (!(error instanceof StripeError)) return 'transient';
  if (isDuplicateMeterEvent(error, identifier)) return 'delivered';
  if (isTransient(error)) return 'transient';
  if (error instanceof StripeAuthenticationError || error instanceof StripePermissionError) return 'blocked';
  // Refused by Stripe (an answer to an attempt), or by the same checks before sending.
  if (error instanceof StripeInvalidRequestError && (error.statusCode === 400 || error.attempts === undefined)) return 'refused';
  return 'blocked';
}

export function failureOf(error: unknown): FailureRecord {
  if (error instanceof StripeError) return { type: error.type, message: error.message, code: error.code, statusCode: error.statusCode };
  if (error instanceof Error) return { type: error.name, message: error.message };
  return { type: 'Error', message: String(error) };
}

/** How a batch ended: per identifier, the verdict and the error behind it (absent: accepted). */
export type Results = Map<string, { verdict: Verdict; error: unknown }>;

function failed(results: Results, identifier: string, error: unknown): void {
  results.set(identifier, { verdict: verdictOf(error, identifier), error });
}

export interface Sender {
  /** Sends the events; resolves with each one's verdict (absent: accepted). Rejects only when aborted by close(). */
  send(events: readonly RecordedEvent[]): Promise<Results>;
  /** Waits for sends in flight; with an aborted signal, stops them (their send() rejects). */
  close(signal: AbortSignal | undefined): Promise<void>;
}

export interface SenderSettings {
  via: 'stream' | 'v1';
  /** How long the engine retries one event before handing it back. @unit milliseconds */
  budgetMs: number;
  /** Requests in flight at once. */
  concurrency: number;
}

/** The v2 stream: the SDK's batching sender (deliver(): batches of 100, session tokens, budget, splitting refused batches). */
function streamSender(stripe: StripeMeters, settings: SenderSettings): Sender {
  const refused = new Map<string, unknown>();
  const stream: MeterEventStream = stripe.meterEventStream({
    maxConcurrency: settings.concurrency,
    retryBudgetMs: settings.budgetMs,
    flushIntervalMs: 5,
    maxBufferedEvents: 100_000,
    onError: ({ event, error }) => {
      refused.set(event.identifier, error);
    },
  });
  return {
    async send(events) {
      const results: Results = new Map();
      const taken = await Promise.all(
        events.map((event) =>
          stream.send({ event_name: event.event_name, payload: event.payload, identifier: event.identifier, timestamp: event.timestamp }).then(
            () => true,
            (error: unknown) => {
              failed(results, event.identifier, error);
              return false;
            },
          ),
        ),
      );
      // flush() resolves once every event sent so far is accepted or failed (onError has run).
      await stream.flush();
      events.forEach((event, i) => {
        if (!taken[i]) return;
        if (refused.has(event.identifier)) failed(results, event.identifier, refused.get(event.identifier));
        refused.delete(event.identifier);
      });
      return results;
    },
    async close(signal) {
      try {
        await stream.close(signal === undefined ? {} : { signal });
      } catch (error) {
        // Aborted: what it hands back is still claimed in the store, and is released by the relay.
        if (!(error instanceof MeterEventStreamAbortedError)) throw error;
      }
    },
  };
}

/** v1: one create per event (the client's retries, with the event's own identifier on each). */
function v1Sender(stripe: StripeMeters, settings: SenderSettings): Sender {
  // One controller per create (not one signal shared by every create): close() aborts them all.
  const inFlight = new Set<AbortController>();
  let aborted = false;
  const createOne = (event: RecordedEvent, abort: AbortController) =>
    stripe.billing.meterEvents.create({ event_name: event.event_name, payload: event.payload, identifier: event.identifier, timestamp: Math.floor(Date.parse(event.timestamp) / 1000) }, { signal: abort.signal });
  return {
    async send(events) {
      const results: Results = new Map();
      let next = 0;
      const worker = async () => {
        while (next < events.length) {
          const event = events[next++] as RecordedEvent;
          const abort = new AbortController();
          inFlight.add(abort);
          try {
            await createOne(event, abort);
          } catch (error) {
            if (abort.signal.aborted) throw error;
            failed(results, event.identifier, error);
          } finally {
            inFlight.delete(abort);
          }
        }
      };
      if (aborted) throw new Error('The outbox relay is closed');
      await Promise.all(Array.from({ length: Math.min(settings.concurrency, events.length) }, worker));
      return results;
    },
    async close(signal) {
      if (signal?.aborted) {
        aborted = true;
        for (const abort of inFlight) abort.abort(signal.reason);
      }
    },
  };
}

export function createSender(stripe: StripeMeters, settings: SenderSettings): Sender {
  return settings.via === 'v1' ? v1Sender(stripe, settings) : streamSender(stripe, settings);
}
