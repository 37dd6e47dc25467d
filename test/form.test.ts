import { describe, expect, it } from 'vitest';
import { StripeInvalidParameterError } from '../src/index.js';
import { toFormString } from '../src/internal/form.js';
import { FORM_CASES } from './form-cases.js';

describe('form encoding (v1 bodies and queries)', () => {
  it.each(FORM_CASES)('$name', ({ params, wire }) => {
    expect(toFormString(params)).toBe(wire);
  });

  it.each([
    ['NaN', { payload: { value: Number.NaN } }, 'payload[value]'],
    ['Infinity', { limit: Number.POSITIVE_INFINITY }, 'limit'],
    ['an invalid Date', { timestamp: new Date('nope') }, 'timestamp'],
    ['a function', { display_name: () => 'x' }, 'display_name'],
    ['a symbol', { items: [Symbol('x')] }, 'items[0]'],
  ])('refuses %s, naming the parameter', (_, params, param) => {
    expect(() => toFormString(params)).toThrow(StripeInvalidParameterError);
    try {
      toFormString(params);
    } catch (e) {
      expect((e as StripeInvalidParameterError).param).toBe(param);
    }
  });
});
