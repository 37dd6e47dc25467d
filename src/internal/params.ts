// Params are read once, into a plain copy that can always be encoded: what the rules are checked
// against and what goes on the wire (so retries resend the same bytes). Anything that cannot be
// sent (a throwing getter, a symbol, a BigInt, a function, NaN, a cycle) is refused here, naming
// its path, before anything is sent.
import { StripeInvalidParameterError } from '../errors.js';

const join = (where: string, key: string | number) => (where === '' ? String(key) : `${where}[${key}]`);

// Deeper than any Stripe parameter; past it the params almost certainly contain a cycle.
const MAX_DEPTH = 20;

/** Sets own property `key`, even `__proto__` (which `out[key] = v` would turn into a prototype change). */
export function setOwn(out: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  else out[key] = value;
}

function copy(value: unknown, where: string, seen: Set<object>): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'boolean' || value === undefined) return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new StripeInvalidParameterError(where, `${where} must be a finite number, got ${value}`);
    return value;
  }
  if (typeof value !== 'object') {
    throw new StripeInvalidParameterError(where, `${where} cannot be sent to Stripe (got a ${typeof value === 'bigint' ? 'BigInt' : typeof value})`);
  }
  if (value instanceof Date) {
    if (!Number.isFinite(value.getTime())) throw new StripeInvalidParameterError(where, `${where} is an invalid Date`);
    return value;
  }
  if (seen.has(value)) throw new StripeInvalidParameterError(where, `${where} refers back to itself (a cycle cannot be sent)`);
  if (seen.size >= MAX_DEPTH) throw new StripeInvalidParameterError(where, `${where} is nested more than ${MAX_DEPTH} levels deep`);
  seen.add(value);
  let out: unknown;
  if (Array.isArray(value)) {
    out = Array.from({ length: value.length }, (_, i) => copy(read(value, i, where), join(where, i), seen));
  } else {
    const record: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
      const child = copy(read(value, key, where), join(where, key), seen);
      if (child !== undefined) setOwn(record, key, child);
    }
    out = record;
  }
  seen.delete(value);
  return out;
}

function read(from: object, key: string | number, where: string): unknown {
  try {
    return (from as Record<string | number, unknown>)[key];
  } catch (error) {
    const param = join(where, key);
    throw new StripeInvalidParameterError(param, `${param} could not be read: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** A plain, encodable copy of `params` (an object), or a StripeInvalidParameterError naming the path. */
export function snapshot(params: unknown, name = 'params'): Record<string, unknown> {
  if (typeof params !== 'object' || params === null || Array.isArray(params) || params instanceof Date) {
    throw new StripeInvalidParameterError(name, `${name} must be an object, got ${params === null ? 'null' : Array.isArray(params) ? 'an array' : typeof params}`);
  }
  return copy(params, '', new Set()) as Record<string, unknown>;
}
