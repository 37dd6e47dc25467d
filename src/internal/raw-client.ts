// The openapi-fetch client behind both the facade and `stripe.raw`: Stripe's encodings chosen by
// path, auth and version headers, an Idempotency-Key on every POST, and errors thrown as
// StripeError subclasses.
import createClient, { type Client, type Middleware } from 'openapi-fetch';
import type { paths } from '../../generated/schema.js';
import { StripeError } from '../errors.js';
import { toFormString } from './form.js';
import { newIdempotencyKey } from './ids.js';
import { attemptsOf, type Fetch } from './transport.js';

export interface RawClientConfig {
  apiKey: string;
  apiVersion: string;
  stripeAccount: string | undefined;
  baseUrl: string;
  meterEventsBaseUrl: string;
  fetch: Fetch;
}

const FORM = 'application/x-www-form-urlencoded';
export const STREAM_PATH = '/v2/billing/meter_event_stream';

function stripeMiddleware(config: RawClientConfig): Middleware {
  const authorization = `Bearer ${config.apiKey}`;
  return {
    onRequest({ request, schemaPath }) {
      const h = request.headers;
      if (!h.has('authorization')) h.set('Authorization', authorization);
      if (!h.has('stripe-version')) h.set('Stripe-Version', config.apiVersion);
      if (config.stripeAccount !== undefined && !h.has('stripe-account')) h.set('Stripe-Account', config.stripeAccount);
      if (request.method === 'POST') {
        if (!h.has('idempotency-key')) h.set('Idempotency-Key', newIdempotencyKey());
        if (!schemaPath.startsWith('/v2/') && request.body !== null) h.set('Content-Type', FORM);
      }
      return request;
    },
    async onResponse({ response }) {
      if (response.ok) return undefined;
      throw StripeError.fromResponse(response.status, response.headers, await response.text(), attemptsOf.get(response));
    },
  };
}

type Init = Record<string, unknown> | undefined;

/** The typed client; v1 bodies are form-encoded, v2 bodies JSON, the stream goes to its own host. */
export function createRawClient(config: RawClientConfig): Client<paths> {
  const client = createClient<paths>({
    baseUrl: config.baseUrl,
    fetch: config.fetch,
    querySerializer: toFormString,
  });
  client.use(stripeMiddleware(config));
  const byPath = (path: string, init: Init): Init => {
    if (path === STREAM_PATH) return { baseUrl: config.meterEventsBaseUrl, ...init };
    if (path.startsWith('/v2/')) return init;
    return { bodySerializer: toFormString, ...init };
  };
  type Call = (path: string, init?: Init) => Promise<unknown>;
  const wrap = (call: Call): Call => (path, init) => call(path, byPath(path, init));
  const loose = client as unknown as Record<'GET' | 'POST', Call> & { request: (m: string, p: string, i?: Init) => Promise<unknown> };
  const wrapped = {
    ...client,
    GET: wrap(loose.GET),
    POST: wrap(loose.POST),
    request: (method: string, path: string, init?: Init) => loose.request(method, path, byPath(path, init)),
  };
  // The wrapper only adds defaults to the init object; the call signatures are openapi-fetch's own.
  return wrapped as unknown as Client<paths>;
}
