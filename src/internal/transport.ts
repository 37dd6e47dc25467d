// The fetch that openapi-fetch calls. One logical request becomes up to 1 + maxNetworkRetries
// attempts, each with its own timeout (covering the whole body), the same headers (so the same
// Idempotency-Key) and the same body bytes. A caller's abort ends everything at once, also during
// a backoff sleep, and rejects with the signal's own reason.
import { StripeConnectionError } from '../errors.js';
import { retryDelayMs, shouldRetry, type RetryDelays } from './retry-policy.js';

/** What openapi-fetch calls: it receives a Request. */
export type Fetch = (input: Request) => Promise<Response>;
/**
 * How an attempt goes out: the standard fetch signature, (url, init). The runtime's fetch, a
 * test double, or a faster transport such as `stripe-meters/undici` all fit.
 */
export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

export function sendWith(fetch: FetchLike | undefined): FetchLike {
  // Called through globalThis: some runtimes reject a fetch detached from its global.
  return fetch ?? ((url, init) => globalThis.fetch(url, init));
}

/** What the onRequest hook sees of each attempt: never a key or token. */
export interface RequestEvent {
  method: string;
  url: string;
  attempt: number;
  idempotencyKey: string | undefined;
}

/** What the onResponse hook sees of each attempt. */
export interface ResponseEvent extends RequestEvent {
  /** HTTP status, or undefined when no response came. */
  status: number | undefined;
  requestId: string | undefined;
  /** Why no response came (connection error or timeout). */
  error: string | undefined;
  elapsedMs: number;
  /** Whether another attempt follows, and after how long. */
  retryInMs: number | undefined;
}

export interface TransportSettings {
  timeout: number;
  maxNetworkRetries: number;
  delays: RetryDelays;
  onRequest?: ((event: RequestEvent) => void) | undefined;
  onResponse?: ((event: ResponseEvent) => void) | undefined;
}

/** What the facade knows about one request before openapi-fetch builds it. */
export interface KnownRequest {
  /** The serialized body, so attempts need not read it back out of the Request. */
  body?: string | undefined;
  /** The caller's signal; without it the request cannot be aborted from outside. */
  signal?: AbortSignal | undefined;
}

/** How many attempts produced a response (read by the facade for lastResponse). */
export const attemptsOf = new WeakMap<Response, number>();

/** Responses whose body is already in memory (built by undiciFetch): no need to buffer them again. */
export const bufferedResponses = new WeakSet<Response>();

const NULL_BODY_STATUS = new Set([101, 103, 204, 205, 304]);

export function createTransport(send: FetchLike, settings: TransportSettings, known?: KnownRequest): Fetch {
  return async (request) => {
    const caller = known === undefined ? request.signal : known.signal;
    const body = known?.body ?? (request.body === null ? undefined : await request.arrayBuffer());
    const hooked = settings.onRequest !== undefined || settings.onResponse !== undefined;
    for (let attempt = 1; ; attempt++) {
      // Hook events are built only when there are hooks: this loop runs for every request.
      const event: RequestEvent | undefined = hooked
        ? { method: request.method, url: request.url, attempt, idempotencyKey: request.headers.get('idempotency-key') ?? undefined }
        : undefined;
      if (event !== undefined) settings.onRequest?.(event);
      const started = hooked ? Date.now() : 0;
      const outcome = await attemptOnce(send, request, body, caller, settings.timeout);
      const { response } = outcome;
      const retry =
        (response === undefined || !response.ok) &&
        shouldRetry({ attempt, maxNetworkRetries: settings.maxNetworkRetries, status: response?.status, shouldRetryHeader: response?.headers.get('stripe-should-retry') });
      const retryInMs = retry ? retryDelayMs({ attempt, retryAfter: response?.headers.get('retry-after'), delays: settings.delays }) : undefined;
      if (event !== undefined) {
        settings.onResponse?.({
          ...event,
          status: response?.status,
          requestId: response?.headers.get('request-id') ?? undefined,
          error: response === undefined ? describe(outcome.error, outcome.timedOut) : undefined,
          elapsedMs: Date.now() - started,
          retryInMs,
        });
      }
      if (retryInMs === undefined) {
        if (response === undefined) throw connectionError(outcome.error, outcome.timedOut, settings.timeout, attempt);
        const final = await outcome.read(attempt);
        attemptsOf.set(final, attempt);
        return final;
      }
      await outcome.discard();
      await sleep(retryInMs, caller);
    }
  };
}

interface Outcome {
  response: Response | undefined;
  error: unknown;
  timedOut: boolean;
  /** Reads the whole body under the attempt's timeout and returns it as a settled Response. */
  read: (attempt: number) => Promise<Response>;
  /** Cancels the body unread (a retried attempt's answer) and stops the timer. */
  discard: () => Promise<void>;
}

async function attemptOnce(send: FetchLike, request: Request, body: BodyInit | undefined, caller: AbortSignal | undefined, timeoutMs: number): Promise<Outcome> {
  // One controller per attempt, aborted by a timer or by the caller; cheaper than composing
  // AbortSignal.timeout with AbortSignal.any on every request, and cleared once the body is in.
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new DOMException(`Timed out after ${timeoutMs} ms`, 'TimeoutError'));
  }, timeoutMs);
  const onAbort = () => controller.abort(caller?.reason);
  caller?.addEventListener('abort', onAbort, { once: true });
  const done = () => {
    clearTimeout(timer);
    caller?.removeEventListener('abort', onAbort);
  };
  const init: RequestInit = { method: request.method, headers: request.headers, signal: controller.signal };
  if (body !== undefined) init.body = body;
  let response: Response;
  try {
    if (caller?.aborted) throw caller.reason;
    response = await send(request.url, init);
  } catch (error) {
    done();
    if (caller?.aborted) throw caller.reason;
    return { response: undefined, error, timedOut, read: () => Promise.reject(error as Error), discard: () => Promise.resolve() };
  }
  const read = async (attempt: number) => {
    if (bufferedResponses.has(response)) {
      done();
      return response;
    }
    try {
      const bytes = NULL_BODY_STATUS.has(response.status) ? null : await response.arrayBuffer();
      return new Response(bytes, { status: response.status, statusText: response.statusText, headers: response.headers });
    } catch (error) {
      if (caller?.aborted) throw caller.reason;
      throw connectionError(error, timedOut, timeoutMs, attempt, 'while reading the response');
    } finally {
      done();
    }
  };
  const discard = async () => {
    done();
    await response.body?.cancel().catch(() => undefined);
  };
  return { response, error: undefined, timedOut, read, discard };
}

function connectionError(cause: unknown, timedOut: boolean, timeoutMs: number, attempts: number, when = ''): StripeConnectionError {
  const tries = attempts === 1 ? '1 attempt' : `${attempts} attempts`;
  const suffix = when === '' ? `(${tries})` : `${when} (${tries})`;
  const message = timedOut
    ? `Request to Stripe timed out after ${timeoutMs} ms ${suffix}`
    : `Could not connect to Stripe: ${describe(cause, false)} ${suffix}`;
  return new StripeConnectionError({ message, cause, attempts });
}

function describe(error: unknown, timedOut: boolean): string {
  if (timedOut) return 'timed out';
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause;
  if (typeof cause?.code === 'string') return cause.code;
  // undici's request API puts the code on the error itself.
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string') return code;
  if (typeof cause?.message === 'string') return cause.message;
  return error instanceof Error ? error.message : String(error);
}

/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
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
