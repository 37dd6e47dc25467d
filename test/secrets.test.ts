// No key and no session token in anything a user can serialise, inspect or log: the client, its
// resources, a stream, every error, every lastResponse, every hook payload, every stream failure.
import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../src/emulator/server.node.js';
import { StripeError, type MeterEventSenderFailure, type RequestEvent, type ResponseEvent } from '../src/index.js';
import { mask } from '../src/internal/secrets.js';
import { servedEmulator, TRANSPORTS } from './helpers.js';

const KEY = 'sk_test_51SecretKeyThatMustNeverLeak0000004242';

const servers: RunningEmulator[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** Every text a logger could write of `value`. */
function renderings(value: unknown): string[] {
  const out = [inspect(value, { depth: Number.POSITIVE_INFINITY, showHidden: true, getters: true })];
  try {
    out.push(JSON.stringify(value) ?? '');
  } catch {
    // A cycle: inspect covers it.
  }
  if (value instanceof Error) out.push(String(value), value.stack ?? '', String((value as { cause?: unknown }).cause));
  return out;
}

describe.each(TRANSPORTS)('secrets over $transport', ({ client }) => {
  it('neither the key nor any session token appears anywhere a user can look', async () => {
    // A fourth of the stream requests find their token expired: the sender renews tokens as it goes.
    const server = await servedEmulator({ faults: [{ path: 'PostV2BillingMeterEventStream', fault: 'session_expired', rate: 0.25 }] });
    servers.push(server);
    const seen: unknown[] = [];
    const hooks = { onRequest: (e: RequestEvent) => void seen.push(e), onResponse: (e: ResponseEvent) => void seen.push(e) };
    const tokens = new Set<string>();
    let streamRequests = 0;
    // A custom fetch that fails the way proxies and runtimes do: quoting the Authorization header.
    const leaky = (url: string, init: RequestInit) => {
      const auth = new Headers(init.headers).get('authorization') ?? '';
      tokens.add(auth.replace('Bearer ', ''));
      if (url.includes('/meter_event_stream') && ++streamRequests % 3 === 0) return Promise.reject(new TypeError(`invalid header value "${auth}"`, { cause: new Error(`header ${auth}`) }));
      if (url.includes('/v1/billing/meters/mtr_leak')) return Promise.reject(new Error(`proxy refused ${auth}`));
      return fetch(url, init);
    };

    const stripe = client(KEY, { baseUrl: server.url, meterEventsBaseUrl: server.url, maxNetworkRetries: 1, retryDelay: { initialMs: 1, maxMs: 2 }, ...hooks });
    const viaLeakyFetch = client(KEY, { baseUrl: server.url, meterEventsBaseUrl: server.url, maxNetworkRetries: 1, retryDelay: { initialMs: 1, maxMs: 2 }, fetch: leaky, ...hooks });
    const results: unknown[] = [];
    const errors: unknown[] = [];
    const attempt = (p: Promise<unknown>) => p.then((r) => results.push(r, (r as { lastResponse?: unknown }).lastResponse), (e: unknown) => errors.push(e));

    await attempt(stripe.billing.meterEvents.create({ event_name: 'api_call', payload: { stripe_customer_id: 'cus_1', value: 1 } })); // success
    await attempt(stripe.v2.billing.meterEventSession.create()); // a token in the result, which is the user's own
    await attempt(client('sk_test_wrongKeyButLooksRight1234', { baseUrl: server.url }).billing.meters.retrieve('mtr_1')); // 404 here
    await attempt(viaLeakyFetch.billing.meters.retrieve('mtr_leak')); // a custom fetch quoting the key
    await attempt(viaLeakyFetch.raw.GET('/v1/billing/meters/{id}', { params: { path: { id: 'mtr_leak' } } }));
    const failures: MeterEventSenderFailure[] = [];
    const stream = viaLeakyFetch.meterEventSender({ onError: (f) => failures.push(f), retryBudgetMs: 50 });
    for (let i = 0; i < 3000; i++) await stream.send({ event_name: 'api_call', payload: { stripe_customer_id: 'cus_1', value: i } });
    await stream.close().catch((e: unknown) => errors.push(e));
    expect(errors.length).toBeGreaterThanOrEqual(2);
    expect(seen.length).toBeGreaterThan(10);
    tokens.delete(KEY);
    expect(tokens.size).toBeGreaterThan(1); // sessions were renewed along the way

    const session = results[2] as { authentication_token: string };
    const everything = [stripe, viaLeakyFetch, stripe.billing.meters, stripe.v2.billing.meterEventStream, viaLeakyFetch.raw, stream, stream.stats, ...errors, ...seen, ...failures];
    for (const value of everything) {
      for (const text of renderings(value)) {
        expect(text).not.toContain(KEY);
        for (const token of tokens) if (token !== session.authentication_token || value !== results[2]) expect(text).not.toContain(token);
      }
    }
    // What reached the errors was masked, not dropped: the text still says what happened.
    const leak = errors.find((e) => e instanceof StripeError && e.message.includes('proxy refused')) as StripeError | undefined;
    expect(leak?.message).toContain(mask(KEY));
  }, 30_000);
});

describe('a key given as a raw Authorization header', () => {
  it('is masked in errors and hook payloads like the client key', async () => {
    const other = 'sk_live_OTHERsecret9876543210';
    const seen: ResponseEvent[] = [];
    const stripe = TRANSPORTS[1].client(KEY, {
      maxNetworkRetries: 0,
      onResponse: (e) => void seen.push(e),
      fetch: (_url, init) => Promise.reject(new Error(`invalid header: Authorization: ${new Headers(init.headers).get('authorization') ?? ''}`)),
    });
    const error = (await stripe.raw.GET('/v1/billing/meters', { headers: { Authorization: `Bearer ${other}` } }).catch((e: unknown) => e)) as StripeError;
    for (const value of [error, ...seen]) for (const text of renderings(value)) expect(text).not.toContain(other);
    expect(error.message).toContain(mask(other));
  });
});

describe('masking', () => {
  it.each([
    ['sk_test_51SecretKey0000004242', 'sk_test_…4242'],
    ['rk_live_abcdefghijklmnop9999', 'rk_live_…9999'],
    ['mes_tok_abcdefghijkl', 'mes_…ijkl'],
    ['short', '…'],
  ])('%s -> %s', (secret, masked) => {
    expect(mask(secret)).toBe(masked);
  });
});
