// Every request goes through Core.request, in one direction: check the options and params, pick the
// host and encoding for the operation (generated/rules.ts), build the headers and the
// Idempotency-Key, serialize the body once, then hand it to openapi-fetch, whose `Request` is a
// WireRequest carrying the plan to the transport, and whose middleware maps error answers.
import createClient, { type Client, type ClientPathsWithMethod, type MaybeOptionalInit, type Middleware, type MethodResponse } from 'openapi-fetch';
import type { paths } from '../../generated/schema.js';
import { StripeConnectionError, StripeError, StripeInvalidParameterError, type SentIdentifiers } from '../errors.js';
import type { LastResponse, RequestOptions, WithLastResponse } from '../options.js';
import { checkRequestOptions, checkHeaderValue } from './check-options.js';
import type { ClientConfig } from './client-config.js';
import { toFormString } from './form.js';
import { newIdempotencyKey } from './ids.js';
import { METER_EVENTS_SERVER, operationFor, STREAM_PATH } from './operations.js';
import { Sealed, snapshot } from './params.js';
import { findObjectProblem, findProblem } from './rule-check.js';
import { scrubberOf, scrubbedError, type Scrub } from './secrets.js';
import { reasonOf, type createTransport } from './transport.js';
import { WireRequest, type RequestPlan, type WireResponse } from './wire.js';

export type Method = 'GET' | 'POST';
type Lower<M extends Method> = M extends 'GET' ? 'get' : 'post';
/** The paths that have method M. */
export type PathOf<M extends Method> = ClientPathsWithMethod<Client<paths>, Lower<M>>;
/** The success body of M on P, as openapi-fetch types it from the spec. */
export type ResultOf<M extends Method, P extends PathOf<M>> = MethodResponse<Client<paths>, Lower<M>, P>;
/** openapi-fetch's init for M on P (params, body, headers), typed from the spec. */
export type InitOf<M extends Method, P extends PathOf<M>> = NonNullable<MaybeOptionalInit<paths[P], Lower<M>>>;

const FORM = 'application/x-www-form-urlencoded';
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Session tokens kept for scrubbing; older ones have long expired. */
const HELD_TOKENS = 8;

// The one place that turns an error answer into a thrown StripeError (for the facade and raw alike).
const errors: Middleware = {
  onResponse({ request, response }) {
    if (response.ok) return undefined;
    const { status, headers, bodyText, attempts } = response as unknown as WireResponse;
    const { plan } = request as unknown as WireRequest;
    throw StripeError.fromResponse(status, headers.record, plan.scrub(bodyText), { attempts, sent: plan.sent });
  },
};

type Loose = (method: Method, path: string, init: Record<string, unknown>) => Promise<{ data?: unknown; response: Response }>;

export class Core {
  readonly #key: string;
  readonly #tokens: string[] = [];
  readonly #scrub: Scrub;
  readonly #request: Loose;
  readonly config: ClientConfig;

  constructor(apiKey: string, config: ClientConfig, transport: ReturnType<typeof createTransport>) {
    this.#key = apiKey;
    this.config = config;
    this.#scrub = scrubberOf(() => [this.#key, ...this.#tokens]);
    const client = createClient<paths>({
      baseUrl: config.baseUrl,
      // The documented extension points: our own Request class and fetch. WireRequest and
      // WireResponse provide what openapi-fetch reads of them (pinned by a test).
      Request: WireRequest as unknown as typeof Request,
      fetch: transport as unknown as (request: Request) => Promise<Response>,
      querySerializer: toFormString as (query: unknown) => string,
      bodySerializer: (body: unknown) => body,
    });
    client.use(errors);
    this.#request = client.request as unknown as Loose;
  }

  /** Whether requests with these options use a live-mode key. */
  livemode(options: RequestOptions | undefined): boolean {
    return /^(sk|rk)_live_/.test(options?.apiKey ?? this.#key);
  }

  /** Keeps a session token for scrubbing: it must not appear in any error text either. */
  holdToken(token: string): void {
    if (typeof token !== 'string' || token === '') return;
    this.#tokens.push(token);
    if (this.#tokens.length > HELD_TOKENS) this.#tokens.shift();
  }

  /** Masks the client's key and held tokens in text (for errors built outside a request). */
  scrub(text: string): string {
    return this.#scrub(text);
  }

  /**
   * One logical request. The result type comes from the spec through openapi-fetch's types for
   * this method and path. `sent` adds identifiers the caller prepared (meter events) to errors.
   */
  async request<M extends Method, P extends PathOf<M>>(
    method: M,
    path: P,
    init: InitOf<M, P>,
    options: RequestOptions | undefined,
    sent: SentIdentifiers = {},
  ): Promise<WithLastResponse<ResultOf<M, P>>> {
    const given = init as { params?: { path?: Record<string, unknown>; query?: unknown }; body?: unknown; headers?: Record<string, unknown> };
    const rawAuthorization = headerOf(given.headers, 'authorization');
    // The stream takes a session token: from the options, or from a raw call's own Authorization.
    const opts = checkRequestOptions(options, path === STREAM_PATH && rawAuthorization === undefined);
    const op = operationFor(method, path);
    const pathParams: Record<string, string> = {};
    for (const name in op.pathParams) {
      const rule = op.pathParams[name] as Parameters<typeof findProblem>[0];
      const id = checkId(given.params?.path?.[name], name);
      const problem = findProblem(rule, id, name);
      if (problem !== undefined) throw new StripeInvalidParameterError(name, problem.message);
      pathParams[name] = id;
    }
    let body: string | undefined;
    let query: Record<string, unknown> | undefined;
    if (method === 'POST') {
      let params: Record<string, unknown> | undefined;
      if (given.body instanceof Sealed) params = given.body.params as Record<string, unknown>;
      else {
        params = given.body === undefined ? (op.encoding === 'none' ? undefined : {}) : snapshot(given.body);
        if (params !== undefined) check(op.params, params);
      }
      body = params === undefined ? undefined : op.encoding === 'json' ? JSON.stringify(params) : toFormString(params);
    } else {
      query = snapshot(given.params?.query ?? {});
      check(op.params, query);
    }

    const { config } = this;
    const headers: Record<string, string> = {
      Authorization: `Bearer ${opts.apiKey ?? this.#key}`,
      'Stripe-Version': opts.apiVersion ?? config.apiVersion,
    };
    const account = opts.stripeAccount ?? config.stripeAccount;
    if (account !== undefined) headers['Stripe-Account'] = account;
    const rawKey = headerOf(given.headers, 'idempotency-key');
    const idempotencyKey = method === 'POST' ? (rawKey ?? opts.idempotencyKey ?? newIdempotencyKey()) : undefined;
    if (idempotencyKey !== undefined) headers['Idempotency-Key'] = idempotencyKey;
    if (body !== undefined) headers['Content-Type'] = op.encoding === 'json' ? 'application/json' : FORM;
    if (given.headers !== undefined) mergeRawHeaders(headers, given.headers);

    // This request's own key or token, if it is not the client's, must be masked in its errors too.
    const extra = [opts.apiKey, rawAuthorization?.replace(/^Bearer\s+/i, '')].filter((secret): secret is string => secret !== undefined);
    const scrub = extra.length === 0 ? this.#scrub : scrubberOf(() => [...extra, this.#key, ...this.#tokens]);
    const plan: RequestPlan = {
      headers,
      timeout: opts.timeout ?? config.timeout,
      maxNetworkRetries: opts.maxNetworkRetries ?? config.maxNetworkRetries,
      signal: opts.signal,
      emptyResult: op.emptyResult,
      sent: idempotencyKey === undefined ? sent : { ...sent, idempotencyKey },
      scrub,
    };
    let data: unknown;
    let response: WireResponse;
    try {
      const answer = await this.#request(method, path, {
        baseUrl: op.server === METER_EVENTS_SERVER ? config.meterEventsBaseUrl : config.baseUrl,
        params: { path: pathParams, query },
        body,
        plan,
      });
      data = answer.data;
      response = answer.response as unknown as WireResponse;
    } catch (error) {
      if (error instanceof StripeError || (opts.signal?.aborted === true && error === opts.signal.reason)) throw error;
      // The transport maps every network failure; what is left is a runtime that misbehaved.
      throw new StripeConnectionError({ message: `Request to Stripe failed: ${scrub(reasonOf(error))}`, cause: scrubbedError(error, scrub), sent: plan.sent });
    }
    const last: LastResponse = {
      requestId: response.headers.get('request-id') ?? undefined,
      statusCode: response.status,
      headers: response.headers.record,
      idempotencyKey,
      attempts: response.attempts,
    };
    return withLastResponse((data ?? {}) as ResultOf<M, P>, last);
  }
}

/** The value of a raw call's header `name` (lower case), if it gave one as a string. */
function headerOf(raw: Record<string, unknown> | undefined, name: string): string | undefined {
  if (raw === undefined) return undefined;
  for (const key of Object.keys(raw)) {
    const value = raw[key];
    if (key.toLowerCase() === name && typeof value === 'string') return value;
  }
  return undefined;
}

/** A raw call's own headers replace ours of the same name, whatever its case. */
function mergeRawHeaders(headers: Record<string, string>, raw: Record<string, unknown>): void {
  for (const [name, value] of Object.entries(raw)) {
    if (!HEADER_NAME.test(name)) throw new StripeInvalidParameterError('headers', `headers has an invalid header name ${JSON.stringify(name)}`);
    for (const ours of Object.keys(headers)) if (ours.toLowerCase() === name.toLowerCase()) delete headers[ours];
    headers[name] = checkHeaderValue(value, `headers[${name}]`, /^authorization$/i.test(name));
  }
}

/** Attaches `lastResponse`, non-enumerable (JSON.stringify and Object.keys don't see it). */
export function withLastResponse<T>(result: T, last: LastResponse): WithLastResponse<T> {
  Object.defineProperty(result, 'lastResponse', { value: last, enumerable: false });
  return result as WithLastResponse<T>;
}

function check(rule: Parameters<typeof findObjectProblem>[0], params: Record<string, unknown>): void {
  const problem = findObjectProblem(rule, params, '');
  if (problem !== undefined) throw new StripeInvalidParameterError(problem.param, problem.message);
}

/** A path id: a non-empty string that the URL parser cannot resolve away ("." and ".."). */
function checkId(id: unknown, param: string): string {
  if (typeof id !== 'string') throw new StripeInvalidParameterError(param, `${param} must be a string, got ${id === null ? 'null' : typeof id}`);
  if (id.trim() === '') throw new StripeInvalidParameterError(param, `${param} must not be empty`);
  if (id === '.' || id === '..') throw new StripeInvalidParameterError(param, `${param} must not be "${id}"`);
  return id;
}
