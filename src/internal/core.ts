// What every facade method shares: per-request headers and transport, parsing the answer, and the
// non-enumerable lastResponse.
import type { Client } from 'openapi-fetch';
import type { paths } from '../../generated/schema.js';
import { StripeAPIError, StripeConnectionError, StripeError, StripeInvalidParameterError } from '../errors.js';
import type { LastResponse, RequestOptions, WithLastResponse } from '../options.js';
import { newIdempotencyKey } from './ids.js';
import { toFormString } from './form.js';
import { attemptsOf, createTransport, type Fetch, type FetchLike, type KnownRequest, type TransportSettings } from './transport.js';
import { checkRequestOptions } from './validate.js';

export interface CoreConfig extends TransportSettings {
  send: FetchLike;
  apiKey: string;
}

/** The init object a facade method hands to openapi-fetch (plus its own params and body). */
export interface SendInit {
  headers: Record<string, string>;
  fetch: Fetch;
  parseAs: 'text';
  bodySerializer: (body: unknown) => string;
  signal?: AbortSignal;
}

type Sent = Promise<{ data?: unknown; error?: unknown; response: Response }>;

export interface SendOptions<T> {
  /** A v2 endpoint: the body is JSON (v1 bodies are form-encoded). */
  json?: boolean;
  /** The endpoint answers an empty body on success (the v2 stream). */
  emptyBody?: boolean;
  /**
   * For meter event creates: when a retried attempt is refused as a duplicate of the event's own
   * identifier, an earlier attempt landed; build the result from what was sent instead of failing.
   */
  onDuplicateOfEarlierAttempt?: () => T;
}

export class Core {
  constructor(
    readonly raw: Client<paths>,
    private readonly config: CoreConfig,
  ) {}

  /** Whether the key used for these options is a live-mode key. */
  livemode(options: RequestOptions | undefined): boolean {
    return /^(sk|rk)_live_/.test(options?.apiKey ?? this.config.apiKey);
  }

  /**
   * Runs one logical request. `call` makes the openapi-fetch call with the init given to it, so
   * path, params and body stay checked against the generated types at the call site.
   */
  async send<T>(
    method: 'GET' | 'POST',
    rawOptions: RequestOptions | undefined,
    call: (init: SendInit) => Sent,
    { json = false, emptyBody = false, onDuplicateOfEarlierAttempt }: SendOptions<T> = {},
  ): Promise<WithLastResponse<T>> {
    const options = checkRequestOptions(rawOptions);
    const headers: Record<string, string> = {};
    if (options.apiKey !== undefined) headers['Authorization'] = `Bearer ${options.apiKey}`;
    if (options.apiVersion !== undefined) headers['Stripe-Version'] = options.apiVersion;
    if (options.stripeAccount !== undefined) headers['Stripe-Account'] = options.stripeAccount;
    const idempotencyKey = method === 'POST' ? (options.idempotencyKey ?? newIdempotencyKey()) : undefined;
    if (idempotencyKey !== undefined) headers['Idempotency-Key'] = idempotencyKey;

    // The serializer keeps what it wrote, so that retries resend it without reading the Request.
    const known: KnownRequest = { signal: options.signal };
    const bodySerializer = (body: unknown) => (known.body = json ? toJson(body) : toFormString(body));
    const fetch = createTransport(
      this.config.send,
      { ...this.config, timeout: options.timeout ?? this.config.timeout, maxNetworkRetries: options.maxNetworkRetries ?? this.config.maxNetworkRetries },
      known,
    );
    const init: SendInit = { headers, fetch, parseAs: 'text', bodySerializer };
    if (options.signal !== undefined) init.signal = options.signal;

    let response: Response;
    let text: unknown;
    try {
      ({ data: text, response } = await call(init));
    } catch (error) {
      if (error instanceof StripeError) {
        if (onDuplicateOfEarlierAttempt !== undefined && error.code === 'duplicate_meter_event' && (error.attempts ?? 1) > 1) {
          const last: LastResponse = {
            requestId: error.requestId,
            statusCode: error.statusCode ?? 0,
            headers: error.headers,
            idempotencyKey,
            attempts: error.attempts ?? 1,
            duplicateOfEarlierAttempt: true,
          };
          return withLastResponse(onDuplicateOfEarlierAttempt() as object, last) as WithLastResponse<T>;
        }
        throw error;
      }
      if (options.signal?.aborted) throw options.signal.reason;
      // The transport maps every network failure; what is left is a runtime that misbehaved.
      throw new StripeConnectionError({ message: `Request to Stripe failed: ${error instanceof Error ? error.message : String(error)}`, cause: error });
    }
    // Headers are copied into a plain object only if someone reads them: not on every request.
    let headerRecord: Record<string, string> | undefined;
    const last: LastResponse = {
      requestId: response.headers.get('request-id') ?? undefined,
      statusCode: response.status,
      get headers() {
        return (headerRecord ??= Object.fromEntries(response.headers));
      },
      idempotencyKey,
      attempts: attemptsOf.get(response) ?? 1,
    };
    return withLastResponse(parse(typeof text === 'string' ? text : '', emptyBody, last), last) as WithLastResponse<T>;
  }
}

/**
 * A meter event rebuilt from what was sent, for a create whose earlier attempt landed but whose
 * answer was lost (see SendOptions.onDuplicateOfEarlierAttempt).
 */
export function eventAsSent<O extends string, Time extends number | string>(
  object: O,
  sentAt: Time,
  event: { event_name: string; timestamp?: Time },
  body: { identifier?: string; payload: Record<string, string> } | undefined,
  livemode: boolean,
) {
  return {
    object,
    created: sentAt,
    event_name: event.event_name,
    identifier: body?.identifier ?? '',
    livemode,
    payload: body?.payload ?? {},
    timestamp: event.timestamp ?? sentAt,
  };
}

function toJson(body: unknown): string {
  try {
    return JSON.stringify(body);
  } catch (error) {
    // A BigInt or a cycle: say so before anything is sent.
    throw new StripeInvalidParameterError('params', `params cannot be sent as JSON: ${(error as Error).message}`);
  }
}

function withLastResponse(result: object, last: LastResponse): object {
  Object.defineProperty(result, 'lastResponse', { value: last, enumerable: false });
  return result;
}

function parse(text: string, emptyBody: boolean, last: LastResponse): object {
  const fail = (what: string, cause?: unknown) =>
    new StripeAPIError({
      message: `Stripe answered HTTP ${last.statusCode} with ${what}`,
      statusCode: last.statusCode,
      headers: last.headers,
      attempts: last.attempts,
      ...(last.requestId === undefined ? {} : { requestId: last.requestId }),
      cause,
    });
  if (text.trim() === '') {
    if (emptyBody) return {};
    throw fail('an empty body');
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw fail('a body that is not JSON', error);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw fail('JSON that is not an object');
  return body;
}
