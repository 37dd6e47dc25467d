// `stripe.raw`: openapi-fetch's client by path, with the same checks, auth, encoding, retries and
// thrown errors as the resource methods. It takes any path, so it holds every operation's rules
// and lives apart from the core.
import createClient, { type Client, type ClientPathsWithMethod, type MaybeOptionalInit, type MethodResponse } from 'openapi-fetch';
import type { paths } from '../generated/schema.js';
import type { StripeMetersCore } from './client-core.js';
import { StripeInvalidParameterError } from './errors.js';
import type { AttemptInit, CallInput } from './internal/call.js';
import { checkHeaderValue } from './internal/check-options.js';
import { toFormString } from './internal/form.js';
import { checkSessionToken } from './internal/session-key.js';
import { operationFor, STREAM_OPERATION } from './internal/operations.js';
import type { RequestOptions, WithLastResponse } from './options.js';

type Lower<M extends 'GET' | 'POST'> = M extends 'GET' ? 'get' : 'post';
/** The paths that have method M. */
export type PathOf<M extends 'GET' | 'POST'> = ClientPathsWithMethod<Client<paths>, Lower<M>>;
/** The success body of M on P, as openapi-fetch types it from the spec. */
export type ResultOf<M extends 'GET' | 'POST', P extends PathOf<M>> = MethodResponse<Client<paths>, Lower<M>, P>;
/** openapi-fetch's init for M on P (params, body, headers), typed from the spec. */
export type InitOf<M extends 'GET' | 'POST', P extends PathOf<M>> = NonNullable<MaybeOptionalInit<paths[P], Lower<M>>>;

/** openapi-fetch's init for a path, plus the request options every method takes. */
export type RawInit<M extends 'GET' | 'POST', P extends PathOf<M>> = InitOf<M, P> & { options?: RequestOptions };
type RawArgs<M extends 'GET' | 'POST', P extends PathOf<M>> = undefined extends InitOf<M, P>['params'] ? [init?: RawInit<M, P>] : [init: RawInit<M, P>];

/**
 * `stripe.raw`: the typed client by path, with the same checks, auth, encoding, retries and
 * errors as the resource methods. Errors are thrown (there is no `error` branch to check).
 */
export interface RawClient {
  GET<P extends PathOf<'GET'>>(path: P, ...init: RawArgs<'GET', P>): Promise<{ data: WithLastResponse<ResultOf<'GET', P>> }>;
  POST<P extends PathOf<'POST'>>(path: P, ...init: RawArgs<'POST', P>): Promise<{ data: WithLastResponse<ResultOf<'POST', P>> }>;
}

// Any path, any params: what the raw client takes at run time (the public signatures type it).
type AnyOperation = { parameters: { query?: object | undefined; path?: Record<string, unknown> | undefined }; requestBody?: { content: { 'application/json': unknown } }; responses: { 200: { content: { 'application/json': unknown } } } };
type AnyPaths = Record<string, Record<'get' | 'put' | 'post' | 'delete' | 'options' | 'head' | 'patch' | 'trace', AnyOperation>>;
interface AnyInit {
  params?: { query?: object | undefined; path?: Record<string, unknown> | undefined } | undefined;
  body?: unknown;
  headers?: unknown;
  options?: RequestOptions;
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * A raw call's own headers, checked: `Authorization: Bearer <key>` and `Idempotency-Key` become the
 * request's apiKey and idempotencyKey (so that they are masked and reported like those); the others
 * replace the client's of the same name, whatever its case.
 */
function rawHeaders(given: unknown, options: RequestOptions | undefined): { options: RequestOptions | undefined; edit: ((headers: Record<string, string>) => void) | undefined } {
  if (given === undefined || given === null) return { options, edit: undefined };
  // openapi-fetch also takes a Headers or a list of pairs.
  const entries: Array<[string, unknown]> = given instanceof Headers || Array.isArray(given) ? [...new Headers(given as HeadersInit)] : Object.entries(given);
  const own: RequestOptions = { ...options };
  const other: Array<[string, string]> = [];
  for (const [name, value] of entries) {
    if (!HEADER_NAME.test(name)) throw new StripeInvalidParameterError('headers', `headers has an invalid header name ${JSON.stringify(name)}`);
    const lower = name.toLowerCase();
    const text = checkHeaderValue(value, `headers[${name}]`, lower === 'authorization', 4096);
    if (lower === 'authorization') {
      const key = /^Bearer +(\S+)$/i.exec(text)?.[1];
      if (key === undefined) throw new StripeInvalidParameterError(`headers[${name}]`, `headers[${name}] must be "Bearer " and a key or session token`);
      own.apiKey = key;
    } else if (lower === 'idempotency-key') own.idempotencyKey = text;
    else other.push([lower, text]);
  }
  const edit = (headers: Record<string, string>) => {
    for (const [lower, value] of other) {
      for (const ours of Object.keys(headers)) if (ours.toLowerCase() === lower) delete headers[ours];
      headers[lower] = value;
    }
  };
  return { options: own, edit: other.length === 0 ? undefined : edit };
}

class Raw implements RawClient {
  readonly #core: StripeMetersCore;
  readonly #client: Client<AnyPaths>;

  constructor(core: StripeMetersCore) {
    this.#core = core;
    this.#client = createClient<AnyPaths>({ baseUrl: core.config.baseUrl, Request: core.transport.Request, querySerializer: toFormString });
  }

  async GET<P extends PathOf<'GET'>>(path: P, ...init: RawArgs<'GET', P>): Promise<{ data: WithLastResponse<ResultOf<'GET', P>> }> {
    const data = await this.#send('GET', path, init[0]);
    return { data: data as WithLastResponse<ResultOf<'GET', P>> };
  }

  async POST<P extends PathOf<'POST'>>(path: P, ...init: RawArgs<'POST', P>): Promise<{ data: WithLastResponse<ResultOf<'POST', P>> }> {
    const data = await this.#send('POST', path, init[0]);
    return { data: data as WithLastResponse<ResultOf<'POST', P>> };
  }

  async #send(method: 'GET' | 'POST', path: string, init: AnyInit = {}): Promise<WithLastResponse<unknown>> {
    const op = operationFor(method, path);
    const { options, edit } = rawHeaders(init.headers, init.options);
    const input: CallInput = { params: init.params, body: init.body as object | undefined };
    const client = this.#client;
    const call = (_: unknown, each: CallInput & AttemptInit) => client.request(method === 'GET' ? 'get' : 'post', path, { ...each, params: each.params ?? {} });
    return this.#core.request(op, input, options, call, { checkKey: op === STREAM_OPERATION ? checkSessionToken : undefined, headers: edit });
  }
}

/** The raw client of `core`. */
export function rawClient(core: StripeMetersCore): RawClient {
  return new Raw(core);
}
