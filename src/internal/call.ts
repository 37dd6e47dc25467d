// One logical request, in one direction: check the options and params (src/internal/prepare.ts),
// then attempts until one answers or the retry policy says stop. Each attempt calls openapi-fetch,
// typed by path, with the request's own `fetch` (src/internal/attempt.ts), `bodySerializer` and
// `baseUrl`: openapi-fetch builds the URL and the Request (body serialized once per attempt, the
// same bytes each time), and parses the answer once; an error answer becomes a StripeError here.
// The headers are built here too, the one place that sets them, and travel with the attempt's own
// fetch rather than through openapi-fetch's `headers`, which it would copy into WHATWG Headers:
// measured at about 4 µs of the 23 µs of JavaScript a create costs. This loop is the one retry
// engine: calls stop after their attempts, the batching sender and the outbox at a deadline, and a
// stream attempt refused for an expired session token gets a fresh token.
import type { Client } from 'openapi-fetch';
import type { OperationRule } from '../../generated/rules.js';
import type { paths } from '../../generated/schema.js';
import type { StripeMetersCore } from '../client-core.js';
import { StripeAPIError, StripeConnectionError, StripeError, TemporarySessionExpiredError, type SentIdentifiers } from '../errors.js';
import type { LastResponse, RequestOptions, ResponseEvent, WithLastResponse } from '../options.js';
import { AttemptEnded, attemptFetch, callHook, reasonOf, type CallState } from './attempt.js';
import { checkRequestOptions } from './check-options.js';
import { baseUrlFor } from './client-config.js';
import { toFormString } from './form.js';
import { newIdempotencyKey } from './ids.js';
import { prepareInput, type CallInput } from './prepare.js';
import { Retries, type RetryPolicy } from './retry.js';
import { scrubbedError, scrubberOf, type Scrub } from './secrets.js';

export type { CallInput };

/** What each attempt adds to the call's init: openapi-fetch's own per-request options. */
export type AttemptInit = {
  baseUrl: string;
  fetch: (request: Request) => Promise<Response>;
  bodySerializer: (body: unknown) => string;
};

/** What openapi-fetch resolves with. */
export interface Answered<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** One attempt through openapi-fetch, typed by path: `(client, init) => client.GET('/v1/billing/meters', init)`. */
export type Call<I, T> = (client: Client<paths>, init: I & AttemptInit) => Promise<Answered<T>>;

/** How a request ended: its result, or the error and whether another attempt might have passed. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; error: StripeError; retryable: boolean };

/** Session tokens for the v2 stream, asked before each attempt. */
export interface SessionHook {
  token(policy: RetryPolicy, signal: AbortSignal | undefined): Promise<Outcome<string>>;
  /** Stripe refused `token` as expired. */
  expired(token: string): void;
}

export interface CallExtra {
  /** Identifiers the caller prepared (meter events), for every error the request ends with. */
  sent?: SentIdentifiers | undefined;
  /** The body was built by the SDK from checked input: sent as it is. */
  prepared?: boolean | undefined;
  /** The request authenticates with a meter event session token (the v2 stream). */
  sessionToken?: boolean | undefined;
  /** A policy in place of the request's attempt count: the batching sender's time budget. */
  policy?: RetryPolicy | undefined;
  /** Where the stream's session tokens come from (and go when they expire). */
  sessions?: SessionHook | undefined;
  /** What makes a 2xx answer unusable beyond its shape (a session without a token): retried like a broken answer. */
  unusable?: ((data: unknown) => string | undefined) | undefined;
  /** A raw call's own headers, applied last (src/client-raw.ts checked them). */
  headers?: ((headers: Record<string, string>) => void) | undefined;
  /** Told how every attempt ended, and with what error if it failed (the batching sender's stats). */
  observe?: ((event: ResponseEvent, failure: StripeError | undefined) => void) | undefined;
  /**
   * Asked before each attempt (the first included): an error ends the request with it, unsent and
   * not retryable. The delivery engine re-checks the timestamp window here: a retry can outlast it.
   */
  beforeAttempt?: (() => StripeError | undefined) | undefined;
}

/** What runCall needs of the client. */
export interface CallContext {
  core: StripeMetersCore;
  key: string;
  scrub: Scrub;
  secrets: () => string[];
}

const json = (body: unknown): string => JSON.stringify(body);
const tries = (n: number) => (n === 1 ? '1 attempt' : `${n} attempts`);

export async function runCall<I extends CallInput, T>(ctx: CallContext, op: OperationRule, input: I, options: RequestOptions | undefined, call: Call<I, T>, extra: CallExtra): Promise<Outcome<WithLastResponse<T>>> {
  const { core } = ctx;
  const { config } = core;
  let prepared: I;
  let opts: RequestOptions;
  try {
    // The stream takes a session token: from the options, or from the sessions.
    opts = checkRequestOptions(options, extra.sessionToken === true && extra.sessions === undefined);
    prepared = extra.prepared === true ? input : prepareInput(op, input);
  } catch (error) {
    if (error instanceof StripeError) return { ok: false, error, retryable: false };
    throw error;
  }
  const { signal } = opts;
  let idempotencyKey = op.method === 'POST' ? (opts.idempotencyKey ?? newIdempotencyKey()) : undefined;
  // This request's own key, if it is not the client's, must be masked in its errors too.
  const own = opts.apiKey;
  const scrub = own === undefined ? ctx.scrub : scrubberOf(() => [own, ...ctx.secrets()]);
  const retries = new Retries(extra.policy ?? (opts.maxNetworkRetries === undefined ? config.policy : { ...config.policy, maxAttempts: 1 + opts.maxNetworkRetries }));
  const { onRequest, onResponse } = config;
  const { observe } = extra;
  const state: CallState = {
    transport: core.transport,
    timeout: opts.timeout ?? config.timeout,
    signal,
    emptyResult: op.emptyResult,
    retries,
    scrub,
    headers: {},
    answer: undefined,
    exhausted: false,
    hooks: onRequest !== undefined || onResponse !== undefined || observe !== undefined ? { onRequest, onResponse } : undefined,
    event: undefined,
    started: 0,
  };
  // What openapi-fetch gets on every attempt: the params, and its per-request options.
  const init: I & AttemptInit = { ...prepared, baseUrl: baseUrlFor(config, op.server), fetch: attemptFetch(state), bodySerializer: op.encoding === 'json' ? json : toFormString };
  const sent = (): SentIdentifiers => (idempotencyKey === undefined ? (extra.sent ?? {}) : { ...extra.sent, idempotencyKey });
  /** Tells the hooks how the attempt ended; waits before the next attempt, or says none follows. */
  const settle = async (status: number | undefined, headers: Record<string, string>, retryInMs: number | undefined, failure?: StripeError, why?: string): Promise<boolean> => {
    if (state.event !== undefined) {
      const event: ResponseEvent = { ...state.event, status, requestId: headers['request-id'], error: why, elapsedMs: Date.now() - state.started, retryInMs };
      callHook(onResponse, event);
      if (observe !== undefined) callHook((e: ResponseEvent) => observe(e, failure), event);
    }
    if (retryInMs === undefined) return false;
    await sleep(retryInMs, signal);
    retries.attempt++;
    return true;
  };

  let token = opts.apiKey;
  for (;;) {
    const stop = extra.beforeAttempt?.();
    if (stop !== undefined) return { ok: false, error: stop, retryable: false };
    if (extra.sessions !== undefined) {
      // The token's creation retried under this request's own policy (or shared one already under
      // way): when it failed, this request's budget is spent too.
      const got = await extra.sessions.token(retries.policy, signal);
      if (!got.ok) return got;
      // A new token makes it another request: a replay of the old key would answer for the old token.
      if (token !== undefined && got.value !== token && opts.idempotencyKey === undefined) idempotencyKey = newIdempotencyKey();
      token = got.value;
    }
    state.headers = headersFor(ctx, op, opts, token, idempotencyKey, extra.headers);
    let answered: Answered<T>;
    try {
      answered = await call(core.openapi, init);
    } catch (error) {
      if (signal?.aborted === true && error === signal.reason) throw error;
      if (error instanceof AttemptEnded) {
        const failure = endedError(error, retries.attempt, state.timeout, scrub, sent());
        const why = error.failure === undefined ? error.broken : scrub(error.failure.message);
        if (await settle(error.failure === undefined ? error.status : undefined, error.headers, error.retryInMs, failure, why)) continue;
        return { ok: false, error: failure, retryable: true };
      }
      if (error instanceof StripeError) return { ok: false, error, retryable: false };
      const answer = state.answer;
      if (answer === undefined || answer.status < 200 || answer.status >= 300) {
        // The transport maps every network failure; what is left is a runtime that misbehaved.
        return { ok: false, error: new StripeConnectionError({ message: `Request to Stripe failed: ${scrub(reasonOf(error))}`, cause: scrubbedError(error, scrub), sent: sent() }), retryable: false };
      }
      // A body that looked like a JSON object and was not: the request landed, the answer is lost.
      const { status, headers } = answer;
      const failure = new StripeAPIError({ message: `Stripe answered HTTP ${status} with a body that is not JSON (${tries(retries.attempt)})`, statusCode: status, headers, requestId: headers['request-id'], attempts: retries.attempt, sent: sent() });
      await settle(status, headers, undefined, failure, 'a body that is not JSON');
      return { ok: false, error: failure, retryable: false };
    }
    const status = state.answer?.status ?? answered.response.status;
    const headers: Record<string, string> = state.answer?.headers ?? {};
    if (answered.response.ok && answered.data !== undefined) {
      const broken = extra.unusable?.(answered.data);
      if (broken !== undefined) {
        const failure = endedError(new AttemptEnded(undefined, undefined, broken, status, headers), retries.attempt, state.timeout, scrub, sent());
        const retryInMs = retries.next();
        if (await settle(status, headers, retryInMs, failure, broken)) continue;
        return { ok: false, error: failure, retryable: true };
      }
      await settle(status, headers, undefined);
      const last: LastResponse = { requestId: headers['request-id'], statusCode: status, headers, idempotencyKey, attempts: retries.attempt };
      return { ok: true, value: withLastResponse(answered.data, last) };
    }
    const error = StripeError.fromResponse(status, headers, answered.error, { attempts: retries.attempt, sent: sent() });
    if (error instanceof TemporarySessionExpiredError && extra.sessions !== undefined && token !== undefined) {
      extra.sessions.expired(token);
      if (await settle(status, headers, retries.nextAfterExpiredToken(), error)) continue;
      return { ok: false, error, retryable: true };
    }
    await settle(status, headers, undefined, error);
    return { ok: false, error, retryable: state.exhausted };
  }
}

/** Every header of one attempt. */
function headersFor(ctx: CallContext, op: OperationRule, opts: RequestOptions, token: string | undefined, idempotencyKey: string | undefined, raw: CallExtra['headers']): Record<string, string> {
  const { config } = ctx.core;
  const headers: Record<string, string> = { Authorization: `Bearer ${token ?? ctx.key}`, 'Stripe-Version': opts.apiVersion ?? config.apiVersion };
  const account = opts.stripeAccount ?? config.stripeAccount;
  if (account !== undefined) headers['Stripe-Account'] = account;
  if (idempotencyKey !== undefined) headers['Idempotency-Key'] = idempotencyKey;
  if (op.encoding !== 'none') headers['Content-Type'] = op.encoding === 'json' ? 'application/json' : 'application/x-www-form-urlencoded';
  raw?.(headers);
  return headers;
}

/** The error of an attempt that got no usable answer (or, retried, an answer whose body was dropped). */
function endedError(ended: AttemptEnded, attempts: number, timeout: number, scrub: Scrub, sent: SentIdentifiers): StripeError {
  const { failure, status, headers } = ended;
  if (failure === undefined) {
    const what = ended.broken === undefined ? '' : ` with ${ended.broken}`;
    return new StripeAPIError({ message: `Stripe answered HTTP ${String(status)}${what} (${tries(attempts)})`, statusCode: status, headers, requestId: headers['request-id'], attempts, sent });
  }
  const when = failure.whileReading ? ' while reading the answer' : '';
  const message = failure.timedOut
    ? `Request to Stripe timed out after ${timeout} ms${when} (${tries(attempts)})`
    : failure.whileReading
      ? `The answer from Stripe broke off: ${scrub(failure.message)} (${tries(attempts)})`
      : `Could not connect to Stripe: ${scrub(failure.message)} (${tries(attempts)})`;
  return new StripeConnectionError({ message, cause: scrubbedError(failure.cause, scrub), attempts, sent });
}

/** Attaches `lastResponse`, non-enumerable (JSON.stringify and Object.keys don't see it). */
export function withLastResponse<T>(result: T, last: LastResponse): WithLastResponse<T> {
  Object.defineProperty(result, 'lastResponse', { value: last, enumerable: false });
  return result as WithLastResponse<T>;
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
