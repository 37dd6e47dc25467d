// Fault injection, in process: what each fault answers (or how the fetch fails), whether the
// request was applied, matching by path, template, operation id and method, rates drawn from a
// seed, spent rules; and the per-account rate limit on the host clock.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createEmulator, type FaultRule } from '../src/emulator/index.js';
import { createMeter, HOUR, KEY, raw, setup, summaries, T0 } from './emulator-kit.js';

const v1Event = 'event_name=api&payload[stripe_customer_id]=cus_a&payload[value]=1';

describe('emulator faults', () => {
  it('are off by default', async () => {
    const { emulator, stripe } = setup();
    await createMeter(stripe, 'api');
    for (let i = 0; i < 50; i++) expect((await raw(emulator, 'POST', '/v1/billing/meter_events', { body: v1Event })).status).toBe(200);
  });

  it('rate_limit, server_error and conflict answer in the v1 or v2 shape and apply nothing', async () => {
    const { emulator, stripe } = setup();
    const meter = await createMeter(stripe, 'api');
    const v2 = { event_name: 'api', payload: { stripe_customer_id: 'cus_a', value: '1' } };
    const expectations: Array<[FaultRule['fault'], number, 'v1' | 'v2', Record<string, unknown>]> = [
      ['rate_limit', 429, 'v1', { type: 'invalid_request_error', code: 'rate_limit', message: 'Request rate limit exceeded. You can learn more about rate limits here https://stripe.com/docs/rate-limits.' }],
      ['rate_limit', 429, 'v2', { type: 'rate_limit', code: 'rate_limit' }],
      ['server_error', 500, 'v1', { type: 'api_error' }],
      ['server_error', 500, 'v2', { type: 'api_error', code: 'internal_error' }],
      ['conflict', 409, 'v1', { code: 'lock_timeout' }],
      ['conflict', 409, 'v2', { code: 'too_many_concurrent_requests' }],
    ];
    for (const [fault, status, api, error] of expectations) {
      emulator.setFaults([{ fault, retryAfterSeconds: 7 }]);
      const answer = api === 'v1' ? await raw(emulator, 'POST', '/v1/billing/meter_events', { body: v1Event }) : await raw(emulator, 'POST', '/v2/billing/meter_events', { json: v2 });
      expect([answer.status, answer.body.error]).toEqual([status, expect.objectContaining(error)]);
      expect(answer.headers.get('request-id')).toMatch(/^req_/);
      expect(answer.headers.get('retry-after')).toBe(fault === 'rate_limit' ? '7' : null);
    }
    emulator.setFaults([]);
    expect(await summaries(stripe, meter.id, 'cus_a', T0 - HOUR, T0 + HOUR)).toEqual([[0, 0]]);
  });

  it('a reset rejects the fetch like a dropped connection; reset_after has applied the request first', async () => {
    const { emulator, stripe } = setup();
    const meter = await createMeter(stripe, 'api');
    const send = () => emulator.fetch('https://api.stripe.com/v1/billing/meter_events', { method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/x-www-form-urlencoded' }, body: v1Event });
    emulator.setFaults([{ fault: 'reset', times: 1 }]);
    const before = await send().catch((e: unknown) => e);
    expect(before).toBeInstanceOf(TypeError);
    expect(before).toMatchObject({ message: 'fetch failed', cause: { code: 'ECONNRESET' } });
    emulator.setFaults([{ fault: 'reset_after', times: 1 }]);
    await expect(send()).rejects.toThrow('fetch failed');
    expect((await send()).status).toBe(200);
    expect(await summaries(stripe, meter.id, 'cus_a', T0 - HOUR, T0 + HOUR)).toEqual([[0, 2]]);
    emulator.setFaults([{ fault: 'reset' }]);
    await expect(emulator.handle(new Request('http://localhost/v1/billing/meters', { headers: { authorization: `Bearer ${KEY}` } }))).rejects.toBeInstanceOf(TypeError);
  });

  it('match by path, template, operation id and method; spend after `times`; never hit the control endpoints', async () => {
    const { emulator, stripe } = setup();
    const meter = await createMeter(stripe, 'api');
    const hits = async (rule: FaultRule, requests: Array<['GET' | 'POST', string]>) => {
      emulator.setFaults([rule]);
      const statuses = [];
      for (const [method, path] of requests) statuses.push((await raw(emulator, method, path, method === 'POST' ? { body: '' } : {})).status);
      return statuses;
    };
    const requests: Array<['GET' | 'POST', string]> = [['GET', `/v1/billing/meters/${meter.id}`], ['POST', `/v1/billing/meters/${meter.id}`], ['GET', '/v1/billing/meters'], ['GET', '/_emulator/clock']];
    expect(await hits({ fault: 'server_error', path: '/v1/billing/meters/{id}' }, requests)).toEqual([500, 500, 200, 200]);
    expect(await hits({ fault: 'server_error', path: 'GetBillingMetersId' }, requests)).toEqual([500, 200, 200, 200]);
    expect(await hits({ fault: 'server_error' }, requests)).toEqual([500, 500, 500, 200]);
    expect(await hits({ fault: 'server_error', path: '/v1/billing/meters', method: 'GET' }, [['GET', '/v1/billing/meters'], ['GET', '/v1/billing/meters']])).toEqual([500, 500]);
    expect(await hits({ fault: 'server_error', times: 2 }, [['GET', '/v1/billing/meters'], ['GET', '/v1/billing/meters'], ['GET', '/v1/billing/meters']])).toEqual([500, 500, 200]);
  });

  it('draw rates from the seed: the same seed fails the same requests', async () => {
    const run = async (seed: number) => {
      const emulator = createEmulator({ faults: [{ fault: 'server_error', rate: 0.3 }], faultSeed: seed });
      const statuses: number[] = [];
      for (let i = 0; i < 200; i++) statuses.push((await raw(emulator, 'GET', '/v1/billing/meters')).status);
      return statuses;
    };
    const a = await run(42);
    expect(await run(42)).toEqual(a);
    expect(await run(43)).not.toEqual(a);
    const failed = a.filter((s) => s === 500).length;
    expect(failed).toBeGreaterThan(40);
    expect(failed).toBeLessThan(80);
  });

  it('reset() restores the configured faults, spent ones included', async () => {
    const { emulator } = setup({ faults: [{ fault: 'server_error', times: 1 }] });
    expect((await raw(emulator, 'GET', '/v1/billing/meters')).status).toBe(500);
    expect((await raw(emulator, 'GET', '/v1/billing/meters')).status).toBe(200);
    emulator.reset();
    expect((await raw(emulator, 'GET', '/v1/billing/meters')).status).toBe(500);
  });
});

describe('emulator rate limit', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('answers 429 past rateLimitPerSecond requests per account in a second of the host clock', async () => {
    vi.useFakeTimers({ now: T0 * 1000 });
    const emulator = createEmulator({ rateLimitPerSecond: 3 });
    const get = async (account?: string) => (await raw(emulator, 'GET', '/v1/billing/meters', account === undefined ? {} : { headers: { 'stripe-account': account } })).status;
    expect([await get(), await get(), await get(), await get(), await get('acct_1')]).toEqual([200, 200, 200, 429, 200]);
    vi.advanceTimersByTime(1000);
    expect(await get()).toBe(200);
  });
});
