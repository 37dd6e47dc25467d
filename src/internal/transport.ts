// The fetch that openapi-fetch calls: applies the per-attempt timeout and turns network failures
// into StripeConnectionError. A caller's abort is re-thrown as the signal's own reason.
import { StripeConnectionError } from '../errors.js';

export type Fetch = (input: Request) => Promise<Response>;

export interface AttemptSettings {
  timeout: number;
  maxNetworkRetries: number;
}

export function createTransport(baseFetch: Fetch, settings: AttemptSettings): Fetch {
  return async (request) => {
    const callerSignal = request.signal;
    const timeoutSignal = AbortSignal.timeout(settings.timeout);
    const signal = AbortSignal.any([callerSignal, timeoutSignal]);
    try {
      return await baseFetch(new Request(request, { signal }));
    } catch (error) {
      if (callerSignal.aborted) throw callerSignal.reason;
      if (timeoutSignal.aborted) {
        throw new StripeConnectionError({ message: `Request to Stripe timed out after ${settings.timeout} ms`, cause: error });
      }
      throw new StripeConnectionError({ message: `Could not connect to Stripe: ${describe(error)}`, cause: error });
    }
  };
}

function describe(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
  if (typeof cause?.code === 'string') return cause.code;
  if (typeof cause?.message === 'string') return cause.message;
  return error instanceof Error ? error.message : String(error);
}
