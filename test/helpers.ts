// An injected fetch that records what the client sends and answers as told (no network, for unit
// tests of pure logic), the two transports the suites that touch the wire run over, and the
// emulator over HTTP for them.
import type { Emulator, FaultRule } from '../src/emulator/index.js';
import type { RequestRecord } from '../src/emulator/request-log.js';
import { serveEmulator, type RunningEmulator, type ServeEmulatorOptions } from '../src/emulator/server.node.js';
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

type FaultKind = FaultRule['fault'];

/**
 * Every way an attempt fails, Stripe's and the network's, each at `rate` on `path`: resets (before
 * and after the request lands), a slow answer and a stalled body (`delayMs`), a cut body, a 2xx that
 * is not JSON, 500 and 503, 409, and 429 with and without Retry-After. `skip` leaves kinds out.
 */
export function faultMix(path: string, rate: number, { delayMs = 250, skip = [] }: { delayMs?: number; skip?: FaultKind[] } = {}): FaultRule[] {
  const all: FaultRule[] = [
    { path, fault: 'reset', rate },
    { path, fault: 'reset_after', rate },
    { path, fault: 'slow', rate, delayMs },
    { path, fault: 'cut_body', rate },
    { path, fault: 'stall_body', rate, delayMs },
    { path, fault: 'not_json', rate },
    { path, fault: 'server_error', rate },
    { path, fault: 'server_error', status: 503, rate },
    { path, fault: 'conflict', rate },
    { path, fault: 'rate_limit', retryAfterSeconds: 0, rate },
    { path, fault: 'rate_limit', rate },
  ];
  return all.filter((rule) => !skip.includes(rule.fault));
}

/** Where each served emulator's log starts, once its setup requests are done. */
const setupDone = new WeakMap<Emulator, number>();

/**
 * The emulator over HTTP on a free loopback port, with a `sum` meter on `api_call` (customer key
 * stripe_customer_id, value key value); its faults apply from then on.
 */
export async function servedEmulator(options: ServeEmulatorOptions = {}): Promise<RunningEmulator> {
  const { faults = [], ...rest } = options;
  const running = await serveEmulator({ port: 0, host: '127.0.0.1', onWarning: () => undefined, ...rest });
  await new StripeMeters(KEY, { fetch: running.emulator.fetch }).billing.meters.create({
    display_name: 'API calls',
    event_name: 'api_call',
    default_aggregation: { formula: 'sum' },
    customer_mapping: { type: 'by_id', event_payload_key: 'stripe_customer_id' },
    value_settings: { event_payload_key: 'value' },
  });
  setupDone.set(running.emulator, running.emulator.requests().at(-1)?.seq ?? 0);
  running.emulator.setFaults(faults);
  return running;
}

/** The requests the emulator logged after its setup. */
export function logged(emulator: Emulator): RequestRecord[] {
  const after = setupDone.get(emulator) ?? 0;
  return emulator.requests().filter((r) => r.seq > after);
}

/** Groups the logged requests' bodies by Idempotency-Key (needs requestLog.bodies). */
export function bodiesByKey(emulator: Emulator): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const r of logged(emulator)) {
    if (r.idempotencyKey === undefined || r.operationId === undefined) continue;
    out.set(r.idempotencyKey, [...(out.get(r.idempotencyKey) ?? []), new TextDecoder().decode(r.body)]);
  }
  return out;
}

/** API requests the emulator saw after its setup (control endpoints aside), per operation id when given. */
export function apiRequests(emulator: Emulator, operationId?: string): number {
  return logged(emulator).filter((r) => r.operationId !== undefined && (operationId === undefined || r.operationId === operationId)).length;
}

/**
 * Runs fake timers forward `stepMs` at a time, letting real I/O (sockets) happen in between, until
 * `done()` says so (at most `maxSteps` steps).
 */
export async function drive(done: () => boolean | Promise<boolean>, stepMs: number, advance: (ms: number) => Promise<unknown>, maxSteps = 1000): Promise<void> {
  for (let i = 0; i < maxSteps && !(await done()); i++) {
    for (let k = 0; k < 3; k++) await new Promise((r) => setImmediate(r));
    await advance(stepMs);
  }
}

/** Whether `promise` has settled, without waiting for it. */
export async function settled(promise: Promise<unknown>): Promise<boolean> {
  const marker = Symbol('pending');
  return (await Promise.race([promise, Promise.resolve(marker)])) !== marker;
}
