// The delivery engine: prepared meter events to Stripe, each ending delivered, failed for good, or
// not delivered (its time budget ran out, or the caller aborted). The batching sender and the
// outbox relay both deliver through it. The v2 stream (the default) sends batches of up to 100
// under a shared session token; a batch Stripe refuses is split until the bad events stand alone,
// so the others get through. v1 sends one create per event. Every attempt goes through the one
// retry engine (src/internal/call.ts) with a deadline; every resend carries the same identifiers,
// so Stripe counts each event once.
import { PostBillingMeterEvents, PostV2BillingMeterEventStream } from '../../generated/rules.js';
import type { StripeMetersCore } from '../client-core.js';
import { StripeInvalidRequestError, type StripeError } from '../errors.js';
import type { ResponseEvent } from '../options.js';
import type { Outcome } from './call.js';
import { isDuplicateMeterEvent } from '../rules/duplicates.js';
import type { StreamWireEvent } from './meter-events.js';
import type { RetryPolicy } from './retry.js';
import { SessionTokens } from './sessions.js';

/** A prepared event (src/internal/meter-events.ts prepareStreamEvent): what is delivered. */
export type DeliveryEvent = StreamWireEvent;

/** How one event ended. */
export type DeliveryOutcome =
  /** Stripe accepted it; `duplicate`: v1 answered that it already holds the identifier (an earlier delivery landed). */
  | { status: 'delivered'; duplicate: boolean }
  /** Stripe refused it, or the key or account was refused: sending it again will not help. */
  | { status: 'failed'; error: StripeError }
  /** Not known to be delivered: the budget ran out (`error`: the last failure) or the caller aborted. Resend later, as it is. */
  | { status: 'undelivered'; error: StripeError | undefined; aborted: boolean };

export interface DeliveryOptions {
  /** 'stream' (v2, batches of up to 100, the default) or 'v1' (one create per event). */
  via?: 'stream' | 'v1';
  /** No retry starts after this. @unit milliseconds since the epoch (Date.now) */
  deadline: number;
  /** Stops every attempt and wait at once; the events not settled end undelivered, aborted. */
  signal?: AbortSignal | undefined;
  /** The stream's session tokens: one per sender or relay, so that they share one session. */
  sessions?: SessionTokens | undefined;
  /** Requests in flight at once. @default 8 */
  concurrency?: number | undefined;
  /** Called as each range of events settles (a batch, a part of a split batch, a v1 event). */
  onSettled?: ((first: number, count: number, outcome: DeliveryOutcome) => void) | undefined;
  /** Told how every attempt ended, with its error if it failed (stats); `events` is how many it carried. */
  observe?: ((event: ResponseEvent, failure: StripeError | undefined, events: number) => void) | undefined;
}

const MAX_BATCH = PostV2BillingMeterEventStream.params.properties.events.maxItems;
const sessionsOf = new WeakMap<StripeMetersCore, SessionTokens>();

/** Delivers `events`; resolves with each one's outcome, in order. Never rejects. */
export async function deliver(core: StripeMetersCore, events: readonly DeliveryEvent[], options: DeliveryOptions): Promise<DeliveryOutcome[]> {
  const outcomes = new Array<DeliveryOutcome>(events.length);
  const settle = (first: number, count: number, outcome: DeliveryOutcome) => {
    for (let i = first; i < first + count; i++) outcomes[i] = outcome;
    options.onSettled?.(first, count, outcome);
  };
  const policy: RetryPolicy = { maxAttempts: Number.POSITIVE_INFINITY, deadline: options.deadline, delays: core.config.delays, now: () => Date.now() };
  const v1 = options.via === 'v1';
  const size = v1 ? 1 : MAX_BATCH;
  const ranges: Array<[number, number]> = [];
  for (let first = 0; first < events.length; first += size) ranges.push([first, Math.min(size, events.length - first)]);
  let next = 0;
  const worker = async () => {
    for (let range = ranges[next++]; range !== undefined; range = ranges[next++]) {
      const [first, count] = range;
      if (v1) await deliverV1(core, events, first, policy, options, settle);
      else await deliverBatch(core, events, first, count, policy, options, settle);
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 8, ranges.length) }, worker));
  return outcomes;
}

/** The session tokens of deliveries that bring none: one per client. */
function defaultSessions(core: StripeMetersCore): SessionTokens {
  let sessions = sessionsOf.get(core);
  if (sessions === undefined) {
    sessions = new SessionTokens(core);
    sessionsOf.set(core, sessions);
  }
  return sessions;
}

type Settle = (first: number, count: number, outcome: DeliveryOutcome) => void;

/** The outcome of a request that did not deliver. */
function endOf(outcome: Outcome<unknown>): DeliveryOutcome {
  if (outcome.ok) return { status: 'delivered', duplicate: false };
  return outcome.retryable ? { status: 'undelivered', error: outcome.error, aborted: false } : { status: 'failed', error: outcome.error };
}

/** An abort ends what it interrupted as undelivered; anything else is a bug, passed on. */
function aborted(error: unknown, options: DeliveryOptions): DeliveryOutcome {
  if (options.signal?.aborted === true) return { status: 'undelivered', error: undefined, aborted: true };
  throw error;
}

async function deliverBatch(core: StripeMetersCore, events: readonly DeliveryEvent[], first: number, count: number, policy: RetryPolicy, options: DeliveryOptions, settle: Settle): Promise<void> {
  const batch = events.slice(first, first + count);
  const sessions = options.sessions ?? defaultSessions(core);
  const { observe } = options;
  let outcome: Outcome<unknown>;
  try {
    outcome = await core.send(PostV2BillingMeterEventStream, { body: { events: batch } }, { signal: options.signal }, (c, init) => c.POST('/v2/billing/meter_event_stream', init), {
      prepared: true,
      sent: { identifiers: batch.map((e) => e.identifier) },
      policy,
      sessions,
      observe: observe === undefined ? undefined : (event, failure) => observe(event, failure, count),
    });
  } catch (error) {
    settle(first, count, aborted(error, options));
    return;
  }
  // One bad event refuses its whole batch: split it until the bad ones stand alone, so that the
  // others get through (their identifiers make the resend safe). Only Stripe's answer says so.
  if (!outcome.ok && outcome.error instanceof StripeInvalidRequestError && outcome.error.attempts !== undefined && count > 1) {
    const half = Math.ceil(count / 2);
    await deliverBatch(core, events, first, half, policy, options, settle);
    await deliverBatch(core, events, first + half, count - half, policy, options, settle);
    return;
  }
  settle(first, count, endOf(outcome));
}

async function deliverV1(core: StripeMetersCore, events: readonly DeliveryEvent[], i: number, policy: RetryPolicy, options: DeliveryOptions, settle: Settle): Promise<void> {
  const event = events[i] as DeliveryEvent;
  const timestamp = Math.floor(Date.parse(event.timestamp) / 1000);
  const body = { event_name: event.event_name, payload: event.payload, identifier: event.identifier, timestamp };
  const { observe } = options;
  let outcome: Outcome<unknown>;
  try {
    outcome = await core.send(PostBillingMeterEvents, { body }, { signal: options.signal }, (c, init) => c.POST('/v1/billing/meter_events', init), {
      prepared: true,
      sent: { identifier: event.identifier, timestamp },
      policy,
      observe: observe === undefined ? undefined : (event, failure) => observe(event, failure, 1),
    });
  } catch (error) {
    settle(i, 1, aborted(error, options));
    return;
  }
  if (!outcome.ok && isDuplicateMeterEvent(outcome.error, event.identifier)) settle(i, 1, { status: 'delivered', duplicate: true });
  else settle(i, 1, endOf(outcome));
}
