// One base class, one-line subclasses, one factory. `type` holds the class name as the official
// `stripe` package does (`err.type === 'StripeRateLimitError'`), written out per class so that
// minifiers that rename classes don't change it; the wire's own type is `rawType`.

/** The `error` object of a Stripe error response (v1 and v2 share these fields). */
export interface StripeRawError {
  type?: string;
  code?: string;
  param?: string;
  message?: string;
  doc_url?: string;
  request_log_url?: string;
  user_message?: string;
  [key: string]: unknown;
}

/** What a request sent that a caller needs to resend it safely (see the README's "Resending"). */
export interface SentIdentifiers {
  /** The Idempotency-Key of the POST, the same on every attempt. */
  idempotencyKey?: string | undefined;
  /** The meter event's identifier (v1 and v2 meter event creates). */
  identifier?: string | undefined;
  /** The identifiers of a v2 stream request's events, in input order. */
  identifiers?: readonly string[] | undefined;
  /** The meter event's timestamp as sent (v1: unix seconds; v2: RFC 3339), filled in when absent. */
  timestamp?: number | string | undefined;
}

export interface StripeErrorInit {
  message: string;
  raw?: StripeRawError | undefined;
  statusCode?: number | undefined;
  requestId?: string | undefined;
  headers?: Record<string, string> | undefined;
  attempts?: number | undefined;
  cause?: unknown;
  sent?: SentIdentifiers | undefined;
}

export class StripeError extends Error {
  readonly type: string = 'StripeError';
  // Declared, not defined: the constructor sets them all (a field list would repeat them in every bundle).
  /** The error type Stripe sent (`invalid_request_error`, `temporary_session_expired`, ...). */
  declare readonly rawType: string | undefined;
  declare readonly code: string | undefined;
  declare readonly param: string | undefined;
  declare readonly doc_url: string | undefined;
  declare readonly statusCode: number | undefined;
  declare readonly requestId: string | undefined;
  declare readonly headers: Record<string, string>;
  declare readonly raw: StripeRawError;
  /** How many attempts were made (undefined when nothing was sent). */
  declare readonly attempts: number | undefined;
  /** The Idempotency-Key the POST was sent with: resend with the same key. */
  declare readonly idempotencyKey: string | undefined;
  /** The meter event's identifier (meter event creates): resend with the same identifier. */
  declare readonly identifier: string | undefined;
  /** The identifiers of the events of a v2 stream request, in input order. */
  declare readonly identifiers: readonly string[] | undefined;
  /** The meter event's timestamp as sent (meter event creates): resend with the same timestamp. */
  declare readonly timestamp: number | string | undefined;

  constructor(init: StripeErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    const raw = init.raw ?? {};
    const sent = init.sent ?? {};
    Object.assign(this, {
      rawType: raw.type,
      code: raw.code,
      param: raw.param,
      doc_url: raw.doc_url,
      statusCode: init.statusCode,
      requestId: init.requestId,
      headers: init.headers ?? {},
      raw,
      attempts: init.attempts,
      idempotencyKey: sent.idempotencyKey,
      identifier: sent.identifier,
      identifiers: sent.identifiers,
      timestamp: sent.timestamp,
    });
  }

  override get name(): string {
    return this.type;
  }

  /**
   * Maps an HTTP error answer to the matching error class. `body` is the answer's body, parsed when
   * it is JSON (as openapi-fetch hands it over), else its text; one that is not a Stripe error still
   * gives a typed error.
   */
  static fromResponse(statusCode: number, headers: Record<string, string>, body: unknown, more: Omit<StripeErrorInit, 'message' | 'raw' | 'statusCode' | 'headers'> = {}): StripeError {
    const base = { ...more, statusCode, headers, requestId: headers['request-id'] };
    if (typeof body !== 'object' || body === null) {
      const what = typeof body !== 'string' || body.trim() === '' ? 'an empty body' : `a body that is not JSON (${headers['content-type'] ?? 'no content type'})`;
      return new StripeAPIError({ ...base, message: `Stripe answered HTTP ${statusCode} with ${what}` });
    }
    const raw = rawErrorOf(body);
    const Class = errorClassFor(statusCode, raw);
    return new Class({ ...base, raw, message: raw.message ?? `Stripe answered HTTP ${statusCode}` });
  }
}

function rawErrorOf(body: object): StripeRawError {
  const error = (body as { error?: unknown }).error;
  if (typeof error === 'object' && error !== null) return error as StripeRawError;
  // OAuth-style errors put a string in `error`; other JSON (a proxy's) has no `error`.
  if (typeof error === 'string') {
    const description = (body as { error_description?: unknown }).error_description;
    return { type: error, ...(typeof description === 'string' ? { message: description } : {}) };
  }
  const b = body as { message?: unknown; detail?: unknown; title?: unknown };
  const text = [b.message, b.title, b.detail].filter((v): v is string => typeof v === 'string').join(': ');
  return text === '' ? {} : { message: text };
}

function errorClassFor(status: number, raw: StripeRawError): new (init: StripeErrorInit) => StripeError {
  if (raw.type === 'temporary_session_expired') return TemporarySessionExpiredError;
  if (raw.type === 'idempotency_error') return StripeIdempotencyError;
  if (status === 401) return StripeAuthenticationError;
  if (status === 403) return StripePermissionError;
  if (status === 429 || raw.code === 'rate_limit') return StripeRateLimitError;
  if (status >= 400 && status < 500 && status !== 409) return StripeInvalidRequestError;
  return StripeAPIError;
}

/** Invalid parameters (400, 404 and other 4xx). */
export class StripeInvalidRequestError extends StripeError { override readonly type: string = 'StripeInvalidRequestError'; }
/** Missing, invalid or wrong kind of API key (401). */
export class StripeAuthenticationError extends StripeError { override readonly type: string = 'StripeAuthenticationError'; }
/** The key lacks permission for this request (403). */
export class StripePermissionError extends StripeError { override readonly type = 'StripePermissionError'; }
/** Too many requests (429). */
export class StripeRateLimitError extends StripeError { override readonly type = 'StripeRateLimitError'; }
/** An idempotency key was reused with other parameters, or its first request is still running. */
export class StripeIdempotencyError extends StripeError { override readonly type = 'StripeIdempotencyError'; }
/** Stripe failed (5xx, 409), or answered with something that is not a Stripe response. */
export class StripeAPIError extends StripeError { override readonly type = 'StripeAPIError'; }
/** The request got no (complete) answer: connection refused or reset, DNS failure, timeout. */
export class StripeConnectionError extends StripeError { override readonly type = 'StripeConnectionError'; }
/** A v2 meter event session token has expired; create a new session. */
export class TemporarySessionExpiredError extends StripeAuthenticationError { override readonly type = 'TemporarySessionExpiredError'; }

/**
 * Thrown before anything is sent, when a parameter or option is invalid. It is a
 * StripeInvalidRequestError with `param` naming the culprit and no `statusCode`.
 */
export class StripeInvalidParameterError extends StripeInvalidRequestError {
  override readonly type = 'StripeInvalidParameterError';
  constructor(param: string, message: string) {
    super({ message, raw: { type: 'invalid_request_error', param, message } });
  }
}
