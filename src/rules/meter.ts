// The rules of one meter event against the meter its name selects: the meter exists and is
// active, the payload holds the customer under the meter's customer key and a usage value Stripe
// reads under its value key (a `count` meter counts events and reads no value).
import { join, problem, type RuleProblem } from './problem.js';
import { usageValueProblem, type ValueOptions } from './values.js';

/** What the rules need to know of a meter. */
export interface MeterKeys {
  id: string;
  active: boolean;
  formula: 'sum' | 'count' | 'last';
  /** customer_mapping.event_payload_key (default `stripe_customer_id`). */
  customerKey: string;
  /** value_settings.event_payload_key (default `value`). */
  valueKey: string;
}

/** The rule's keys of a meter object as Stripe returns it. */
export function meterKeys(meter: {
  id: string;
  status: string;
  default_aggregation: { formula: string };
  customer_mapping?: { event_payload_key: string } | null;
  value_settings?: { event_payload_key: string } | null;
}): MeterKeys {
  const formula = meter.default_aggregation.formula;
  return {
    id: meter.id,
    active: meter.status === 'active',
    formula: formula === 'count' || formula === 'last' ? formula : 'sum',
    customerKey: meter.customer_mapping?.event_payload_key ?? 'stripe_customer_id',
    valueKey: meter.value_settings?.event_payload_key ?? 'value',
  };
}

/** The problem of an event name that selects no active meter, or undefined. */
export function meterProblem(eventName: string, meter: MeterKeys | undefined, where = ''): RuleProblem | undefined {
  const param = join(where, 'event_name');
  // Stripe's own words (its no_meter error reports).
  if (meter === undefined) return problem('no_meter', param, `No meter was found matching event_name ${eventName}.`);
  if (!meter.active) return problem('archived_meter', param, `The meter ${meter.id} for event_name ${eventName} is inactive; it accepts no events.`);
  return undefined;
}

/** The first problem of a payload read by `meter`, or undefined. `where` names the payload. */
export function meterPayloadProblem(payload: Readonly<Record<string, string>>, meter: MeterKeys, where = 'payload', options: ValueOptions = {}): RuleProblem | undefined {
  const customer = Object.hasOwn(payload, meter.customerKey) ? payload[meter.customerKey] : undefined;
  // Stripe's own words.
  if (customer === undefined || customer === '') return problem('meter_event_no_customer_defined', join(where, meter.customerKey), `Customer mapping key ${meter.customerKey} not found in payload.`);
  if (meter.formula === 'count') return undefined;
  const value = Object.hasOwn(payload, meter.valueKey) ? payload[meter.valueKey] : undefined;
  if (value === undefined) return problem('meter_event_value_not_found', join(where, meter.valueKey), `Value settings key ${meter.valueKey} not found in payload.`);
  return usageValueProblem(value, join(where, meter.valueKey), options);
}
