// Checks that run before anything is sent, each naming the parameter at fault. None of these
// messages may include the API key itself.
import { StripeAuthenticationError, StripeInvalidParameterError } from '../errors.js';
import type { RequestOptions, StripeMetersOptions } from '../options.js';

export function checkApiKey(key: unknown, param: string): string {
  const problem =
    key === undefined || key === null
      ? 'No API key provided. Pass your secret key (sk_...) or a restricted key (rk_...).'
      : typeof key !== 'string'
        ? `The API key must be a string, got ${typeof key}.`
        : key.trim() === ''
          ? 'The API key is empty. Pass your secret key (sk_...) or a restricted key (rk_...).'
          : /\s/.test(key)
            ? 'The API key contains whitespace; check how it was read from the environment.'
            : key.startsWith('pk_')
              ? 'This is a publishable key (pk_...); the Billing Meters API needs a secret key (sk_...) or a restricted key (rk_...).'
              : undefined;
  if (problem !== undefined) {
    throw new StripeAuthenticationError({ message: problem, raw: { type: 'invalid_request_error', param, message: problem } });
  }
  return key as string;
}

export function checkId(id: unknown, param = 'id'): string {
  if (typeof id !== 'string') throw new StripeInvalidParameterError(param, `${param} must be a string, got ${id === null ? 'null' : typeof id}`);
  if (id.trim() === '') throw new StripeInvalidParameterError(param, `${param} must not be empty`);
  // "." and ".." would be resolved away by the URL parser and silently hit another endpoint.
  if (id === '.' || id === '..') throw new StripeInvalidParameterError(param, `${param} must not be "${id}"`);
  return id;
}

/** An optional integer option within [min, max]; returns it, or `fallback` when it is absent. */
export function checkInteger(value: unknown, param: string, min: number, max = Number.MAX_SAFE_INTEGER, fallback?: number): number | undefined {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || (value as number) < min || (value as number) > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `at least ${min}` : `from ${min} to ${max}`;
    throw new StripeInvalidParameterError(param, `${param} must be an integer ${range}, got ${String(value)}`);
  }
  return value as number;
}

function checkOptionalString(value: unknown, param: string): void {
  if (value !== undefined && (typeof value !== 'string' || value.trim() === '')) {
    throw new StripeInvalidParameterError(param, `${param} must be a non-empty string`);
  }
}

export function checkClientOptions(options: StripeMetersOptions): void {
  if (typeof options !== 'object' || options === null) {
    throw new StripeInvalidParameterError('options', 'options must be an object');
  }
  checkInteger(options.maxNetworkRetries, 'maxNetworkRetries', 0);
  checkInteger(options.timeout, 'timeout', 1);
  for (const key of ['apiVersion', 'stripeAccount', 'baseUrl', 'meterEventsBaseUrl'] as const) checkOptionalString(options[key], key);
  for (const key of ['baseUrl', 'meterEventsBaseUrl'] as const) {
    const url = options[key];
    if (url !== undefined && !/^https?:\/\/[^/]/.test(url)) throw new StripeInvalidParameterError(key, `${key} must be an http(s) URL`);
  }
  for (const key of ['fetch', 'onRequest', 'onResponse'] as const) {
    if (options[key] !== undefined && typeof options[key] !== 'function') {
      throw new StripeInvalidParameterError(key, `${key} must be a function`);
    }
  }
  const delay = options.retryDelay;
  if (delay !== undefined) {
    if (typeof delay !== 'object' || delay === null) throw new StripeInvalidParameterError('retryDelay', 'retryDelay must be an object');
    for (const key of ['initialMs', 'maxMs', 'maxRetryAfterMs'] as const) checkInteger(delay[key], `retryDelay.${key}`, 0);
  }
}

export function checkRequestOptions(options: RequestOptions | undefined): RequestOptions {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null) {
    throw new StripeInvalidParameterError('options', 'request options must be an object');
  }
  if (options.apiKey !== undefined) checkApiKey(options.apiKey, 'apiKey');
  checkInteger(options.maxNetworkRetries, 'maxNetworkRetries', 0);
  checkInteger(options.timeout, 'timeout', 1);
  for (const key of ['idempotencyKey', 'stripeAccount', 'apiVersion'] as const) checkOptionalString(options[key], key);
  if (options.idempotencyKey !== undefined && options.idempotencyKey.length > 255) {
    throw new StripeInvalidParameterError('idempotencyKey', 'idempotencyKey must be at most 255 characters');
  }
  if (options.signal !== undefined && !(options.signal instanceof AbortSignal)) {
    throw new StripeInvalidParameterError('signal', 'signal must be an AbortSignal');
  }
  return options;
}

export function checkParams(params: unknown, param = 'params'): void {
  if (typeof params !== 'object' || params === null || Array.isArray(params)) {
    throw new StripeInvalidParameterError(param, `${param} must be an object`);
  }
}

const WINDOW_SECONDS = { minute: 60, hour: 3600, day: 86400 } as const;

/** Event summaries: minute-aligned bounds (hour- or UTC-day-aligned with those windows), end after start. */
export function checkSummaryRange(params: { start_time?: unknown; end_time?: unknown; value_grouping_window?: unknown }): void {
  const window = params.value_grouping_window;
  if (window !== undefined && window !== 'hour' && window !== 'day') {
    throw new StripeInvalidParameterError('value_grouping_window', `value_grouping_window must be "hour" or "day", got ${String(window)}`);
  }
  const unit = window === undefined ? 'minute' : window;
  const step = WINDOW_SECONDS[unit];
  for (const key of ['start_time', 'end_time'] as const) {
    const t = params[key];
    if (!Number.isSafeInteger(t)) {
      throw new StripeInvalidParameterError(key, `${key} must be a unix timestamp in whole seconds, got ${String(t)}`);
    }
    if ((t as number) % step !== 0) {
      const boundary = unit === 'day' ? '00:00 UTC' : unit === 'hour' ? 'an hour boundary' : 'a minute boundary';
      throw new StripeInvalidParameterError(key, `${key} (${String(t)}) must fall on ${boundary}${window === undefined ? '' : ` with value_grouping_window=${window}`}`);
    }
  }
  if ((params.end_time as number) <= (params.start_time as number)) {
    throw new StripeInvalidParameterError('end_time', `end_time (${String(params.end_time)}) must be after start_time (${String(params.start_time)})`);
  }
}

/**
 * Meter event payloads are strings on the wire. Finite numbers are accepted and written as
 * decimal strings; anything else (objects, NaN, 1e21 which String() writes with an exponent)
 * would be a wrong request.
 */
export function normalizePayload(payload: unknown, param = 'payload'): Record<string, string> {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new StripeInvalidParameterError(param, `${param} must be an object of string values`);
  }
  const out: Record<string, string> = {};
  const source = payload as Record<string, unknown>;
  // for-in rather than Object.entries: this runs once per event on the stream's hot path.
  for (const key in source) {
    if (!Object.hasOwn(source, key)) continue;
    const value = source[key];
    if (typeof value === 'string') out[key] = value;
    else if (typeof value === 'number' && Number.isFinite(value) && !/e/i.test(String(value))) out[key] = String(value);
    else {
      const got = typeof value === 'number' ? String(value) : value === null ? 'null' : typeof value;
      throw new StripeInvalidParameterError(`${param}[${key}]`, `${param}[${key}] must be a string or a finite number, got ${got}`);
    }
  }
  return out;
}
