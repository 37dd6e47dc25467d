// Stripe's v1 wire format, byte for byte as the official `stripe` package writes it: nested objects
// as a[b]=c, arrays as a[0]=x, null as an empty value (which unsets a field), undefined skipped,
// Dates as unix seconds. Brackets stay readable and !*()' are escaped as qs does. Input is a
// snapshot (src/internal/params.ts): every value in it can be encoded, except a string holding
// half of a UTF-16 surrogate pair, which is refused naming its parameter.
import { fail } from './check-options.js';

// Most keys and values (names, ids, numbers, payload[key]) come out as they are: skip the three
// replaces. Brackets are written as they are either way. [A-Za-z0-9_.~[\]-], by char code: a
// regular expression test costs more than the scan on strings this short.
function isPlain(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (!((c >= 97 && c <= 122) || (c >= 65 && c <= 93 && c !== 92) || (c >= 48 && c <= 57) || c === 95 || c === 46 || c === 126 || c === 45)) return false;
  }
  return true;
}

function encode(s: string, param: string): string {
  if (isPlain(s)) return s;
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
