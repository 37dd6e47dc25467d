// Stripe's v1 wire format, byte for byte as the official `stripe` package writes it: nested objects
// as a[b]=c, arrays as a[0]=x, null as an empty value (which unsets a field), undefined skipped,
// Dates as unix seconds. Brackets stay readable and !*()' are escaped as qs does.

import { StripeInvalidParameterError } from '../errors.js';

const ESCAPE = /[!'()*]/g;
const ESCAPED: Record<string, string> = { '!': '%21', "'": '%27', '(': '%28', ')': '%29', '*': '%2A' };

function encode(s: string): string {
  return encodeURIComponent(s)
    .replace(ESCAPE, (c) => ESCAPED[c] ?? c)
    .replace(/%5B/g, '[')
    .replace(/%5D/g, ']');
}

// Values that String() would turn into a silently wrong request ("NaN", a function's source text)
// are refused, naming the parameter; everything else encodes exactly as `stripe` does.
function scalar(key: string, value: unknown): string {
  if (value === null) return '';
  if (value instanceof Date) {
    const ms = value.getTime();
    if (!Number.isFinite(ms)) throw new StripeInvalidParameterError(key, `${key} is an invalid Date`);
    return String(Math.floor(ms / 1000));
  }
  switch (typeof value) {
    case 'string':
    case 'boolean':
    case 'bigint':
      return String(value);
    case 'number':
      if (!Number.isFinite(value)) throw new StripeInvalidParameterError(key, `${key} must be a finite number, got ${value}`);
      return String(value);
    default:
      throw new StripeInvalidParameterError(key, `${key} cannot be sent to Stripe (got a ${typeof value})`);
  }
}

// Deeper than any Stripe parameter; past it the params almost certainly contain a cycle.
const MAX_DEPTH = 20;

function collect(pairs: string[], key: string, value: unknown, depth = 0): void {
  if (value === undefined) return;
  if (depth > MAX_DEPTH) throw new StripeInvalidParameterError(key, `${key} is nested more than ${MAX_DEPTH} levels deep (does it contain a cycle?)`);
  if (value === null || typeof value !== 'object' || value instanceof Date) {
    pairs.push(`${encode(key)}=${encode(scalar(key, value))}`);
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => collect(pairs, `${key}[${i}]`, item, depth + 1));
  } else {
    for (const k of Object.keys(value)) collect(pairs, `${key}[${k}]`, (value as Record<string, unknown>)[k], depth + 1);
  }
}

/** Encodes params as application/x-www-form-urlencoded (also used for v1 query strings). */
export function toFormString(params: unknown): string {
  if (typeof params !== 'object' || params === null) return '';
  const pairs: string[] = [];
  for (const k of Object.keys(params)) collect(pairs, k, (params as Record<string, unknown>)[k]);
  return pairs.join('&');
}
