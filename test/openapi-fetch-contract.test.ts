// The request path hands openapi-fetch a WireRequest class (its `Request` option) and gets
// WireResponses back from the transport, instead of the WHATWG classes. This pins exactly what
// openapi-fetch reads of them, so that an openapi-fetch upgrade that reads more fails here.
import createClient from 'openapi-fetch';
import { describe, expect, it } from 'vitest';
import type { paths } from '../generated/schema.js';
import { WireRequest, WireResponse, type RequestPlan } from '../src/internal/wire.js';

const PLAN: RequestPlan = { headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, timeout: 1000, maxNetworkRetries: 0, signal: undefined, emptyResult: false, sent: {}, scrub: (t) => t };

function recording<T extends object>(target: T, log: string[], name: string): T {
  return new Proxy(target, {
    get(t, key, receiver) {
      log.push(`${name}.${String(key)}`);
      const value = Reflect.get(t, key, receiver) as unknown;
      if (key === 'headers' && typeof value === 'object' && value !== null) return recording(value, log, `${name}.headers`);
      return typeof value === 'function' ? (...args: unknown[]) => (log.push(`${name}.${String(key)}(${args.map(String).join(', ')})`), (value as (...a: unknown[]) => unknown).apply(t, args)) : value;
    },
    has(t, key) {
      log.push(`${String(key)} in ${name}`);
      return Reflect.has(t, key);
    },
  });
}

async function run(response: () => WireResponse, call: (client: ReturnType<typeof createClient<paths>>) => Promise<unknown>) {
  const log: string[] = [];
  let built: { url: string; init: Record<string, unknown> } | undefined;
  let fetched: unknown;
  class RecordingRequest extends WireRequest {
    constructor(url: string, init: Record<string, unknown>) {
      super(url, init);
      built = { url, init };
      // openapi-fetch gets (and hands to fetch) a proxy, so every read it makes is logged.
      return recording(this, log, 'request');
    }
  }
  const client = createClient<paths>({
    baseUrl: 'https://api.example.test',
    Request: RecordingRequest as unknown as typeof Request,
    fetch: (async (request: unknown) => {
      fetched = request;
      return recording(response(), log, 'response');
    }) as unknown as (request: Request) => Promise<Response>,
    querySerializer: () => 'limit=3',
    bodySerializer: (body: unknown) => body,
  });
  const result = await call(client);
  // `then` is read by the promise machinery resolving our own fetch's result, not by openapi-fetch.
  return { log: log.filter((entry) => entry !== 'response.then'), built, fetched, result };
}

describe('what openapi-fetch reads of WireRequest and WireResponse', () => {
  it('a GET with a JSON answer', async () => {
    const { log, built, result } = await run(
      () => new WireResponse(200, { 'content-type': 'application/json', 'content-length': '13' }, '{"id":"mtr_1"}', { id: 'mtr_1' }, 1),
      (c) => c.GET('/v1/billing/meters', { params: { query: { limit: 3 } }, plan: PLAN }),
    );
    expect(built?.url).toBe('https://api.example.test/v1/billing/meters?limit=3');
    expect(built?.init['plan']).toBe(PLAN);
    expect(log).toEqual(['plan in request', 'method in request', 'response.headers', 'response.headers.get', 'response.headers.get(Content-Length)', 'response.status', 'request.method', 'response.ok', 'response.json', 'response.json()']);
    expect((result as { data: unknown }).data).toEqual({ id: 'mtr_1' });
  });

  it('a POST with a string body, and an empty answer', async () => {
    const { log, built, result } = await run(
      () => new WireResponse(200, { 'content-length': '0' }, '', {}, 1),
      (c) => c.POST('/v2/billing/meter_event_stream', { body: '{"events":[]}' as never, plan: PLAN }),
    );
    expect(built?.init['method']).toBe('POST');
    expect(built?.init['body']).toBe('{"events":[]}');
    expect(log).toEqual(['plan in request', 'method in request', 'response.headers', 'response.headers.get', 'response.headers.get(Content-Length)', 'response.status', 'request.method', 'response.headers', 'response.headers.get', 'response.headers.get(Transfer-Encoding)', 'response.ok']);
    expect((result as { data: unknown }).data).toBeUndefined();
  });

  it("hands fetch the very request it built, with the plan's headers (not openapi-fetch's)", async () => {
    const { fetched } = await run(
      () => new WireResponse(200, { 'content-length': '2' }, '{}', {}, 1),
      (c) => c.POST('/v1/billing/meters', { body: 'a=1' as never, plan: PLAN }),
    );
    expect(fetched).toBeInstanceOf(WireRequest);
    expect((fetched as WireRequest).headers).toEqual(PLAN.headers);
  });
});
