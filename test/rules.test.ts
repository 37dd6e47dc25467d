// Stripe's rules (src/rules/) as pure functions: what each one decides, including the choices made
// where Stripe does not say. rule-table.test.ts runs the same cases through every caller.
import { describe, expect, it } from 'vitest';
import { StripeInvalidRequestError } from '../src/errors.js';
import { isDuplicateMeterEvent, duplicateMessage } from '../src/rules/duplicates.js';
import { eventShapeProblem } from '../src/rules/event-shape.js';
import { MAX_EVENT_AGE_SECONDS, MAX_EVENT_AHEAD_SECONDS, MAX_IDENTIFIER_LENGTH, MAX_PAYLOAD_VALUE_LENGTH } from '../src/rules/limits.js';
import { meterPayloadProblem, meterProblem, type MeterKeys } from '../src/rules/meter.js';
import { findObjectProblem } from '../src/rules/params.js';
import { payloadKeyProblem } from '../src/rules/payload.js';
import { loneSurrogateAt } from '../src/rules/strings.js';
import { summaryRangeProblem, widenSummaryRange } from '../src/rules/summaries.js';
import { parseRfc3339, timestampWindowProblem, unixSecondsProblem } from '../src/rules/timestamps.js';
import { decimalOfNumber, significantDigits, usageValueProblem } from '../src/rules/values.js';
import { EVENT_RULES } from '../src/rules/wire.js';

describe('usage values', () => {
  it.each(['0', '5', '-3', '2.5', '-0.25', '007', '0.000000000000001', '123456789012345', '12345678901234.5', '-99999999999999.9', '1.00000000000000'])('reads %s', (text) => {
    expect(usageValueProblem(text, 'payload[value]')).toBeUndefined();
  });

  it.each(['+5', '.5', '5.', '1e3', '1E3', ' 5', '5 ', 'NaN', 'Infinity', '0x10', '1_000', '1,5', '--1', '-', '', '٣'])('refuses %j: Stripe does not document it, so no path sends it', (text) => {
    expect(usageValueProblem(text, 'payload[value]')).toMatchObject({ code: 'meter_event_invalid_value', param: 'payload[value]', message: expect.stringMatching(/^payload\[value\] is ".*", which is not a decimal number/) });
  });

  it.each([
    ['1234567890123456', 16],
    ['1.0000000000000000', 17],
    ['1.234567890123450', 16],
    ['0.0000000000000001234567890123456', 16],
    ['-1000000000000000', 16],
  ])('refuses %s (%i significant digits) in Stripe words', (text, digits) => {
    expect(significantDigits(text)).toBe(digits);
    expect(usageValueProblem(text, 'payload[value]')).toEqual({ code: 'meter_event_value_too_many_digits', param: 'payload[value]', message: `The value in the event payload can have at most 15 digits. Received ${text}.` });
    expect(usageValueProblem(text, 'payload[value]', { limitDigits: false })).toBeUndefined();
  });

  it('counts significant digits as a decimal type counts precision: leading zeros no, trailing zeros yes, zero one', () => {
    expect(['0', '0.0', '-0', '000', '0.000000000000000000'].map(significantDigits)).toEqual([1, 1, 1, 1, 1]);
    expect(['10', '1.0', '0.10', '100.001'].map(significantDigits)).toEqual([2, 2, 2, 6]);
  });

  it('whole numbers only when asked (the emulator\'s integer mode)', () => {
    expect(usageValueProblem('12', 'v', { syntax: 'integer' })).toBeUndefined();
    expect(usageValueProblem('1.5', 'v', { syntax: 'integer' })?.message).toBe('v is "1.5", which is not a whole number (digits and an optional minus sign, such as 12 or -3)');
  });

  it('writes numbers as decimals, refusing those Stripe would not read', () => {
    expect(decimalOfNumber(5, 'p')).toBe('5');
    expect(decimalOfNumber(-0.25, 'p')).toBe('-0.25');
    expect(decimalOfNumber(-0, 'p')).toBe('0');
    expect(decimalOfNumber(0.1 + 0.2, 'p')).toMatchObject({ code: 'meter_event_value_too_many_digits', message: 'The value in the event payload can have at most 15 digits. Received 0.30000000000000004.' });
    expect(decimalOfNumber(1e21, 'p')).toMatchObject({ code: 'payload_value_invalid', message: 'p is 1e+21, which JavaScript writes with an exponent; pass the value as a decimal string instead' });
    expect(decimalOfNumber(Number.POSITIVE_INFINITY, 'p')).toMatchObject({ message: 'p must be a finite number, got Infinity' });
  });
});

describe('timestamps', () => {
  const now = 1_800_000_000;
  it('RFC 3339 with a time zone, on a real calendar', () => {
    expect(parseRfc3339('2026-11-22T10:00:00Z')).toBe(Date.UTC(2026, 10, 22, 10));
    expect(parseRfc3339('2026-11-22t15:30:00.5+05:30')).toBe(Date.UTC(2026, 10, 22, 10, 0, 0, 500));
    expect(parseRfc3339('2024-02-29T00:00:00Z')).toBe(Date.UTC(2024, 1, 29));
    for (const bad of ['2026-11-22T10:00:00', '2026-11-22 10:00:00Z', '2026-11-22', '2025-02-29T00:00:00Z', '2026-11-22T24:00:00Z', '2026-11-22T10:60:00Z', '2026-11-22T10:00:00+24:00', '1700000000', '2026-11-22T10:00Z']) {
      expect(parseRfc3339(bad), bad).toBeUndefined();
    }
  });

  it('v1 takes whole seconds; a value this large is milliseconds', () => {
    expect(unixSecondsProblem(now, 't')).toBeUndefined();
    expect(unixSecondsProblem(now + 0.5, 't')?.message).toBe('t must be a unix timestamp in whole seconds, got 1800000000.5');
    expect(unixSecondsProblem(now * 1000, 't')?.message).toBe('t is 1800000000000, which is milliseconds; unix timestamps are in seconds');
  });

  it('Stripe\'s window checked exactly (the emulator), with the skew allowed (the client) or avoided (the command line)', () => {
    const oldest = now - MAX_EVENT_AGE_SECONDS;
    const latest = now + MAX_EVENT_AHEAD_SECONDS;
    const verdict = (t: number) => (['none', 'allow', 'avoid'] as const).map((skew) => timestampWindowProblem(t, now, 'timestamp', skew)?.code ?? 'ok');
    expect(verdict(oldest - 61)).toEqual(['timestamp_too_far_in_past', 'timestamp_too_far_in_past', 'timestamp_too_far_in_past']);
    expect(verdict(oldest - 1)).toEqual(['timestamp_too_far_in_past', 'ok', 'timestamp_too_far_in_past']);
    expect(verdict(oldest)).toEqual(['ok', 'ok', 'timestamp_too_far_in_past']);
    expect(verdict(oldest + 60)).toEqual(['ok', 'ok', 'ok']);
    expect(verdict(latest - 60)).toEqual(['ok', 'ok', 'ok']);
    expect(verdict(latest)).toEqual(['ok', 'ok', 'timestamp_in_future']);
    expect(verdict(latest + 1)).toEqual(['timestamp_in_future', 'ok', 'timestamp_in_future']);
    expect(verdict(latest + 61)).toEqual(['timestamp_in_future', 'timestamp_in_future', 'timestamp_in_future']);
    expect(timestampWindowProblem(oldest - 1, now, 'timestamp', 'none')?.message).toBe(`The event timestamp cannot be more than 35 days in past. Expected a timestamp greater than or equal to ${oldest}.`);
    expect(timestampWindowProblem(latest + 1, now, 'timestamp', 'none')?.message).toBe(`The event timestamp cannot be more than 5 minutes in the future. Expected a timestamp less than or equal to ${latest}.`);
    expect(timestampWindowProblem(oldest + 1, now, 'timestamp', 'avoid')?.message).toBe(`The event timestamp is within 60 seconds of Stripe's limit of 35 days in the past, so Stripe may refuse it by the time it arrives. Expected a timestamp greater than or equal to ${oldest + 60}.`);
  });
});

describe('identifiers, names and payloads', () => {
  const event = { event_name: 'api', identifier: 'id-1', payload: { stripe_customer_id: 'cus_1', value: '5' } };

  it('lengths are the spec\'s (generated), on every wire', () => {
    expect(MAX_IDENTIFIER_LENGTH).toBe(EVENT_RULES.stream.properties['identifier']?.type === 'string' ? EVENT_RULES.stream.properties['identifier'].maxLength : -1);
    for (const wire of ['v1', 'v2', 'stream'] as const) {
      const rule = EVENT_RULES[wire];
      expect(findObjectProblem(rule, { ...event, identifier: 'i'.repeat(MAX_IDENTIFIER_LENGTH + 1) }, '')?.message, wire).toBe(`identifier must be at most ${MAX_IDENTIFIER_LENGTH} characters, got ${MAX_IDENTIFIER_LENGTH + 1}`);
      expect(findObjectProblem(rule, { ...event, payload: { note: 'n'.repeat(MAX_PAYLOAD_VALUE_LENGTH + 1) } }, '')?.message, wire).toBe(`payload[note] must be at most ${MAX_PAYLOAD_VALUE_LENGTH} characters, got ${MAX_PAYLOAD_VALUE_LENGTH + 1}`);
    }
  });

  it('strings must be well-formed Unicode: a lone surrogate is refused naming the parameter, a pair is fine', () => {
    expect(loneSurrogateAt('a😀b')).toBe(-1);
    expect(loneSurrogateAt('ab\ud83d')).toBe(2);
    expect(loneSurrogateAt('\ude00x')).toBe(0);
    expect(findObjectProblem(EVENT_RULES.v1, { ...event, identifier: 'id-\ud800' }, '')).toEqual({ param: 'identifier', kind: 'unicode', message: 'identifier is not well-formed Unicode: it holds a lone surrogate (U+D800) at index 3, which cannot be sent' });
    expect(findObjectProblem(EVENT_RULES.stream, { ...event, payload: { ['k\udfff']: '1' } }, 'events[2]')?.message).toBe('the key of events[2][payload][k\udfff] is not well-formed Unicode: it holds a lone surrogate (U+DFFF) at index 1, which cannot be sent');
    expect(findObjectProblem(EVENT_RULES.v2, { ...event, event_name: '\ud800' }, '')?.kind).toBe('unicode');
  });

  it('names and identifiers are not empty; payload keys are named, bracket-free and short enough for a meter to read', () => {
    expect(eventShapeProblem(event, '')).toBeUndefined();
    expect(eventShapeProblem({ ...event, event_name: '' }, 'events[0]')).toEqual({ code: 'event_name_invalid', param: 'events[0][event_name]', message: 'events[0][event_name] must not be empty' });
    expect(eventShapeProblem({ ...event, identifier: '' }, '')?.message).toBe('identifier must not be empty (leave it out and one is generated)');
    expect(payloadKeyProblem('', 'payload')?.message).toBe('payload has an empty key; Stripe reads only named keys');
    expect(payloadKeyProblem('a[b]', 'payload')?.message).toBe('payload has the key "a[b]"; keys cannot hold [ or ], which v1\'s form encoding reads as nesting');
    expect(payloadKeyProblem('k'.repeat(101), 'payload')?.message).toBe('payload has a key of 101 characters; a meter reads keys of at most 100');
    expect(payloadKeyProblem('k'.repeat(100), 'payload')).toBeUndefined();
    expect(payloadKeyProblem('__proto__', 'payload')).toBeUndefined();
  });
});

describe('an event against its meter', () => {
  const sum: MeterKeys = { id: 'mtr_1', active: true, formula: 'sum', customerKey: 'account', valueKey: 'tokens' };
  it('needs an active meter, the customer and (unless it counts) a value it reads', () => {
    expect(meterProblem('api', undefined)?.message).toBe('No meter was found matching event_name api.');
    expect(meterProblem('api', { ...sum, active: false })?.message).toBe('The meter mtr_1 for event_name api is inactive; it accepts no events.');
    expect(meterPayloadProblem({ tokens: '1' }, sum)).toMatchObject({ code: 'meter_event_no_customer_defined', param: 'payload[account]', message: 'Customer mapping key account not found in payload.' });
    expect(meterPayloadProblem({ account: '', tokens: '1' }, sum)?.code).toBe('meter_event_no_customer_defined');
    expect(meterPayloadProblem({ account: 'c' }, sum)).toMatchObject({ code: 'meter_event_value_not_found', message: 'Value settings key tokens not found in payload.' });
    expect(meterPayloadProblem({ account: 'c', tokens: 'x' }, sum)?.code).toBe('meter_event_invalid_value');
    expect(meterPayloadProblem({ account: 'c', tokens: '2.5' }, sum)).toBeUndefined();
    expect(meterPayloadProblem({ account: 'c', tokens: 'x' }, { ...sum, formula: 'count' })).toBeUndefined();
    // A key inherited from Object.prototype is not in the payload.
    expect(meterPayloadProblem({ tokens: '1' }, { ...sum, customerKey: 'constructor' })?.code).toBe('meter_event_no_customer_defined');
  });
});

describe('summary bounds', () => {
  it('minute, hour or UTC day boundaries, end after start; widened when they are not', () => {
    expect(summaryRangeProblem(3600, 7200, 'hour')).toBeUndefined();
    expect(summaryRangeProblem(60, 120, undefined)).toBeUndefined();
    expect(summaryRangeProblem(61, 120, undefined)).toEqual({ code: 'summary_misaligned', param: 'start_time', message: 'start_time must be aligned to a minute boundary (a multiple of 60 seconds); got 61.' });
    expect(summaryRangeProblem(3600, 5400, 'hour')?.message).toBe('end_time must be aligned to an hour boundary (a multiple of 3600 seconds) when value_grouping_window is hour; got 5400.');
    expect(summaryRangeProblem(3600, 86_400, 'day')?.message).toBe('start_time must be aligned to 00:00 UTC (a multiple of 86400 seconds) when value_grouping_window is day; got 3600.');
    expect(summaryRangeProblem(120, 120, undefined)).toMatchObject({ code: 'summary_range_empty', param: 'end_time' });
    for (const window of [undefined, 'hour', 'day'] as const) {
      for (const [from, to] of [[61, 62], [3601, 90_000], [0, 1], [86_399, 86_401]]) {
        const { start, end } = widenSummaryRange(from as number, to as number, window);
        expect(summaryRangeProblem(start, end, window)).toBeUndefined();
        expect(start <= (from as number) && end >= (to as number)).toBe(true);
      }
    }
  });
});

describe('duplicates', () => {
  const v1 = new StripeInvalidRequestError({ message: duplicateMessage('id-7'), raw: { type: 'invalid_request_error', message: duplicateMessage('id-7') }, statusCode: 400 });
  const v2 = new StripeInvalidRequestError({ message: 'x', raw: { type: 'invalid_request_error', code: 'duplicate_meter_event', message: 'x' }, statusCode: 400 });
  it('recognises v1\'s message (of one identifier) and v2\'s code, and nothing else', () => {
    expect(isDuplicateMeterEvent(v1)).toBe(true);
    expect(isDuplicateMeterEvent(v1, 'id-7')).toBe(true);
    expect(isDuplicateMeterEvent(v1, 'id-8')).toBe(false);
    expect(isDuplicateMeterEvent(v2)).toBe(true);
    expect(isDuplicateMeterEvent(new StripeInvalidRequestError({ message: duplicateMessage('a'), raw: { code: 'other', message: duplicateMessage('a') } }))).toBe(false);
    expect(isDuplicateMeterEvent(new Error(duplicateMessage('a')))).toBe(false);
  });
});
