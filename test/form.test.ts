import { describe, expect, it } from 'vitest';
import { StripeInvalidParameterError } from '../src/index.js';
import { toFormString } from '../src/internal/form.js';
import { snapshot } from '../src/internal/params.js';
import { FORM_CASES } from './form-cases.js';

describe('form encoding (v1 bodies and queries)', () => {
  it.each(FORM_CASES)('$name', ({ params, wire }) => {
    expect(toFormString(snapshot(params))).toBe(wire);
  });

  it('keeps keys such as __proto__ and constructor, as the official package does', () => {
    const payload = JSON.parse('{"__proto__":"5","constructor":"6"}') as Record<string, string>;
    expect(toFormString(snapshot({ payload }))).toBe('payload[__proto__]=5&payload[constructor]=6');
  });
});

describe('params snapshot: what cannot be sent is refused, naming the path', () => {
  const getter = Object.defineProperty({ a: 1 }, 'boom', {
    enumerable: true,
    get() {
      throw new Error('getter boom');
    },
  });
  const cycle: Record<string, unknown> = { a: { b: 1 } };
  (cycle['a'] as Record<string, unknown>)['self'] = cycle;
  it.each([
    ['NaN', { payload: { value: Number.NaN } }, 'payload[value]', 'payload[value] must be a finite number, got NaN'],
    ['Infinity', { limit: Number.POSITIVE_INFINITY }, 'limit', 'limit must be a finite number, got Infinity'],
    ['an invalid Date', { timestamp: new Date('nope') }, 'timestamp', 'timestamp is an invalid Date'],
    ['a function', { display_name: () => 'x' }, 'display_name', 'display_name cannot be sent to Stripe (got a function)'],
    ['a symbol', { items: [Symbol('x')] }, 'items[0]', 'items[0] cannot be sent to Stripe (got a symbol)'],
    ['a BigInt', { limit: 10n }, 'limit', 'limit cannot be sent to Stripe (got a BigInt)'],
    ['a throwing getter', { nested: getter }, 'nested[boom]', 'nested[boom] could not be read: getter boom'],
    ['a cycle', cycle, 'a[self]', 'a[self] refers back to itself (a cycle cannot be sent)'],
    ['not an object', 'x', 'params', 'params must be an object, got string'],
  ])('%s', (_, params, param, message) => {
    let error: unknown;
    try {
      snapshot(params);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(StripeInvalidParameterError);
    expect((error as StripeInvalidParameterError).param).toBe(param);
    expect((error as Error).message).toBe(message);
  });

  it('reads each value once and copies it, so a retry resends the same bytes', () => {
    let reads = 0;
    const params = Object.defineProperty({}, 'display_name', { enumerable: true, get: () => `name ${++reads}` });
    const copy = snapshot(params);
    expect(copy).toEqual({ display_name: 'name 1' });
    expect(toFormString(copy)).toBe(toFormString(copy));
    expect(reads).toBe(1);
  });
});
