// Client and request options are checked where they enter, each problem naming the option, so that
// nothing malformed reaches a header, a timer or a URL. No message includes a key or token. The
// checks of a session token (the v2 stream's key) live with the stream (src/internal/session-key.ts).
// Each kind of options is one table, option name -> check: its names are the known ones, and one
// loop runs the checks (every browser bundle holds this module, so it is kept small).
import { StripeInvalidParameterError } from '../errors.js';
import type { RequestOptions, StripeMetersOptions } from '../options.js';

/** Timers hold at most this many milliseconds (larger values fire at once in every runtime). */
export const MAX_TIMER_MS = 2 ** 31 - 1;
/** A secret (sk_) or restricted (rk_) key, test or live. */
export const API_KEY = /^[sr]k_(?:test|live)_[0-9A-Za-z_]+$/;
const KEYS = 'secret key (sk_...) or a restricted key (rk_...)';

/** Throws the error of `param`: "<param> <what>". */
export const fail = (param: string, what: string): never => {
  throw new StripeInvalidParameterError(param, `${param} ${what}`);
};

/** A value's kind only: these values may be secrets, so the value itself is never shown. */
export const kindOf = (value: unknown): string => (value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`);

const mustBe = (param: string, what: string, value: unknown): never => fail(param, `must be ${what}, got ${kindOf(value)}`);

/** A header value: printable ASCII, nothing to trim, at most `max` characters (255: Stripe's limit for idempotency keys). */
export function checkHeaderValue(value: unknown, param: string, secret = false, max = 255): string {
  if (typeof value !== 'string') return mustBe(param, 'a string', value);
  if (value === '') fail(param, 'must not be empty');
  if (value.length > max) fail(param, `must be at most ${max} characters, got ${value.length}`);
  if (!/^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/.test(value)) {
    const why = /^\s|\s$/.test(value) ? 'leading or trailing whitespace' : /[\r\n\0]/.test(value) ? 'a line break or NUL' : 'a character outside printable ASCII';
    fail(param, `must be printable ASCII with no leading or trailing whitespace; it has ${why}${secret ? '' : ` (got ${JSON.stringify(value)})`}`);
  }
  return value;
}

/**
 * A key's text: no key at all (refused with `missing`), or one of the kinds people paste by
 * mistake, is refused with a hint. `max`: a session token (the v2 stream's key) may be far longer
 * than a key (Stripe documents no length for it).
 */
export function keyText(key: unknown, param: string, missing: string, max = 255): string {
  const refuse = (message: string): never => {
    throw new StripeInvalidParameterError(param, message);
  };
  if (key === undefined || key === null || key === '') refuse(missing);
  const value = checkHeaderValue(key, param, true, max);
  const kind = value.startsWith('pk_') ? 'publishable key (pk_...)' : value.startsWith('whsec_') ? 'webhook signing secret (whsec_...)' : undefined;
  return kind === undefined ? value : refuse(`This is a ${kind}; the Billing Meters API needs a ${KEYS}.`);
}

/** A secret (sk_) or restricted (rk_) key. */
export function checkApiKey(key: unknown, param: string): string {
  const value = keyText(key, param, `No API key provided. Pass your ${KEYS}.`);
  return API_KEY.test(value) ? value : fail(param, `does not look like a Stripe ${KEYS}`);
}

/** An optional integer option within [min, max]; returns it, or `fallback` when it is absent. */
export function checkInteger(value: unknown, param: string, min: number, max: number, fallback: number): number;
export function checkInteger(value: unknown, param: string, min: number, max: number): number | undefined;
export function checkInteger(value: unknown, param: string, min: number, max: number, fallback?: number): number | undefined {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || (value as number) < min || (value as number) > max) {
    fail(param, `must be an integer from ${min} to ${max}, got ${typeof value === 'number' ? value : kindOf(value)}`);
  }
  return value as number;
}

/** An absolute http(s) URL without credentials, query, fragment or empty path segments; no trailing slash. */
export function checkBaseUrl(value: unknown, param: string): string {
  if (typeof value !== 'string') return mustBe(param, 'a string', value);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return fail(param, `must be an absolute http(s) URL, got ${JSON.stringify(value)}`);
  }
  const { protocol, username, password, origin, pathname } = url;
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

/** Checks one option's value (given, not undefined); `param` is its name as messages show it. */
type Check = (value: unknown, param: string) => unknown;
type Table = Readonly<Record<string, Check | 0>>;

const header: Check = (value, param) => checkHeaderValue(value, param);
const integer =
  (min: number, max: number): Check =>
  (value, param) =>
    checkInteger(value, param, min, max);
const func: Check = (value, param) => typeof value === 'function' || mustBe(param, 'a function', value);
// Duck-typed: a signal from another realm (a test runner's, a polyfill's) is still a signal.
const signal: Check = (value, param) => (typeof (value as AbortSignal | null)?.aborted === 'boolean' && typeof (value as AbortSignal).addEventListener === 'function') || mustBe(param, 'an AbortSignal', value);
const delay = integer(0, MAX_TIMER_MS);
const DELAYS: Table = { initialMs: delay, maxMs: delay, maxRetryAfterMs: delay };
const COMMON = { stripeAccount: header, apiVersion: header, maxNetworkRetries: integer(0, 100), timeout: integer(1, MAX_TIMER_MS) };
// 0: checked elsewhere (base URLs by resolveClientOptions, a request's key by its key check).
const CLIENT: Table = { ...COMMON, baseUrl: 0, meterEventsBaseUrl: 0, fetch: func, retryDelay: (value, param) => checkOptions(value, param, DELAYS, param), onRequest: func, onResponse: func, now: func };
const REQUEST: Table = { idempotencyKey: header, ...COMMON, apiKey: 0, signal };

/**
 * `value` when it is a plain object whose options are all known and valid; else the first problem,
 * naming the option (`retryDelay.maxMs`; an unknown one by its own name).
 */
function checkOptions(value: unknown, param: string, table: Table, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) mustBe(param, 'an object', value);
  const o = value as Record<string, unknown>;
  const known = Object.keys(table);
  for (const key of Object.keys(o)) if (!known.includes(key)) fail(key, `is not a ${what} option (known: ${known.join(', ')})`);
  for (const key of known) {
    const check = table[key];
    if (check !== 0 && check !== undefined && o[key] !== undefined) check(o[key], param === 'options' ? key : `${param}.${key}`);
  }
  return o;
}

/** Checks a client's options (their values and names; base URLs are resolveClientOptions'); throws on the first problem. */
export function checkClientOptions(options: unknown): StripeMetersOptions {
  return checkOptions(options, 'options', CLIENT, 'client') as StripeMetersOptions;
}

const NONE: RequestOptions = Object.freeze({});

/**
 * Checks per-request options. `checkKey`, when given, checks the `apiKey` option even when it is
 * absent (the v2 stream, whose key must be a session token); otherwise an apiKey given must be an API key.
 */
export function checkRequestOptions(options: unknown, checkKey = (key: unknown): unknown => key === undefined || checkApiKey(key, 'apiKey')): RequestOptions {
  const o = options === undefined ? NONE : (checkOptions(options, 'options', REQUEST, 'request') as RequestOptions);
  checkKey(o.apiKey);
  return o;
}

/** The options of the sender's flush() and close(): `{ signal? }`. */
export function checkShutdownOptions(options: unknown): AbortSignal | undefined {
  return options === undefined ? undefined : (checkOptions(options, 'options', { signal }, 'flush/close')['signal'] as AbortSignal | undefined);
}
