// The fetch that openapi-fetch calls, one per client. One logical request becomes up to
// 1 + maxNetworkRetries attempts, each with its own timeout (covering the whole answer), the same
// headers (so the same Idempotency-Key) and the same body bytes. An answer that breaks off, times
// out while being read, or is not JSON on a 2xx is retried like a connection error: the request
// may have landed, and the Idempotency-Key and identifiers make the retry safe. A caller's abort
// ends everything at once, also during a backoff sleep, and rejects with the signal's own reason.
import { StripeAPIError, StripeConnectionError } from '../errors.js';
import type { RequestEvent, ResponseEvent } from '../options.js';
import { retryDelayMs, shouldRetry, type RetryDelays } from './retry-policy.js';
import { scrubbedError } from './secrets.js';
import { WireResponse, type WireRequest } from './wire.js';

/**
 * The status and headers of one attempt's answer, and its body: already read (`text`, when the
 * sender reads whole bodies anyway), or read (or dropped) separately.
 */
export interface Answer {
  status: number;
  /** Lower-case names. */
  headers: Record<string, string>;
  text?: string;
  /** The whole body, under the attempt's timeout; rejects with an AttemptFailure if it breaks off. */
  read(): Promise<string>;
  /** Drops the body unread (an answer that will be retried) and stops the attempt's timer. */
  discard(): void;
}

/**
 * Sends one attempt. Rejects with an AttemptFailure when no answer comes, and with the signal's
 * reason as soon as `signal` aborts. The timeout runs until the body is read or discarded.
 */
export type SendAttempt = (request: WireRequest, timeoutMs: number, signal: AbortSignal | undefined) => Promise<Answer>;

/** Why an attempt got no usable answer. */
export class AttemptFailure extends Error {
  constructor(
    readonly timedOut: boolean,
    /** The status line had arrived; the body did not (all of it). */
    readonly whileReading: boolean,
    cause: unknown,
  ) {
    super(timedOut ? 'timed out' : reasonOf(cause), { cause });
  }
}

export interface TransportSettings {
  delays: RetryDelays;
  onRequest?: ((event: RequestEvent) => void) | undefined;
  onResponse?: ((event: ResponseEvent) => void) | undefined;
}

interface Outcome {
  answer: Answer | undefined;
  text: string;
  parsed: unknown;
  /** Why the attempt has no usable answer: no (complete) answer, or a 2xx that is not a JSON object. */
  failure: AttemptFailure | undefined;
  broken: string | undefined;
  retry: boolean;
}

/** Hooks are for logging: one that throws, or whose promise rejects, must not change a request's outcome. */
function call<E>(hook: ((event: E) => unknown) | undefined, event: E): void {
  try {
    const result = hook?.(event);
    if (isThenable(result)) result.then(undefined, () => undefined);
  } catch {
    // Swallowed on purpose (see above).
  }
}

export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null | undefined)?.then === 'function';
}

export function createTransport(sendAttempt: SendAttempt, settings: TransportSettings): (request: WireRequest) => Promise<WireResponse> {
  const hooked = settings.onRequest !== undefined || settings.onResponse !== undefined;
  return async (request) => {
    const { plan } = request;
    const { signal } = plan;
    for (let attempt = 1; ; attempt++) {
      // Hook events are built only when there are hooks: this loop runs for every request.
      const event: RequestEvent | undefined = hooked ? { method: request.method, url: request.url, attempt, idempotencyKey: plan.sent.idempotencyKey } : undefined;
      if (event !== undefined) call(settings.onRequest, event);
      const started = hooked ? Date.now() : 0;
      const { answer, failure, broken, retry, text, parsed } = await attemptOnce(sendAttempt, request, attempt);
      const retryInMs = retry ? retryDelayMs({ attempt, retryAfter: answer?.headers['retry-after'], delays: settings.delays }) : undefined;
      if (event !== undefined) {
        call(settings.onResponse, {
          ...event,
          status: failure === undefined ? answer?.status : undefined,
          requestId: answer?.headers['request-id'],
          error: failure !== undefined ? plan.scrub(failure.message) : broken,
          elapsedMs: Date.now() - started,
          retryInMs,
        });
      }
      if (retryInMs !== undefined) {
        await sleep(retryInMs, signal);
        continue;
      }
      if (failure !== undefined || answer === undefined) throw connectionError(request, failure ?? new AttemptFailure(false, false, 'no answer'), attempt);
      if (broken !== undefined) {
        const { status, headers } = answer;
        throw new StripeAPIError({ message: `Stripe answered HTTP ${status} with ${broken} (${tries(attempt)})`, statusCode: status, headers, requestId: headers['request-id'], attempts: attempt, sent: plan.sent });
      }
      return new WireResponse(answer.status, answer.headers, text, parsed, attempt);
    }
  };
}

async function attemptOnce(sendAttempt: SendAttempt, request: WireRequest, attempt: number): Promise<Outcome> {
  const { signal, timeout, maxNetworkRetries, emptyResult } = request.plan;
  const outcome: Outcome = { answer: undefined, text: '', parsed: undefined, failure: undefined, broken: undefined, retry: false };
  // No answer, or an unusable one: the request may or may not have landed.
  const unsure = { attempt, maxNetworkRetries, status: undefined };
  try {
    if (signal?.aborted) throw signal.reason;
    const answer = await sendAttempt(request, timeout, signal);
    outcome.answer = answer;
    const { status } = answer;
    if (status < 200 || status >= 300) {
      outcome.retry = shouldRetry({ attempt, maxNetworkRetries, status, shouldRetryHeader: answer.headers['stripe-should-retry'] });
      // The body of an answer that will be retried is never needed: drop it, don't wait for it.
      if (outcome.retry) answer.discard();
      else outcome.text = answer.text ?? (await answer.read());
      return outcome;
    }
    outcome.text = answer.text ?? (await answer.read());
    if (outcome.text.trim() === '') {
      if (emptyResult) outcome.parsed = {};
      else outcome.broken = 'an empty body';
    } else {
      try {
        outcome.parsed = JSON.parse(outcome.text);
        if (typeof outcome.parsed !== 'object' || outcome.parsed === null || Array.isArray(outcome.parsed)) outcome.broken = 'JSON that is not an object';
      } catch {
        outcome.broken = 'a body that is not JSON';
      }
    }
    outcome.retry = outcome.broken !== undefined && shouldRetry(unsure);
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    outcome.failure = error instanceof AttemptFailure ? error : new AttemptFailure(false, false, error);
    outcome.retry = shouldRetry(unsure);
  }
  return outcome;
}

function tries(attempts: number): string {
  return attempts === 1 ? '1 attempt' : `${attempts} attempts`;
}

function connectionError(request: WireRequest, failure: AttemptFailure, attempts: number): StripeConnectionError {
  const { plan } = request;
  const when = failure.whileReading ? ' while reading the answer' : '';
  const message = failure.timedOut
    ? `Request to Stripe timed out after ${plan.timeout} ms${when} (${tries(attempts)})`
    : failure.whileReading
      ? `The answer from Stripe broke off: ${plan.scrub(failure.message)} (${tries(attempts)})`
      : `Could not connect to Stripe: ${plan.scrub(failure.message)} (${tries(attempts)})`;
  return new StripeConnectionError({ message, cause: scrubbedError(failure.cause, plan.scrub), attempts, sent: plan.sent });
}

/** A short reason: the system error code when there is one, else the message. */
export function reasonOf(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause;
  if (typeof cause?.code === 'string') return cause.code;
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string') return code;
  if (typeof cause?.message === 'string') return cause.message;
  return error instanceof Error ? error.message : String(error);
}

/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason as Error);
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
