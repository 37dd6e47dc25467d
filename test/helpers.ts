// An injected fetch that records what the client sends and answers as told (no network), and the
// two transports the suites that touch the wire run over.
import { StripeMeters as NodeStripeMeters } from '../src/index.node.js';
import { StripeMeters, type StripeMetersOptions } from '../src/index.js';

export interface Recorded {
  method: string;
  url: URL;
  headers: Headers;
  body: string;
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', 'request-id': 'req_test', ...headers } });
}

export const METER = {
  id: 'mtr_123',
  object: 'billing.meter',
  created: 1704824589,
  customer_mapping: { type: 'by_id', event_payload_key: 'stripe_customer_id' },
  default_aggregation: { formula: 'sum' },
  display_name: 'Search API Calls',
  event_name: 'ai_search_api',
  event_time_window: null,
  livemode: false,
  status: 'active',
  status_transitions: { deactivated_at: null },
  updated: 1704898330,
  value_settings: { event_payload_key: 'tokens' },
};

export function recorder(respond: (req: Request) => Response | Promise<Response> = () => json(200, METER)) {
  const requests: Recorded[] = [];
  const fetch = async (url: string, init: RequestInit): Promise<Response> => {
    const req = new Request(url, init);
    requests.push({ method: req.method, url: new URL(req.url), headers: req.headers, body: await req.clone().text() });
    return respond(req);
  };
  return { fetch, requests };
}

export const KEY = 'sk_test_51HvZa2ExampleKeyDoNotUse';

/** A client wired to an injected fetch; `requests` holds everything it sent. */
export function clientWith(respond?: (req: Request) => Response | Promise<Response>, options: StripeMetersOptions = {}) {
  const rec = recorder(respond);
  const stripe = new StripeMeters(KEY, { maxNetworkRetries: 0, ...options, fetch: rec.fetch });
  return { stripe, requests: rec.requests };
}

/** A fetch to a real server that edits each request's headers first (drop credentials, ask Prism for an example...). */
export function editingHeaders(edit: (headers: Headers) => void) {
  return (url: string, init: RequestInit) => {
    const headers = new Headers(init.headers);
    edit(headers);
    return fetch(url, { ...init, headers });
  };
}

/** An unix time in whole seconds, `hours` before now, on a minute boundary (inside Stripe's event window). */
export function recent(hours = 1): number {
  return Math.floor(Date.now() / 60_000) * 60 - Math.round(hours * 3600);
}

/**
 * The transports a request can take: Node's default (node:http with a keep-alive agent) and the
 * fetch transport (the runtime's fetch, as in browsers, Bun, Deno and workers, or a `fetch` option).
 */
export const TRANSPORTS = [
  { transport: 'node:http', client: (key: string, options: StripeMetersOptions = {}) => new NodeStripeMeters(key, options) },
  { transport: 'fetch', client: (key: string, options: StripeMetersOptions = {}) => new StripeMeters(key, { fetch: (url, init) => fetch(url, init), ...options }) },
] as const;
