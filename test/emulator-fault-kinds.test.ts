// Every fault kind in process, through emulator.fetch: what the client sees (status, headers, a
// rejected fetch, a body that errors part-way), whether the request took effect, AbortSignal, and
// timing faults driven by fake timers. Also attempt/when matching and expiring sessions.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Emulator, FaultRule } from '../src/emulator/index.js';
import { createMeter, KEY, raw, setup } from './emulator-kit.js';

const v1Event = (identifier: string) => `event_name=api&payload[stripe_customer_id]=cus_a&payload[value]=1&identifier=${identifier}`;

function post(emulator: Emulator, identifier: string, init: { signal?: AbortSignal; key?: string } = {}) {
  const headers: Record<string, string> = { authorization: `Bearer ${KEY}`, 'content-type': 'application/x-www-form-urlencoded' };
  if (init.key !== undefined) headers['idempotency-key'] = init.key;
  return emulator.fetch('https://api.stripe.com/v1/billing/meter_events', { method: 'POST', headers, body: v1Event(identifier), ...(init.signal === undefined ? {} : { signal: init.signal }) });
}

async function withFault(rule: FaultRule) {
  const { emulator, stripe } = setup();
  await createMeter(stripe, 'api');
  emulator.setFaults([rule]);
  return { emulator, stripe };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('fault kinds in process', () => {
  it('slow applies the request, then answers after delayMs of (fake) time', async () => {
    vi.useFakeTimers();
    const { emulator } = await withFault({ fault: 'slow', delayMs: 5000, times: 1 });
    let settled = false;
    const pending = post(emulator, 'slow-1').then((r) => ((settled = true), r));
    await vi.advanceTimersByTimeAsync(4999);
    expect(settled).toBe(false);
    expect(emulator.countAccepted('slow-1')).toBe(1); // applied before the answer
    await vi.advanceTimersByTimeAsync(1);
    expect((await pending).status).toBe(200);
  });

  it('slow and hang reject with the abort reason when the request is aborted', async () => {
    vi.useFakeTimers();
    const { emulator } = await withFault({ fault: 'slow', delayMs: 60_000 });
    const controller = new AbortController();
    const slow = post(emulator, 'slow-2', { signal: controller.signal });
    await vi.advanceTimersByTimeAsync(100);
    controller.abort(new Error('gave up'));
    await expect(slow).rejects.toThrow('gave up');
    const timedOut = () => new DOMException('The operation timed out.', 'TimeoutError');
    emulator.setFaults([{ fault: 'hang' }]);
    const first = new AbortController();
    const hung = post(emulator, 'hang-1', { signal: first.signal });
    await vi.advanceTimersByTimeAsync(3_600_000);
    first.abort(timedOut());
    await expect(hung).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(emulator.countAccepted('hang-1')).toBe(0); // hang: not applied
    emulator.setFaults([{ fault: 'hang_after' }]);
    const second = new AbortController();
    const after = post(emulator, 'hang-2', { signal: second.signal });
    await vi.advanceTimersByTimeAsync(3_600_000);
    second.abort(timedOut());
    await expect(after).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(emulator.countAccepted('hang-2')).toBe(1); // hang_after: applied
  });

  it('cut_body sends the status and half the body, then the body stream errors; the event landed', async () => {
    const { emulator } = await withFault({ fault: 'cut_body', times: 1, shouldRetry: true });
    const response = await post(emulator, 'cut-1');
    expect(response.status).toBe(200);
    expect(response.headers.get('stripe-should-retry')).toBe('true');
    const length = Number(response.headers.get('content-length'));
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const first = await reader.read();
    expect(first.value?.length).toBe(Math.floor(length / 2));
    await expect(reader.read()).rejects.toMatchObject({ name: 'TypeError', message: 'terminated', cause: { code: 'UND_ERR_SOCKET' } });
    expect(emulator.countAccepted('cut-1')).toBe(1);
    // With an error status the request is not applied.
    emulator.setFaults([{ fault: 'cut_body', status: 503, times: 1 }]);
    const failed = await post(emulator, 'cut-2');
    expect(failed.status).toBe(503);
    await expect(failed.json()).rejects.toThrow('terminated');
    expect(emulator.countAccepted('cut-2')).toBe(0);
  });

  it('stall_body sends half the body, stalls delayMs, then errors; an abort ends the stall', async () => {
    vi.useFakeTimers();
    const { emulator } = await withFault({ fault: 'stall_body', delayMs: 10_000 });
    const response = await post(emulator, 'stall-1');
    const text = response.text();
    const failed = expect(text).rejects.toThrow('terminated');
    await vi.advanceTimersByTimeAsync(10_000);
    await failed;
    expect(emulator.countAccepted('stall-1')).toBe(1);
    const controller = new AbortController();
    const second = await post(emulator, 'stall-2', { signal: controller.signal });
    const reading = second.arrayBuffer();
    const aborted = expect(reading).rejects.toThrow('stop');
    await vi.advanceTimersByTimeAsync(10);
    controller.abort(new Error('stop'));
    await aborted;
  });

  it('not_json answers an HTML page (applied at 200, not applied with an error status)', async () => {
    const { emulator } = await withFault({ fault: 'not_json', times: 1 });
    const page = await post(emulator, 'html-1');
    expect([page.status, page.headers.get('content-type')]).toEqual([200, 'text/html; charset=utf-8']);
    expect(await page.text()).toMatch(/^<!DOCTYPE html>/);
    expect(emulator.countAccepted('html-1')).toBe(1);
    emulator.setFaults([{ fault: 'not_json', status: 502, times: 1 }]);
    expect((await post(emulator, 'html-2')).status).toBe(502);
    expect(emulator.countAccepted('html-2')).toBe(0);
  });

  it('rate_limit has Retry-After only when asked; server_error takes a status; error takes any status, code and type; redirect is 302', async () => {
    const { emulator } = await withFault({ fault: 'rate_limit' });
    const v2 = { event_name: 'api', payload: { stripe_customer_id: 'cus_a', value: '1' } };
    const bare = await raw(emulator, 'POST', '/v1/billing/meter_events', { body: v1Event('r-1') });
    expect([bare.status, bare.headers.get('retry-after'), bare.headers.get('stripe-should-retry')]).toEqual([429, null, null]);
    emulator.setFaults([{ fault: 'rate_limit', retryAfterSeconds: 3, shouldRetry: false }]);
    const timed = await raw(emulator, 'POST', '/v1/billing/meter_events', { body: v1Event('r-2') });
    expect([timed.status, timed.headers.get('retry-after'), timed.headers.get('stripe-should-retry')]).toEqual([429, '3', 'false']);
    emulator.setFaults([{ fault: 'server_error', status: 503 }]);
    expect(await raw(emulator, 'POST', '/v2/billing/meter_events', { json: v2 })).toMatchObject({ status: 503, body: { error: { type: 'api_error', code: 'injected_error' } } });
    emulator.setFaults([{ fault: 'error', status: 402, code: 'card_declined', type: 'card_error', message: 'Declined.' }]);
    expect((await raw(emulator, 'POST', '/v1/billing/meter_events', { body: v1Event('r-3') })).body).toEqual({ error: { type: 'card_error', code: 'card_declined', message: 'Declined.' } });
    emulator.setFaults([{ fault: 'error', status: 400 }]);
    expect(await raw(emulator, 'POST', '/v2/billing/meter_events', { json: v2 })).toMatchObject({ status: 400, body: { error: { type: 'invalid_request_error', code: 'injected_error' } } });
    emulator.setFaults([{ fault: 'redirect', location: '/elsewhere' }]);
    const moved = await post(emulator, 'r-4');
    expect([moved.status, moved.headers.get('location')]).toEqual([302, '/elsewhere']);
    expect(emulator.events()).toEqual([]); // none of these applied anything
  });

  it('attempt picks the n-th request with the same Idempotency-Key; when picks by predicate (in process only)', async () => {
    const { emulator } = await withFault({ fault: 'server_error', attempt: 1 });
    expect((await post(emulator, 'a-1', { key: 'k1' })).status).toBe(500);
    expect((await post(emulator, 'a-1', { key: 'k1' })).status).toBe(200);
    expect((await post(emulator, 'a-2', { key: 'k2' })).status).toBe(500);
    const seen: number[] = [];
    emulator.setFaults([{ fault: 'conflict', when: (request) => (seen.push(request.n), request.n % 2 === 0 && request.operationId === 'PostBillingMeterEvents') }]);
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await post(emulator, `w-${i}`)).status);
    expect(statuses).toEqual([200, 409, 200, 409]);
    expect(seen).toEqual([1, 2, 3, 4]);
    expect((await raw(emulator, 'POST', '/_emulator/faults', { json: { faults: [{ fault: 'reset', attempt: 0 }] } })).body.error).toMatchObject({ message: 'faults[0].attempt must be a whole number, 1 or more' });
  });

  it('session tokens expire at will: session_expired, expireSessions() and POST /_emulator/sessions/expire', async () => {
    const { emulator, stripe } = setup();
    await createMeter(stripe, 'api');
    const events = [{ event_name: 'api', payload: { stripe_customer_id: 'cus_a', value: '1' }, identifier: 's-1' }];
    const stream = (token: string) => raw(emulator, 'POST', '/v2/billing/meter_event_stream', { json: { events }, headers: { authorization: `Bearer ${token}` } });
    const token = async () => (await stripe.v2.billing.meterEventSession.create()).authentication_token;
    const expired = { status: 401, body: { error: { type: 'temporary_session_expired', code: 'billing_meter_event_session_expired' } } };
    const first = await token();
    emulator.setFaults([{ path: 'PostV2BillingMeterEventStream', fault: 'session_expired', times: 1 }]);
    expect(await stream(first)).toMatchObject(expired);
    expect(await stream(first)).toMatchObject(expired); // the token really expired
    const second = await token();
    expect((await stream(second)).status).toBe(200);
    expect(emulator.expireSessions(second)).toBe(1);
    expect(await stream(second)).toMatchObject(expired);
    const third = await token();
    const fourth = await token();
    expect((await raw(emulator, 'POST', '/_emulator/sessions/expire', { json: {} })).body).toEqual({ expired: 2 });
    expect(await stream(third)).toMatchObject(expired);
    expect(await stream(fourth)).toMatchObject(expired);
    expect((await raw(emulator, 'POST', '/_emulator/sessions/expire', { json: { token: 7 } })).status).toBe(400);
    expect(emulator.countAccepted('s-1')).toBe(1);
    expect(emulator.stats()).toMatchObject({ sessions: 4, faults: { session_expired: 1 }, requests: { PostV2BillingMeterEventStream: { total: 6, byStatus: { 200: 1, 401: 5 } } } });
  });

  it('refuses malformed rules, naming the field', () => {
    const refused = (rule: unknown) => () => setup({ faults: [rule as FaultRule] });
    expect(refused({ fault: 'error' })).toThrow('faults[0].status is required for an error fault (400-599)');
    expect(refused({ fault: 'error', status: 302 })).toThrow('faults[0].status must be a whole number from 400 to 599 for a error fault');
    expect(refused({ fault: 'server_error', status: 404 })).toThrow('from 500 to 599');
    expect(refused({ fault: 'slow', status: 500 })).toThrow('faults[0].status is not used by a slow fault');
    expect(refused({ fault: 'slow', delayMs: -1 })).toThrow('faults[0].delayMs');
    expect(refused({ fault: 'slow', sometimes: true })).toThrow('faults[0].sometimes is not a fault rule field');
    expect(refused({ fault: 'redirect', location: 'a\r\nb' })).toThrow('faults[0].location');
    expect(refused({ fault: 'rate_limit', shouldRetry: 'yes' })).toThrow('faults[0].shouldRetry must be true or false');
  });
});
