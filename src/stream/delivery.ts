// Delivering one batch of the stream: within the events' time budget, every transient failure
// (of the stream request or of the session creation it waits on) is retried with backoff, an
// expired token is replaced however often that happens, and a batch refused as invalid is split
// until the bad events stand alone. Every resend carries the same identifiers, so Stripe counts
// each event once.
import { StripeConnectionError, StripeError, StripeInvalidRequestError, TemporarySessionExpiredError } from '../errors.js';
import type { Core } from '../internal/core.js';
import { newIdempotencyKey } from '../internal/ids.js';
import { STREAM_PATH } from '../internal/operations.js';
import { seal } from '../internal/params.js';
import { isTransient, retryDelayMs } from '../internal/retry-policy.js';
import { scrubbedError } from '../internal/secrets.js';
import { reasonOf, sleep } from '../internal/transport.js';
import type { UndeliveredEvent } from './errors.js';
import type { SessionTokens } from './session.js';

/** Events with consecutive sequence numbers from `first` (flush() waits on sequence numbers). */
export interface Batch {
  events: UndeliveredEvent[];
  first: number;
  /** When the batch's events were first sent: their time budget runs from here. */
  startedAt?: number;
  /** The batch this one was split from (to isolate bad events). */
  root?: Batch;
}

export interface Delivery {
  core: Core;
  sessions: SessionTokens;
  /** @unit milliseconds */
  budgetMs: number;
  /** Aborted by close({ signal }): the delivery stops and settles nothing. */
  signal: AbortSignal;
  stats: { retried: number; batches: number };
  /** Called once per event range: accepted (no error) or failed for good. */
  settle: (batch: Batch, error?: StripeError) => void;
}

function asStripeError(error: unknown, core: Core): StripeError {
  if (error instanceof StripeError) return error;
  const scrub = (text: string) => core.scrub(text);
  return new StripeConnectionError({ message: `Meter event stream request failed: ${scrub(reasonOf(error))}`, cause: scrubbedError(error, scrub) });
}

/** Sends `batch` until each of its events is accepted or failed for good; never rejects. */
export async function deliver(d: Delivery, batch: Batch): Promise<void> {
  const { core, sessions, signal, stats } = d;
  const n = batch.events.length;
  batch.startedAt ??= Date.now();
  const deadline = batch.startedAt + d.budgetMs;
  // One key for every resend of the same body under the same token: a replay answers for an
  // attempt that landed unseen. A new token makes it another request.
  let idempotencyKey = newIdempotencyKey();
  let failures = 0;
  let expiredInARow = 0;
  for (;;) {
    let token: string | undefined;
    let sending = false;
    try {
      token = await sessions.token();
      sending = true;
      // The events were checked by send() and a batch never holds more than Stripe takes.
      await core.request('POST', STREAM_PATH, { body: seal({ events: batch.events }) }, { apiKey: token, maxNetworkRetries: 0, idempotencyKey, signal }, { identifiers: batch.events.map((e) => e.identifier) });
      stats.batches++;
      d.settle(batch);
      return;
    } catch (caught) {
      if (signal.aborted) return;
      const error = asStripeError(caught, core);
      if (error instanceof TemporarySessionExpiredError && token !== undefined) {
        sessions.expired(token);
        idempotencyKey = newIdempotencyKey();
        // A fresh token at once; a server that keeps refusing fresh tokens gets the backoff below.
        if (++expiredInARow < 2) {
          stats.retried += n;
          continue;
        }
      } else {
        expiredInARow = 0;
        if (!isTransient(error)) {
          // Only Stripe's refusal of the batch (not a check before sending) says a bad event is in it.
          if (sending && error instanceof StripeInvalidRequestError && error.attempts !== undefined && n > 1) {
            // One bad event refuses its whole batch: split it until the bad ones stand alone, so
            // the others get through (their identifiers make the resend safe).
            const half = Math.ceil(n / 2);
            stats.retried += n;
            const root = batch.root ?? batch;
            await deliver(d, { events: batch.events.slice(0, half), first: batch.first, startedAt: batch.startedAt, root });
            await deliver(d, { events: batch.events.slice(half), first: batch.first + half, startedAt: batch.startedAt, root });
            return;
          }
          d.settle(batch, error);
          return;
        }
      }
      const delay = retryDelayMs({ attempt: ++failures, retryAfter: error.headers['retry-after'], delays: core.config.delays });
      if (Date.now() + delay > deadline) {
        d.settle(batch, error);
        return;
      }
      if (sending) stats.retried += n;
      try {
        await sleep(delay, signal);
      } catch {
        return; // aborted by close({ signal })
      }
    }
  }
}
