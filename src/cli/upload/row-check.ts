// The checks a row must pass before it is sent, as Stripe would apply them: the timestamp (format
// and the 35-day/5-minute window), an active meter for the event name, the meter's customer and
// value payload keys, a numeric value. A row that fails is refused locally, with the reason.
import { OPERATIONS } from '../../../generated/rules.js';
import type { Meter } from '../../index.js';
import { parseTimestamp } from '../time.js';
import { deriveIdentifier } from './identifier.js';
import type { RowFields } from './rows.js';

const EVENT_PARAMS = OPERATIONS.PostBillingMeterEvents.params.properties;
export const MAX_IDENTIFIER = EVENT_PARAMS.identifier.maxLength;
const MAX_EVENT_NAME = EVENT_PARAMS.event_name.maxLength;
/** Stripe's window for an event's timestamp: at most 35 days back, 5 minutes ahead (clock drift). */
export const MAX_AGE_SECONDS = 35 * 86_400;
export const MAX_AHEAD_SECONDS = 5 * 60;
/** Payload values are strings of at most 100 characters (the meter event object's limit; the spec states none). */
const MAX_PAYLOAD_VALUE = 100;
/** From API version 2026-04-22, values with more significant digits are refused. */
const MAX_SIGNIFICANT_DIGITS = 15;

export interface MeterRules {
  id: string;
  active: boolean;
  customerKey: string;
  valueKey: string;
}

/** The meters by event name; an active meter wins over an inactive one with the same name. */
export function meterIndex(meters: Iterable<Meter>): Map<string, MeterRules> {
  const index = new Map<string, MeterRules>();
  for (const m of meters) {
    if (index.get(m.event_name)?.active === true) continue;
    index.set(m.event_name, {
      id: m.id,
      active: m.status === 'active',
      customerKey: m.customer_mapping?.event_payload_key ?? 'stripe_customer_id',
      valueKey: m.value_settings?.event_payload_key ?? 'value',
    });
  }
  return index;
}

/** An event ready to send: timestamp in unix seconds, payload values as strings. */
export interface CheckedEvent {
  identifier: string;
  event_name: string;
  timestamp: number;
  payload: Record<string, string>;
}

const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$/;

const SHORT_INTEGER = /^\d{1,15}$/;

export function valueProblem(value: string, key: string): string | undefined {
  if (SHORT_INTEGER.test(value)) return undefined;
  if (!DECIMAL.test(value)) return `payload_${key} "${value}" is not a number`;
  const [whole = '', fraction = ''] = value.replace(/^[+-]/, '').split('.');
  const significant = (whole + fraction.replace(/0+$/, '')).replace(/^0+/, '').length;
  if (significant > MAX_SIGNIFICANT_DIGITS) return `payload_${key} "${value}" has more than ${MAX_SIGNIFICANT_DIGITS} significant digits`;
  return undefined;
}

export function checkRow(fields: RowFields, row: number, meters: Map<string, MeterRules>, nowSeconds: number): CheckedEvent | string {
  if (fields.problem !== undefined) return fields.problem;
  const { event_name: name, payload } = fields;
  if (name === '') return 'event_name is empty';
  if (name.length > MAX_EVENT_NAME) return `event_name is longer than ${MAX_EVENT_NAME} characters`;
  if (fields.identifier !== undefined && fields.identifier.length > MAX_IDENTIFIER) return `identifier is longer than ${MAX_IDENTIFIER} characters`;
  const timestamp = parseTimestamp(fields.timestamp);
  if (typeof timestamp === 'string') return timestamp;
  if (timestamp < nowSeconds - MAX_AGE_SECONDS) return `timestamp ${fields.timestamp} is more than 35 days in the past (Stripe refuses it)`;
  if (timestamp > nowSeconds + MAX_AHEAD_SECONDS) return `timestamp ${fields.timestamp} is more than 5 minutes in the future (Stripe refuses it)`;
  const meter = meters.get(name);
  if (meter === undefined) return `no active meter for event_name "${name}"`;
  if (!meter.active) return `the meter for event_name "${name}" (${meter.id}) is inactive`;
  if (payload[meter.customerKey] === undefined) return `payload_${meter.customerKey} is missing (the customer key of meter ${meter.id})`;
  const value = payload[meter.valueKey];
  if (value === undefined) return `payload_${meter.valueKey} is missing (the value key of meter ${meter.id})`;
  const problem = valueProblem(value, meter.valueKey);
  if (problem !== undefined) return problem;
  for (const key in payload) if ((payload[key] ?? '').length > MAX_PAYLOAD_VALUE) return `payload_${key} is longer than ${MAX_PAYLOAD_VALUE} characters`;
  return { identifier: fields.identifier ?? deriveIdentifier(row, name, timestamp, payload), event_name: name, timestamp, payload };
}
