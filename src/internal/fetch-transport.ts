// The transport of every runtime but Node: attempts through a fetch (the runtime's own, or the
// `fetch` option), with the runtime's own Request and Response classes.
import type { FetchLike } from '../options.js';
import type { Transport } from './attempt.js';
import { fetchAttempt } from './fetch-attempt.js';

// Statuses whose Response may not have a body.
const NULL_BODY = new Set([101, 204, 205, 304]);

/** `fetch` undefined: the runtime's, called through globalThis (some runtimes reject a detached fetch). */
export function fetchTransport(fetch: FetchLike | undefined): Transport {
  return {
    send: fetchAttempt(fetch ?? ((url, init) => globalThis.fetch(url, init))),
    Request: globalThis.Request,
    bodyOf: () => null,
    respond: (status, headers, _url, text) => new Response(NULL_BODY.has(status) ? null : text, { status, headers }),
  };
}
