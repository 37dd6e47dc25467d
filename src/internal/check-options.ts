// Client and request options are checked where they enter, each problem naming the option, so that
// nothing malformed reaches a header, a timer or a URL. No message includes a key or token.
import { StripeInvalidParameterError } from '../errors.js';
import type { RequestOptions, StripeMetersOptions } from '../options.js';
import { mask } from './secrets.js';

/** Timers hold at most this many milliseconds (larger values fire at once in every runtime). */
export const MAX_TIMER_MS = 2 ** 31 - 1;
/** Stripe's limit for idempotency keys, and ours for every other header value we send. */
const MAX_HEADER_LENGTH = 255;
const MAX_SESSION_TOKEN_LENGTH = 4096;
const PRINTABLE = /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/;
const SECRET_KEY = /^(?:sk|rk)_(?:test|live)_[0-9A-Za-z_]+$/;

const fail = (param: string, message: string): never => {
  throw new StripeInvalidParameterError(param, message);
};

/** A value's kind only: these values may be secrets, so the value itself is never shown. */
function kindOf(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value === 'string' ? 'a string' : `a ${typeof value}`;
}

/** A header value: printable ASCII, nothing to trim, at most `max` characters. */
export function checkHeaderValue(value: unknown, param: string, secret = false, max = MAX_HEADER_LENGTH): string {
  if (typeof value !== 'string') return fail(param, `${param} must be a string, got ${kindOf(value)}`);
  if (value === '') return fail(param, `${param} must not be empty`);
  if (value.length > max) return fail(param, `${param} must be at most ${max} characters, got ${value.length}`);
  if (!PRINTABLE.test(value)) {
    const shown = secret ? '' : ` (got ${JSON.stringify(value)})`;
    const why = /^\s|\s$/.test(value) ? 'leading or trailing whitespace' : /[\r\n\0]/.test(value) ? 'a line break or NUL' : 'a character outside printable ASCII';
    return fail(param, `${param} must be printable ASCII with no leading or trailing whitespace; it has ${why}${shown}`);
  }
  return value;
}

/** A secret (sk_) or restricted (rk_) key; `session` also admits a meter event session token. */
export function checkApiKey(key: unknown, param: string, session = false): string {
  if (key === undefined || key === null || key === '') {
    if (session) return fail(param, 'The meter event stream needs a session token: pass { apiKey: session.authentication_token }');
    return fail(param, 'No API key provided. Pass your secret key (sk_...) or a restricted key (rk_...).');
  }
  // Stripe documents no length for session tokens: allow far more than a key's.
  const value = checkHeaderValue(key, param, true, session ? MAX_SESSION_TOKEN_LENGTH : MAX_HEADER_LENGTH);
  if (SECRET_KEY.test(value)) {
    if (session) fail(param, `The meter event stream takes a session token, not an API key (${mask(value)}): pass { apiKey: session.authentication_token }`);
    return value;
  }
  if (value.startsWith('pk_')) fail(param, 'This is a publishable key (pk_...); the Billing Meters API needs a secret key (sk_...) or a restricted key (rk_...).');
  if (value.startsWith('whsec_')) fail(param, 'This is a webhook signing secret (whsec_...), not an API key; pass your secret key (sk_...) or a restricted key (rk_...).');
  if (session) return value;
  return fail(param, `${param} does not look like a Stripe secret key (sk_test_..., sk_live_...) or restricted key (rk_...)`);
}

/** An optional integer option within [min, max]; returns it, or `fallback` when it is absent. */
export function checkInteger(value: unknown, param: string, min: number, max: number, fallback: number): number;
export function checkInteger(value: unknown, param: string, min: number, max: number): number | undefined;
export function checkInteger(value: unknown, param: string, min: number, max: number, fallback?: number): number | undefined {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || (value as number) < min || (value as number) > max) {
    fail(param, `${param} must be an integer from ${min} to ${max}, got ${typeof value === 'number' ? String(value) : kindOf(value)}`);
  }
  return value as number;
}

/** An absolute http(s) URL without credentials, query, fragment or empty path segments; no trailing slash. */
export function checkBaseUrl(value: unknown, param: string): string {
  if (typeof value !== 'string') return fail(param, `${param} must be a string, got ${kindOf(value)}`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return fail(param, `${param} must be an absolute http(s) URL, got ${JSON.stringify(value)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') fail(param, `${param} must be an http(s) URL, got ${url.protocol}`);
  if (url.username !== '' || url.password !== '') fail(param, `${param} must not contain credentials; pass the API key as apiKey`);
  if (value.includes('?')) fail(param, `${param} must not have a query string`);
  if (value.includes('#')) fail(param, `${param} must not have a fragment`);
  const path = url.pathname.replace(/\/$/, '');
  if (path.includes('//')) fail(param, `${param} must not have an empty path segment ("//")`);
  return `${url.origin}${path}`;
}

function checkFunction(value: unknown, param: string): void {
  if (value !== undefined && typeof value !== 'function') fail(param, `${param} must be a function, got ${kindOf(value)}`);
}

function checkKnownKeys(options: object, known: ReadonlySet<string>, what: string): void {
  for (const key of Object.keys(options)) {
    if (!known.has(key)) fail(key, `${key} is not a ${what} option (known: ${[...known].join(', ')})`);
  }
}

const CLIENT_OPTIONS = new Set(['apiVersion', 'stripeAccount', 'maxNetworkRetries', 'timeout', 'baseUrl', 'meterEventsBaseUrl', 'fetch', 'retryDelay', 'onRequest', 'onResponse', 'now']);
const REQUEST_OPTIONS = new Set(['idempotencyKey', 'stripeAccount', 'apiKey', 'apiVersion', 'maxNetworkRetries', 'timeout', 'signal']);
const DELAYS = new Set(['initialMs', 'maxMs', 'maxRetryAfterMs']);
const SHUTDOWN_OPTIONS = new Set(['signal']);
const MAX_NETWORK_RETRIES = 100;

/** Checks a client's options (their values and names; base URLs are resolveClientOptions'); throws on the first problem. */
export function checkClientOptions(options: unknown): StripeMetersOptions {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) return fail('options', `options must be an object, got ${kindOf(options)}`);
  const o = options as StripeMetersOptions;
  checkKnownKeys(o, CLIENT_OPTIONS, 'client');
  checkInteger(o.maxNetworkRetries, 'maxNetworkRetries', 0, MAX_NETWORK_RETRIES);
  checkInteger(o.timeout, 'timeout', 1, MAX_TIMER_MS);
  if (o.apiVersion !== undefined) checkHeaderValue(o.apiVersion, 'apiVersion');
  if (o.stripeAccount !== undefined) checkHeaderValue(o.stripeAccount, 'stripeAccount');
  for (const key of ['fetch', 'onRequest', 'onResponse', 'now'] as const) checkFunction(o[key], key);
  const delay: unknown = o.retryDelay;
  if (delay !== undefined) {
    if (typeof delay !== 'object' || delay === null) fail('retryDelay', `retryDelay must be an object, got ${kindOf(delay)}`);
    checkKnownKeys(delay as object, DELAYS, 'retryDelay');
    for (const key of DELAYS) checkInteger((delay as Record<string, unknown>)[key], `retryDelay.${key}`, 0, MAX_TIMER_MS);
  }
  return o;
}

/**
 * Checks per-request options. `session`: the request goes to the v2 stream, whose `apiKey` must be
 * a meter event session token.
 */
const NONE: RequestOptions = Object.freeze({});

export function checkRequestOptions(options: unknown, session = false): RequestOptions {
  if (options === undefined) {
    if (session) checkApiKey(undefined, 'apiKey', true);
    return NONE;
  }
  if (typeof options !== 'object' || options === null || Array.isArray(options)) return fail('options', `request options must be an object, got ${kindOf(options)}`);
  const o = options as RequestOptions;
  checkKnownKeys(o, REQUEST_OPTIONS, 'request');
  if (o.apiKey !== undefined || session) checkApiKey(o.apiKey, 'apiKey', session);
  for (const key of ['idempotencyKey', 'stripeAccount', 'apiVersion'] as const) if (o[key] !== undefined) checkHeaderValue(o[key], key);
  checkInteger(o.maxNetworkRetries, 'maxNetworkRetries', 0, MAX_NETWORK_RETRIES);
  checkInteger(o.timeout, 'timeout', 1, MAX_TIMER_MS);
  checkSignal(o.signal);
  return o;
}

function checkSignal(signal: unknown): AbortSignal | undefined {
  // Duck-typed: a signal from another realm (a test runner's, a polyfill's) is still a signal.
  if (signal !== undefined && (typeof signal !== 'object' || signal === null || typeof (signal as AbortSignal).aborted !== 'boolean' || typeof (signal as AbortSignal).addEventListener !== 'function')) {
    fail('signal', `signal must be an AbortSignal, got ${kindOf(signal)}`);
  }
  return signal as AbortSignal | undefined;
}

/** The options of the stream's flush() and close(): `{ signal? }`. */
export function checkShutdownOptions(options: unknown): AbortSignal | undefined {
  if (options === undefined) return undefined;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) return fail('options', `options must be an object, got ${kindOf(options)}`);
  checkKnownKeys(options, SHUTDOWN_OPTIONS, 'flush/close');
  return checkSignal((options as { signal?: unknown }).signal);
}
