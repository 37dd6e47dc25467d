// The request openapi-fetch builds (through its `Request` option) and the response it reads, as
// small classes instead of the WHATWG ones: building a Request and a Response costs more than the
// rest of our own code per call, and none of their streaming machinery is used here (bodies are
// strings, read whole). test/openapi-fetch-contract.test.ts pins exactly what openapi-fetch reads.
import type { SentIdentifiers } from '../errors.js';
import type { Scrub } from './secrets.js';

/** What the core decided for one logical request; it rides on the request to the transport. */
export interface RequestPlan {
  /**
   * Every header of the request, as the core built them. They ride here rather than through
   * openapi-fetch's `headers`, which it would copy into two WHATWG Headers per call for nothing.
   */
  headers: Record<string, string>;
  /** @unit milliseconds */
  timeout: number;
  maxNetworkRetries: number;
  signal: AbortSignal | undefined;
  /** An empty 2xx body stands for `{}` (the v2 stream). */
  emptyResult: boolean;
  /** What the request sent, for every error it may end with. */
  sent: SentIdentifiers;
  /** Masks the keys and tokens this request could leak into text. */
  scrub: Scrub;
}

/** What openapi-fetch hands to `new Request(url, init)` (its own `headers` are not used). */
interface RequestInitLike {
  method?: string;
  body?: unknown;
  plan?: RequestPlan;
}

export class WireRequest {
  readonly url: string;
  readonly method: string;
  readonly headers: Record<string, string>;
  readonly body: string | undefined;
  readonly plan: RequestPlan;

  constructor(url: string, init: RequestInitLike) {
    if (init.plan === undefined) throw new TypeError('stripe-meters: a request was built without its plan');
    this.url = url;
    this.method = init.method ?? 'GET';
    this.headers = init.plan.headers;
    this.body = typeof init.body === 'string' ? init.body : undefined;
    this.plan = init.plan;
  }
}

/** The `headers` of a WireResponse: lookup by any case, and the plain record for lastResponse. */
export class WireHeaders {
  constructor(readonly record: Record<string, string>) {}
  get(name: string): string | null {
    return this.record[name.toLowerCase()] ?? null;
  }
  has(name: string): boolean {
    return this.get(name) !== null;
  }
}

/** A fully read answer. `json()` returns the body the transport already parsed. */
export class WireResponse {
  readonly ok: boolean;
  readonly headers: WireHeaders;

  constructor(
    readonly status: number,
    headers: Record<string, string>,
    readonly bodyText: string,
    /** The parsed body of a 2xx answer (undefined otherwise). */
    readonly parsed: unknown,
    /** How many attempts the request took. */
    readonly attempts: number,
  ) {
    this.ok = status >= 200 && status < 300;
    this.headers = new WireHeaders(headers);
  }

  text(): Promise<string> {
    return Promise.resolve(this.bodyText);
  }

  json(): Promise<unknown> {
    return Promise.resolve(this.parsed);
  }
}
