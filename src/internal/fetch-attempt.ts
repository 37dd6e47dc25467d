// One attempt through a fetch(url, init): the runtime's own (browsers, Bun, Deno, workers) or the
// caller's `fetch` option. One controller per attempt aborts it on timeout or on the caller's signal.
import type { FetchLike } from '../options.js';
import { AttemptFailure, type SendAttempt } from './attempt.js';

export function fetchAttempt(fetch: FetchLike): SendAttempt {
  return async (out, timeoutMs, signal) => {
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort(new DOMException(`Timed out after ${timeoutMs} ms`, 'TimeoutError'));
    }, timeoutMs);
    const onAbort = () => controller.abort(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    // Redirects are answers, as on node:http: following one would turn a POST into a GET.
    const init: RequestInit = { method: out.method, headers: out.headers, signal: controller.signal, redirect: 'manual' };
    if (out.body !== undefined) init.body = out.body;
    let response: Response;
    try {
      response = await fetch(out.url, init);
    } catch (error) {
      done();
      if (signal?.aborted) throw signal.reason;
      throw new AttemptFailure(timedOut, false, error);
    }
    const headers: Record<string, string> = {};
    response.headers.forEach((value, name) => (headers[name] = value));
    return {
      status: response.status,
      headers,
      read: async () => {
        try {
          return await response.text();
        } catch (error) {
          if (signal?.aborted) throw signal.reason;
          throw new AttemptFailure(timedOut, true, error);
        } finally {
          done();
        }
      },
      discard: () => {
        done();
        response.body?.cancel().catch(() => undefined);
      },
    };
  };
}
