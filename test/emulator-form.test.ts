// The emulator's reading of Stripe's v1 form encoding (the client's writing of it is covered by
// every in-process test, which sends through the public client).
import { describe, expect, it } from 'vitest';
import { OPERATIONS } from '../generated/rules.js';
import { decodeForm, findEmpty, shapeByRule } from '../src/emulator/form.js';

const plain = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

describe('emulator form decoding', () => {
  it('nests brackets, indexes arrays, decodes + and percent escapes', () => {
    expect(plain(decodeForm('a=1&b[c]=x%20y&b[d][e]=z+w&expand[0]=p&expand[1]=q&f[]=u&f[]=v&g=&h'))).toEqual({
      a: '1',
      b: { c: 'x y', d: { e: 'z w' } },
      expand: { 0: 'p', 1: 'q' },
      f: { 0: 'u', 1: 'v' },
      g: '',
      h: '',
    });
    expect(plain(decodeForm(''))).toEqual({});
    expect(plain(decodeForm('bad=%E0%A4%A'))).toEqual({ bad: '%E0%A4%A' });
  });

  it('keeps __proto__ a plain key', () => {
    const decoded = decodeForm('__proto__[polluted]=1&payload[__proto__]=2');
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(Object.keys(decoded)).toEqual(['__proto__', 'payload']);
  });

  it('reads Stripe-encoded params back', () => {
    const params = { event_name: 'api', payload: { stripe_customer_id: 'cus_1', value: '2.5', 'odd key&=': 'a=b&c' }, timestamp: 1700000000, expand: ['x', 'y'] };
    const encoded = 'event_name=api&payload[stripe_customer_id]=cus_1&payload[value]=2.5&payload[odd%20key%26%3D]=a%3Db%26c&timestamp=1700000000&expand[0]=x&expand[1]=y';
    const rule = OPERATIONS.PostBillingMeterEvents.params;
    const decoded = shapeByRule(rule, shapeByRule(rule, decodeForm(encoded), false), true);
    expect(plain(decoded)).toEqual(params);
  });

  it('makes arrays only where the rule has one, and numbers only where it has a number', () => {
    const rule = OPERATIONS.PostBillingMeterEvents.params;
    const decoded = shapeByRule(rule, decodeForm('payload[0]=a&payload[1]=b&timestamp=12&identifier=34'), true);
    expect(plain(decoded)).toEqual({ payload: { 0: 'a', 1: 'b' }, timestamp: 12, identifier: '34' });
    const list = OPERATIONS.GetBillingMeters.params;
    expect(plain(shapeByRule(list, decodeForm('expand[1]=b&expand[0]=a'), false))).toEqual({ expand: ['a', 'b'] });
    expect(plain(shapeByRule(list, decodeForm('expand[0]=a&expand[2]=c'), false))).toEqual({ expand: { 0: 'a', 2: 'c' } });
  });

  it('finds known params sent empty, not empty payload values', () => {
    const rule = OPERATIONS.PostBillingMeterEvents.params;
    expect(findEmpty(rule, decodeForm('event_name=&payload[x]=1'), '')).toBe('event_name');
    expect(findEmpty(rule, decodeForm('event_name=a&payload[x]='), '')).toBeUndefined();
    expect(findEmpty(OPERATIONS.PostBillingMeters.params, decodeForm('default_aggregation[formula]='), '')).toBe('default_aggregation[formula]');
  });
});
