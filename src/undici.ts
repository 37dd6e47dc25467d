// `stripe-meters/undici`: a fetch for Node built on undici's request API. Node's built-in fetch
// pays for WHATWG streams and signals on every call; this sends the same request through
// undici's lower-level API and builds one Response from the bytes (see the README's figures).
// Node only, and opt-in: the main entry never imports it, so browser and edge bundles don't either.
import { request, type Dispatcher } from 'undici';
import { bufferedResponses, type FetchLike } from './internal/transport.js';

export interface UndiciFetchOptions {
  /** An undici Agent or Pool (connection limits, keep-alive, proxies). @default undici's global dispatcher */
  dispatcher?: Dispatcher;
}

const NULL_BODY_STATUS = new Set([101, 103, 204, 205, 304]);

function headerRecord(headers: HeadersInit | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (headers === undefined) return out;
  if (headers instanceof Headers) headers.forEach((value, key) => (out[key] = value));
  else if (Array.isArray(headers)) for (const [key, value] of headers) out[key.toLowerCase()] = value ?? '';
  else for (const [key, value] of Object.entries(headers)) out[key.toLowerCase()] = value;
  return out;
}

function responseHeaders(headers: Record<string, string | string[] | undefined>): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const [key, value] of Object.entries(headers)) {
    if (Array.isArray(value)) for (const v of value) out.push([key, v]);
    else if (value !== undefined) out.push([key, value]);
  }
  return out;
}

type UndiciBody = string | Uint8Array | null;

function requestBody(body: BodyInit | null | undefined): UndiciBody {
  if (body === undefined || body === null) return null;
  if (typeof body === 'string' || body instanceof Uint8Array) return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  throw new TypeError('undiciFetch sends string, Uint8Array or ArrayBuffer bodies');
}

/** A fetch(url, init) for `new StripeMeters(key, { fetch: undiciFetch() })`. */
export function undiciFetch(options: UndiciFetchOptions = {}): FetchLike {
  return async (url, init) => {
    const response = await request(url, {
      method: (init.method ?? 'GET') as Dispatcher.HttpMethod,
      headers: headerRecord(init.headers),
      body: requestBody(init.body),
      signal: init.signal ?? null,
      ...(options.dispatcher === undefined ? {} : { dispatcher: options.dispatcher }),
    });
    const bytes = NULL_BODY_STATUS.has(response.statusCode) ? (await response.body.dump(), null) : await response.body.arrayBuffer();
    const result = new Response(bytes, { status: response.statusCode, headers: responseHeaders(response.headers) });
    bufferedResponses.add(result);
    return result;
  };
}
