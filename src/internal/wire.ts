// The Request openapi-fetch builds (its public `Request` option) and the Response our transport
// hands back to it, on Node: small classes that implement the WHATWG interfaces over a string
// body. Constructing Node's WHATWG Request and Response costs about 30 µs each, more than the rest
// of a request's JavaScript; bodies here are small strings, read whole, and never streamed.
import type { SendAttempt, Transport } from './attempt.js';

let never: AbortSignal | undefined;

/** A body held as a string: read any number of times. */
abstract class TextBody {
  readonly #text: string;

  constructor(text: string) {
    this.#text = text;
  }

  get bodyUsed(): boolean {
    return false;
  }
  get body(): ReadableStream<Uint8Array<ArrayBuffer>> | null {
    return this.#text === '' ? null : new Blob([this.#text]).stream();
  }
  text(): Promise<string> {
    return Promise.resolve(this.#text);
  }
  json(): Promise<unknown> {
    return new Promise((resolve) => resolve(JSON.parse(this.#text)));
  }
  bytes(): Promise<Uint8Array<ArrayBuffer>> {
    return Promise.resolve(new TextEncoder().encode(this.#text));
  }
  arrayBuffer(): Promise<ArrayBuffer> {
    return this.bytes().then((b) => b.buffer);
  }
  blob(): Promise<Blob> {
    return Promise.resolve(new Blob([this.#text]));
  }
  formData(): Promise<FormData> {
    return Promise.reject(new TypeError('stripe-meters: a Stripe body is not form data'));
  }
}

/** A request with a string body (or none), as openapi-fetch builds it: `new WireRequest(url, init)`. */
export class WireRequest extends TextBody implements Request {
  readonly url: string;
  readonly method: string;
  readonly headers: Headers;
  readonly signal: AbortSignal;
  /** The body as sent (undefined: none). */
  readonly bodyText: string | undefined;
  // The same for every request: on the prototype, not stored per request.
  get cache(): RequestCache {
    return 'no-store';
  }
  get credentials(): RequestCredentials {
    return 'omit';
  }
  get destination(): RequestDestination {
    return '';
  }
  get integrity(): string {
    return '';
  }
  get keepalive(): boolean {
    return false;
  }
  get mode(): RequestMode {
    return 'cors';
  }
  // Redirects are answers: following one would turn a POST into a GET.
  get redirect(): RequestRedirect {
    return 'manual';
  }
  get referrer(): string {
    return '';
  }
  get referrerPolicy(): ReferrerPolicy {
    return 'no-referrer';
  }

  constructor(input: RequestInfo | URL, init: RequestInit = {}) {
    const body = init.body ?? undefined;
    if (body !== undefined && typeof body !== 'string') throw new TypeError('stripe-meters sends string bodies only');
    super(body ?? '');
    this.url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    this.method = init.method ?? 'GET';
    this.headers = init.headers instanceof Headers ? init.headers : new Headers(init.headers);
    this.signal = init.signal ?? (never ??= new AbortController().signal);
    this.bodyText = body;
  }

  clone(): WireRequest {
    const init: RequestInit = { method: this.method, headers: new Headers(this.headers), signal: this.signal };
    if (this.bodyText !== undefined) init.body = this.bodyText;
    return new WireRequest(this.url, init);
  }
}

/** The headers of a WireResponse: read-only, over the record the transport read (lower-case names). */
export class WireHeaders implements Headers {
  readonly #record: Record<string, string>;

  constructor(record: Record<string, string>) {
    this.#record = record;
  }

  get(name: string): string | null {
    const key = name.toLowerCase();
    return Object.hasOwn(this.#record, key) ? (this.#record[key] ?? null) : null;
  }
  has(name: string): boolean {
    return this.get(name) !== null;
  }
  getSetCookie(): string[] {
    const cookie = this.get('set-cookie');
    return cookie === null ? [] : [cookie];
  }
  forEach(callback: (value: string, key: string, parent: Headers) => void, thisArg?: unknown): void {
    for (const [key, value] of this.entries()) callback.call(thisArg, value, key, this);
  }
  entries(): HeadersIterator<[string, string]> {
    return Object.entries(this.#record).sort(([a], [b]) => (a < b ? -1 : 1))[Symbol.iterator]();
  }
  keys(): HeadersIterator<string> {
    return Object.keys(this.#record).sort()[Symbol.iterator]();
  }
  values(): HeadersIterator<string> {
    return [...this.entries()].map(([, value]) => value)[Symbol.iterator]();
  }
  [Symbol.iterator](): HeadersIterator<[string, string]> {
    return this.entries();
  }
  // An answer's headers are immutable, as a WHATWG Response's are.
  append(): void {
    throw new TypeError('immutable');
  }
  set(): void {
    throw new TypeError('immutable');
  }
  delete(): void {
    throw new TypeError('immutable');
  }
}

/** A complete answer: status, headers and the whole body as text. */
export class WireResponse extends TextBody implements Response {
  readonly ok: boolean;
  get redirected(): boolean {
    return false;
  }
  get statusText(): string {
    return '';
  }
  get type(): ResponseType {
    return 'basic';
  }

  constructor(
    readonly status: number,
    readonly headers: Headers,
    readonly url: string,
    readonly bodyText: string,
  ) {
    super(bodyText);
    this.ok = status >= 200 && status < 300;
  }

  clone(): WireResponse {
    return new WireResponse(this.status, this.headers, this.url, this.bodyText);
  }
}

/** Node's transport: `send` (node:http, or a `fetch` option) with these classes. */
export function wireTransport(send: SendAttempt): Transport {
  return {
    send,
    Request: WireRequest,
    bodyOf: (request) => (request instanceof WireRequest ? request.bodyText : null),
    respond: (status, headers, url, text) => new WireResponse(status, new WireHeaders(headers), url, text),
  };
}
