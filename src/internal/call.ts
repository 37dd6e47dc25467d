// One logical request, in one direction: check the options and params (src/internal/prepare.ts),
// then attempts until one answers or the retry policy says stop. Each attempt calls openapi-fetch,
// typed by path, with the request's own `fetch` (src/internal/attempt.ts), `bodySerializer` and
// `baseUrl`: openapi-fetch builds the URL and the Request (body serialized once per attempt, the
// same bytes each time), and parses the answer once; an error answer becomes a StripeError here.
// The headers are built here too, the one place that sets them, and travel with the attempt's own
// fetch rather than through openapi-fetch's `headers`, which it would copy into WHATWG Headers.
// This loop is the one retry engine: calls stop after their attempts, the batching sender and the
// outbox at a deadline, and a stream attempt refused for an expired session token gets a fresh token.
import type { Client } from 'openapi-fetch';
import type { OperationRule } from '../../generated/rules.js';
import type { paths } from '../../generated/schema.js';
import type { StripeMetersCore } from '../client-core.js';
import { StripeConnectionError, StripeError, TemporarySessionExpiredError, type SentIdentifiers } from '../errors.js';
import type { LastResponse, RequestOptions, ResponseEvent, WithLastResponse } from '../options.js';
import { AttemptEnded, attemptFetch, ended, reasonOf, report, sentOf, type CallState } from './attempt.js';
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
  /** Checks the `apiKey` option, given or not, in place of the API key check (the v2 stream takes a session token). */
  checkKey?: ((key: unknown) => void) | undefined;
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

export async function runCall<I extends CallInput, T>(ctx: CallContext, op: OperationRule, input: I, options: RequestOptions | undefined, call: Call<I, T>, extra: CallExtra): Promise<Outcome<WithLastResponse<T>>> {
  const { core } = ctx;
  const { config } = core;
  let opts: RequestOptions;
  let prepared: I;
  try {
    opts = checkRequestOptions(options, extra.checkKey);
    prepared = extra.prepared === true ? input : prepareInput(op, input);
  } catch (error) {
    if (error instanceof StripeError) return { ok: false, error, retryable: false };
    throw error;
  }
  const { signal, apiKey } = opts;
  const { onRequest, onResponse } = config;
  const { observe, sessions } = extra;
  const retries = new Retries(extra.policy ?? (opts.maxNetworkRetries === undefined ? config.policy : { ...config.policy, maxAttempts: 1 + opts.maxNetworkRetries }));
  const state: CallState = {
    transport: core.transport,
    timeout: opts.timeout ?? config.timeout,
    signal,
    emptyResult: op.emptyResult,
    retries,
    // This request's own key, if it is not the client's, must be masked in its errors too.
    scrub: apiKey === undefined ? ctx.scrub : scrubberOf(() => [apiKey, ...ctx.secrets()]),
    sent: extra.sent,
    idempotencyKey: op.method === 'POST' ? (opts.idempotencyKey ?? newIdempotencyKey()) : undefined,
    headers: {},
    answer: undefined,
    exhausted: false,
    hooks: onRequest !== undefined || onResponse !== undefined || observe !== undefined ? { onRequest, onResponse, observe } : undefined,
    event: undefined,
    started: 0,
  };
  // What openapi-fetch gets on every attempt: the params, and its per-request options.
  // One literal of one shape for every operation (a spread of the input would copy it through
  // V8's slow path, shapes differing by call site).
  const init = { params: prepared.params, body: prepared.body, baseUrl: baseUrlFor(config, op.server), fetch: attemptFetch(state), bodySerializer: op.encoding === 'json' ? json : toFormString } as I & AttemptInit;
  let token = apiKey;
  for (;;) {
    if (sessions !== undefined) {
      // The token's creation retried under this request's own policy (or shared one already under
      // way): when it failed, this request's budget is spent too.
      const got = await sessions.token(retries.policy, signal);
      if (!got.ok) return got;
      // A new token makes it another request: a replay of the old key would answer for the old token.
      if (token !== undefined && got.value !== token && opts.idempotencyKey === undefined) state.idempotencyKey = newIdempotencyKey();
      token = got.value;
    }
    // Checked last thing before sending: a session token can take a while (its own retries).
    const stop = extra.beforeAttempt?.();
    if (stop !== undefined) return { ok: false, error: stop, retryable: false };
    state.headers = headersFor(ctx, op, opts, token, state.idempotencyKey, extra.headers);
    // How the attempt ended when it did not succeed: what the hooks are told, and what follows.
    let end: AttemptEnded;
    let retryable = true;
    try {
      const answered = await call(core.openapi, init);
      const answer = state.answer;
      const status = answer?.status ?? answered.response.status;
      const headers: Record<string, string> = answer?.headers ?? {};
      const { data } = answered;
      const usable = answered.response.ok && data !== undefined;
      const broken = usable ? extra.unusable?.(data) : undefined;
      if (usable && broken === undefined) {
        report(state, status, headers, undefined);
        const last: LastResponse = { requestId: headers['request-id'], statusCode: status, headers, idempotencyKey: state.idempotencyKey, attempts: retries.attempt };
        return { ok: true, value: withLastResponse(data, last) };
      }
      if (broken !== undefined) end = ended(state, undefined, broken, answer, retries.next());
      else {
        const error = StripeError.fromResponse(status, headers, answered.error, { attempts: retries.attempt, sent: sentOf(state) });
        let retryInMs: number | undefined;
        if (error instanceof TemporarySessionExpiredError && sessions !== undefined && token !== undefined) {
          sessions.expired(token);
          retryInMs = retries.nextAfterExpiredToken();
        } else retryable = state.exhausted;
        end = new AttemptEnded(error, retryInMs, status, headers, undefined);
      }
    } catch (error) {
      if (error instanceof AttemptEnded) end = error;
      else if (signal?.aborted === true && error === signal.reason) throw error;
      else if (error instanceof StripeError) return { ok: false, error, retryable: false };
      else {
        const answer = state.answer;
        const scrub = state.scrub;
        if (answer === undefined || answer.status < 200 || answer.status >= 300) {
          // The transport maps every network failure; what is left is a runtime that misbehaved.
          return { ok: false, error: new StripeConnectionError({ message: `Request to Stripe failed: ${scrub(reasonOf(error))}`, cause: scrubbedError(error, scrub), sent: sentOf(state) }), retryable: false };
        }
        // A body that looked like a JSON object and was not: the request landed, the answer is lost.
        end = ended(state, undefined, 'a body that is not JSON', answer, undefined);
        retryable = false;
      }
    }
    const { retryInMs } = end;
    report(state, end.status, end.headers, retryInMs, end.error, end.why);
    if (retryInMs === undefined) return { ok: false, error: end.error, retryable };
    await sleep(retryInMs, signal);
    retries.attempt++;
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
