// Params are read once, into a plain copy that can always be encoded: what the rules are checked
// against and what goes on the wire (so retries resend the same bytes). Anything that cannot be
// sent (a throwing getter, a symbol, a BigInt, a function, NaN, a cycle) is refused here, naming
// its path, before anything is sent.
import { fail } from './check-options.js';

const join = (where: string, key: string | number) => (where === '' ? String(key) : `${where}[${key}]`);

// Deeper than any Stripe parameter; past it the params almost certainly contain a cycle.
const MAX_DEPTH = 20;

/** Sets own property `key`, even `__proto__` (which `out[key] = v` would turn into a prototype change). */
export function setOwn(out: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  else out[key] = value;
}

function copy(value: unknown, where: string, seen: Set<object>): unknown {
  if (value === null || value === undefined || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : fail(where, `must be a finite number, got ${value}`);
  if (typeof value !== 'object') return fail(where, `cannot be sent to Stripe (got a ${typeof value === 'bigint' ? 'BigInt' : typeof value})`);
  if (value instanceof Date) return Number.isFinite(value.getTime()) ? value : fail(where, 'is an invalid Date');
  if (seen.has(value)) fail(where, 'refers back to itself (a cycle cannot be sent)');
  if (seen.size >= MAX_DEPTH) fail(where, `is nested more than ${MAX_DEPTH} levels deep`);
  seen.add(value);
  const child = (key: string | number) => {
    const param = join(where, key);
    let got: unknown;
    try {
      got = (value as Record<string | number, unknown>)[key];
    } catch (error) {
      fail(param, `could not be read: ${error instanceof Error ? error.message : String(error)}`);
    }
    return copy(got, param, seen);
  };
  let out: unknown;
  if (Array.isArray(value)) out = Array.from({ length: value.length }, (_, i) => child(i));
  else {
    const record: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
      const copied = child(key);
      if (copied !== undefined) setOwn(record, key, copied);
    }
    out = record;
  }
  seen.delete(value);
  return out;
}

/** A plain, encodable copy of `params` (an object), or a StripeInvalidParameterError naming the path. */
export function snapshot(params: unknown, name = 'params'): Record<string, unknown> {
  if (typeof params !== 'object' || params === null || Array.isArray(params) || params instanceof Date) {
    fail(name, `must be an object, got ${params === null ? 'null' : Array.isArray(params) ? 'an array' : typeof params}`);
  }
  return copy(params, '', new Set()) as Record<string, unknown>;
}
