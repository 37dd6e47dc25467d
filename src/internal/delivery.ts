// The delivery engine: prepared meter events to Stripe, each ending delivered, failed for good, or
// not delivered (its time budget ran out, or the caller aborted). The batching sender and the
// outbox relay both deliver through it. The v2 stream (the default) sends batches of up to 100
// under a shared session token; a batch Stripe refuses is split until the bad events stand alone,
// so the others get through. v1 sends one create per event. Every attempt goes through the one
// retry engine (src/internal/call.ts) with a deadline; every resend carries the same identifiers,
// so Stripe counts each event once. Before each attempt the events' timestamps are checked against
// Stripe's 35-day window again: a retry budget (minutes) is longer than the window's edge margin,
// and the stream would accept an event past the window and drop it later.
import { PostBillingMeterEvents, PostV2BillingMeterEventStream } from '../../generated/rules.js';
import type { StripeMetersCore } from '../client-core.js';
import { StripeAuthenticationError, StripeError, StripeInvalidRequestError, StripePermissionError } from '../errors.js';
import type { ResponseEvent } from '../options.js';
import { isDuplicateMeterEvent } from '../rules/duplicates.js';
import { MAX_STREAM_EVENTS } from '../rules/limits.js';
import { parseRfc3339, timestampWindowProblem, windowClosesAt } from '../rules/timestamps.js';
import type { Outcome } from './call.js';
import type { StreamWireEvent } from './meter-events.js';
import { isRetryable, type RetryPolicy } from './retry.js';
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
  /** The clock the timestamp window is checked on before each attempt. @unit milliseconds since the epoch @default the client's `now` option */
  now?: (() => number) | undefined;
  /**
   * How the window's edge is read before each attempt (src/rules/timestamps.ts): 'allow', the
   * client's reading (refuse only what is out even if this clock is a minute off; the edge is
   * Stripe's to decide), or 'avoid' (keep a minute off the edge: a caller that must never call an
   * event delivered that Stripe drops, such as the outbox). @default "allow"
   */
  windowEdge?: 'allow' | 'avoid' | undefined;
}

/**
 * What an error that ended a delivery means, decided here once for every caller (the outbox relay,
 * the command line): `duplicate`, Stripe already holds the event's identifier (an earlier delivery
 * landed); `refused`, the event itself is refused, by Stripe (400) or by the same rules before
 * sending (no status): sending it again will not help; `blocked`, the key, the account or the
 * endpoint is refused (401, 403, another 4xx): nothing is wrong with the event; `transient`, no
 * (usable) answer, 409, 429 or 5xx: it may pass later.
 */
export type DeliveryErrorKind = 'duplicate' | 'refused' | 'blocked' | 'transient';

/** Classifies the error a delivery of the event with `identifier` ended with (see DeliveryErrorKind). */
export function classifyDeliveryError(error: unknown, identifier?: string): DeliveryErrorKind {
  if (isDuplicateMeterEvent(error, identifier)) return 'duplicate';
  if (!(error instanceof StripeError)) return 'transient';
  if (error instanceof StripeInvalidRequestError && (error.statusCode === undefined || error.statusCode === 400)) return 'refused';
  if (error instanceof StripeAuthenticationError || error instanceof StripePermissionError) return 'blocked';
  if (error.statusCode !== undefined && !isRetryable(error.statusCode, error.headers['stripe-should-retry'])) return 'blocked';
  return 'transient';
}

/** How a delivery reads the window: its clock and edge. */
interface Window {
  now: () => number;
  edge: 'allow' | 'avoid';
}

/** When the event leaves the window as `edge` reads it. @unit ms on the delivery's clock */
const closesAt = (event: DeliveryEvent, edge: Window['edge']): number => windowClosesAt((parseRfc3339(event.timestamp) ?? Number.NaN) / 1000, edge) * 1000;

/** The window's refusal of an event that left it while it waited for an attempt (Stripe's code, never sent again). */
function outOfWindow(event: DeliveryEvent, now: number, edge: Window['edge'], param: string, attempts: number | undefined): StripeInvalidRequestError {
  const found = timestampWindowProblem((parseRfc3339(event.timestamp) ?? Number.NaN) / 1000, now / 1000, param, edge);
  const message = `${found?.message ?? 'The event timestamp left the 35-day window.'} Not sent${attempts === undefined ? '' : ' again'}: Stripe would refuse it, or accept it and drop it.`;
  return new StripeInvalidRequestError({ message, raw: { type: 'invalid_request_error', code: 'timestamp_too_far_in_past', param, message }, attempts, sent: { identifier: event.identifier, timestamp: event.timestamp } });
}

const MAX_BATCH = MAX_STREAM_EVENTS;
const sessionsOf = new WeakMap<StripeMetersCore, SessionTokens>();

/** Delivers `events`; resolves with each one's outcome, in order. Never rejects. */
export async function deliver(core: StripeMetersCore, events: readonly DeliveryEvent[], options: DeliveryOptions): Promise<DeliveryOutcome[]> {
  const outcomes = new Array<DeliveryOutcome>(events.length);
  const settle = (first: number, count: number, outcome: DeliveryOutcome) => {
    for (let i = first; i < first + count; i++) outcomes[i] = outcome;
    options.onSettled?.(first, count, outcome);
  };
  const policy: RetryPolicy = { maxAttempts: Number.POSITIVE_INFINITY, deadline: options.deadline, delays: core.config.delays, now: () => Date.now() };
  const window: Window = { now: options.now ?? core.config.now, edge: options.windowEdge ?? 'allow' };
  const v1 = options.via === 'v1';
  const size = v1 ? 1 : MAX_BATCH;
  const ranges: Array<[number, number]> = [];
  for (let first = 0; first < events.length; first += size) ranges.push([first, Math.min(size, events.length - first)]);
  let next = 0;
  const worker = async () => {
    for (let range = ranges[next++]; range !== undefined; range = ranges[next++]) {
      const [first, count] = range;
      const indices = Array.from({ length: count }, (_, k) => first + k);
      if (v1) await deliverV1(core, events, first, policy, options, settle, window);
      else await deliverBatch(core, events, indices, policy, options, settleEach(settle), window);
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
/** Settles events by index (a batch whose events left the window may have gaps), as ranges of consecutive ones. */
type SettleEach = (indices: readonly number[], outcome: DeliveryOutcome) => void;

function settleEach(settle: Settle): SettleEach {
  return (indices, outcome) => {
    for (let k = 0; k < indices.length; ) {
      const first = indices[k] as number;
      let count = 1;
      while (k + count < indices.length && indices[k + count] === first + count) count++;
      settle(first, count, outcome);
      k += count;
    }
  };
}

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

async function deliverBatch(core: StripeMetersCore, events: readonly DeliveryEvent[], indices: readonly number[], policy: RetryPolicy, options: DeliveryOptions, settle: SettleEach, window: Window): Promise<void> {
  const { now: clock, edge } = window;
  const sessions = options.sessions ?? defaultSessions(core);
  const { observe } = options;
  let open = indices;
  let attempts: number | undefined;
  for (;;) {
    // The events that left the window since they were queued (or since the last attempt) end here.
    const now = clock();
    // Written so that a timestamp that does not parse (NaN) counts as closed, never as open forever.
    const closed = open.filter((i) => !(now <= closesAt(events[i] as DeliveryEvent, edge)));
    for (const i of closed) settle([i], { status: 'failed', error: outOfWindow(events[i] as DeliveryEvent, now, edge, 'timestamp', attempts) });
    if (closed.length > 0) open = open.filter((i) => !closed.includes(i));
    if (open.length === 0) return;
    const batch = open.map((i) => events[i] as DeliveryEvent);
    const closing = Math.min(...batch.map((e) => closesAt(e, edge)));
    let leftWindow = false;
    let outcome: Outcome<unknown>;
    try {
      outcome = await core.send(PostV2BillingMeterEventStream, { body: { events: batch } }, { signal: options.signal }, (c, init) => c.POST('/v2/billing/meter_event_stream', init), {
        prepared: true,
        sent: { identifiers: batch.map((e) => e.identifier) },
        policy,
        sessions,
        observe: observe === undefined ? undefined : (event, failure) => observe(event, failure, batch.length),
        // Before each attempt: an event of the batch left the window while it waited (a backoff, a Retry-After).
        beforeAttempt: () => {
          if (clock() <= closing) return undefined;
          leftWindow = true;
          return new StripeInvalidRequestError({ message: 'An event left the timestamp window' });
        },
      });
    } catch (error) {
      settle(open, aborted(error, options));
      return;
    }
    if (leftWindow) {
      // Those that left end as failed (above); the others go on with what is left of the budget.
      attempts = (attempts ?? 0) + 1;
      continue;
    }
    // One bad event refuses its whole batch: split it until the bad ones stand alone, so that the
    // others get through (their identifiers make the resend safe). Only Stripe's answer says so.
    if (!outcome.ok && outcome.error instanceof StripeInvalidRequestError && outcome.error.attempts !== undefined && open.length > 1) {
      const half = Math.ceil(open.length / 2);
      await deliverBatch(core, events, open.slice(0, half), policy, options, settle, window);
      await deliverBatch(core, events, open.slice(half), policy, options, settle, window);
      return;
    }
    settle(open, endOf(outcome));
    return;
  }
}

async function deliverV1(core: StripeMetersCore, events: readonly DeliveryEvent[], i: number, policy: RetryPolicy, options: DeliveryOptions, settle: Settle, window: Window): Promise<void> {
  const { now: clock, edge } = window;
  const event = events[i] as DeliveryEvent;
  const closing = closesAt(event, edge);
  let attempted = 0;
  if (!(clock() <= closing)) {
    settle(i, 1, { status: 'failed', error: outOfWindow(event, clock(), edge, 'timestamp', undefined) });
    return;
  }
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
      beforeAttempt: () => {
        const now = clock();
        if (now <= closing) {
          attempted++;
          return undefined;
        }
        return outOfWindow(event, now, edge, 'timestamp', attempted);
      },
    });
  } catch (error) {
    settle(i, 1, aborted(error, options));
    return;
  }
  if (!outcome.ok && isDuplicateMeterEvent(outcome.error, event.identifier)) settle(i, 1, { status: 'delivered', duplicate: true });
  else settle(i, 1, endOf(outcome));
}
