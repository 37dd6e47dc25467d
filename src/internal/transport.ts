// The fetch that openapi-fetch calls. One logical request becomes up to 1 + maxNetworkRetries
// attempts, each with its own timeout, the same headers (so the same Idempotency-Key) and the
// same body bytes. A caller's abort ends everything at once, also during a backoff sleep, and
// rejects with the signal's own reason.
import { StripeConnectionError } from '../errors.js';
import { retryDelayMs, shouldRetry, type RetryDelays } from './retry-policy.js';

export type Fetch = (input: Request) => Promise<Response>;

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

/** How many attempts produced a response (read by the facade for lastResponse). */
export const attemptsOf = new WeakMap<Response, number>();

export function createTransport(baseFetch: Fetch, settings: TransportSettings): Fetch {
  return async (request) => {
    const caller = request.signal;
    // Read once so every attempt sends the same bytes (a Request body can be consumed only once).
    const body = settings.maxNetworkRetries > 0 && request.body !== null ? await request.arrayBuffer() : undefined;
    const base: RequestEvent = {
      method: request.method,
      url: request.url,
      attempt: 0,
      idempotencyKey: request.headers.get('idempotency-key') ?? undefined,
    };
    for (let attempt = 1; ; attempt++) {
      const timeout = AbortSignal.timeout(settings.timeout);
      const signal = AbortSignal.any([caller, timeout]);
      const init = body === undefined ? { signal } : { method: request.method, headers: request.headers, body, signal };
      const attemptRequest = body === undefined ? new Request(request, init) : new Request(request.url, init);
      const event = { ...base, attempt };
      settings.onRequest?.(event);
      const started = Date.now();
      let response: Response | undefined;
      let failure: unknown;
      try {
        response = await baseFetch(attemptRequest);
      } catch (error) {
        if (caller.aborted) throw caller.reason;
        failure = error;
      }
      const status = response?.status;
      const retry =
        (response === undefined || !response.ok) &&
        shouldRetry({ attempt, maxNetworkRetries: settings.maxNetworkRetries, status, shouldRetryHeader: response?.headers.get('stripe-should-retry') });
      const retryInMs = retry ? retryDelayMs({ attempt, retryAfter: response?.headers.get('retry-after'), delays: settings.delays }) : undefined;
      settings.onResponse?.({
        ...event,
        status,
        requestId: response?.headers.get('request-id') ?? undefined,
        error: response === undefined ? describe(failure, timeout.aborted) : undefined,
        elapsedMs: Date.now() - started,
        retryInMs,
      });
      if (retryInMs === undefined) {
        if (response !== undefined) {
          attemptsOf.set(response, attempt);
          return response;
        }
        throw connectionError(failure, timeout.aborted, settings.timeout, attempt);
      }
      // A retried attempt's answer is never read: release its connection.
      await response?.body?.cancel().catch(() => undefined);
      await sleep(retryInMs, caller);
    }
  };
}

function connectionError(cause: unknown, timedOut: boolean, timeoutMs: number, attempts: number): StripeConnectionError {
  const tries = attempts === 1 ? '1 attempt' : `${attempts} attempts`;
  const message = timedOut
    ? `Request to Stripe timed out after ${timeoutMs} ms (${tries})`
    : `Could not connect to Stripe: ${describe(cause, false)} (${tries})`;
  return new StripeConnectionError({ message, cause, attempts });
}

function describe(error: unknown, timedOut: boolean): string {
  if (timedOut) return 'timed out';
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause;
  if (typeof cause?.code === 'string') return cause.code;
  if (typeof cause?.message === 'string') return cause.message;
  return error instanceof Error ? error.message : String(error);
}

/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
