// One attempt of a request: the `fetch` that openapi-fetch calls (its public per-request option),
// bound to the request's settings. It sends the Request openapi-fetch built, reads the whole answer
// under the attempt's timeout, and decides what no later step can: an answer that breaks off or
// times out, a 2xx whose body is not a JSON object, or a status that may pass on another attempt
// end the attempt here, with the error the request would end with (thrown through openapi-fetch to
// the call loop, src/internal/call.ts); any other answer goes back to openapi-fetch, which parses
// it, once.
import { StripeAPIError, StripeConnectionError, type SentIdentifiers, type StripeError } from '../errors.js';
import type { RequestEvent, ResponseEvent } from '../options.js';
import { isRetryable, type Retries } from './retry.js';
import { scrubbedError, type Scrub } from './secrets.js';

/** What goes on the wire for one attempt. */
export interface Outgoing {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string | undefined;
}

/**
 * The status and headers of one attempt's answer, and its body: already read (`text`, when the
 * sender reads whole bodies anyway), or read (or dropped) separately.
 */
export interface Answer {
  status: number;
  /** Lower-case names. */
  headers: Record<string, string>;
  text?: string | undefined;
  /** The whole body, under the attempt's timeout; rejects with an AttemptFailure if it breaks off. */
  read(): Promise<string>;
  /** Drops the body unread (an answer that will be retried) and stops the attempt's timer. */
  discard(): void;
}

/**
 * Sends one attempt: node:http on Node, a fetch elsewhere. Rejects with an AttemptFailure when no
 * answer comes, and with the signal's reason as soon as `signal` aborts. The timeout runs until
 * the body is read or discarded.
 */
export type SendAttempt = (out: Outgoing, timeoutMs: number, signal: AbortSignal | undefined) => Promise<Answer>;

/**
 * How a client's requests travel: how an attempt is sent, the Request class openapi-fetch builds
 * and the Response it reads. Node's entry point uses small classes over strings (src/internal/
 * wire.ts); every other runtime its own WHATWG classes.
 */
export interface Transport {
  send: SendAttempt;
  /** The Request class openapi-fetch builds. */
  Request: typeof Request;
  /** The body of a request it built, when it can be had without reading a stream. */
  bodyOf: (request: Request) => string | undefined | null;
  /** The Response openapi-fetch reads: a complete answer. */
  respond: (status: number, headers: Record<string, string>, url: string, text: string) => Response;
}

/** Why an attempt got no (complete) answer. */
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

/**
 * An attempt that ended without an answer for openapi-fetch to parse: thrown through it to the call
 * loop, with the error the request ends with unless `retryInMs` says another attempt follows.
 */
export class AttemptEnded extends Error {
  constructor(
    readonly error: StripeError,
    readonly retryInMs: number | undefined,
    /** The status the hooks see: none when no (complete) answer came. */
    readonly status: number | undefined,
    readonly headers: Record<string, string>,
    /** Why, as the hooks see it. */
    readonly why: string | undefined,
  ) {
    super(error.message);
  }
}

/** Logging hooks (the client's) and the call's own observer (the batching sender's stats). */
export interface Hooks {
  onRequest: ((event: RequestEvent) => void) | undefined;
  onResponse: ((event: ResponseEvent) => void) | undefined;
  observe: ((event: ResponseEvent, failure: StripeError | undefined) => void) | undefined;
}

/** One logical request's settings and state, shared by its attempts. */
export interface CallState {
  transport: Transport;
  /** @unit milliseconds */
  timeout: number;
  signal: AbortSignal | undefined;
  /** An empty 2xx body stands for `{}` (the v2 stream). */
  emptyResult: boolean;
  retries: Retries;
  scrub: Scrub;
  /** What the caller sent that identifies the request (meter event identifiers). */
  sent: SentIdentifiers | undefined;
  /** The POST's Idempotency-Key (a new one when a fresh session token makes it another request). */
  idempotencyKey: string | undefined;
  /** Every header of the attempt under way (src/internal/call.ts builds them). */
  headers: Record<string, string>;
  /** The answer last handed to openapi-fetch. */
  answer: Answer | undefined;
  /** A failure that may pass on another attempt ended the request (attempts or budget ran out). */
  exhausted: boolean;
  hooks: Hooks | undefined;
  /** The attempt under way, as the hooks see it, and when it started (only with hooks). */
  event: RequestEvent | undefined;
  started: number;
}

/** What a request's errors say it sent, so that a caller can resend it safely. */
export function sentOf(call: CallState): SentIdentifiers {
  const key = call.idempotencyKey;
  return key === undefined ? (call.sent ?? {}) : { ...call.sent, idempotencyKey: key };
}

/** Hooks are for logging: one that throws, or whose promise rejects, must not change a request's outcome. */
export function callHook<E>(hook: ((event: E) => unknown) | undefined, event: E): void {
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

/** Tells the hooks how the attempt under way ended. */
export function report(call: CallState, status: number | undefined, headers: Record<string, string>, retryInMs: number | undefined, failure?: StripeError, why?: string): void {
  const { event, hooks } = call;
  if (event === undefined || hooks === undefined) return;
  const ended: ResponseEvent = { ...event, status, requestId: headers['request-id'], error: why, elapsedMs: Date.now() - call.started, retryInMs };
  callHook(hooks.onResponse, ended);
  const { observe } = hooks;
  if (observe !== undefined) callHook((e: ResponseEvent) => observe(e, failure), ended);
}

const tries = (n: number) => (n === 1 ? '1 attempt' : `${n} attempts`);

/**
 * An attempt that ended without a usable answer: no (complete) answer (`failure`), or an answer
 * that is `broken` or will be retried unread. `retryInMs`: another attempt follows after it.
 */
export function ended(call: CallState, failure: AttemptFailure | undefined, broken: string | undefined, answer: Answer | undefined, retryInMs: number | undefined): AttemptEnded {
  call.exhausted = retryInMs === undefined;
  const { scrub } = call;
  const attempts = call.retries.attempt;
  const headers = answer?.headers ?? {};
  const sent = sentOf(call);
  if (failure === undefined) {
    const status = answer?.status;
    const message = `Stripe answered HTTP ${String(status)}${broken === undefined ? '' : ` with ${broken}`} (${tries(attempts)})`;
    return new AttemptEnded(new StripeAPIError({ message, statusCode: status, headers, requestId: headers['request-id'], attempts, sent }), retryInMs, status, headers, broken);
  }
  const reason = scrub(failure.message);
  const message = failure.timedOut
    ? `Request to Stripe timed out after ${call.timeout} ms${failure.whileReading ? ' while reading the answer' : ''}`
    : `${failure.whileReading ? 'The answer from Stripe broke off' : 'Could not connect to Stripe'}: ${reason}`;
  const error = new StripeConnectionError({ message: `${message} (${tries(attempts)})`, cause: scrubbedError(failure.cause, scrub), attempts, sent });
  return new AttemptEnded(error, retryInMs, undefined, headers, reason);
}

/** What an attempt that got no (complete) answer throws: the caller's abort reason, or how it ended. */
function failed(call: CallState, error: unknown, whileReading: boolean, answer: Answer | undefined): unknown {
  if (call.signal?.aborted) return call.signal.reason;
  return ended(call, error instanceof AttemptFailure ? error : new AttemptFailure(false, whileReading, error), undefined, answer, call.retries.next());
}

const isSpace = (c: number) => c === 32 || c === 10 || c === 13 || c === 9;

/**
 * What a 2xx body is at a glance (openapi-fetch parses it): empty, a JSON object (its first and
 * last characters are braces), or something else. Scans for them without copying the body.
 */
function shapeOf(text: string): 'empty' | 'object' | 'other' {
  let first = 0;
  let last = text.length - 1;
  while (first <= last && isSpace(text.charCodeAt(first))) first++;
  if (first > last) return 'empty';
  while (isSpace(text.charCodeAt(last))) last--;
  return text.charCodeAt(first) === 123 && text.charCodeAt(last) === 125 ? 'object' : 'other';
}

/** The fetch for openapi-fetch, bound to one logical request: one attempt per call. */
export function attemptFetch(call: CallState): (request: Request) => Promise<Response> {
  return (request) => attempt(call, request);
}

async function attempt(call: CallState, request: Request): Promise<Response> {
  const { signal, retries, transport } = call;
  call.answer = undefined;
  call.event = undefined;
  if (signal?.aborted) throw signal.reason;
  const known = transport.bodyOf(request);
  const body = known !== null ? known : request.body === null ? undefined : await request.text();
  const out: Outgoing = { url: request.url, method: request.method, headers: call.headers, body };
  if (call.hooks !== undefined) {
    call.event = { method: out.method, url: out.url, attempt: retries.attempt, idempotencyKey: call.idempotencyKey };
    call.started = Date.now();
    callHook(call.hooks.onRequest, call.event);
  }
  let answer: Answer;
  try {
    answer = await transport.send(out, call.timeout, signal);
  } catch (error) {
    throw failed(call, error, false, undefined);
  }
  const { status, headers } = answer;
  const ok = status >= 200 && status < 300;
  if (!ok && isRetryable(status, headers['stripe-should-retry'])) {
    const retryInMs = retries.next(headers['retry-after']);
    // The body of an answer that will be retried is never needed: drop it, don't wait for it.
    if (retryInMs !== undefined) {
      answer.discard();
      throw ended(call, undefined, undefined, answer, retryInMs);
    }
    call.exhausted = true;
  }
  let text: string;
  try {
    text = answer.text ?? (await answer.read());
  } catch (error) {
    throw failed(call, error, true, answer);
  }
  let forParser = headers;
  if (ok) {
    // An answer that breaks off was caught above; these may have landed too: retried like it.
    const shape = shapeOf(text);
    if (shape === 'empty') {
      if (!call.emptyResult) throw ended(call, undefined, 'an empty body', answer, retries.next());
      // The stream answers an empty body for its empty result object.
      text = '{}';
      forParser = { ...headers, 'content-length': '2' };
    } else if (shape === 'other') throw ended(call, undefined, 'a body that is not a JSON object', answer, retries.next());
  } else text = call.scrub(text);
  call.answer = answer;
  return transport.respond(status, forParser, out.url, text);
}

/** A short reason: the system error code when there is one, else the message. */
export function reasonOf(error: unknown): string {
  const e = error as { cause?: { code?: unknown; message?: unknown }; code?: unknown } | undefined;
  const found = [e?.cause?.code, e?.code, e?.cause?.message].find((x) => typeof x === 'string');
  return typeof found === 'string' ? found : error instanceof Error ? error.message : String(error);
}
