import { describe, expect, it } from 'vitest';
import { OPERATIONS } from '../generated/rules.js';
import { findObjectProblem } from '../src/internal/rule-check.js';

const create = OPERATIONS.PostBillingMeters.params;
const METER = { display_name: 'x', event_name: 'e', default_aggregation: { formula: 'sum' } };

describe('checking params against the generated rules', () => {
  it.each([
    ['a valid meter', METER, undefined],
    ['a missing field', { display_name: 'x', default_aggregation: { formula: 'sum' } }, ['event_name', 'missing', 'event_name is required']],
    ['a nested missing field', { ...METER, customer_mapping: { type: 'by_id' } }, ['customer_mapping[event_payload_key]', 'missing', 'customer_mapping[event_payload_key] is required']],
    ['a bad enum', { ...METER, default_aggregation: { formula: 'avg' } }, ['default_aggregation[formula]', 'enum', 'default_aggregation[formula] must be one of "count", "sum", "last", got "avg"']],
    ['too long', { ...METER, display_name: 'x'.repeat(251) }, ['display_name', 'length', 'display_name must be at most 250 characters, got 251']],
    ['a wrong type', { ...METER, expand: 'x' }, ['expand', 'type', 'expand must be an array, got "x"']],
    ['not an object', 'x', ['params', 'type', 'params must be an object, got "x"']],
  ])('%s', (_, params, expected) => {
    const problem = findObjectProblem(create, params, '');
    expect(problem === undefined ? undefined : [problem.param, problem.kind, problem.message]).toEqual(expected);
  });

  it('unknown keys pass unless refused', () => {
    expect(findObjectProblem(create, { ...METER, colour: 'red' }, '')).toBeUndefined();
    expect(findObjectProblem(create, { ...METER, colour: 'red' }, '', { refuseUnknown: true })).toMatchObject({ param: 'colour', kind: 'unknown', message: 'Received unknown parameter: colour' });
  });

  it('ranges, item counts and form values', () => {
    const list = OPERATIONS.GetBillingMeters.params;
    expect(findObjectProblem(list, { limit: 0 }, '')?.message).toBe('limit must be at least 1, got 0');
    expect(findObjectProblem(list, { limit: 1.5 }, '')?.message).toBe('limit must be an integer, got 1.5');
    expect(findObjectProblem(list, { limit: '100' }, '', { form: true })).toBeUndefined();
    expect(findObjectProblem(list, { limit: '1e2' }, '', { form: true })?.kind).toBe('type');
    // A form integer is digits only: "10.0" is a number, not an integer (as Stripe refuses it).
    expect(findObjectProblem(list, { limit: '10.0' }, '', { form: true })?.message).toBe('limit must be an integer, got "10.0"');
    expect(findObjectProblem(list, { limit: '101' }, '', { form: true })?.message).toBe('limit must be at most 100, got 101');
    const stream = OPERATIONS.PostV2BillingMeterEventStream.params;
    expect(findObjectProblem(stream, { events: [] }, '')?.message).toBe('events must hold at least 1 item, got 0');
    const event = { event_name: 'e', payload: { value: '1' } };
    expect(findObjectProblem(stream, { events: Array(101).fill(event) }, '')?.message).toBe('events must hold at most 100 items, got 101');
    expect(findObjectProblem(stream, { events: [event, { ...event, payload: { value: 1 } }] }, '')?.param).toBe('events[1][payload][value]');
  });
});
