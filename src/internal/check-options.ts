// Client and request options are checked where they enter, each problem naming the option, so that
// nothing malformed reaches a header, a timer or a URL. No message includes a key or token. The
// checks of a session token (the v2 stream's key) live with the stream (src/internal/session-key.ts).
import { StripeInvalidParameterError } from '../errors.js';
import type { RequestOptions, StripeMetersOptions } from '../options.js';

/** Timers hold at most this many milliseconds (larger values fire at once in every runtime). */
export const MAX_TIMER_MS = 2 ** 31 - 1;
const PRINTABLE = /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/;
const KEYS = 'secret key (sk_...) or a restricted key (rk_...)';

/** Throws the error of `param`: "<param> <what>". */
export const fail = (param: string, what: string): never => {
  throw new StripeInvalidParameterError(param, `${param} ${what}`);
};

/** A value's kind only: these values may be secrets, so the value itself is never shown. */
export const kindOf = (value: unknown): string => (value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`);

/** `value` when it is a plain object (not null, not an array), else a refusal of `param`. */
export function checkObject(value: unknown, param: string, known: ReadonlySet<string>, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(param, `must be an object, got ${kindOf(value)}`);
  for (const key of Object.keys(value as object)) if (!known.has(key)) fail(key, `is not a ${what} option (known: ${[...known].join(', ')})`);
  return value as Record<string, unknown>;
}

/** A header value: printable ASCII, nothing to trim, at most `max` characters (255: Stripe's limit for idempotency keys). */
export function checkHeaderValue(value: unknown, param: string, secret = false, max = 255): string {
  if (typeof value !== 'string') return fail(param, `must be a string, got ${kindOf(value)}`);
  if (value === '') fail(param, 'must not be empty');
  if (value.length > max) fail(param, `must be at most ${max} characters, got ${value.length}`);
  if (!PRINTABLE.test(value)) {
    const why = /^\s|\s$/.test(value) ? 'leading or trailing whitespace' : /[\r\n\0]/.test(value) ? 'a line break or NUL' : 'a character outside printable ASCII';
    fail(param, `must be printable ASCII with no leading or trailing whitespace; it has ${why}${secret ? '' : ` (got ${JSON.stringify(value)})`}`);
  }
  return value;
}

/**
 * A key's text: no key at all, or one of the kinds people paste by mistake, is refused with a hint.
 * `session`: a meter event session token is expected (the v2 stream).
 */
export function keyText(key: unknown, param: string, session: boolean): string {
  const missing = session ? 'The meter event stream needs a session token: pass { apiKey: session.authentication_token }' : `No API key provided. Pass your ${KEYS}.`;
  if (key === undefined || key === null || key === '') throw new StripeInvalidParameterError(param, missing);
  // Stripe documents no length for session tokens: allow far more than a key's.
  const value = checkHeaderValue(key, param, true, session ? 4096 : 255);
  const hint = value.startsWith('pk_') ? `This is a publishable key (pk_...); the Billing Meters API needs a ${KEYS}.` : value.startsWith('whsec_') ? `This is a webhook signing secret (whsec_...), not an API key; pass your ${KEYS}.` : undefined;
  if (hint !== undefined) throw new StripeInvalidParameterError(param, hint);
  return value;
}

/** A secret (sk_) or restricted (rk_) key. */
export function checkApiKey(key: unknown, param: string): string {
  const value = keyText(key, param, false);
  return /^(?:sk|rk)_(?:test|live)_[0-9A-Za-z_]+$/.test(value) ? value : fail(param, 'does not look like a Stripe secret key (sk_test_..., sk_live_...) or restricted key (rk_...)');
}

/** An optional integer option within [min, max]; returns it, or `fallback` when it is absent. */
export function checkInteger(value: unknown, param: string, min: number, max: number, fallback: number): number;
export function checkInteger(value: unknown, param: string, min: number, max: number): number | undefined;
export function checkInteger(value: unknown, param: string, min: number, max: number, fallback?: number): number | undefined {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || (value as number) < min || (value as number) > max) {
    fail(param, `must be an integer from ${min} to ${max}, got ${typeof value === 'number' ? String(value) : kindOf(value)}`);
  }
  return value as number;
}

/** An absolute http(s) URL without credentials, query, fragment or empty path segments; no trailing slash. */
export function checkBaseUrl(value: unknown, param: string): string {
  if (typeof value !== 'string') return fail(param, `must be a string, got ${kindOf(value)}`);
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    fail(param, `must be an absolute http(s) URL, got ${JSON.stringify(value)}`);
  }
  const { protocol, username, password, origin, pathname } = url as URL;
  const path = pathname.replace(/\/$/, '');
  const problem =
    protocol !== 'http:' && protocol !== 'https:'
      ? `must be an http(s) URL, got ${protocol}`
      : username !== '' || password !== ''
        ? 'must not contain credentials; pass the API key as apiKey'
        : value.includes('?')
          ? 'must not have a query string'
          : value.includes('#')
            ? 'must not have a fragment'
            : path.includes('//')
              ? 'must not have an empty path segment ("//")'
              : undefined;
  return problem === undefined ? `${origin}${path}` : fail(param, problem);
}

const CLIENT_OPTIONS = new Set(['apiVersion', 'stripeAccount', 'maxNetworkRetries', 'timeout', 'baseUrl', 'meterEventsBaseUrl', 'fetch', 'retryDelay', 'onRequest', 'onResponse', 'now']);
const REQUEST_OPTIONS = new Set(['idempotencyKey', 'stripeAccount', 'apiKey', 'apiVersion', 'maxNetworkRetries', 'timeout', 'signal']);
const DELAYS = new Set(['initialMs', 'maxMs', 'maxRetryAfterMs']);
const SHUTDOWN_OPTIONS = new Set(['signal']);
const FUNCTIONS = ['fetch', 'onRequest', 'onResponse', 'now'] as const;
const HEADERS = ['idempotencyKey', 'stripeAccount', 'apiVersion'] as const;

/** What client and request options share: header values, retries and the timeout. */
function checkCommon(o: Record<string, unknown>): void {
  for (const key of HEADERS) if (o[key] !== undefined) checkHeaderValue(o[key], key);
  checkInteger(o['maxNetworkRetries'], 'maxNetworkRetries', 0, 100);
  checkInteger(o['timeout'], 'timeout', 1, MAX_TIMER_MS);
}

/** Checks a client's options (their values and names; base URLs are resolveClientOptions'); throws on the first problem. */
export function checkClientOptions(options: unknown): StripeMetersOptions {
  const o = checkObject(options, 'options', CLIENT_OPTIONS, 'client');
  checkCommon(o);
  for (const key of FUNCTIONS) if (o[key] !== undefined && typeof o[key] !== 'function') fail(key, `must be a function, got ${kindOf(o[key])}`);
  if (o['retryDelay'] !== undefined) {
    const delay = checkObject(o['retryDelay'], 'retryDelay', DELAYS, 'retryDelay');
    for (const key of DELAYS) checkInteger(delay[key], `retryDelay.${key}`, 0, MAX_TIMER_MS);
  }
  return o as StripeMetersOptions;
}

const NONE: RequestOptions = Object.freeze({});

/**
 * Checks per-request options. `checkKey`, when given, checks the `apiKey` option even when it is
 * absent (the v2 stream, whose key must be a session token); otherwise an apiKey given must be an API key.
 */
export function checkRequestOptions(options: unknown, checkKey?: (key: unknown) => void): RequestOptions {
  if (options === undefined) {
    checkKey?.(undefined);
    return NONE;
  }
  const o = checkObject(options, 'options', REQUEST_OPTIONS, 'request');
  if (checkKey !== undefined) checkKey(o['apiKey']);
  else if (o['apiKey'] !== undefined) checkApiKey(o['apiKey'], 'apiKey');
  checkCommon(o);
  checkSignal(o['signal']);
  return o as RequestOptions;
}

function checkSignal(signal: unknown): AbortSignal | undefined {
  // Duck-typed: a signal from another realm (a test runner's, a polyfill's) is still a signal.
  const s = signal as AbortSignal | null | undefined;
  if (s !== undefined && (typeof s?.aborted !== 'boolean' || typeof s.addEventListener !== 'function')) fail('signal', `must be an AbortSignal, got ${kindOf(s)}`);
  return signal as AbortSignal | undefined;
}

/** The options of the sender's flush() and close(): `{ signal? }`. */
export function checkShutdownOptions(options: unknown): AbortSignal | undefined {
  return options === undefined ? undefined : checkSignal(checkObject(options, 'options', SHUTDOWN_OPTIONS, 'flush/close')['signal']);
}
