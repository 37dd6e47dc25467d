import { describe, expect, it } from 'vitest';
import {
  StripeAPIError,
  StripeAuthenticationError,
  StripeConnectionError,
  StripeError,
  StripeIdempotencyError,
  StripeInvalidRequestError,
  StripePermissionError,
  StripeRateLimitError,
  TemporarySessionExpiredError,
} from '../src/index.js';
import { clientWith, json, KEY } from './helpers.js';

type ErrorClass = abstract new (...args: never[]) => StripeError;

/**
 * A fetch that never answers until aborted. It holds the pending requests, as a real connection
 * would: a Request reachable only through its signal's listeners may be garbage-collected.
 */
const pending: Request[] = [];
function hang() {
  return (req: Request) =>
    new Promise<Response>((_, reject) => {
      pending.push(req);
      req.signal.addEventListener('abort', () => reject(req.signal.reason as Error));
    });
}

async function failure(respond: (req: Request) => Response | Promise<Response>, options = {}): Promise<StripeError> {
  const { stripe } = clientWith(respond, options);
  const error = await stripe.billing.meters.retrieve('mtr_123').then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(StripeError);
  const e = error as StripeError;
  // Whatever went wrong, nothing about the error reveals the API key.
  for (const text of [e.message, String(e), e.stack ?? '', JSON.stringify(e), JSON.stringify(e.raw)]) expect(text).not.toContain(KEY);
  return e;
}

describe('error mapping', () => {
  const body = (type: string, extra: Record<string, unknown> = {}) => ({ error: { type, message: `a ${type}`, ...extra } });
  const cases: Array<[string, number, unknown, ErrorClass, string]> = [
    ['400 invalid request', 400, body('invalid_request_error', { code: 'parameter_missing', param: 'event_name' }), StripeInvalidRequestError, 'StripeInvalidRequestError'],
    ['401 bad key', 401, body('invalid_request_error'), StripeAuthenticationError, 'StripeAuthenticationError'],
    ['402 card error', 402, body('card_error'), StripeInvalidRequestError, 'StripeInvalidRequestError'],
    ['403 restricted key', 403, body('invalid_request_error'), StripePermissionError, 'StripePermissionError'],
    ['404 missing', 404, body('invalid_request_error', { code: 'resource_missing' }), StripeInvalidRequestError, 'StripeInvalidRequestError'],
    ['409 idempotency', 409, body('idempotency_error'), StripeIdempotencyError, 'StripeIdempotencyError'],
    ['400 idempotency', 400, body('idempotency_error'), StripeIdempotencyError, 'StripeIdempotencyError'],
    ['409 lock timeout', 409, body('invalid_request_error', { code: 'lock_timeout' }), StripeAPIError, 'StripeAPIError'],
    ['429 rate limit', 429, body('invalid_request_error', { code: 'rate_limit' }), StripeRateLimitError, 'StripeRateLimitError'],
    ['400 rate_limit code', 400, body('invalid_request_error', { code: 'rate_limit' }), StripeRateLimitError, 'StripeRateLimitError'],
    ['500 api error', 500, body('api_error'), StripeAPIError, 'StripeAPIError'],
    ['503 unavailable', 503, body('api_error'), StripeAPIError, 'StripeAPIError'],
    [
      'v2 expired session',
      401,
      { error: { type: 'temporary_session_expired', code: 'billing_meter_event_session_expired', message: 'expired', doc_url: 'https://d' } },
      TemporarySessionExpiredError,
      'TemporarySessionExpiredError',
    ],
    ['v2 no meter', 400, { error: { code: 'no_meter', message: 'No meter' } }, StripeInvalidRequestError, 'StripeInvalidRequestError'],
    ['JSON without an error object (a proxy, Prism)', 422, { title: 'Invalid request', detail: 'limit too big' }, StripeInvalidRequestError, 'StripeInvalidRequestError'],
  ];

  it.each(cases)('%s', async (_, status, payload, Class, type) => {
    const e = await failure(() => json(status, payload, { 'request-id': 'req_abc' }));
    expect(e).toBeInstanceOf(Class);
    expect(e.type).toBe(type);
    expect(e.name).toBe(type);
    expect(e.statusCode).toBe(status);
    expect(e.requestId).toBe('req_abc');
    expect(e.headers['request-id']).toBe('req_abc');
    const raw = (payload as { error?: Record<string, unknown> }).error;
    if (raw !== undefined) {
      expect(e.message).toBe(raw['message']);
      expect(e.rawType).toBe(raw['type']);
      expect(e.code).toBe(raw['code']);
      expect(e.param).toBe(raw['param']);
      expect(e.doc_url).toBe(raw['doc_url']);
      expect(e.raw).toEqual(raw);
    } else {
      expect(e.message).toBe('Invalid request: limit too big');
    }
  });

  it('an expired session is also an authentication error', async () => {
    const e = await failure(() => json(401, { error: { type: 'temporary_session_expired', code: 'billing_meter_event_session_expired' } }));
    expect(e).toBeInstanceOf(StripeAuthenticationError);
  });

  it.each([
    ['HTML', 502, '<html><body>Bad gateway</body></html>', 'text/html', /HTTP 502 with a body that is not JSON \(text\/html\)/],
    ['empty', 500, '', 'application/json', /HTTP 500 with an empty body/],
    ['plain text', 400, 'oops', 'text/plain', /HTTP 400 with a body that is not JSON/],
    ['a JSON string', 503, '"down"', 'application/json', /HTTP 503 with a body that is not JSON/],
  ])('a %s error body still yields a StripeAPIError with the status', async (_, status, text, type, message) => {
    const e = await failure(() => new Response(text, { status, headers: { 'content-type': type } }));
    expect(e).toBeInstanceOf(StripeAPIError);
    expect(e.statusCode).toBe(status);
    expect(e.message).toMatch(message);
  });

  it.each([
    ['HTML', '<html></html>', /HTTP 200 with a body that is not a JSON object/],
    ['empty', '', /HTTP 200 with an empty body/],
    ['an array', '[]', /HTTP 200 with a body that is not a JSON object/],
    ['broken JSON that looks like an object', '{"id": mtr_1}', /HTTP 200 with a body that is not JSON \(1 attempt\)/],
  ])('a 2xx with %s body is a StripeAPIError, not a wrong result', async (_, text, message) => {
    const e = await failure(() => new Response(text, { status: 200 }));
    expect(e).toBeInstanceOf(StripeAPIError);
    expect(e.statusCode).toBe(200);
    expect(e.message).toMatch(message);
  });

  it('a network failure is a StripeConnectionError with its cause', async () => {
    const cause = new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) });
    const e = await failure(() => Promise.reject(cause));
    expect(e).toBeInstanceOf(StripeConnectionError);
    // The cause is a scrubbed copy (no key or token can hide in its text), with the same facts.
    expect(e.cause).toBeInstanceOf(Error);
    expect((e.cause as Error).message).toBe('fetch failed');
    expect(((e.cause as Error).cause as { code?: string }).code).toBe('ECONNREFUSED');
    expect(e.message).toBe('Could not connect to Stripe: ECONNREFUSED (1 attempt)');
    expect(e.statusCode).toBeUndefined();
  });

  it('a timeout is a StripeConnectionError that says so', async () => {
    const e = await failure(hang(), { timeout: 50 });
    expect(e).toBeInstanceOf(StripeConnectionError);
    expect(e.message).toMatch(/timed out after 50 ms/);
  });

  it("a caller's abort rejects with the signal's reason", async () => {
    const { stripe, requests } = clientWith(hang());
    const controller = new AbortController();
    const reason = new Error('user navigated away');
    const pending = stripe.billing.meters.retrieve('mtr_123', {}, { signal: controller.signal });
    setTimeout(() => controller.abort(reason), 10);
    await expect(pending).rejects.toBe(reason);
    expect(requests).toHaveLength(1);
  });
});
