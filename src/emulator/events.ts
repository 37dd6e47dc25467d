// The rules every meter event meets, whichever endpoint brought it (v1, v2 or the stream): an
// active meter for its name, a fresh identifier, a timestamp within 35 days back and 5 minutes
// ahead, the meter's customer and value keys, a valid value. Each endpoint decides which broken
// rule is refused at once and which is reported later (error-reports.ts).
import type { Context } from './context.js';
import type { MeterErrorCode } from './error-reports.js';
import { Account, CANCEL_WINDOW_SECONDS, type MeterRecord } from './state.js';

/** An event as decoded from any endpoint. */
export interface IncomingEvent {
  event_name: string;
  payload: Record<string, string>;
  identifier: string | undefined;
  /** @unit unix seconds, fractions allowed; undefined means now */
  timestamp: number | undefined;
}

export interface EventRules {
  identifierWindowSeconds: number;
  values: 'decimal' | 'integer';
  /** At most 15 significant digits (Stripe, from API version 2026-04-22.dahlia). */
  limitDigits: boolean;
  customerExists: ((customer: string, account: string | undefined) => boolean) | undefined;
}

export type EventProblem =
  | { kind: 'no_meter' }
  | { kind: 'archived_meter'; record: MeterRecord }
  | { kind: 'duplicate'; record: MeterRecord }
  | { kind: 'too_old'; record: MeterRecord; min: number }
  | { kind: 'too_new'; record: MeterRecord; max: number }
  | { kind: 'no_customer'; record: MeterRecord; key: string }
  | { kind: 'no_value'; record: MeterRecord; key: string }
  | { kind: 'invalid_value'; record: MeterRecord; key: string; value: string }
  | { kind: 'too_many_digits'; record: MeterRecord; key: string; value: string }
  | { kind: 'customer_not_found'; record: MeterRecord; customer: string };

export interface ValidEvent {
  record: MeterRecord;
  customer: string;
  value: number;
  ts: number;
}

export const MAX_AGE_SECONDS = 35 * 24 * 3600;
export const MAX_AHEAD_SECONDS = 5 * 60;
export const MAX_DIGITS = 15;
const DECIMAL = /^-?(\d+\.?\d*|\.\d+)$/;
const INTEGER = /^-?\d+$/;

const significantDigits = (text: string) => text.replace(/[-.]/g, '').replace(/^0+/, '').length;

/** The first rule `event` breaks, or what it counts for. `now` in unix seconds. */
export function checkEvent(account: Account, event: IncomingEvent, now: number, rules: EventRules): EventProblem | ValidEvent {
  const record = account.byEventName.get(event.event_name);
  if (record === undefined) return { kind: 'no_meter' };
  const { meter } = record;
  if (meter.status !== 'active') return { kind: 'archived_meter', record };
  if (event.identifier !== undefined) {
    const earlier = account.locate(event.identifier);
    if (earlier !== undefined && now - earlier.received < rules.identifierWindowSeconds) return { kind: 'duplicate', record };
  }
  const ts = event.timestamp ?? now;
  if (ts < now - MAX_AGE_SECONDS) return { kind: 'too_old', record, min: Math.ceil(now - MAX_AGE_SECONDS) };
  if (ts > now + MAX_AHEAD_SECONDS) return { kind: 'too_new', record, max: Math.floor(now + MAX_AHEAD_SECONDS) };
  const customerKey = meter.customer_mapping.event_payload_key;
  const customer = event.payload[customerKey];
  if (customer === undefined || customer === '') return { kind: 'no_customer', record, key: customerKey };
  let value = 1;
  // A count meter counts events; their value is not read.
  if (meter.default_aggregation.formula !== 'count') {
    const key = meter.value_settings.event_payload_key;
    const text = event.payload[key];
    if (text === undefined) return { kind: 'no_value', record, key };
    value = Number(text);
    if (!(rules.values === 'integer' ? INTEGER : DECIMAL).test(text) || !Number.isFinite(value)) return { kind: 'invalid_value', record, key, value: text };
    if (rules.limitDigits && significantDigits(text) > MAX_DIGITS) return { kind: 'too_many_digits', record, key, value: text };
  }
  if (rules.customerExists !== undefined && !rules.customerExists(customer, account.id)) return { kind: 'customer_not_found', record, customer };
  return { record, customer, value, ts };
}

export const isProblem = (checked: EventProblem | ValidEvent): checked is EventProblem => 'kind' in checked;

/** Counts a valid event; `received` in unix seconds. */
export function ingest(account: Account, valid: ValidEvent, identifier: string | undefined, received: number, rules: EventRules): void {
  const series = account.seriesFor(valid.record, valid.customer);
  const position = series.append(valid.ts, valid.value, received);
  if (identifier !== undefined) account.remember(identifier, series, position, Math.max(rules.identifierWindowSeconds, CANCEL_WINDOW_SECONDS));
}

/** How a problem found after the event was accepted shows in the error reports. */
export function asyncFailure(problem: Exclude<EventProblem, { kind: 'duplicate' }>, event: IncomingEvent): { code: MeterErrorCode; message: string } {
  switch (problem.kind) {
    case 'no_meter':
      return { code: 'no_meter', message: `No meter was found matching event_name ${event.event_name}.` };
    case 'archived_meter':
      return { code: 'archived_meter', message: `The meter ${problem.record.meter.id} for event_name ${event.event_name} is inactive; it accepts no events.` };
    case 'too_old':
      return { code: 'timestamp_too_far_in_past', message: `The event timestamp cannot be more than 35 days in past. Expected a timestamp greater than or equal to ${problem.min}.` };
    case 'too_new':
      return { code: 'timestamp_in_future', message: `The event timestamp cannot be more than 5 minutes in the future. Expected a timestamp less than or equal to ${problem.max}.` };
    case 'no_customer':
      return { code: 'meter_event_no_customer_defined', message: `Customer mapping key ${problem.key} not found in payload.` };
    case 'no_value':
      return { code: 'meter_event_value_not_found', message: `Value settings key ${problem.key} not found in payload.` };
    case 'invalid_value':
      return { code: 'meter_event_invalid_value', message: `The value ${JSON.stringify(problem.value)} under ${problem.key} is not a valid number.` };
    case 'too_many_digits':
      return { code: 'meter_event_value_too_many_digits', message: `The value in the event payload can have at most ${MAX_DIGITS} digits. Received ${problem.value}.` };
    case 'customer_not_found':
      return { code: 'meter_event_customer_not_found', message: `No such customer: '${problem.customer}'.` };
  }
}

/** Keeps an event that was accepted but does not count, for the error reports. */
export function reportFailure(context: Context, problem: Exclude<EventProblem, { kind: 'duplicate' }>, event: IncomingEvent): void {
  context.state.reports.add({
    account: context.account.id,
    meterId: problem.kind === 'no_meter' ? undefined : problem.record.meter.id,
    eventName: event.event_name,
    ...asyncFailure(problem, event),
    identifier: event.identifier,
    idempotencyKey: context.idempotencyKey,
    atMs: context.nowMs,
  });
}
