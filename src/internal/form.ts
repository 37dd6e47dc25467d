// Stripe's v1 wire format, byte for byte as the official `stripe` package writes it: nested objects
// as a[b]=c, arrays as a[0]=x, null as an empty value (which unsets a field), undefined skipped,
// Dates as unix seconds. Brackets stay readable and !*()' are escaped as qs does. Input is a
// snapshot (src/internal/params.ts): every value in it can be encoded, except a string holding
// half of a UTF-16 surrogate pair, which is refused naming its parameter.
import { fail } from './check-options.js';

// Most keys and values (names, ids, numbers, payload[key]) come out as they are: skip the three
// replaces. Brackets are written as they are either way.
const PLAIN = /^[\w.~[\]-]*$/;

function encode(s: string, param: string): string {
  if (PLAIN.test(s)) return s;
  let encoded: string;
  try {
    encoded = encodeURIComponent(s);
  } catch {
    // URIError: a lone surrogate, which UTF-8 cannot carry.
    return fail(param, 'holds half of a UTF-16 surrogate pair, which cannot be sent');
  }
  return encoded.replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`).replace(/%5[BD]/g, decodeURIComponent);
}

function scalar(value: unknown): string {
  if (value === null) return '';
  if (value instanceof Date) return String(Math.floor(value.getTime() / 1000));
  return String(value);
}

function collect(pairs: string[], key: string, value: unknown): void {
  if (value === undefined) return;
  if (value === null || typeof value !== 'object' || value instanceof Date) {
    pairs.push(`${encode(key, key)}=${encode(scalar(value), key)}`);
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => collect(pairs, `${key}[${i}]`, item));
  } else {
    for (const k of Object.keys(value)) collect(pairs, `${key}[${k}]`, (value as Record<string, unknown>)[k]);
  }
}

/** Encodes params (an object) as application/x-www-form-urlencoded (also used for v1 query strings). */
export function toFormString(params: unknown): string {
  const pairs: string[] = [];
  if (typeof params === 'object' && params !== null) {
    for (const k of Object.keys(params)) collect(pairs, k, (params as Record<string, unknown>)[k]);
  }
  return pairs.join('&');
}
